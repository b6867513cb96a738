//! The subject of a check or render command, low level: what `--csr` (or
//! `--md5`/`--sha256`), the DOMAIN arguments and the CA flags (`--ca`,
//! `--ca-profile`, `--token`, `--account`, `--persist`) mean, each read
//! once: the names, the hashes, the expectation and the CA profile.

use crate::artifacts::{Expectation, Hashes, HexDigest};
use crate::ca::Token;
use crate::cli::{CaOptions, CheckSource, Source};
use crate::dns::HostValue;
use crate::error::{Error, Result};
use crate::exit_codes::ExitCode;
use crate::input::{self, LoadedCsr};
use crate::names::{DnsName, Rejection};
use crate::output::Output;
use crate::persistent_txt::PersistExpect;
use crate::preflight::{self, Finding};
use crate::profile::{Profile, Profiles};

/// `check --method txt --random-value VALUE DOMAIN...`: the names without
/// a CSR, and no CSR-hash expectation.
pub(super) fn portal_subject(source: &CheckSource, ca: &CaOptions) -> Result<Subject> {
    // An unknown --ca is bad usage, said before anything else.
    profile(ca)?;
    let (domains, rejected) = domain_arguments(&source.domains);
    if domains.is_empty() && rejected.is_empty() {
        return Err(Error::Usage(
            "no names to check: with --random-value, name the domains (DOMAIN...) or give --csr"
                .into(),
        ));
    }
    Ok(Subject::portal(domains, rejected))
}

/// DOMAIN arguments as names, deduplicated, the invalid ones set apart.
pub fn domain_arguments(raw: &[String]) -> (Vec<DnsName>, Vec<Rejection>) {
    let mut domains = Vec::new();
    let mut rejected = Vec::new();
    // A set beside the list: thousands of names, each compared once.
    let mut seen = std::collections::HashSet::new();
    for r in raw {
        match DnsName::from_user(r) {
            Ok(name) if seen.insert(name.clone()) => domains.push(name),
            Ok(_) => {}
            Err(rej) => rejected.push(rej),
        }
    }
    (domains, rejected)
}

/// The names to work on and the values that derive the artifacts.
pub struct Subject {
    pub expectation: Expectation,
    pub domains: Vec<DnsName>,
    pub rejected: Vec<Rejection>,
    /// The CSR's preflight findings (none without a CSR), with its file.
    pub findings: Vec<Finding>,
    pub csr_file: Option<String>,
}

impl Subject {
    /// Names checked for portal-issued values (`--random-value`) only: no
    /// CSR, so no hashes, tag or findings.
    pub fn portal(domains: Vec<DnsName>, rejected: Vec<Rejection>) -> Subject {
        Subject {
            expectation: Expectation {
                hashes: Hashes {
                    md5: String::new(),
                    sha256: String::new(),
                },
                tag: String::new(),
                token: None,
            },
            domains,
            rejected,
            findings: Vec::new(),
            csr_file: None,
        }
    }

    /// Rejected names make the command fail (exit 1): the CA refuses the
    /// whole order when one name is invalid.
    pub fn exit_code(&self) -> ExitCode {
        if self.rejected.is_empty() {
            ExitCode::Success
        } else {
            ExitCode::CheckFailed
        }
    }
}

/// The expectation for a CA profile, tag override and token; the CA must
/// have the methods built from the CSR's hashes (a tag).
pub fn expectation(hashes: Hashes, ca: &CaOptions) -> Result<Expectation> {
    let exp = lenient_expectation(hashes, ca)?;
    if exp.tag.is_empty() {
        return Err(no_tag(ca));
    }
    Ok(exp)
}

/// The expectation, with an empty tag for a CA without the CSR-hash
/// methods (the CSR then only names the domains of a random-value check).
fn lenient_expectation(hashes: Hashes, ca: &CaOptions) -> Result<Expectation> {
    let tag = match &ca.ca_tag {
        Some(t) => t.as_str().to_owned(),
        None => profile(ca)?.tag.unwrap_or_default(),
    };
    Ok(Expectation {
        hashes,
        tag,
        token: token(ca)?,
    })
}

/// A CA profile without the CSR-hash methods was asked for them.
fn no_tag(ca: &CaOptions) -> Error {
    Error::Flag {
        flag: "--ca",
        value: ca.ca.clone(),
        problem: "this CA has no method built from the CSR's hashes (no tag; dcv profiles lists its methods): check its random value with --random-value, or give --ca-tag".into(),
    }
}

/// Fails unless the subject's CA has the CSR-hash methods.
pub(super) fn need_tag(subject: &Subject, ca: &CaOptions) -> Result<()> {
    if subject.expectation.tag.is_empty() {
        Err(no_tag(ca))
    } else {
        Ok(())
    }
}

