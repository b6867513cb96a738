//! `dcv hash`: what a CSR is, what the CA will hash, and what to publish next.

use std::io::{self, Write};

use serde::Serialize;

use crate::artifacts::{self, CnamePlacement, CnameRecord, Hashes, HttpFile};
use crate::cli::HashArgs;
use crate::commands::expectation;
use crate::csr::KeyInfo;
use crate::error::Result;
use crate::exit_codes::ExitCode;
use crate::input::{self, LoadedCsr};
use crate::names::{Rejection, printable};
use crate::output::{Output, Render, Report};
use crate::preflight::{self, Finding, Severity};

/// One CSR's facts (SPEC section 4 field names) and its next steps.
#[derive(Serialize)]
pub struct HashReport {
    /// The envelope's `ok`: true exactly when this CSR alone would exit 0.
    ok: bool,
    file: String,
    #[serde(skip)]
    display: String,
    md5: String,
    sha256: String,
    common_name: Option<String>,
    domains: Vec<String>,
    rejected: Vec<Rejection>,
    key: KeyInfo,
    /// `valid`, `invalid` or `unchecked`.
    signature: &'static str,
    /// true, false, or null when unchecked.
    signature_valid: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    signature_note: Option<String>,
    signature_algorithm: String,
    #[serde(skip)]
    signature_problem: Option<String>,
    findings: Vec<Finding>,
    #[serde(skip)]
    next_files: Vec<HttpFile>,
    #[serde(skip)]
    next_cnames: Vec<CnameRecord>,
}

impl Report for HashReport {
    fn human(&self, out: &mut dyn Write, cx: &Render) -> io::Result<()> {
        let p = cx.paint;
        if cx.quiet {
            return writeln!(out, "{}  {}  {}", self.md5, self.sha256, self.file);
        }
        let key = if self.key.bits > 0 {
            format!(
                "{} {} bits",
                self.key.algorithm.to_uppercase(),
                self.key.bits
            )
        } else {
            self.key.algorithm.to_uppercase()
        };
        let signature = match (self.signature_valid, &self.signature_note) {
            (Some(true), _) => p.good(&format!("valid ({})", self.signature_algorithm)),
            (None, note) => p.warn(&format!("unchecked ({})", note.as_deref().unwrap_or(""))),
            (Some(false), _) => p.bad(&format!(
                "NOT VALID ({}: {})",
                self.signature_algorithm,
                self.signature_problem
                    .as_deref()
                    .unwrap_or("signature mismatch")
            )),
        };
        writeln!(out, "{}", p.bold(&self.display))?;
        writeln!(out, "  MD5        {}", self.md5)?;
        writeln!(out, "  SHA-256    {}", self.sha256)?;
        writeln!(
            out,
            "  CN         {}",
            // The CN is attacker-controlled text: no escape sequences reach the terminal.
            self.common_name
                .as_deref()
                .map_or("(none)".into(), printable)
        )?;
        match self.domains.split_first() {
            None => writeln!(out, "  Names      {}", p.bad("(none usable)"))?,
            Some((first, rest)) => {
                writeln!(out, "  Names      {first}")?;
                for d in rest {
                    writeln!(out, "             {d}")?;
                }
            }
        }
        for r in &self.rejected {
            writeln!(out, "  {}   {}: {}", p.bad("Rejected"), r.name, r.reason)?;
        }
        writeln!(out, "  Key        {key}")?;
        writeln!(out, "  Signature  {signature}")?;
        for (i, f) in self.findings.iter().enumerate() {
            let label = if i == 0 { "Findings" } else { "" };
            let severity = match f.severity {
                Severity::Error => p.bad("error  "),
                Severity::Warning => p.warn("warning"),
            };
            writeln!(out, "  {label:<9}  {severity}  {}: {}", f.code, f.message)?;
        }
        if self.next_cnames.is_empty() {
            return Ok(());
        }
        writeln!(out, "{}", p.bold("Next, publish either"))?;
        writeln!(out, "  the DNS CNAME (covers every name, wildcards too):")?;
        for r in &self.next_cnames {
            writeln!(out, "    {} CNAME {}", r.name, r.target)?;
        }
        if let Some((first, rest)) = self.next_files.split_first() {
            writeln!(out, "  or the HTTP file at every non-wildcard name:")?;
            writeln!(out, "    {}", first.url)?;
            if !rest.is_empty() {
                writeln!(
                    out,
                    "    {}",
                    p.dim(&format!("and {} more (dcv file)", rest.len()))
                )?;
            }
            writeln!(
                out,
                "    body: {}  {}",
                first.body.replace('\n', "\\n"),
                p.dim("(no trailing newline)")
            )?;
        }
        Ok(())
    }
}

