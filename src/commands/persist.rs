//! `dcv persist`: the persistent DNS TXT record (BR 3.2.2.4.22) for each
//! distinct ADN of the names, readable or as zone-file lines.

use std::io::{self, Write};

use serde::Serialize;

use crate::cli::{CnameFormat, PersistArgs};
use crate::commands::cname::covers_summary;
use crate::error::Result;
use crate::exit_codes::ExitCode;
use crate::names::{DnsName, Rejection};
use crate::output::{Output, Render, Report};
use crate::persistent_txt as persist;

/// TTL written in zone format, as `dcv cname` does.
const ZONE_TTL: u32 = 300;

/// One record to publish.
#[derive(Debug, Clone, Serialize)]
pub struct PersistRecord {
    /// `_validation-persist.<ADN>.`
    pub name: String,
    #[serde(rename = "type")]
    pub rtype: &'static str,
    /// The TXT value, unquoted.
    pub value: String,
    /// The names it validates.
    pub covers: Vec<String>,
    /// `policy=wildcard` is in the value.
    pub wildcard: bool,
    /// Why `policy=wildcard` was added without `--wildcard`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Serialize)]
pub struct PersistReport {
    /// True exactly when the command exits 0 (no name was rejected).
    ok: bool,
    records: Vec<PersistRecord>,
    rejected: Vec<Rejection>,
    #[serde(skip)]
    format: CnameFormat,
}

/// One record per distinct ADN (the name without `*.`), in order of first
/// appearance; a wildcard name puts `policy=wildcard` into its ADN's record.
pub fn plan_records(
    domains: &[DnsName],
    issuer: &str,
    accounturi: &str,
    wildcard: bool,
    until: Option<i64>,
) -> Vec<PersistRecord> {
    let mut groups: Vec<(&str, Vec<&DnsName>)> = Vec::new();
    for d in domains {
        match groups.iter_mut().find(|(adn, _)| *adn == d.base()) {
            Some((_, names)) => names.push(d),
            None => groups.push((d.base(), vec![d])),
        }
    }
    groups
        .into_iter()
        .map(|(adn, names)| {
            let wild: Vec<&str> = names
                .iter()
                .filter(|n| n.is_wildcard())
                .map(|n| n.as_str())
                .collect();
            let policy = wildcard || !wild.is_empty();
            let note = (!wildcard && !wild.is_empty()).then(|| {
                format!(
                    "policy=wildcard added: {} is a wildcard name",
                    wild.join(", ")
                )
            });
            PersistRecord {
                name: persist::record_name(adn),
                rtype: "TXT",
                value: persist::render(issuer, accounturi, policy, until),
                covers: names.iter().map(|n| n.to_string()).collect(),
                wildcard: policy,
                note,
            }
        })
        .collect()
}

impl Report for PersistReport {
    fn human(&self, out: &mut dyn Write, cx: &Render) -> io::Result<()> {
        let p = cx.paint;
        for r in &self.records {
            let covers = covers_summary(&r.covers);
            match self.format {
                CnameFormat::Zone => {
                    writeln!(out, "; covers {covers}")?;
                    if let Some(n) = &r.note {
                        writeln!(out, "; {n}")?;
                    }
                    writeln!(
                        out,
                        "{}\t{ZONE_TTL}\tIN\tTXT\t{}",
                        r.name,
                        persist::zone_txt(&r.value)
                    )?;
                }
                CnameFormat::Text => {
                    writeln!(out, "{} TXT {}", r.name, persist::zone_txt(&r.value))?;
                    writeln!(out, "  {}", p.dim(&format!("covers {covers}")))?;
                    if let Some(n) = &r.note {
                        writeln!(out, "  {}", p.dim(n))?;
                    }
                }
            }
        }
        for r in &self.rejected {
            match self.format {
                CnameFormat::Zone => writeln!(out, "; rejected {}: {}", r.name, r.reason)?,
                CnameFormat::Text => {
                    writeln!(out, "{} {}: {}", p.bad("Rejected"), r.name, r.reason)?
                }
            }
        }
        Ok(())
    }
}

pub fn run(args: &PersistArgs, out: &mut Output) -> Result<ExitCode> {
    let (domains, rejected) = crate::plan::domain_arguments(&args.domains);
    if let Some(t) = args.until.filter(|&t| t <= crate::clock::now()) {
        out.warn(&format!(
            "--until {} is in the past: the CA will treat the record as expired",
            crate::clock::rfc3339(t)
        ));
    }
    let records = plan_records(
        &domains,
        &args.issuer,
        &args.accounturi,
        args.wildcard,
        args.until,
    );
    let code = if rejected.is_empty() {
        ExitCode::Success
    } else {
        ExitCode::CheckFailed
    };
    out.emit(&PersistReport {
        ok: code == ExitCode::Success,
        records,
        rejected,
        format: args.format,
    })?;
    Ok(code)
}
