//! The DNS checks: what the CA looks for in DNS (the DCV CNAME, `--cname`
//! and `--txt` values, CAA, the persistent TXT), judged from what the
//! [`crate::resolver`] says each server answered. Nothing here speaks the
//! wire or walks a chain of trust; it reads lookups and verdicts.
//!
//! - [`observe`]: what one server's answer means for a record check.
//! - [`ladder`]: the record checks' verdict ladder, written once, and the
//!   words of the rungs they share.
//! - [`findings`]: typed failures and the one place they become hints.
//! - [`diagnose`]: pure reading of a wrong CNAME/TXT into reasons.
//! - [`cname`], [`host_value`] (`--cname`/`--txt`), [`random_txt`], [`caa`],
//!   [`persist`]: the checks, each producing
//!   [`crate::report::CheckResult`]s; [`run`] runs a [`DnsRequest`].

pub mod caa;
pub mod cname;
pub mod diagnose;
pub mod findings;
pub mod host_value;
pub mod ladder;
pub mod near_miss;
pub mod observe;
pub mod persist_check;
pub mod random_txt;

pub use host_value::HostValue;

use std::future::Future;

use std::time::Duration;

use futures::future::join_all;
use futures::stream::{self, StreamExt};

use crate::artifacts::Expectation;
use crate::names::DnsName;
use crate::report::{CheckKind, CheckResult, Status};
use crate::resolver::Engine;
use crate::text;

/// Everything one round checks.
#[derive(Debug, Clone)]
pub struct DnsRequest {
    /// The CSR's expectation: a CNAME check per domain.
    pub expectation: Option<Expectation>,
    /// Names checked for the CNAME (with an expectation) and for CAA.
    pub domains: Vec<DnsName>,
    pub cnames: Vec<HostValue>,
    pub txts: Vec<HostValue>,
    /// The CA's CAA issuer names; empty means no CAA check.
    pub caa_issuers: Vec<String>,
    /// The most time one check (a name's CNAME, its CAA, a `--txt`) takes.
    pub deadline: Duration,
    /// `--persist ISSUER=ACCOUNTURI`: the persistent TXT check per domain.
    pub persist: Option<crate::persistent_txt::PersistExpect>,
    /// `--account URI`: the CA account CAA `accounturi` is compared with.
    pub account: Option<String>,
    /// `--random-value VALUE`: the CA profile's random-value TXT per domain.
    pub random_txt: Option<(crate::profile::TxtForm, String)>,
}

impl Default for DnsRequest {
    fn default() -> DnsRequest {
        DnsRequest {
            expectation: None,
            domains: Vec::new(),
            cnames: Vec::new(),
            txts: Vec::new(),
            caa_issuers: Vec::new(),
            deadline: Duration::from_secs(30),
            persist: None,
            account: None,
            random_txt: None,
        }
    }
}

/// Names checked at once (each with all its checks): enough to keep every
/// server's window of questions full, few enough that the state of the
/// names in progress stays a few MiB, whatever the number of names.
const NAMES_IN_FLIGHT: usize = 256;

/// Runs every check of the request concurrently, results in a stable order:
/// per name its CNAME, random-value TXT, persistent TXT and CAA results,
/// then the `--cname` and `--txt` ones.
pub async fn run(engine: &Engine, req: &DnsRequest) -> Vec<CheckResult> {
    let per_name = usize::from(req.expectation.is_some())
        + usize::from(req.random_txt.is_some())
        + usize::from(req.persist.is_some())
        + usize::from(!req.caa_issuers.is_empty());
    let mut results: Vec<CheckResult> =
        Vec::with_capacity(req.domains.len() * per_name + req.cnames.len() + req.txts.len());
    let others = run_each(engine, req, |done| results.extend(done)).await;
    results.extend(others);
    results
}

/// Runs every check of the request concurrently, handing each name's
/// results to `each` as soon as the name is done (in the order of the
/// names), and returns the `--cname` and `--txt` results.
pub async fn run_each(
    engine: &Engine,
    req: &DnsRequest,
    mut each: impl FnMut(Vec<CheckResult>),
) -> Vec<CheckResult> {
    let deadline = req.deadline;
    let now = crate::clock::now();
    // A bounded window of names in progress, in order: the questions they
    // share are still asked once (the engine dedups), but memory holds the
    // state of a few hundred names' checks, not of every name of a huge
    // CSR, and each name's results are kept as soon as it is done.
    let names = stream::iter(&req.domains)
        .map(|d| async move {
            // Each check that runs is boxed, and one that does not is no
            // future at all: the window holds 256 names, and a check's
            // state inline in every name's future, run or not, was most
            // of the memory of a large run.
            let cname = optional(req.expectation.as_ref().map(|exp| {
                within(deadline, d.as_str(), CheckKind::Cname, "CNAME", async {
                    cname::dcv_cname(engine, exp, d).await
                })
            }));
            let random = optional(req.random_txt.as_ref().map(|(form, value)| {
                within(deadline, d.as_str(), CheckKind::Txt, "TXT", async {
                    random_txt::random_txt_check(engine, form, value, d).await
                })
            }));
            let persist = optional(req.persist.as_ref().map(|expect| {
                within(deadline, d.as_str(), CheckKind::Persist, "TXT", async {
                    persist_check::persist_check(engine, expect, d, now).await
                })
            }));
            let caa = optional((!req.caa_issuers.is_empty()).then(|| {
                within(deadline, d.as_str(), CheckKind::Caa, "CAA", async {
                    caa::caa_check(engine, d, &req.caa_issuers, req.account.as_deref()).await
                })
            }));
            let (c, r, p, a) = futures::join!(cname, random, persist, caa);
            [c, r, p, a]
        })
        .buffered(NAMES_IN_FLIGHT)
        .for_each(|done| {
            each(done.into_iter().flatten().collect());
            std::future::ready(())
        });
    let generic_c = join_all(req.cnames.iter().map(|hv| {
        within(deadline, &hv.host, CheckKind::Cname, "CNAME", async {
            host_value::generic_cname(engine, hv).await
        })
    }));
    let generic_t = join_all(req.txts.iter().map(|hv| {
        within(deadline, &hv.host, CheckKind::Txt, "TXT", async {
            host_value::txt(engine, hv).await
        })
    }));
    let ((), mut others, gt) = futures::join!(names, generic_c, generic_t);
    others.extend(gt);
    others
}

/// A check that runs, boxed, or none.
fn optional<'a>(
    check: Option<impl Future<Output = CheckResult> + Send + 'a>,
) -> futures::future::BoxFuture<'a, Option<CheckResult>> {
    use futures::FutureExt;
    match check {
        Some(check) => check.map(Some).boxed(),
        None => std::future::ready(None).boxed(),
    }
}

/// Runs one check with its total deadline: per-query timeouts add up along
/// a slow delegation chain, and a check must end in bounded time.
async fn within(
    deadline: Duration,
    domain: &str,
    kind: CheckKind,
    what: &str,
    check: impl Future<Output = CheckResult>,
) -> CheckResult {
    match tokio::time::timeout(deadline, check).await {
        Ok(result) => result,
        Err(_) => CheckResult::new(
            domain,
            kind,
            Status::Fail,
            format!(
                "no verdict within the check's deadline of {} (--deadline): the {what} lookups of {domain} were still waiting for answers",
                text::seconds(deadline)
            ),
        )
        .with_hint(
            "servers on the path answer slowly or not at all, and their timeouts add up along the delegation chain; the CA gives up too: fix or remove the slow nameservers",
        )
        .with_code(crate::reason::Code::CheckDeadline),
    }
}
