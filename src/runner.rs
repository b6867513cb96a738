//! The one check runner: a round of a [`CheckPlan`] over a [`Net`] (DNS and
//! HTTP at once, one engine per round so nothing is cached across rounds),
//! `--wait` polling on top, and `dcv check`'s per-name verdicts. Progress
//! goes out through the [`Progress`] trait; the output layer draws it.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

use crate::cli::Method;
use crate::http::{Checker, EngineLookup, Fetcher};
use crate::names::DnsName;
use crate::net::Net;
pub use crate::output::{Progress, Silent};
use crate::plan::{CheckPlan, Row};
use crate::report::{
    CheckKind, CheckReport, CheckResult, NameVerdict, ResultStream, Status, Streamed, WaitSummary,
};
use crate::resolver::Engine;
use crate::resolver::recording::Tally;

/// Runs one round of the plan: DNS and HTTP checks concurrently, every
/// question through one fresh engine.
pub async fn round<F: Fetcher>(plan: &CheckPlan, net: &Net<F>) -> CheckReport {
    let (about, tally, engine) = start(plan, net);
    let checker = Checker::new(
        EngineLookup::new(&engine),
        &net.http,
        plan.http_settings.clone(),
        engine.slots(),
    );
    let targets = plan.targets();
    let (dns, fetched) = futures::join!(crate::dns::run(&engine, &plan.dns), async {
        if targets.is_empty() {
            Vec::new()
        } else {
            checker.check(&targets).await
        }
    });
    let mut fetched = fetched.into_iter();
    let http = plan.http.iter().filter_map(|row| match row {
        Row::Fixed(r) => Some(r.clone()),
        Row::Check(_) => fetched.next(),
    });
    let inputs = input_results(plan);
    // A method the CAA does not authorize fails (RFC 8657, BR 4.2.2.1).
    // check-http lists its file results first and the CAA that governs them after.
    // Extended in place: the results of 10,000 names are not copied.
    let mut checked: Vec<CheckResult> = if plan.dns.expectation.is_none() && !plan.http.is_empty() {
        let mut checked: Vec<CheckResult> = http.collect();
        checked.extend(dns);
        checked
    } else {
        let mut checked = dns;
        checked.extend(http);
        checked
    };
    crate::authorize::apply(&mut checked);
    // --mpic: the CA's own engine corroborates (or not) what passed here.
    let mpic_errors = match &plan.mpic {
        Some(config) => {
            let api = crate::mpic::client::HyperApi::new(config.key.clone());
            crate::mpic::corroborate(config, &api, plan, &mut checked).await
        }
        None => Vec::new(),
    };
    let mut report = match plan.verdicts {
        None => {
            checked.reserve_exact(inputs.len());
            checked.splice(0..0, inputs);
            CheckReport::new(checked)
        }
        Some(method) => {
            let results = by_name(&inputs, &plan.dns.domains, checked);
            let verdicts = verdicts(&plan.dns.domains, &results, method);
            CheckReport::with_verdicts(results, verdicts)
        }
    };
    report.mpic_errors = mpic_errors;
    finish(&mut report, plan, &tally, about);
    report
}

/// A round's start: where and of what its report is, stamped with the
/// start, and the engine every question goes through, counted (to tell
/// resolvers that never answered: exit 3).
fn start<F: Fetcher>(
    plan: &CheckPlan,
    net: &Net<F>,
) -> (crate::stamp::About, std::sync::Arc<Tally>, Engine) {
    let about = crate::stamp::About {
        checked_at: crate::clock::rfc3339(crate::clock::now()),
        ..plan.about.clone()
    };
    let tally = std::sync::Arc::new(Tally::new(net.dns.clone()));
    let engine = Engine::new(tally.clone(), plan.engine.clone());
    (about, tally, engine)
}

/// The results known before any question: the CSR preflight's findings
/// and the names refused.
fn input_results(plan: &CheckPlan) -> Vec<CheckResult> {
    plan.preflight
        .iter()
        .cloned()
        .chain(plan.rejected.iter().map(CheckResult::invalid_name))
        .collect()
}

