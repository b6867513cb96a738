//! `dcv txt`: the random-value DNS TXT record(s) in the CA profile's form
//! (Sectigo: `_pki-validation.<ADN> TXT "<VALUE>"`), readable or as
//! zone-file lines.

use std::io::{self, Write};

use serde::Serialize;

use crate::artifacts::CnamePlacement;
use crate::cli::{CnameFormat, TxtArgs};
use crate::commands::cname::{RecordLine, write_records};
use crate::error::{Error, Result};
use crate::exit_codes::ExitCode;
use crate::names::{DnsName, Rejection};
use crate::output::{Output, Render, Report};
use crate::profile::TxtForm;

/// One record to publish.
#[derive(Debug, Clone, Serialize)]
pub struct TxtRecord {
    /// Absolute, with the final dot.
    pub name: String,
    #[serde(rename = "type")]
    pub rtype: &'static str,
    /// The record's text (without the zone file's quotes).
    pub value: String,
    pub covers: Vec<String>,
}

#[derive(Serialize)]
pub struct TxtReport {
    ok: bool,
    ca: String,
    records: Vec<TxtRecord>,
    rejected: Vec<Rejection>,
    #[serde(skip)]
    format: CnameFormat,
}

/// The records for `domains`, in the order their first name appears. A CA
/// that looks at the FQDN only gets one record per name whatever `placement`.
pub fn plan_txts(
    form: &TxtForm,
    value: &str,
    domains: &[DnsName],
    placement: CnamePlacement,
) -> Vec<TxtRecord> {
    let mut records: Vec<TxtRecord> = Vec::new();
    for d in domains {
        let adn = match placement {
            CnamePlacement::Base if form.walk => d.registrable_domain(),
            _ => d.base(),
        };
        let name = format!("{}.", form.owner(adn));
        match records.iter_mut().find(|r| r.name == name) {
            Some(r) => r.covers.push(d.to_string()),
            None => records.push(TxtRecord {
                name,
                rtype: "TXT",
                value: form.text(value),
                covers: vec![d.to_string()],
            }),
        }
    }
    records
}

impl Report for TxtReport {
    fn human(&self, out: &mut dyn Write, cx: &Render) -> io::Result<()> {
        // The value holds no quote or backslash (checked when parsed).
        let lines: Vec<RecordLine> = self
            .records
            .iter()
            .map(|r| RecordLine {
                name: &r.name,
                rtype: "TXT",
                rdata: format!("\"{}\"", r.value),
                covers: &r.covers,
            })
            .collect();
        write_records(
            out,
            cx,
            self.format,
            &lines,
            &self.rejected,
            " (enter the value without quotes in a provider's form)",
        )
    }
}

pub fn run(args: &TxtArgs, out: &mut Output) -> Result<ExitCode> {
    let profile = crate::plan::profile(&args.ca)?;
    let form = profile.txt_form().ok_or_else(|| Error::Flag {
        flag: "--ca",
        value: profile.name.clone(),
        problem: format!(
            "{} has no random-value DNS TXT method (dcv profiles lists each CA's methods)",
            profile.ca
        ),
    })?;
    let (domains, rejected) = match &args.csr {
        Some(arg) => {
            let loaded = crate::plan::load_csr(arg, args.csr_options.no_verify_signature, out)?;
            if !args.domains.is_empty() {
                return Err(Error::Usage("give DOMAIN names or --csr, not both".into()));
            }
            (loaded.csr.domains, loaded.csr.rejected)
        }
        None => crate::plan::domain_arguments(&args.domains),
    };
    let records = plan_txts(&form, &args.random_value, &domains, args.at);
    let code = if rejected.is_empty() {
        ExitCode::Success
    } else {
        ExitCode::CheckFailed
    };
    out.emit(&TxtReport {
        ok: code == ExitCode::Success,
        ca: profile.name,
        records,
        rejected,
        format: args.format,
    })?;
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Match;

    #[test]
    fn one_record_per_registrable_domain_or_per_name() {
        let form = TxtForm {
            prefix: "_pki-validation".into(),
            value_prefix: String::new(),
            matching: Match::Exact,
            walk: true,
        };
        let names: Vec<DnsName> = ["www.example.com", "*.example.com", "example.net"]
            .iter()
            .map(|n| DnsName::from_csr(n).unwrap())
            .collect();
        let r = plan_txts(&form, "v+/=", &names, CnamePlacement::Base);
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].name, "_pki-validation.example.com.");
        assert_eq!(r[0].covers, ["www.example.com", "*.example.com"]);
        assert_eq!(r[0].value, "v+/=");
        let r = plan_txts(&form, "v", &names, CnamePlacement::Fqdn);
        assert_eq!(r[0].name, "_pki-validation.www.example.com.");
        assert_eq!(r[1].name, "_pki-validation.example.com.");
        let fqdn_only = TxtForm {
            walk: false,
            ..form
        };
        assert_eq!(
            plan_txts(&fqdn_only, "v", &names, CnamePlacement::Base).len(),
            3
        );
    }
}
