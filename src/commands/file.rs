//! `dcv file`: the HTTP validation file for each name, optionally written
//! into a web root.

use std::io::{self, Write};

use serde::Serialize;

use crate::artifacts::{self, HttpFile, Skipped};
use crate::cli::FileArgs;
use crate::commands::subject;
use crate::error::Result;
use crate::exit_codes::ExitCode;
use crate::names::Rejection;
use crate::output::{Output, Render, Report};
use crate::webroot::{self, WriteAction};

#[derive(Serialize)]
pub struct Written {
    path: String,
    action: WriteAction,
    /// Directories `--write` created (mode 0755), outermost first.
    created_dirs: Vec<String>,
}

#[derive(Serialize)]
pub struct FileReport {
    ok: bool,
    files: Vec<HttpFile>,
    skipped: Vec<Skipped>,
    rejected: Vec<Rejection>,
    #[serde(skip_serializing_if = "Option::is_none")]
    written: Option<Written>,
    #[serde(skip)]
    path: String,
    #[serde(skip)]
    body: String,
}

impl Report for FileReport {
    fn human(&self, out: &mut dyn Write, cx: &Render) -> io::Result<()> {
        let p = cx.paint;
        if !self.files.is_empty() {
            writeln!(out, "{}", p.bold("File (the same for every name):"))?;
            writeln!(out, "  path  {}", self.path)?;
            let lines: Vec<&str> = self.body.split('\n').collect();
            writeln!(
                out,
                "  body  {} lines, LF line ends, no trailing newline, {} bytes:",
                lines.len(),
                self.body.len()
            )?;
            for line in lines {
                writeln!(out, "        {line}")?;
            }
            writeln!(out, "{}", p.bold("Served at:"))?;
            for f in &self.files {
                writeln!(out, "  {}", f.url)?;
            }
        }
        if let Some(w) = &self.written {
            for dir in &w.created_dirs {
                writeln!(out, "{} {dir} (0755)", p.good("Created directory"))?;
            }
            let what = match w.action {
                WriteAction::Created => p.good("Wrote"),
                WriteAction::Replaced => p.warn("Replaced"),
                WriteAction::Unchanged => p.good("Already in place"),
            };
            writeln!(out, "{what} {}", w.path)?;
        }
        for s in &self.skipped {
            writeln!(out, "{} {}: {}", p.warn("Skipped"), s.domain, s.reason)?;
        }
        for r in &self.rejected {
            writeln!(out, "{} {}: {}", p.bad("Rejected"), r.name, r.reason)?;
        }
        Ok(())
    }
}

pub fn run(args: &FileArgs, out: &mut Output) -> Result<ExitCode> {
    let subject = subject(&args.source, &args.ca, out)?;
    let exp = &subject.expectation;
    let (files, skipped) = artifacts::plan_files(exp, &subject.domains);
    let written = match &args.write {
        Some(webroot) => {
            let w = webroot::write_validation_file(
                webroot,
                &exp.hashes.md5,
                exp.file_body().as_bytes(),
                args.force,
            )?;
            Some(Written {
                path: w.path.display().to_string(),
                action: w.action,
                created_dirs: w
                    .created_dirs
                    .iter()
                    .map(|d| d.display().to_string())
                    .collect(),
            })
        }
        None => None,
    };
    let code = subject.exit_code();
    out.emit(&FileReport {
        ok: code == ExitCode::Success,
        path: exp.file_path(),
        body: exp.file_body(),
        files,
        skipped,
        rejected: subject.rejected,
        written,
    })?;
    Ok(code)
}
