//! The plan layer: the only reader of the check commands' arguments. It
//! turns a command line into one [`CheckPlan`] — the subject and its
//! expectations, the names, the DNS questions, the HTTP rows, the method,
//! the timeouts and the engine configuration — so that `check-dns`,
//! `check-http` and `check` are three selections of the same plan, run by
//! [`crate::runner`]. The render commands use its subject resolution too.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use crate::artifacts::{Expectation, Hashes, HexDigest};
use crate::ca::Token;
use crate::cli::PerspectiveOptions;
use crate::cli::{
    CaOptions, CheckArgs, CheckDnsArgs, CheckHttpArgs, CheckSource, HttpOptions, Method,
    NetworkOptions, ResolveOverride, Scheme, Source,
};
use crate::dns::{DnsRequest, HostValue};
use crate::error::{Error, Result};
use crate::exit_codes::ExitCode;
use crate::http::{DEFAULT_TIMEOUT, Expected, HttpScheme, Settings, Target};
use crate::input::{self, LoadedCsr};
use crate::names::{DnsName, Rejection};
use crate::net::DEFAULT_DNS_TIMEOUT;
use crate::output::Output;
use crate::persistent_txt::PersistExpect;
use crate::preflight::{self, Finding, Severity};
use crate::profile::{Profile, Profiles};
use crate::report::{CheckKind, CheckResult, Status};
use crate::resolver::TrustAnchors;
use crate::resolver::{Config, Mode};
use crate::stamp::{About, SubjectKey, default_perspective};

/// Everything one round of a check command does.
#[derive(Debug, Clone)]
pub struct CheckPlan {
    /// Names refused before any question, reported as `input` results.
    pub rejected: Vec<Rejection>,
    /// `check`: the CSR's preflight findings, reported as `input` results.
    pub preflight: Vec<CheckResult>,
    /// The DNS checks (empty for `check-http`); its `domains` are the valid
    /// names `check` gives a verdict for.
    pub dns: DnsRequest,
    /// Whom the DNS questions go to, and how.
    pub engine: Config,
    /// The HTTP rows, in report order (empty for `check-dns`).
    pub http: Vec<Row>,
    pub http_settings: Settings,
    /// `check`: one verdict per name, where one passing method is enough.
    pub verdicts: Option<Method>,
    /// `--wait`: poll until every name passes or this much time has passed.
    pub wait: Option<Duration>,
    /// Where the check runs from and what it is of (`checked_at` is set per round).
    pub about: About,
    /// `--mpic URL`: Open MPIC corroborates each name's method and CAA.
    pub mpic: Option<crate::mpic::model::Config>,
}

/// A row of an HTTP report: decided before any fetch, or a target to fetch.
#[derive(Debug, Clone)]
pub enum Row {
    Fixed(CheckResult),
    Check(Target),
}

