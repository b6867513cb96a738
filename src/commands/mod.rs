//! One module per command: each turns parsed arguments into a report and an
//! exit code. The shared step, turning `--csr`/`--md5` and `--domain` into an
//! [`Expectation`] and a list of names, lives here.

pub mod check;
pub mod check_dns;
pub mod check_http;
pub mod cname;
pub mod emails;
pub mod file;
pub mod hash;
pub mod token;

use crate::artifacts::HexDigest;
use crate::artifacts::{Expectation, Hashes};
use crate::ca::Token;
use crate::cli::{CaOptions, CheckSource, Source};
use crate::error::{Error, Result};
use crate::exit_codes::ExitCode;
use crate::input::{self, LoadedCsr};
use crate::names::{DnsName, Rejection};
use crate::output::Output;

/// The async runtime the check commands run on.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Usage(format!("cannot start the async runtime: {e}")))
}

/// The names to work on and the values that derive the artifacts.
pub struct Subject {
    pub expectation: Expectation,
    pub domains: Vec<DnsName>,
    pub rejected: Vec<Rejection>,
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

/// The expectation for a CA profile, tag override and token.
pub fn expectation(hashes: Hashes, ca: &CaOptions) -> Result<Expectation> {
    Ok(Expectation {
        hashes,
        tag: ca
            .ca_tag
            .as_ref()
            .map_or_else(|| ca.ca.tag().to_owned(), |t| t.as_str().to_owned()),
        token: token(ca)?,
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
) -> Result<Subject> {
    let (hashes, csr_names, mut rejected) = match (csr, hashes) {
        (Some(arg), _) => {
            let loaded = load_csr(arg, allow_bad_signature, out)?;
            if loaded.csr.domains.is_empty() && loaded.csr.rejected.is_empty() {
                return Err(Error::Csr {
                    file: loaded.file,
                    source: crate::csr::CsrError::NoNames,
                });
            }
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
    let mut domains = Vec::new();
    for raw in only {
        match DnsName::from_user(raw) {
            Ok(name) if !domains.contains(&name) => domains.push(name),
            Ok(_) => {}
            Err(r) => rejected.push(r),
        }
    }
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
        expectation: expectation(hashes, ca)?,
        domains,
        rejected,
    })
}