/// What every round's report says besides its results.
fn finish(report: &mut CheckReport, plan: &CheckPlan, tally: &Tally, about: crate::stamp::About) {
    if let Some(dead) = tally.unusable(&plan.engine.resolvers) {
        report.resolvers_unusable(&dead);
    }
    report.rejected = plan.rejected.clone();
    report.dnssec_off = plan.engine.trust_anchors.is_none();
    report.about = Some(about);
}

/// Whether a plan's results can be written as names complete: one round
/// of DNS checks only, each result final when its name is done (no
/// `--wait`, no Open MPIC, no per-name verdicts, no HTTP rows, and no
/// `--cname`/`--txt HOST=VALUE`, whose results a name's CAA may govern
/// but which are not among the name's own).
pub fn streamable(plan: &CheckPlan) -> bool {
    plan.wait.is_none()
        && plan.mpic.is_none()
        && plan.verdicts.is_none()
        && plan.http.is_empty()
        && plan.dns.cnames.is_empty()
        && plan.dns.txts.is_empty()
}

/// One round of a [`streamable`] plan, each name's results handed to
/// `stream` once at least one resolver has answered (before that, a round
/// whose resolvers all fail must still be reported as not carried out, so
/// results wait). The report holds the results never streamed; the
/// [`Streamed`] summary, the ones that were.
pub async fn round_streamed<F: Fetcher>(
    plan: &CheckPlan,
    net: &Net<F>,
    stream: &mut dyn ResultStream,
) -> (CheckReport, Streamed) {
    let (about, tally, engine) = start(plan, net);
    let mut held = input_results(plan);
    let mut streamed = Streamed::default();
    let resolvers = &plan.engine.resolvers;
    let mut pass_on = |mut results: Vec<CheckResult>, held: &mut Vec<CheckResult>| {
        // A name's CAA governs its own methods only: applied per name.
        crate::authorize::apply(&mut results);
        if tally.unusable(resolvers).is_some() {
            held.extend(results);
            return;
        }
        for batch in [std::mem::take(held), results] {
            if !batch.is_empty() {
                stream.results(&batch);
                streamed.add(&batch);
            }
        }
    };
    let others = crate::dns::run_each(&engine, &plan.dns, |done| pass_on(done, &mut held)).await;
    pass_on(others, &mut held);
    let mut report = CheckReport::new(held);
    if streamed.count > 0 {
        // `ok` over every result, the streamed ones included.
        let mut all = streamed.clone();
        all.add(&report.results);
        report.ok = all.ok();
    }
    finish(&mut report, plan, &tally, about);
    (report, streamed)
}

/// Runs the plan: one round, or rounds until ok with `--wait`. Each
/// complete round's report is also left in `last` (what Ctrl-C prints).
pub async fn run<F: Fetcher>(
    plan: &CheckPlan,
    net: &Net<F>,
    progress: &mut dyn Progress,
    last: &mut Option<CheckReport>,
) -> CheckReport {
    poll(plan.wait, progress, last, || round(plan, net)).await
}

/// When `--wait` rounds start, in seconds after the first. The first
/// minutes are for a person watching a record appear; from 10 minutes on
/// the rounds fall on the CAs' own re-check times: Sectigo re-checks a
/// pending DCV 10, 20, 40, 80, 160... minutes after the order, doubling,
/// so a round there sees what the CA's re-check sees, and checking in
/// between would not make the certificate come any sooner. After the
/// table the interval keeps doubling (capped by `--wait`, at most 24 h).
pub const SCHEDULE_S: [u64; 13] = [0, 2, 6, 15, 30, 60, 120, 240, 420, 600, 1200, 2400, 4800];

/// The start of the first scheduled round after `elapsed`.
pub fn next_round_at(elapsed: Duration) -> Duration {
    let mut at = SCHEDULE_S
        .iter()
        .map(|&s| Duration::from_secs(s))
        .find(|&t| t > elapsed);
    // Past the table: the CA's doubling goes on (9600 s, 19200 s, ...).
    let mut t = Duration::from_secs(SCHEDULE_S[SCHEDULE_S.len() - 1]);
    while at.is_none() {
        t *= 2;
        if t > elapsed {
            at = Some(t);
        }
    }
    at.unwrap_or(t)
}

