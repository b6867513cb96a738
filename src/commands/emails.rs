//! `dcv emails`: approver addresses for every ADN of each name, with the
//! Baseline Requirements' sunset of the method.

use std::io::{self, Write};

use serde::Serialize;

use crate::artifacts::{self, ApproverEmails};
use crate::cli::EmailsArgs;
use crate::commands::load_csr;
use crate::csr::CsrError;
use crate::error::{Error, Result};
use crate::exit_codes::ExitCode;
use crate::names::{DnsName, Rejection};
use crate::output::{Output, Render, Report};

/// BR 3.2.2.4.4's sunset, said wherever the addresses are shown.
pub const SUNSET_NOTE: &str = "BR 3.2.2.4.4: CAs SHOULD NOT use constructed approver emails from 2026-03-15 and MUST NOT rely on them from 2028-03-15; prefer the DNS CNAME or the HTTP file.";

#[derive(Serialize)]
pub struct EmailsReport {
    ok: bool,
    emails: Vec<ApproverEmails>,
    rejected: Vec<Rejection>,
    note: &'static str,
}

impl Report for EmailsReport {
    fn human(&self, out: &mut dyn Write, cx: &Render) -> io::Result<()> {
        let p = cx.paint;
        let mut last_domain = None;
        for e in &self.emails {
            if last_domain != Some(&e.domain) {
                writeln!(out, "{}", p.bold(&e.domain))?;
                last_domain = Some(&e.domain);
            }
            writeln!(out, "  at {}: {}", e.adn, e.addresses.join(", "))?;
        }
        for r in &self.rejected {
            writeln!(out, "{} {}: {}", p.bad("Rejected"), r.name, r.reason)?;
        }
        writeln!(out, "{}", p.warn(&format!("Note: {}", self.note)))
    }
}

pub fn run(args: &EmailsArgs, out: &mut Output) -> Result<ExitCode> {
    let (mut domains, mut rejected) = match &args.csr {
        Some(arg) => {
            let loaded = load_csr(arg, args.csr_options.no_verify_signature, out)?;
            if loaded.csr.domains.is_empty()
                && loaded.csr.rejected.is_empty()
                && args.domains.is_empty()
            {
                return Err(Error::Csr {
                    file: loaded.file,
                    source: CsrError::NoNames,
                });
            }
            (loaded.csr.domains, loaded.csr.rejected)
        }
        None => (Vec::new(), Vec::new()),
    };
    for raw in &args.domains {
        match DnsName::from_user(raw) {
            Ok(n) if !domains.contains(&n) => domains.push(n),
            Ok(_) => {}
            Err(r) => rejected.push(r),
        }
    }
    let code = if rejected.is_empty() {
        ExitCode::Success
    } else {
        ExitCode::CheckFailed
    };
    out.emit(&EmailsReport {
        ok: code == ExitCode::Success,
        emails: artifacts::approver_emails(&domains),
        rejected,
        note: SUNSET_NOTE,
    })?;
    Ok(code)
}