impl CheckPlan {
    /// `dcv check-dns`.
    pub fn dns(args: &CheckDnsArgs, out: &Output) -> Result<CheckPlan> {
        let subject = check_subject(&args.source, &args.ca, out)?;
        let key = subject_key(subject.as_ref(), dns_expects(args));
        let mut dns = DnsRequest {
            cnames: cname_targets_to_ascii(&args.cname)?,
            txts: args.txt.clone(),
            caa_issuers: caa_issuers(&args.ca)?,
            account: account(&args.caa, &args.ca)?,
            ..DnsRequest::default()
        };
        let rejected = match subject {
            Some(s) => {
                if args.persist.is_none() && args.random_value.is_none() {
                    need_tag(&s, &args.ca)?;
                }
                dns.expectation = Some(s.expectation);
                dns.domains = s.domains;
                s.rejected
            }
            None => {
                if args.cname.is_empty()
                    && args.txt.is_empty()
                    && args.persist.is_none()
                    && args.random_value.is_none()
                {
                    return Err(Error::Usage(
                        "check-dns needs --csr, --md5 with --sha256, --random-value VALUE, --cname HOST=TARGET, --txt HOST=VALUE or --persist ISSUER=ACCOUNTURI".into(),
                    ));
                }
                let (domains, rejected) = domain_arguments(&args.source.domains);
                dns.domains = domains;
                rejected
            }
        };
        for hv in args.cname.iter().chain(&args.txt) {
            check_host(&hv.host)?;
        }
        dns.deadline = deadline(&args.network);
        if let Some(p) = &args.persist {
            if args.random_value.is_some() {
                return Err(Error::Usage(
                    "--persist and --random-value are two methods: check one at a time".into(),
                ));
            }
            persist_request(&mut dns, &persist_expect(p, &args.ca)?, &args.source)?;
        }
        if let Some(v) = &args.random_value {
            dns.random_txt = Some((txt_form(&args.ca)?, v.clone()));
            if dns.domains.is_empty() {
                return Err(Error::Usage(
                    "no names to check: with --random-value, name the domains (DOMAIN...) or give --csr".into(),
                ));
            }
            // The portal's value replaces the CSR's CNAME (the CSR only names the domains).
            dns.expectation = None;
        }
        let mut plan = CheckPlan {
            rejected,
            preflight: Vec::new(),
            dns,
            engine: engine_config(&args.network, args.recursive, true)?,
            http: Vec::new(),
            http_settings: settings(&args.network, &[]),
            verdicts: None,
            wait: args.network.wait,
            about: about("check-dns", "dns", key, &args.perspective),
            mpic: mpic_config(&args.perspective, &args.network, out)?,
        };
        refuse_internal_names(&mut plan, out);
        Ok(plan)
    }

    /// `dcv check-http`.
    pub fn http(args: &CheckHttpArgs, out: &Output) -> Result<CheckPlan> {
        let mut key = SubjectKey::default();
        let mut dns = DnsRequest::default();
        let (rejected, rows) = if let Some(value) = &args.random_value {
            if !args.url.is_empty() {
                return Err(Error::Usage(
                    "--url and --random-value: give one (--url URL --expect VALUE checks any file)"
                        .into(),
                ));
            }
            let profile = profile(&args.ca)?;
            let Some(path) = profile.random_file_path() else {
                return Err(Error::Flag {
                    flag: "--random-value",
                    value: value.clone(),
                    problem: format!(
                        "{} has no random-value file method (dcv profiles lists each CA's methods); check the value with check-dns",
                        profile.ca
                    ),
                });
            };
            let (domains, rejected) = match check_subject(&args.source, &args.ca, out)? {
                Some(s) => (s.domains, s.rejected),
                None => domain_arguments(&args.source.domains),
            };
            if domains.is_empty() && rejected.is_empty() {
                return Err(Error::Usage(
                    "no names to check: with --random-value, name the domains (DOMAIN...) or give --csr".into(),
                ));
            }
            key.expect = vec![format!("file {path} {value:?}")];
            let rows = random_file_rows(&domains, &args.http, path, value);
            let subject = Subject {
                expectation: Expectation {
                    hashes: Hashes {
                        md5: String::new(),
                        sha256: String::new(),
                    },
                    tag: String::new(),
                    token: None,
                },
                domains,
                rejected: Vec::new(),
                findings: Vec::new(),
                csr_file: None,
            };
            dns = http_caa_request(&subject, args)?;
            (rejected, rows)
        } else if !args.url.is_empty() {
            if !args.source.domains.is_empty() {
                return Err(Error::Usage(
                    "DOMAIN arguments do not apply to --url (the URL names its host)".into(),
                ));
            }
            let expect = args.expect.as_deref().unwrap_or_default();
            key.expect = args
                .url
                .iter()
                .map(|u| format!("url {u} {expect:?}"))
                .collect();
            let rows = args
                .url
                .iter()
                .map(|u| url_row(u, expect))
                .collect::<Result<Vec<Row>>>()?;
            (Vec::new(), rows)
        } else {
            let Some(subject) = check_subject(&args.source, &args.ca, out)? else {
                return Err(Error::Usage(
                    "give --csr CSR (or --md5 and --sha256 with DOMAIN names), or --url URL --expect BODY"
                        .into(),
                ));
            };
            need_tag(&subject, &args.ca)?;
            let rows = file_rows(&subject, &args.http);
            key = subject_key(Some(&subject), Vec::new());
            dns = http_caa_request(&subject, args)?;
            (subject.rejected, rows)
        };
        let mut plan = CheckPlan {
            rejected,
            preflight: Vec::new(),
            dns,
            // Names pinned with --resolve or IP URLs need no resolver: a
            // missing one is reported by the lookups that need it.
            engine: engine_config(&args.network, false, false)?,
            http_settings: settings(&args.network, &args.http.resolve),
            http: rows,
            verdicts: None,
            wait: args.network.wait,
            about: about("check-http", "http", key, &args.perspective),
            mpic: mpic_config(&args.perspective, &args.network, out)?,
        };
        refuse_internal_names(&mut plan, out);
        warn_unused_overrides(&args.http, &plan.targets(), out);
        Ok(plan)
    }