/// Every profile: the built-in file, then the `--ca-profile` files.
pub fn profiles(ca: &CaOptions) -> Result<Profiles> {
    profiles_from(&ca.ca_profile)
}

/// The built-in profiles, then those of these files (later ones override).
pub fn profiles_from(paths: &[std::path::PathBuf]) -> Result<Profiles> {
    let mut texts: Vec<(String, String)> = Vec::new();
    for path in paths {
        let shown = path.display().to_string();
        let bad = |problem: String| Error::Flag {
            flag: "--ca-profile",
            value: shown.clone(),
            problem,
        };
        let meta = std::fs::metadata(path).map_err(|e| bad(input::io_problem(&e)))?;
        // A profile file is small; refuse to read a huge one.
        if meta.len() > 1 << 20 {
            return Err(bad("larger than 1 MiB".into()));
        }
        let text = std::fs::read_to_string(path).map_err(|e| bad(input::io_problem(&e)))?;
        texts.push((shown, text));
    }
    let files = std::iter::once(("built-in profiles", crate::profile::BUILT_IN))
        .chain(texts.iter().map(|(n, t)| (n.as_str(), t.as_str())));
    Profiles::parse(files).map_err(|problem| Error::Flag {
        flag: "--ca-profile",
        value: paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
        problem,
    })
}

/// The `--ca` profile's random-value TXT form (`--random-value`).
pub(super) fn txt_form(ca: &CaOptions) -> Result<crate::profile::TxtForm> {
    let p = profile(ca)?;
    p.txt_form().ok_or_else(|| Error::Flag {
        flag: "--ca",
        value: p.name.clone(),
        problem: format!(
            "{} has no random-value DNS TXT method (dcv profiles lists each CA's methods)",
            p.ca
        ),
    })
}

/// The `--ca` profile.
pub fn profile(ca: &CaOptions) -> Result<Profile> {
    let all = profiles(ca)?;
    all.get(&ca.ca).cloned().ok_or_else(|| Error::Flag {
        flag: "--ca",
        value: ca.ca.clone(),
        problem: format!("unknown CA profile (known: {})", all.names().join(", ")),
    })
}

/// `--token` or `DCV_TOKEN`, validated; empty means no token.
pub fn token(ca: &CaOptions) -> Result<Option<Token>> {
    match ca.token.as_deref() {
        None | Some("") => Ok(None),
        Some(raw) => raw
            .parse()
            .map(Some)
            .map_err(|e: crate::ca::TokenError| Error::Flag {
                flag: "--token (or DCV_TOKEN)",
                value: raw.escape_debug().to_string(),
                problem: e.to_string(),
            }),
    }
}

/// Loads a CSR, printing its warnings (bad signature allowed, rejected names).
pub fn load_csr(arg: &str, allow_bad_signature: bool, out: &Output) -> Result<LoadedCsr> {
    let loaded = input::load_csr(arg, allow_bad_signature)?;
    for w in input::csr_warnings(&loaded) {
        out.warn(&w);
    }
    Ok(loaded)
}

/// Resolves a render command's CSR (or `--md5 --sha256`) and `--domain`
/// into a [`Subject`].
pub fn subject(source: &Source, ca: &CaOptions, out: &Output) -> Result<Subject> {
    resolve_subject(
        source.csr.as_deref(),
        source.md5.as_ref().zip(source.sha256.as_ref()),
        ("--domain", &source.domain),
        source.csr_options.no_verify_signature,
        ca,
        out,
        false,
    )
}

/// Resolves a check command's `--csr` (or `--md5 --sha256`) and DOMAIN
/// arguments; `None` when neither hashes nor a CSR were given (the check
/// then runs on generic expectations such as `--txt` or `--url`).
pub fn check_subject(
    source: &CheckSource,
    ca: &CaOptions,
    out: &Output,
) -> Result<Option<Subject>> {
    if source.csr.is_none() && source.md5.is_none() {
        return Ok(None);
    }
    resolve_subject(
        source.csr.as_deref(),
        source.md5.as_ref().zip(source.sha256.as_ref()),
        ("DOMAIN", &source.domains),
        source.csr_options.no_verify_signature,
        ca,
        out,
        true,
    )
    .map(Some)
}

