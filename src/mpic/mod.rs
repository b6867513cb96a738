//! Corroboration on the CA's own engine, Open MPIC (SPEC section 8): per
//! name and method, the Open MPIC request that mirrors dcv's local check,
//! sent with bounded parallelism within the check's deadline, and its
//! answer folded into the local result: the local check stays the primary
//! perspective; a method or CAA that Open MPIC does not corroborate fails,
//! naming the perspectives that disagree, what each saw and the likely
//! cause; an API that cannot be used makes the result NOT CHECKED (exit 3).
//! `api` owns the wire format, `client` the transport, `model` the report's
//! `mpic` object, `words` the text.

pub mod api;
pub mod client;
pub mod model;
mod words;

use futures::StreamExt;

use crate::plan::{CheckPlan, Row};
use crate::report::{CheckKind, CheckResult, Status};
use api::Ask;
use client::{ApiError, Transport};
pub use model::{Config, MpicReport, PerspectiveSeen};

/// Requests in flight at once: a 100-name order is 200-300 requests, each
/// a round of every perspective; more at once only queues at the API.
pub const IN_FLIGHT: usize = 16;

/// One request to send, for the result at `index`.
struct Job {
    index: usize,
    target: String,
    ask: Ask,
}

/// Asks Open MPIC about every result it has a form for and folds the
/// answers in. Returns the API failures (`URL: what happened`), which make
/// the run exit 3.
pub async fn corroborate<T: Transport>(
    config: &Config,
    transport: &T,
    plan: &CheckPlan,
    results: &mut [CheckResult],
) -> Vec<String> {
    let jobs: Vec<Job> = results
        .iter()
        .enumerate()
        .filter_map(|(index, r)| ask_for(plan, r).map(|(target, ask)| Job { index, target, ask }))
        .collect();
    let run = random_run_id();
    let answers: Vec<(usize, MpicReport, Ask)> = futures::stream::iter(jobs)
        .map(|job| {
            let trace = format!("dcv-{run}-{}", job.index);
            async move {
                let report = ask(config, transport, &job.target, &job.ask, &trace).await;
                (job.index, report, job.ask)
            }
        })
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await;
    let mut failures = Vec::new();
    for (index, report, ask) in answers {
        if let Some(e) = &report.error {
            let line = format!("{}: {e}", report.url);
            if !failures.contains(&line) {
                failures.push(line);
            }
        }
        words::fold(&mut results[index], report, &ask);
    }
    failures
}

/// Sends one request and reads its answer into an [`MpicReport`].
async fn ask<T: Transport>(
    config: &Config,
    transport: &T,
    target: &str,
    ask: &Ask,
    trace: &str,
) -> MpicReport {
    let body = api::request(target, ask, config.perspectives, trace).to_string();
    let mut report = MpicReport {
        url: config.endpoint.url.clone(),
        trace_identifier: trace.to_owned(),
        is_valid: None,
        perspective_count: None,
        quorum_count: None,
        attempt_count: None,
        perspectives: Vec::new(),
        error: None,
        exchange: (body.clone(), String::new()),
    };
    let answer = transport
        .post(&config.endpoint, body.into_bytes(), config.timeout)
        .await
        .and_then(|bytes| {
            report.exchange.1 = kept(&bytes);
            api::parse(&bytes, ask.check_type()).map_err(|why| ApiError::NotMpic {
                why,
                body: client::start_of(&bytes),
            })
        });
    match answer {
        Err(e) => {
            if report.exchange.1.is_empty() {
                report.exchange.1 = format!("(no response: {e})");
            }
            report.error = Some(e.to_string());
        }
        Ok(r) => {
            let effective = r.actual_orchestration_parameters.unwrap_or_default();
            report.is_valid = Some(r.is_valid);
            report.perspective_count = effective.perspective_count;
            report.quorum_count = effective.quorum_count;
            report.attempt_count = effective.attempt_count;
            if let Some(t) = r.trace_identifier {
                report.trace_identifier = t;
            }
            report.perspectives = r
                .perspectives
                .iter()
                .map(|p| PerspectiveSeen {
                    code: p.perspective_code.clone(),
                    passed: p.check_response.check_passed,
                    detail: words::seen(&p.check_response, ask),
                })
                .collect();
        }
    }
    report
}