/// Runs `round` once, or with `wait` until a round is ok or the time is up,
/// sleeping between rounds on [`SCHEDULE_S`] and showing progress. With
/// `wait`, every report carries its [`WaitSummary`], and each complete
/// round's report is copied into `last`.
pub async fn poll<F, Fut>(
    wait: Option<Duration>,
    progress: &mut dyn Progress,
    last: &mut Option<CheckReport>,
    mut round: F,
) -> CheckReport
where
    F: FnMut() -> Fut,
    Fut: Future<Output = CheckReport>,
{
    let started = Instant::now();
    let mut n = 1;
    loop {
        let mut report = round().await;
        let Some(wait) = wait else { return report };
        let elapsed = started.elapsed();
        let over = elapsed >= wait;
        report.wait = Some(WaitSummary {
            rounds: n,
            waited_s: (elapsed.as_secs_f64() * 1000.0).round() / 1000.0,
            gave_up: over && !report.ok,
            interrupted: false,
        });
        *last = Some(report.clone());
        // Resolvers that cannot be used at all in the first round will not
        // heal by waiting: exit 3 now rather than poll for the whole --wait.
        let hopeless = n == 1 && !report.unusable_resolvers.is_empty();
        if report.ok || over || hopeless {
            progress.done();
            return report;
        }
        let sleep = (next_round_at(elapsed) - elapsed).min(wait - elapsed);
        progress.waiting(n, &report, sleep, wait - elapsed);
        tokio::time::sleep(sleep).await;
        n += 1;
    }
}

/// Orders results as a reader wants them: invalid input first, then each
/// name's CAA, CNAME and HTTP results together.
fn by_name(
    inputs: &[CheckResult],
    domains: &[DnsName],
    mut rest: Vec<CheckResult>,
) -> Vec<CheckResult> {
    let rank = |k: CheckKind| match k {
        CheckKind::Input => 0,
        CheckKind::Caa => 1,
        CheckKind::Cname | CheckKind::Txt => 2,
        CheckKind::Http => 3,
        CheckKind::Https => 4,
        CheckKind::Persist => 2,
    };
    let position = |r: &CheckResult| domains.iter().position(|d| d.as_str() == r.domain);
    rest.sort_by_key(|r| (position(r), rank(r.check)));
    inputs.iter().cloned().chain(rest).collect()
}

