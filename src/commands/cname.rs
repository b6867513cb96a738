//! `dcv cname`: the DNS CNAME record(s), readable or as zone-file lines.

use std::io::{self, Write};

use serde::Serialize;

use crate::artifacts::{self, CnameRecord};
use crate::cli::{CnameArgs, CnameFormat};
use crate::commands::subject;
use crate::error::Result;
use crate::exit_codes::ExitCode;
use crate::names::Rejection;
use crate::output::{Output, Render, Report};

/// TTL written in zone format: short, so a corrected record is seen soon.
const ZONE_TTL: u32 = 300;

#[derive(Serialize)]
pub struct CnameReport {
    ok: bool,
    records: Vec<CnameRecord>,
    rejected: Vec<Rejection>,
    #[serde(skip)]
    format: CnameFormat,
}

impl Report for CnameReport {
    fn human(&self, out: &mut dyn Write, cx: &Render) -> io::Result<()> {
        let lines: Vec<RecordLine> = self
            .records
            .iter()
            .map(|r| RecordLine {
                name: &r.name,
                rtype: "CNAME",
                rdata: r.target.clone(),
                covers: &r.covers,
            })
            .collect();
        write_records(out, cx, self.format, &lines, &self.rejected, "")
    }
}

/// One record of a render command, as it is printed.
pub(crate) struct RecordLine<'a> {
    pub name: &'a str,
    pub rtype: &'a str,
    /// The record data in zone-file form (a TXT value with its quotes).
    pub rdata: String,
    pub covers: &'a [String],
}

/// Records (and the rejected names) as readable lines or zone-file lines;
/// `note` follows the covered names in the readable form.
pub(crate) fn write_records(
    out: &mut dyn Write,
    cx: &Render,
    format: CnameFormat,
    records: &[RecordLine],
    rejected: &[Rejection],
    note: &str,
) -> io::Result<()> {
    let p = cx.paint;
    match format {
        CnameFormat::Zone => {
            for r in records {
                writeln!(out, "; covers {}", covers_summary(r.covers))?;
                writeln!(out, "{}\t{ZONE_TTL}\tIN\t{}\t{}", r.name, r.rtype, r.rdata)?;
            }
            for r in rejected {
                writeln!(out, "; rejected {}: {}", r.name, r.reason)?;
            }
        }
        CnameFormat::Text => {
            for r in records {
                writeln!(out, "{} {} {}", r.name, r.rtype, r.rdata)?;
                writeln!(
                    out,
                    "  {}",
                    p.dim(&format!("covers {}{note}", covers_summary(r.covers)))
                )?;
            }
            for r in rejected {
                writeln!(out, "{} {}: {}", p.bad("Rejected"), r.name, r.reason)?;
            }
        }
    }
    Ok(())
}

/// Names a record covers, shortened past a handful so 120 SANs stay one line.
pub(crate) fn covers_summary(covers: &[String]) -> String {
    const SHOWN: usize = 4;
    if covers.len() <= SHOWN {
        covers.join(", ")
    } else {
        format!(
            "{} and {} more",
            covers[..SHOWN].join(", "),
            covers.len() - SHOWN
        )
    }
}

pub fn run(args: &CnameArgs, out: &mut Output) -> Result<ExitCode> {
    let subject = subject(&args.source, &args.ca, out)?;
    let records = artifacts::plan_cnames(&subject.expectation, &subject.domains, args.at);
    let code = subject.exit_code();
    out.emit(&CnameReport {
        ok: code == ExitCode::Success,
        records,
        rejected: subject.rejected,
        format: args.format,
    })?;
    Ok(code)
}