    /// `dcv check`: input, CAA, the CNAME and the HTTP file of every name.
    pub fn all(args: &CheckArgs, out: &Output) -> Result<CheckPlan> {
        let from_csr = args.source.csr.is_some() || args.source.md5.is_some();
        let subject = match check_subject(&args.source, &args.ca, out)? {
            Some(subject) => subject,
            // The portal's random value needs no CSR (SPEC section 8), as
            // with check-dns: the names are the DOMAIN arguments.
            None if args.method == Method::Txt && args.random_value.is_some() => {
                portal_subject(&args.source, &args.ca)?
            }
            None if args.method == Method::Txt => {
                return Err(Error::Usage(
                    "--method txt checks the CA portal's random value: give --random-value VALUE"
                        .into(),
                ));
            }
            None => {
                return Err(Error::Usage(
                    "give --csr CSR, or --md5 and --sha256 with DOMAIN names (or --method txt --random-value VALUE with DOMAIN names)".into(),
                ));
            }
        };
        // A CA without the CSR-hash methods (DigiCert) is checked by its
        // random-value methods only: --method txt, or any with --random-value.
        let hashless = subject.expectation.tag.is_empty();
        if args.method != Method::Txt && (args.random_value.is_none() || args.method != Method::Any)
        {
            need_tag(&subject, &args.ca)?;
        }
        if args.method == Method::Txt && args.random_value.is_none() {
            return Err(Error::Usage(
                "--method txt checks the CA portal's random value: give --random-value VALUE"
                    .into(),
            ));
        }
        let random_txt = match (&args.random_value, args.method.txt()) {
            (Some(v), true) => Some((txt_form(&args.ca)?, v.clone())),
            _ => None,
        };
        let dns = DnsRequest {
            random_txt,
            expectation: (args.method.cname() && !hashless).then(|| subject.expectation.clone()),
            domains: subject.domains.clone(),
            caa_issuers: caa_issuers(&args.ca)?,
            account: account(&args.caa, &args.ca)?,
            deadline: deadline(&args.network),
            ..DnsRequest::default()
        };
        // The random value is part of what the report is of (corroborate matches it).
        let expect = args
            .random_value
            .iter()
            .filter(|_| args.method.txt())
            .map(|v| format!("txt random-value {v}"))
            .collect();
        let key = subject_key(from_csr.then_some(&subject), expect);
        let http = match (&args.random_value, args.method.http()) {
            (_, false) => Vec::new(),
            (Some(value), true) if hashless => {
                let p = profile(&args.ca)?;
                match p.random_file_path() {
                    Some(path) => random_file_rows(&subject.domains, &args.http, path, value),
                    None => Vec::new(),
                }
            }
            (_, true) => file_rows(&subject, &args.http),
        };
        let mut plan = CheckPlan {
            preflight: preflight_results(&subject),
            rejected: subject.rejected,
            dns,
            engine: engine_config(&args.network, args.recursive, true)?,
            http,
            http_settings: settings(&args.network, &args.http.resolve),
            verdicts: Some(args.method),
            wait: args.network.wait,
            about: about("check", method_name(args.method), key, &args.perspective),
            mpic: mpic_config(&args.perspective, &args.network, out)?,
        };
        refuse_internal_names(&mut plan, out);
        warn_unused_overrides(&args.http, &plan.targets(), out);
        Ok(plan)
    }

