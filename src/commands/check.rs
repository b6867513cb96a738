//! `dcv check-dns`, `dcv check-http` and `dcv check`: three selections of
//! one plan ([`crate::plan::CheckPlan`]), run by the one runner over the
//! real network, and emitted as one report.

use crate::cli::{CheckArgs, CheckDnsArgs, CheckHttpArgs};
use crate::error::{Error, Result};
use crate::exit_codes::ExitCode;
use crate::net::Net;
use crate::output::{JsonStream, Output, print_error};
use crate::plan::CheckPlan;
use crate::report::CheckReport;
use crate::runner::{self, Progress};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::http::recording::{HttpLog, Recording};
use crate::resolver::recording::{DnsLog, Transcript};

pub fn run_dns(args: &CheckDnsArgs, out: &mut Output) -> Result<ExitCode> {
    let plan = CheckPlan::dns(args, out)?;
    run(&plan, args.network.evidence.as_deref(), &args.ca.ca, out)
}

pub fn run_http(args: &CheckHttpArgs, out: &mut Output) -> Result<ExitCode> {
    let plan = CheckPlan::http(args, out)?;
    run(&plan, args.network.evidence.as_deref(), &args.ca.ca, out)
}

pub fn run_all(args: &CheckArgs, out: &mut Output) -> Result<ExitCode> {
    let plan = CheckPlan::all(args, out)?;
    run(&plan, args.network.evidence.as_deref(), &args.ca.ca, out)
}

/// The transcripts `--evidence` keeps while the checks run.
struct Logs {
    dir: PathBuf,
    /// The manifest's facts about the run.
    run: crate::evidence::Run,
    dns: Arc<Mutex<DnsLog>>,
    http: Arc<Mutex<HttpLog>>,
}

impl Logs {
    /// Writes the bundle and says where (a note; the report is unchanged).
    fn write(&self, report: &CheckReport, out: &mut Output) -> Result<()> {
        let dns = self
            .dns
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let http = self
            .http
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let files = crate::evidence::write(&self.dir, &self.run, report, &dns, &http)?;
        out.note(&format!(
            "evidence: {} files in {}",
            files.len(),
            crate::text::printable(&self.dir.display().to_string())
        ));
        Ok(())
    }
}

/// plan → run → emit. With `--wait`, Ctrl-C stops the polling: the last
/// complete round's report is printed and the exit code is 130.
fn run(
    plan: &CheckPlan,
    evidence: Option<&Path>,
    ca_profile: &str,
    out: &mut Output,
) -> Result<ExitCode> {
    let logs = match evidence {
        Some(dir) => {
            crate::evidence::prepare(dir)?;
            let args: Vec<String> = std::env::args_os()
                .map(|a| a.to_string_lossy().into_owned())
                .collect();
            Some(Logs {
                dir: dir.to_path_buf(),
                run: crate::evidence::Run {
                    command_line: crate::evidence::redacted_args(&args),
                    ca_profile: ca_profile.to_owned(),
                    resolvers: plan
                        .engine
                        .resolvers
                        .iter()
                        .map(ToString::to_string)
                        .collect(),
                    started_at: crate::clock::rfc3339(crate::clock::now()),
                },
                dns: Arc::default(),
                http: Arc::default(),
            })
        }
        None => None,
    };
    let runtime = super::runtime()?;
    let dnssec = plan.engine.trust_anchors.is_some();
    let real = Net::real(plan.engine.timeout, dnssec);
    // The recording decorators see every exchange; the resolver and the
    // fetcher do not know they are there.
    let net = Net {
        dns: match &logs {
            Some(l) => Arc::new(Transcript::new(real.dns, l.dns.clone())),
            None => real.dns,
        },
        http: Recording::new(real.http, logs.as_ref().map(|l| l.http.clone())),
    };
    if out.json && logs.is_none() && runner::streamable(plan) {
        // Each name's results go out as the name is done (issue 24).
        let mut stream = JsonStream::new(out);
        let (mut report, streamed) =
            runtime.block_on(runner::round_streamed(plan, &net, &mut stream));
        stream.finish(&mut report)?;
        warn_indeterminate(
            out,
            streamed
                .indeterminate
                .as_deref()
                .or_else(|| indeterminate(&report)),
        );
        return Ok(report.exit_code());
    }
    let mut progress = out.progress();
    let mut last = None;
    let finished = runtime.block_on(async {
        let polling = runner::run(plan, &net, &mut progress, &mut last);
        if plan.wait.is_none() {
            return Some(polling.await);
        }
        tokio::select! {
            report = polling => Some(report),
            // An error here means no handler could be set: poll on.
            Ok(()) = tokio::signal::ctrl_c() => None,
        }
    });
    let report = match finished {
        Some(report) => report,
        None => {
            progress.done();
            let Some(mut report) = last else {
                print_error(&Error::Interrupted, out.json);
                return Ok(ExitCode::Interrupted);
            };
            report.ok = false;
            if let Some(w) = &mut report.wait {
                w.interrupted = true;
                w.gave_up = false;
            }
            if let Some(l) = &logs {
                l.write(&report, out)?;
            }
            out.emit(&report)?;
            return Ok(ExitCode::Interrupted);
        }
    };
    warn_indeterminate(out, indeterminate(&report));
    if let Some(l) = &logs {
        l.write(&report, out)?;
    }
    out.emit(&report)?;
    Ok(report.exit_code())
}

/// Why DNSSEC could not be validated, from the first result that says.
fn indeterminate(report: &CheckReport) -> Option<&str> {
    report
        .results
        .iter()
        .find(|r| r.dnssec == Some("indeterminate"))
        .and_then(|r| r.dnssec_detail.as_deref())
}

/// A chain that could not be fetched is a warning, not a failure.
fn warn_indeterminate(out: &Output, why: Option<&str>) {
    if let Some(why) = why {
        out.warn(&format!(
            "DNSSEC could not be validated ({}); results say \"indeterminate\" (a lab: --trust-anchor FILE; or --no-dnssec)",
            crate::text::printable(why)
        ));
    }
}