/// One verdict per valid name from its results.
fn verdicts(domains: &[DnsName], results: &[CheckResult], method: Method) -> Vec<NameVerdict> {
    domains
        .iter()
        .map(|d| {
            let mine: Vec<&CheckResult> =
                results.iter().filter(|r| r.domain == d.as_str()).collect();
            let of = |kinds: &[CheckKind]| -> Vec<&CheckResult> {
                mine.iter()
                    .copied()
                    .filter(|r| kinds.contains(&r.check))
                    .collect()
            };
            let caa = of(&[CheckKind::Caa]);
            let cname = of(&[CheckKind::Cname]);
            let txt = of(&[CheckKind::Txt]);
            let http = of(&[CheckKind::Http, CheckKind::Https]);
            let all_pass =
                |rs: &[&CheckResult]| !rs.is_empty() && rs.iter().all(|r| r.status == Status::Pass);

            let mut validated_by = Vec::new();
            if method.cname() && all_pass(&cname) {
                validated_by.push("cname");
            }
            if method.txt() && all_pass(&txt) {
                validated_by.push("txt");
            }
            if method.http() && all_pass(&http) {
                validated_by.push("http");
            }
            let caa_blocks = caa.iter().find(|r| r.status != Status::Pass);
            // A failed `input` of the name itself (an internal name) blocks
            // it whatever its records say: the CA refuses the name.
            let refused = of(&[CheckKind::Input])
                .into_iter()
                .find(|r| r.status != Status::Pass);
            let detail = match (caa_blocks, validated_by.as_slice()) {
                _ if refused.is_some() => refused.map_or_else(String::new, |r| r.detail.clone()),
                (Some(c), _) => format!("CAA: {}", c.detail),
                (None, []) => {
                    let why: Vec<String> = cname
                        .iter()
                        .chain(&txt)
                        .chain(&http)
                        .filter(|r| r.status != Status::Pass)
                        .map(|r| format!("{}: {}", r.check.label(), r.detail))
                        .collect();
                    format!("no selected method passes ({})", why.join("; "))
                }
                (None, methods) => {
                    let words: Vec<&str> = methods
                        .iter()
                        .map(|m| match *m {
                            "cname" => "the DNS CNAME",
                            "txt" => "the random value's DNS TXT",
                            _ => "the HTTP file",
                        })
                        .collect();
                    format!("the CA can validate it by {}", words.join(" and by "))
                }
            };
            NameVerdict {
                domain: d.to_string(),
                ok: refused.is_none() && caa_blocks.is_none() && !validated_by.is_empty(),
                validated_by,
                detail,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_follows_the_ca_from_ten_minutes_on() {
        let at = |s: u64| next_round_at(Duration::from_secs(s)).as_secs();
        assert_eq!(at(0), 2);
        assert_eq!(at(2), 6);
        assert_eq!(at(7), 15);
        // Sectigo's re-checks: 10, 20, 40, 80 min, then doubling on.
        assert_eq!(at(500), 10 * 60);
        assert_eq!(at(600), 20 * 60);
        assert_eq!(at(1300), 40 * 60);
        assert_eq!(at(2400), 80 * 60);
        assert_eq!(at(4800), 160 * 60);
        assert_eq!(at(160 * 60 + 1), 320 * 60);
        assert!(SCHEDULE_S.windows(2).all(|w| w[0] < w[1]));
    }

    #[tokio::test(start_paused = true)]
    async fn poll_repeats_until_ok_with_backoff() {
        let mut rounds = 0;
        let started = tokio::time::Instant::now();
        let mut last = None;
        let report = poll(
            Some(Duration::from_secs(60)),
            &mut Silent,
            &mut last,
            || {
                rounds += 1;
                let status = if rounds < 3 {
                    Status::Fail
                } else {
                    Status::Pass
                };
                async move {
                    CheckReport::new(vec![CheckResult::new(
                        "x.example",
                        CheckKind::Cname,
                        status,
                        "",
                    )])
                }
            },
        )
        .await;
        assert!(report.ok);
        assert_eq!(rounds, 3);
        // Rounds at 0 s, 2 s and 6 s.
        assert_eq!(started.elapsed().as_secs(), 6);
        let w = report.wait.unwrap();
        assert_eq!((w.rounds, w.gave_up, w.interrupted), (3, false, false));
        assert_eq!(w.waited_s, 6.0);
        assert_eq!(last.unwrap().wait.unwrap().rounds, 3);
    }

    #[tokio::test(start_paused = true)]
    async fn unusable_resolvers_in_the_first_round_stop_the_wait() {
        let mut rounds = 0;
        let started = tokio::time::Instant::now();
        let report = poll(
            Some(Duration::from_secs(1800)),
            &mut Silent,
            &mut None,
            || {
                rounds += 1;
                async {
                    let mut r = CheckReport::new(vec![CheckResult::new(
                        "x.example",
                        CheckKind::Cname,
                        Status::Fail,
                        "",
                    )]);
                    r.resolvers_unusable(&[(
                        "192.0.2.53:53".parse().unwrap(),
                        crate::resolver::recording::Health::default(),
                    )]);
                    r
                }
            },
        )
        .await;
        assert_eq!(rounds, 1);
        assert_eq!(started.elapsed(), Duration::ZERO);
        assert_eq!(
            report.exit_code(),
            crate::exit_codes::ExitCode::ResolversUnusable
        );
        assert_eq!(report.wait.unwrap().rounds, 1);
    }

    #[tokio::test(start_paused = true)]
    async fn poll_gives_up_when_time_runs_out() {
        let mut rounds = 0;
        let report = poll(Some(Duration::from_secs(5)), &mut Silent, &mut None, || {
            rounds += 1;
            async {
                CheckReport::new(vec![CheckResult::new(
                    "x.example",
                    CheckKind::Cname,
                    Status::Fail,
                    "",
                )])
            }
        })
        .await;
        assert!(!report.ok);
        // t=0, t=2, t=5 (the last sleep is cut to the time left).
        assert_eq!(rounds, 3);
        let w = report.wait.unwrap();
        assert_eq!((w.rounds, w.gave_up), (3, true));
        assert_eq!(w.waited_s, 5.0);
    }

    #[tokio::test(start_paused = true)]
    async fn without_wait_one_round_and_no_summary() {
        let report = poll(None, &mut Silent, &mut None, || async {
            CheckReport::new(vec![CheckResult::new(
                "x.example",
                CheckKind::Cname,
                Status::Fail,
                "",
            )])
        })
        .await;
        assert!(report.wait.is_none());
    }

    fn name(s: &str) -> DnsName {
        DnsName::from_csr(s).unwrap()
    }

    fn result(domain: &str, check: CheckKind, status: Status) -> CheckResult {
        CheckResult::new(
            domain,
            check,
            status,
            format!("{} {status:?}", check.label()),
        )
    }

    #[test]
    fn one_passing_method_is_enough() {
        let domains = [name("www.example.com"), name("*.example.com")];
        let results = vec![
            result("www.example.com", CheckKind::Caa, Status::Pass),
            result("www.example.com", CheckKind::Cname, Status::Fail),
            result("www.example.com", CheckKind::Http, Status::Pass),
            result("*.example.com", CheckKind::Caa, Status::Pass),
            result("*.example.com", CheckKind::Cname, Status::Pass),
            result("*.example.com", CheckKind::Http, Status::Skip),
        ];
        let v = verdicts(&domains, &results, Method::Any);
        assert!(v[0].ok && v[1].ok);
        assert_eq!(v[0].validated_by, ["http"]);
        assert_eq!(v[1].validated_by, ["cname"]);
        // With --method http the wildcard cannot pass (the file cannot validate it).
        let v = verdicts(&domains, &results, Method::Http);
        assert!(v[0].ok && !v[1].ok);
        let v = verdicts(&domains, &results, Method::Cname);
        assert!(!v[0].ok && v[1].ok);
        assert!(v[0].detail.contains("cname Fail"), "{}", v[0].detail);
    }

    #[test]
    fn caa_can_block_a_validated_name() {
        let domains = [name("example.com")];
        let results = vec![
            result("example.com", CheckKind::Caa, Status::Fail),
            result("example.com", CheckKind::Cname, Status::Pass),
        ];
        let v = verdicts(&domains, &results, Method::Any);
        assert!(!v[0].ok);
        assert!(v[0].detail.starts_with("CAA:"));
    }

    #[test]
    fn every_scheme_must_pass_for_http() {
        let domains = [name("example.com")];
        let results = vec![
            result("example.com", CheckKind::Caa, Status::Pass),
            result("example.com", CheckKind::Http, Status::Pass),
            result("example.com", CheckKind::Https, Status::Fail),
        ];
        assert!(!verdicts(&domains, &results, Method::Http)[0].ok);
    }

    #[test]
    fn results_are_grouped_by_name() {
        let domains = [name("a.example.com"), name("b.example.com")];
        let rest = vec![
            result("b.example.com", CheckKind::Http, Status::Pass),
            result("a.example.com", CheckKind::Http, Status::Pass),
            result("b.example.com", CheckKind::Cname, Status::Pass),
            result("a.example.com", CheckKind::Caa, Status::Pass),
        ];
        let inputs = [result("a b", CheckKind::Input, Status::Invalid)];
        let ordered = by_name(&inputs, &domains, rest);
        let keys: Vec<(&str, &str)> = ordered
            .iter()
            .map(|r| (r.domain.as_str(), r.check.label()))
            .collect();
        assert_eq!(
            keys,
            [
                ("a b", "input"),
                ("a.example.com", "caa"),
                ("a.example.com", "http"),
                ("b.example.com", "cname"),
                ("b.example.com", "http"),
            ]
        );
    }
}