/// What of a response the evidence keeps: a few perspectives' answers are
/// a few kilobytes; a hostile or broken API's megabytes are cut.
const EXCHANGE_KEPT: usize = 256 * 1024;

fn kept(bytes: &[u8]) -> String {
    if bytes.len() <= EXCHANGE_KEPT {
        return String::from_utf8_lossy(bytes).into_owned();
    }
    format!(
        "{}\n(… {} more bytes not kept)",
        String::from_utf8_lossy(&bytes[..EXCHANGE_KEPT]),
        bytes.len() - EXCHANGE_KEPT
    )
}

/// The Open MPIC form of a local result, if it has one: the target and
/// what to ask. Results that are not checks of a name (input, skips,
/// invalid names) and methods Open MPIC has no form for are not sent.
fn ask_for(plan: &CheckPlan, r: &CheckResult) -> Option<(String, Ask)> {
    if matches!(r.status, Status::Skip | Status::Invalid) {
        return None;
    }
    let is_name = plan.dns.domains.iter().any(|d| d.as_str() == r.domain);
    let base = r.domain.strip_prefix("*.").unwrap_or(&r.domain).to_owned();
    // The ADN where the local check found the record, else the name's base.
    let adn = r
        .adn
        .as_deref()
        .map(|a| a.trim_end_matches('.').to_owned())
        .unwrap_or(base);
    match r.check {
        CheckKind::Caa if is_name && !plan.dns.caa_issuers.is_empty() => Some((
            r.domain.clone(),
            Ask::Caa {
                issuers: plan.dns.caa_issuers.clone(),
            },
        )),
        CheckKind::Cname if is_name => {
            let exp = plan.dns.expectation.as_ref()?;
            Some((
                adn,
                Ask::Dns {
                    record_type: "CNAME",
                    prefix: format!("_{}", exp.hashes.md5),
                    value: exp.cname_target(),
                    exact: true,
                },
            ))
        }
        CheckKind::Txt if is_name => {
            let (form, value) = plan.dns.random_txt.as_ref()?;
            Some((
                adn,
                Ask::Dns {
                    record_type: "TXT",
                    prefix: form.prefix.clone(),
                    value: format!("{}{value}", form.value_prefix),
                    exact: form.matching == crate::profile::Match::Exact,
                },
            ))
        }
        CheckKind::Http | CheckKind::Https => {
            let target = plan.http.iter().find_map(|row| match row {
                Row::Check(t) if t.domain == r.domain && t.scheme.kind() == r.check => Some(t),
                _ => None,
            })?;
            let path = target.path.strip_prefix("/.well-known/pki-validation/")?;
            // Open MPIC fetches the scheme's own port only.
            if target.port != target.scheme.default_port() || target.literal.is_some() {
                return None;
            }
            Some((
                target.host.clone(),
                Ask::Website {
                    scheme: target.scheme.name(),
                    path: path.to_owned(),
                    body: target.expected.body.clone(),
                },
            ))
        }
        _ => None,
    }
}

/// A short random id shared by the run's trace identifiers.
fn random_run_id() -> String {
    let mut bytes = [0u8; 4];
    if getrandom::fill(&mut bytes).is_err() {
        return format!("{:x}", std::process::id());
    }
    hex::encode(bytes)
}

/// `names/<name>/mpic.txt` of the evidence bundle: each Open MPIC request
/// and response about `name`, as sent and received (the key is never part
/// of them); `None` when Open MPIC was not asked about it.
pub fn evidence_text(report: &crate::report::CheckReport, name: &str) -> Option<String> {
    let mut text = String::new();
    for r in report.results.iter().filter(|r| r.domain == name) {
        let Some(m) = &r.mpic else { continue };
        text.push_str(&format!(
            "== {} {} trace {}\n-> POST {}\n{}\n<- {}\n\n",
            r.check.label(),
            r.domain,
            m.trace_identifier,
            m.url,
            m.exchange.0,
            m.exchange.1
        ));
    }
    (!text.is_empty()).then_some(text)
}