    /// The HTTP targets among the rows, in order.
    pub fn targets(&self) -> Vec<Target> {
        self.http
            .iter()
            .filter_map(|r| match r {
                Row::Check(t) => Some(t.clone()),
                Row::Fixed(_) => None,
            })
            .collect()
    }
}

/// A DNS check's total deadline: `--deadline`, or six query timeouts —
/// room for a zone search, the NS addresses, a referral or two and one
/// retry each, and not the minutes that a slow chain can add up to.
fn deadline(network: &NetworkOptions) -> Duration {
    network
        .deadline
        .unwrap_or_else(|| 6 * network.timeout.unwrap_or(DEFAULT_DNS_TIMEOUT))
}

/// The CSR's preflight findings as `input` results of the CSR file: an
/// error fails the check (the CA will refuse the CSR), a warning passes
/// with what to watch for.
fn preflight_results(subject: &Subject) -> Vec<CheckResult> {
    let file = subject.csr_file.as_deref().unwrap_or("CSR");
    subject
        .findings
        .iter()
        // Internal names are reported per name (refuse_internal_names).
        .filter(|f| f.code != "internal_name")
        .map(|f| {
            let (status, level) = match f.severity {
                Severity::Error => (Status::Fail, "error"),
                Severity::Warning => (Status::Pass, "warning"),
            };
            let r = CheckResult::new(
                file,
                CheckKind::Input,
                status,
                format!("{level} {}: {}", f.code, f.message),
            );
            match status {
                Status::Pass => r,
                _ => r.with_code(crate::reason::Code::CsrRefused),
            }
        })
        .collect()
}

/// Internal and reserved names among the names checked (SPEC section 8): a
/// failing `input` result each, with code `internal_name`, so the name is
/// not ready whatever its records say; with `--lab`, one note instead.
fn refuse_internal_names(plan: &mut CheckPlan, out: &Output) {
    let mut names: Vec<(String, String)> = Vec::new();
    let rows = plan.http.iter().map(|r| match r {
        Row::Fixed(r) => r.domain.as_str(),
        Row::Check(t) => t.domain.as_str(),
    });
    for name in plan.dns.domains.iter().map(DnsName::as_str).chain(rows) {
        if names.iter().any(|(n, _)| n == name) {
            continue;
        }
        if let Some(why) = crate::reserved::why_internal(name) {
            names.push((name.to_owned(), why));
        }
    }
    if out.lab {
        let list: Vec<String> = names.into_iter().map(|(n, _)| n).collect();
        if let Some(note) = crate::reserved::lab_note(&list) {
            out.note(&note);
        }
        return;
    }
    for (name, why) in names {
        plan.preflight.push(
            CheckResult::new(
                &name,
                CheckKind::Input,
                Status::Fail,
                format!("an internal name, {why}: a public CA refuses it (BR 4.2.2, 7.1.4.2)"),
            )
            .with_hint("order it under a registered domain, or use a private CA; in a lab, say so with --lab or DCV_LAB=1")
            .with_code(crate::reason::Code::InternalName),
        );
    }
}

/// `check --method txt --random-value VALUE DOMAIN...`: the names without
/// a CSR, and no CSR-hash expectation.
fn portal_subject(source: &CheckSource, ca: &CaOptions) -> Result<Subject> {
    // An unknown --ca is bad usage, said before anything else.
    profile(ca)?;
    let (domains, rejected) = domain_arguments(&source.domains);
    if domains.is_empty() && rejected.is_empty() {
        return Err(Error::Usage(
            "no names to check: with --random-value, name the domains (DOMAIN...) or give --csr"
                .into(),
        ));
    }
    Ok(Subject {
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
    })
}