fn resolve_subject(
    csr: Option<&str>,
    hashes: Option<(&HexDigest<32>, &HexDigest<64>)>,
    (only_flag, only): (&'static str, &[String]),
    allow_bad_signature: bool,
    ca: &CaOptions,
    out: &Output,
    lenient: bool,
) -> Result<Subject> {
    // An unknown --ca is bad usage, said before any file is read.
    profile(ca)?;
    let mut findings = Vec::new();
    let mut csr_file = None;
    let (hashes, csr_names, mut rejected) = match (csr, hashes) {
        (Some(arg), _) => {
            let loaded = load_csr(arg, allow_bad_signature, out)?;
            if loaded.csr.domains.is_empty() && loaded.csr.rejected.is_empty() {
                return Err(Error::Csr {
                    file: loaded.file,
                    source: crate::csr::CsrError::NoNames,
                });
            }
            findings = preflight::findings(&loaded.csr);
            csr_file = Some(loaded.file);
            let csr = loaded.csr;
            let hashes = Hashes {
                md5: csr.md5,
                sha256: csr.sha256,
            };
            (hashes, Some(csr.domains), csr.rejected)
        }
        (None, Some((md5, sha256))) => {
            // Without a CSR the names can only come from the command line.
            if only.is_empty() {
                return Err(Error::Usage(format!(
                    "no names to check: with --md5/--sha256, name the domains ({only_flag}...)"
                )));
            }
            let hashes = Hashes {
                md5: md5.clone().into_string(),
                sha256: sha256.clone().into_string(),
            };
            (hashes, None, Vec::new())
        }
        (None, None) => return Err(Error::Usage("give a CSR, or --md5 and --sha256".into())),
    };
    let (domains, only_rejected) = domain_arguments(only);
    rejected.extend(only_rejected);
    let domains = match csr_names {
        Some(all) if domains.is_empty() => all,
        Some(all) => {
            if let Some(stray) = domains.iter().find(|d| !all.contains(d)) {
                return Err(Error::Flag {
                    flag: only_flag,
                    value: stray.to_string(),
                    problem: "not a name of the CSR".into(),
                });
            }
            // Naming domains only selects, so names rejected in the CSR stay reported.
            domains
        }
        None => domains,
    };
    Ok(Subject {
        expectation: if lenient {
            lenient_expectation(hashes, ca)?
        } else {
            expectation(hashes, ca)?
        },
        domains,
        rejected,
        findings,
        csr_file,
    })
}

/// `--cname` targets typed with U-labels become A-labels, as the hosts do.
pub(super) fn cname_targets_to_ascii(cnames: &[HostValue]) -> Result<Vec<HostValue>> {
    cnames
        .iter()
        .map(|hv| {
            let value = crate::names::host_to_ascii(&hv.value).map_err(|problem| Error::Flag {
                flag: "--cname",
                value: format!("{}={}", hv.host, hv.value),
                problem,
            })?;
            Ok(HostValue {
                host: hv.host.clone(),
                value,
            })
        })
        .collect()
}

/// `--account` as the CAA compares it: a URI as given, or an identifier
/// put into the `--ca` profile's `accounturi` form (ballot SC-098).
pub(super) fn account(caa: &crate::cli::CaaOptions, ca: &CaOptions) -> Result<Option<String>> {
    match &caa.account {
        None => Ok(None),
        Some(a) => Ok(Some(profile(ca)?.account_uri(a))),
    }
}

/// `--persist`: whether a wildcard's record needs `policy=wildcard` is the
/// rule of the profile that names the record's issuer among its CAA
/// issuers (the `--ca` profile first); no such profile, no requirement.
pub(super) fn persist_expect(p: &PersistExpect, ca: &CaOptions) -> Result<PersistExpect> {
    let all = profiles(ca)?;
    let issuer_of = |q: &Profile| {
        q.caa_issuers
            .iter()
            .any(|i| i.eq_ignore_ascii_case(&p.issuer))
    };
    let chosen = all
        .get(&ca.ca)
        .filter(|q| issuer_of(q))
        .or_else(|| all.list.iter().find(|q| issuer_of(q)));
    Ok(PersistExpect {
        wildcard_policy_required: chosen.is_some_and(|q| q.persist_requires_policy_wildcard),
        ..p.clone()
    })
}

/// The CAA issuer names of the selected CA profile.
pub(super) fn caa_issuers(ca: &CaOptions) -> Result<Vec<String>> {
    Ok(profile(ca)?.caa_issuers)
}

/// A `--cname`/`--txt` HOST must be a plausible DNS name (underscores allowed).
pub(super) fn check_host(host: &str) -> Result<()> {
    let h = host.trim_end_matches('.');
    let ok = !h.is_empty()
        && h.len() <= 253
        && h.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        });
    if ok {
        Ok(())
    } else {
        Err(Error::Flag {
            flag: "HOST",
            value: host.escape_debug().to_string(),
            problem: "not a DNS name".into(),
        })
    }
}
