//! `dcv corroborate REPORT.json...`: reads check reports made from several
//! perspectives and judges the CA's multi-perspective quorum per name and
//! method ([`crate::perspective::corroborate`]).

use std::io::Read;
use std::path::Path;

use serde::Deserialize;

use crate::cli::CorroborateArgs;
use crate::clock::Date;
use crate::error::{Error, Result};
use crate::exit_codes::ExitCode;
use crate::output::{Output, SCHEMA_VERSION};
use crate::perspective::{self, About, ReadReport, ReadResult, SubjectKey};

/// Larger files are not reports dcv wrote (a 20,000-name report is ~20 MiB).
const MAX_REPORT: u64 = 64 << 20;

/// The fields of a check report that corroboration reads.
#[derive(Deserialize)]
struct Document {
    schema_version: Option<u64>,
    error: Option<serde_json::Value>,
    ok: Option<bool>,
    results: Option<Vec<ReadResult>>,
    perspective: Option<String>,
    checked_at: Option<String>,
    command: Option<String>,
    method: Option<String>,
    subject: Option<SubjectKey>,
    rir: Option<String>,
}

fn bad(file: &str, problem: impl Into<String>) -> Error {
    Error::Report {
        file: file.to_owned(),
        problem: problem.into(),
    }
}

/// Reads and checks one report file.
pub fn read_report(path: &Path) -> Result<ReadReport> {
    let file = path.display().to_string();
    let mut text = String::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_REPORT + 1).read_to_string(&mut text))
        .map_err(|source| Error::Read {
            file: file.clone(),
            source,
        })?;
    if text.len() as u64 > MAX_REPORT {
        return Err(bad(&file, "larger than 64 MiB: not a dcv check report"));
    }
    let doc: Document = serde_json::from_str(&text).map_err(|e| {
        bad(
            &file,
            format!("not a dcv check report (one JSON document from `dcv --json check ...`): {e}"),
        )
    })?;
    if let Some(v) = doc
        .schema_version
        .filter(|&v| v != u64::from(SCHEMA_VERSION))
    {
        return Err(bad(
            &file,
            format!("schema_version {v}: this dcv reads version {SCHEMA_VERSION}"),
        ));
    }
    if let Some(e) = doc.error {
        let message = e["message"].as_str().unwrap_or("").to_owned();
        return Err(bad(
            &file,
            format!("an error document, not a check report: {message}"),
        ));
    }
    let (Some(_), Some(results)) = (doc.ok, doc.results) else {
        return Err(bad(
            &file,
            "not a dcv check report: no \"ok\" and \"results\"",
        ));
    };
    let missing = |field: &str| {
        bad(
            &file,
            format!("no \"{field}\": made by a dcv without --perspective support"),
        )
    };
    let about = About {
        perspective: doc.perspective.ok_or_else(|| missing("perspective"))?,
        checked_at: doc.checked_at.ok_or_else(|| missing("checked_at"))?,
        command: doc.command.ok_or_else(|| missing("command"))?,
        method: doc.method.ok_or_else(|| missing("method"))?,
        subject: doc.subject.ok_or_else(|| missing("subject"))?,
        rir: doc.rir,
    };
    Ok(ReadReport {
        file,
        about,
        results,
    })
}

pub fn run(args: &CorroborateArgs, out: &mut Output) -> Result<ExitCode> {
    let reports = args
        .reports
        .iter()
        .map(|p| read_report(p))
        .collect::<Result<Vec<_>>>()?;
    let date = args.date.unwrap_or_else(Date::today);
    let report = perspective::corroborate(&reports, date).map_err(|m| Error::Report {
        file: m.file,
        problem: m.problem,
    })?;
    out.emit(&report)?;
    Ok(report.exit_code())
}