/// Files decoded together: enough to keep every core busy, few enough that
/// memory stays bounded (each input is at most 1 MiB).
const BATCH_WINDOW: usize = 64;

/// Loads `args` on all cores, keeping their order.
fn load_window(args: &[String], allow_bad_signature: bool) -> Vec<Result<LoadedCsr>> {
    let sequential = |args: &[String]| {
        args.iter()
            .map(|a| input::load_csr(a, allow_bad_signature))
            .collect()
    };
    // One file is the common case: skip asking for the core count, which
    // reads cgroup files and costs more than decoding a CSR.
    if args.len() < 2 {
        return sequential(args);
    }
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    if workers == 1 {
        return sequential(args);
    }
    let per_worker = args.len().div_ceil(workers);
    std::thread::scope(|scope| {
        let handles: Vec<_> = args
            .chunks(per_worker)
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|a| input::load_csr(a, allow_bad_signature))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("CSR decoding does not panic"))
            .collect()
    })
}

/// A CSR of a batch that could not be read, as its own JSON line.
#[derive(Serialize)]
struct HashFailure {
    ok: bool,
    file: String,
    /// The same shape as a `--json` error document's `error`.
    error: serde_json::Value,
}

impl Report for HashFailure {
    fn human(&self, _out: &mut dyn Write, _cx: &Render) -> io::Result<()> {
        // Human output already has the error on stderr.
        Ok(())
    }
}

pub fn run(args: &HashArgs, out: &mut Output) -> Result<ExitCode> {
    // A bad token is bad usage, reported before any file is read.
    crate::commands::token(&args.ca)?;
    let mut code = ExitCode::Success;
    let allow_bad_signature = args.csr_options.no_verify_signature;
    let loaded_csrs = args
        .csrs
        .chunks(BATCH_WINDOW)
        .flat_map(|window| load_window(window, allow_bad_signature));
    for (i, loaded) in loaded_csrs.enumerate() {
        if i > 0 {
            out.separator()?;
        }
        let loaded = match loaded {
            Ok(l) => {
                for w in input::csr_warnings(&l) {
                    out.warn(&w);
                }
                l
            }
            Err(e) if args.csrs.len() > 1 => {
                // Batch: report and go on, so one bad file does not hide the
                // rest; with --json the failure keeps its line, so lines and
                // arguments stay paired.
                eprintln!("dcv: error: {e}");
                if out.json {
                    out.emit(&HashFailure {
                        ok: false,
                        file: args.csrs[i].clone(),
                        error: serde_json::json!({
                            "kind": e.kind(),
                            "message": crate::error::plain_message(&e.to_string()),
                        }),
                    })?;
                }
                code = ExitCode::BadInput;
                continue;
            }
            Err(e) => return Err(e),
        };
        let csr = loaded.csr;
        let mut findings = preflight::findings(&csr);
        if out.lab
            && let Some(note) = crate::reserved::lab_note(&preflight::lab_names(&mut findings))
        {
            out.note(&note);
        }
        let ok = csr.rejected.is_empty() && !preflight::has_error(&findings);
        if !ok {
            code = code.worst(ExitCode::CheckFailed);
        }
        let exp = expectation(
            Hashes {
                md5: csr.md5.clone(),
                sha256: csr.sha256.clone(),
            },
            &args.ca,
        )?;
        let (files, _) = artifacts::plan_files(&exp, &csr.domains);
        let report = HashReport {
            ok,
            // JSON names the argument as given (`-` for standard input).
            file: args.csrs[i].clone(),
            display: loaded.file,
            next_files: files,
            next_cnames: artifacts::plan_cnames(&exp, &csr.domains, CnamePlacement::Base),
            md5: csr.md5,
            sha256: csr.sha256,
            common_name: csr.common_name,
            domains: csr.domains.iter().map(ToString::to_string).collect(),
            rejected: csr.rejected,
            key: csr.key,
            signature: csr.signature.status(),
            signature_valid: csr.signature.valid(),
            signature_note: csr.signature.note().map(str::to_owned),
            signature_problem: match &csr.signature {
                crate::csr::Signature::Invalid(why) => Some(why.clone()),
                _ => None,
            },
            signature_algorithm: csr.signature_algorithm,
            findings,
        };
        out.emit(&report)?;
    }
    Ok(code)
}