/// DOMAIN arguments as names, deduplicated, the invalid ones set apart.
pub fn domain_arguments(raw: &[String]) -> (Vec<DnsName>, Vec<Rejection>) {
    let mut domains = Vec::new();
    let mut rejected = Vec::new();
    for r in raw {
        match DnsName::from_user(r) {
            Ok(name) if !domains.contains(&name) => domains.push(name),
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
fn need_tag(subject: &Subject, ca: &CaOptions) -> Result<()> {
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
fn txt_form(ca: &CaOptions) -> Result<crate::profile::TxtForm> {
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
fn cname_targets_to_ascii(cnames: &[HostValue]) -> Result<Vec<HostValue>> {
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

/// `check-http`'s CAA questions: the CA may use the file only where the
/// CAA authorizes it (RFC 8657). Names pinned with `--resolve` are checked
/// without DNS, so their CAA is left to `check`/`check-dns`; wildcards are
/// skipped by the file method anyway.
fn http_caa_request(subject: &Subject, args: &CheckHttpArgs) -> Result<DnsRequest> {
    let pinned = |name: &DnsName| {
        args.http
            .resolve
            .iter()
            .any(|o| o.host == "*" || o.host.trim_end_matches('.') == name.as_str())
    };
    Ok(DnsRequest {
        domains: subject
            .domains
            .iter()
            .filter(|d| !d.is_wildcard() && !pinned(d))
            .cloned()
            .collect(),
        caa_issuers: caa_issuers(&args.ca)?,
        account: account(&args.caa, &args.ca)?,
        deadline: deadline(&args.network),
        ..DnsRequest::default()
    })
}

/// `--account` as the CAA compares it: a URI as given, or an identifier
/// put into the `--ca` profile's `accounturi` form (ballot SC-098).
fn account(caa: &crate::cli::CaaOptions, ca: &CaOptions) -> Result<Option<String>> {
    match &caa.account {
        None => Ok(None),
        Some(a) => Ok(Some(profile(ca)?.account_uri(a))),
    }
}

/// `--persist`: whether a wildcard's record needs `policy=wildcard` is the
/// rule of the profile that names the record's issuer among its CAA
/// issuers (the `--ca` profile first); no such profile, no requirement.
fn persist_expect(p: &PersistExpect, ca: &CaOptions) -> Result<PersistExpect> {
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
fn caa_issuers(ca: &CaOptions) -> Result<Vec<String>> {
    Ok(profile(ca)?.caa_issuers)
}

/// The engine configuration the network options ask for.
fn engine_config(network: &NetworkOptions, recursive: bool, need_resolver: bool) -> Result<Config> {
    let resolvers = if !network.resolver.is_empty() {
        network.resolver.clone()
    } else if need_resolver {
        system_resolvers()?
    } else {
        system_resolvers().unwrap_or_default()
    };
    let mode = if recursive {
        Mode::Recursive
    } else {
        Mode::Authoritative
    };
    let mut cfg = Config::new(
        resolvers,
        mode,
        network.timeout.unwrap_or(DEFAULT_DNS_TIMEOUT),
    );
    cfg.ipv4 = !network.ipv6;
    cfg.ipv6 = !network.ipv4;
    cfg.ns_port = network.ns_port;
    cfg.trust_anchors = trust_anchors(network)?.map(Arc::new);
    Ok(cfg)
}

/// The DNSSEC trust anchors: none with `--no-dnssec`, the `--trust-anchor`
/// files when given, else the IANA root keys.
fn trust_anchors(network: &NetworkOptions) -> Result<Option<TrustAnchors>> {
    if network.no_dnssec {
        return Ok(None);
    }
    let mut anchors: Option<TrustAnchors> = None;
    for path in &network.trust_anchor {
        let bad = |problem: String| Error::Flag {
            flag: "--trust-anchor",
            value: path.display().to_string(),
            problem,
        };
        let text = std::fs::read_to_string(path).map_err(|e| bad(input::io_problem(&e)))?;
        let read = TrustAnchors::parse(&text).map_err(bad)?;
        match &mut anchors {
            Some(a) => a.extend(read),
            None => anchors = Some(read),
        }
    }
    Ok(Some(anchors.unwrap_or_else(TrustAnchors::iana_root)))
}

/// A `--cname`/`--txt` HOST must be a plausible DNS name (underscores allowed).
fn check_host(host: &str) -> Result<()> {
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

/// The `nameserver` lines of /etc/resolv.conf.
fn system_resolvers() -> Result<Vec<SocketAddr>> {
    let text = std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
    let found = parse_resolv_conf(&text);
    if found.is_empty() {
        return Err(Error::NoResolver);
    }
    Ok(found)
}

pub fn parse_resolv_conf(text: &str) -> Vec<SocketAddr> {
    text.lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            (w.next() == Some("nameserver")).then(|| w.next()).flatten()
        })
        // A scoped IPv6 address (fe80::1%eth0) cannot be used without its scope id.
        .filter_map(|a| a.parse::<std::net::IpAddr>().ok())
        .map(|ip| SocketAddr::new(ip, 53))
        .collect()
}

/// A `--resolve` that matches no name is usually a typo; say so once.
fn warn_unused_overrides(http: &HttpOptions, targets: &[Target], out: &Output) {
    let mut unused: Vec<&str> = Vec::new();
    for host in http.resolve.iter().map(|o| o.host.trim_end_matches('.')) {
        // `*` stands for every host.
        if host != "*" && !targets.iter().any(|t| t.host == host) && !unused.contains(&host) {
            unused.push(host);
        }
    }
    if !unused.is_empty() {
        let more = unused.len().saturating_sub(3);
        let mut list = unused[..unused.len().min(3)].join(", ");
        if more > 0 {
            list.push_str(&format!(" and {more} more"));
        }
        out.warn(&format!(
            "--resolve for names not being checked (ignored): {list}"
        ));
    }
}

/// The fetch settings the network options and `--resolve` ask for.
fn settings(net: &NetworkOptions, resolve: &[ResolveOverride]) -> Settings {
    Settings {
        timeout: net.timeout.unwrap_or(DEFAULT_TIMEOUT),
        // -4 and -6 restrict; neither means both.
        ipv4: !net.ipv6,
        ipv6: !net.ipv4,
        overrides: overrides(resolve),
    }
}

fn overrides(resolve: &[ResolveOverride]) -> HashMap<String, Vec<IpAddr>> {
    let mut map: HashMap<String, Vec<IpAddr>> = HashMap::new();
    for o in resolve {
        let host = o.host.trim_end_matches('.').to_owned();
        let ips = map.entry(host).or_default();
        for ip in &o.ips {
            if !ips.contains(ip) {
                ips.push(*ip);
            }
        }
    }
    map
}

fn schemes(scheme: Scheme) -> &'static [HttpScheme] {
    match scheme {
        Scheme::Http => &[HttpScheme::Http],
        Scheme::Https => &[HttpScheme::Https],
        Scheme::Both => &[HttpScheme::Http, HttpScheme::Https],
    }
}

/// The CSR's file on every valid name and selected scheme.
fn file_rows(subject: &Subject, http: &HttpOptions) -> Vec<Row> {
    let exp = &subject.expectation;
    let expected = Expected::file(
        &exp.hashes.md5,
        &exp.hashes.sha256,
        &exp.tag,
        exp.token.as_ref().map(|t| t.as_str()),
    );
    let mut rows = Vec::new();
    for name in &subject.domains {
        for &scheme in schemes(http.scheme) {
            rows.push(name_row(name, scheme, http, &expected, exp.file_path()));
        }
    }
    rows
}

/// A CA's random-value file (its profile's path, the value as the body) on
/// every name and selected scheme.
fn random_file_rows(domains: &[DnsName], http: &HttpOptions, path: &str, value: &str) -> Vec<Row> {
    let expected = Expected::body(value);
    let mut rows = Vec::new();
    for name in domains {
        for &scheme in schemes(http.scheme) {
            rows.push(name_row(
                name,
                scheme,
                http,
                &expected,
                path.trim_start_matches('/').to_owned(),
            ));
        }
    }
    rows
}

fn name_row(
    name: &DnsName,
    scheme: HttpScheme,
    http: &HttpOptions,
    expected: &Expected,
    path: String,
) -> Row {
    if name.is_wildcard() {
        return Row::Fixed(
            CheckResult::new(
                name.as_str(),
                scheme.kind(),
                Status::Skip,
                "the HTTP file method cannot validate a wildcard name (BR 3.2.2.4.18)",
            )
            .with_hint(format!(
                "validate {} with the DNS CNAME (dcv cname / dcv check-dns)",
                name.as_str()
            ))
            .with_code(crate::reason::Code::NotApplicable),
        );
    }
    let port = match scheme {
        HttpScheme::Http => http.http_port,
        HttpScheme::Https => http.https_port,
    };
    Row::Check(Target {
        domain: name.to_string(),
        scheme,
        host: name.to_string(),
        port,
        path: format!("/{path}"),
        expected: expected.clone(),
        literal: None,
    })
}

/// Rewrites a URL's host from U-labels to A-labels (`http://bücher.example/x`
/// → `http://xn--bcher-kva.example/x`); the path is left as typed.
fn url_host_to_ascii(raw: &str) -> std::result::Result<String, String> {
    let Some((scheme, rest)) = raw.split_once("://") else {
        return Ok(raw.to_owned());
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    if authority.is_ascii() {
        return Ok(raw.to_owned());
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if p.bytes().all(|b| b.is_ascii_digit()) => (h, Some(p)),
        _ => (authority, None),
    };
    let host = crate::names::host_to_ascii(host)?;
    Ok(match port {
        Some(p) => format!("{scheme}://{host}:{p}{tail}"),
        None => format!("{scheme}://{host}{tail}"),
    })
}

fn url_row(raw: &str, expect: &str) -> Result<Row> {
    let bad = |problem: &str| Error::Flag {
        flag: "--url",
        value: raw.to_owned(),
        problem: problem.to_owned(),
    };
    let ascii = url_host_to_ascii(raw).map_err(|p| bad(&p))?;
    let uri: http::Uri = ascii
        .parse()
        .map_err(|e: http::uri::InvalidUri| bad(&e.to_string()))?;
    let scheme = match uri.scheme_str() {
        Some(s) if s.eq_ignore_ascii_case("http") => HttpScheme::Http,
        Some(s) if s.eq_ignore_ascii_case("https") => HttpScheme::Https,
        _ => return Err(bad("must start with http:// or https://")),
    };
    let authority = uri.authority().ok_or_else(|| bad("has no host"))?;
    if authority.as_str().contains('@') {
        return Err(bad("must not contain user information"));
    }
    let raw_host = authority.host();
    // `http::Uri` accepts any digits as a port and `port_u16` then says
    // None, which would silently mean the default port.
    let port = match authority.as_str().rsplit_once(':') {
        Some((_, p)) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => p
            .parse::<u16>()
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(|| bad("the port must be a number from 1 to 65535"))?,
        _ => authority.port_u16().unwrap_or(scheme.default_port()),
    };
    let path = uri
        .path_and_query()
        .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned());
    let ip_text = raw_host.trim_start_matches('[').trim_end_matches(']');
    let (host, literal) = match ip_text.parse::<IpAddr>() {
        Ok(ip) => (ip.to_string(), Some(ip)),
        Err(_) => match DnsName::from_user(raw_host) {
            Ok(name) if !name.is_wildcard() => (name.to_string(), None),
            Ok(_) => return Err(bad("the host cannot be a wildcard")),
            Err(r) => {
                return Ok(Row::Fixed(CheckResult::invalid_name(&r)));
            }
        },
    };
    Ok(Row::Check(Target {
        domain: host.clone(),
        scheme,
        host,
        port,
        path,
        expected: Expected::body(expect),
        literal,
    }))
}

/// `--persist`: the persistent TXT replaces the CNAME check (a CSR only
/// names the domains), and CAA must allow the record's issuer.
fn persist_request(dns: &mut DnsRequest, p: &PersistExpect, source: &CheckSource) -> Result<()> {
    if dns.domains.is_empty() && source.domains.is_empty() {
        return Err(Error::Usage(
            "no names to check: with --persist, name the domains (DOMAIN...) or give --csr".into(),
        ));
    }
    dns.expectation = None;
    dns.persist = Some(p.clone());
    dns.caa_issuers = vec![p.issuer.clone()];
    // The record names the account: a CAA accounturi is compared with it
    // unless --account says otherwise.
    if dns.account.is_none() {
        dns.account = Some(p.accounturi.clone());
    }
    Ok(())
}

/// `check-dns`'s portal-issued values, as the report's subject lists them.
fn dns_expects(args: &CheckDnsArgs) -> Vec<String> {
    let pairs = |kind: &str, list: &[HostValue]| -> Vec<String> {
        list.iter()
            .map(|hv| format!("{kind} {}={}", hv.host, hv.value))
            .collect()
    };
    let mut out = pairs("cname", &args.cname);
    out.extend(pairs("txt", &args.txt));
    if let Some(p) = &args.persist {
        out.push(format!("persist {}={}", p.issuer, p.accounturi));
    }
    if let Some(v) = &args.random_value {
        out.push(format!("txt random-value {v}"));
    }
    out
}

/// What a report is of: the CSR's expectation (if any) and other values.
fn subject_key(subject: Option<&Subject>, expect: Vec<String>) -> SubjectKey {
    let exp = subject.map(|s| &s.expectation);
    SubjectKey {
        md5: exp.map(|e| e.hashes.md5.clone()),
        sha256: exp.map(|e| e.hashes.sha256.clone()),
        tag: exp.map(|e| e.tag.clone()),
        token: exp
            .and_then(|e| e.token.as_ref())
            .map(|t| t.as_str().to_owned()),
        expect,
    }
}

fn method_name(method: Method) -> &'static str {
    match method {
        Method::Cname => "cname",
        Method::Http => "http",
        Method::Txt => "txt",
        Method::Any => "any",
    }
}

/// The report's provenance; `checked_at` is stamped when a round starts.
fn about(command: &str, method: &str, subject: SubjectKey, p: &PerspectiveOptions) -> About {
    About {
        perspective: p.perspective.clone().unwrap_or_else(default_perspective),
        checked_at: String::new(),
        command: command.to_owned(),
        method: method.to_owned(),
        subject,
        rir: p.rir.clone(),
    }
}

/// `--mpic URL` (or `DCV_MPIC_URL`), the key from `DCV_MPIC_API_KEY`,
/// `--mpic-perspectives N` (default: the BR minimum for today), and the
/// check's deadline as the most one request may take.
fn mpic_config(
    p: &PerspectiveOptions,
    network: &NetworkOptions,
    out: &Output,
) -> Result<Option<crate::mpic::model::Config>> {
    let Some(raw) = &p.mpic else {
        return Ok(None);
    };
    let endpoint = crate::mpic::client::Endpoint::parse(raw).map_err(|problem| Error::Flag {
        flag: "--mpic",
        value: raw.clone(),
        problem,
    })?;
    let key = std::env::var("DCV_MPIC_API_KEY")
        .ok()
        .filter(|k| !k.trim().is_empty());
    let loopback = endpoint
        .host
        .parse::<IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
        || endpoint.host.eq_ignore_ascii_case("localhost");
    if key.is_some() && !endpoint.https && !loopback {
        out.warn(&format!(
            "DCV_MPIC_API_KEY travels in clear to {} (http://): use the API's https:// URL",
            endpoint.host
        ));
    }
    let today = crate::clock::Date::today();
    let perspectives = p.mpic_perspectives.map_or_else(
        || crate::perspective::required_perspectives(today).max(2),
        |n| n as usize,
    );
    Ok(Some(crate::mpic::model::Config {
        endpoint,
        key,
        perspectives,
        timeout: deadline(network),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolv_conf() {
        let r = parse_resolv_conf(
            "# x\nnameserver 192.0.2.1\nnameserver ::1\nnameserver fe80::1%eth0\nsearch x\n",
        );
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].to_string(), "192.0.2.1:53");
    }

    #[test]
    fn hosts() {
        assert!(check_host("_dnsauth.example.com").is_ok());
        assert!(check_host("a b").is_err());
        assert!(check_host("").is_err());
    }
}
