//! DNS for the checks: the answer model, the one [`DnsTransport`] trait all
//! network effects go through, and the submodules that build on it.
//!
//! - [`wire`]: the real transport (UDP with EDNS0, TCP on truncation).
//! - [`engine`]: orchestration (dedup, bounded concurrency, zone cuts,
//!   nameserver addresses, referrals, per-server observations), and the
//!   A/AAAA lookups of the hosts the HTTP check fetches from.
//! - [`observe`]: what one server's answer means for a record check.
//! - [`findings`]: typed failures and the one place they become hints.
//! - [`recording`]: decorators that count (exit 3) and record (evidence)
//!   every exchange.
//! - [`diagnose`]: pure reading of a wrong CNAME/TXT into reasons.
//! - [`cname`], [`generic`], [`caa`], [`persist`]: the checks, each producing
//!   [`crate::report::CheckResult`]s; [`run`] runs a [`DnsRequest`].

pub mod caa;
pub mod cname;
pub mod diagnose;
pub mod dnssec;
pub mod engine;
pub mod findings;
pub mod generic;
pub mod observe;
pub mod persist;
pub mod recording;
pub mod wire;

pub use generic::HostValue;

use std::fmt;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use futures::future::{BoxFuture, join_all};
use futures::stream::{self, StreamExt};
use thiserror::Error;

use crate::artifacts::Expectation;
use crate::names::DnsName;
use crate::report::{CheckKind, CheckResult, Status};
use crate::text;
use engine::Engine;

/// The record types the checks ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RType {
    A,
    Aaaa,
    Ns,
    Soa,
    Cname,
    Txt,
    Caa,
    Dnskey,
    Ds,
}

impl RType {
    pub fn label(self) -> &'static str {
        match self {
            RType::A => "A",
            RType::Aaaa => "AAAA",
            RType::Ns => "NS",
            RType::Soa => "SOA",
            RType::Cname => "CNAME",
            RType::Txt => "TXT",
            RType::Caa => "CAA",
            RType::Dnskey => "DNSKEY",
            RType::Ds => "DS",
        }
    }
}

impl fmt::Display for RType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Record data, reduced to what the checks read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Data {
    Addr(IpAddr),
    Ns(String),
    /// The target as presented (`a.b.sectigo.com.`), absolute.
    Cname(String),
    /// Strings of one TXT record, joined (RFC 7208 style), lossily decoded.
    Txt(String),
    Caa {
        flags: u8,
        tag: String,
        value: Vec<u8>,
    },
    Soa {
        mname: String,
        minimum: u32,
    },
    Other(u16),
}

/// One resource record; `owner` is lowercase, without the trailing dot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub owner: String,
    pub ttl: u32,
    pub data: Data,
}

/// The response code, with the ones the checks tell apart named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rcode {
    NoError,
    NxDomain,
    ServFail,
    Refused,
    Other(u16),
}

impl fmt::Display for Rcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rcode::NoError => f.write_str("NOERROR"),
            Rcode::NxDomain => f.write_str("NXDOMAIN"),
            Rcode::ServFail => f.write_str("SERVFAIL"),
            Rcode::Refused => f.write_str("REFUSED"),
            // RFC 6895's registry, so no answer reads "RCODE 16".
            Rcode::Other(n) => match n {
                1 => f.write_str("FORMERR"),
                4 => f.write_str("NOTIMP"),
                6 => f.write_str("YXDOMAIN"),
                7 => f.write_str("YXRRSET"),
                8 => f.write_str("NXRRSET"),
                9 => f.write_str("NOTAUTH"),
                10 => f.write_str("NOTZONE"),
                11 => f.write_str("DSOTYPENI"),
                16 => f.write_str("BADVERS"),
                17 => f.write_str("BADKEY"),
                18 => f.write_str("BADTIME"),
                19 => f.write_str("BADMODE"),
                20 => f.write_str("BADNAME"),
                21 => f.write_str("BADALG"),
                22 => f.write_str("BADTRUNC"),
                23 => f.write_str("BADCOOKIE"),
                n => write!(f, "RCODE {n}"),
            },
        }
    }
}

/// A decoded response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub rcode: Rcode,
    pub authoritative: bool,
    pub answers: Vec<Record>,
    pub authority: Vec<Record>,
    pub additional: Vec<Record>,
    /// The records as received, signatures and denial proofs included, for
    /// DNSSEC validation (`None` from transports that do not keep them).
    pub signed: Option<Arc<Signed>>,
}

/// The answer and authority sections of a response, as received.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Signed {
    pub answers: Vec<hickory_proto::rr::Record>,
    pub authority: Vec<hickory_proto::rr::Record>,
}

impl Answer {
    /// The negative-caching TTL of a negative answer (RFC 2308 section 5:
    /// the SOA minimum, capped by the SOA record's own TTL) and the zone.
    pub fn negative_ttl(&self) -> Option<(String, u32)> {
        self.authority.iter().find_map(|r| match &r.data {
            Data::Soa { minimum, .. } => {
                Some((r.owner.clone(), ttl_value(*minimum).min(ttl_value(r.ttl))))
            }
            _ => None,
        })
    }
}

/// A TTL as RFC 2181 section 8 reads it: a value with the top bit set is
/// treated as zero.
pub fn ttl_value(ttl: u32) -> u32 {
    if ttl >= 1 << 31 { 0 } else { ttl }
}

/// Why a query got no usable response.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum QueryError {
    #[error("timed out after {}", text::seconds(*.0))]
    Timeout(Duration),
    /// An ICMP port unreachable: nothing listens at that address and port.
    #[error("network error: connection refused (no DNS server listening)")]
    ConnectionRefused,
    #[error("network error: {0}")]
    Network(String),
    #[error("unusable response: {0}")]
    BadResponse(String),
    /// A reply to our question that is not valid DNS.
    #[error("malformed reply: {0}")]
    Malformed(String),
    /// A referral to a subzone whose servers could not be found.
    #[error("unusable response: referral to {child}, but {cause}")]
    BrokenReferral {
        child: String,
        cause: Box<findings::LookupFailure>,
    },
}

/// Every network effect of the DNS checks: one question to one server.
/// The future is `'static` so the engine can share it between callers.
pub trait DnsTransport: Send + Sync + 'static {
    fn query(
        &self,
        server: SocketAddr,
        name: &str,
        rtype: RType,
        recursion_desired: bool,
    ) -> BoxFuture<'static, Result<Answer, QueryError>>;
}

/// Lowercase, no trailing dot: the one form names are compared in.
pub fn normalize(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// The parent of a name (`a.b.c` → `b.c`), `None` at a single label.
pub fn parent(name: &str) -> Option<&str> {
    name.split_once('.').map(|(_, rest)| rest)
}

/// True when `name` is `zone` or below it.
pub fn in_zone(name: &str, zone: &str) -> bool {
    zone.is_empty() || name == zone || name.ends_with(&format!(".{zone}"))
}

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
    pub persist: Option<crate::persist::PersistExpect>,
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
        }
    }
}

/// Names checked at once; with the engine's 64 questions in flight this
/// keeps every wave full for a 120-name CSR.
const NAMES_IN_FLIGHT: usize = 256;

/// Runs every check of the request concurrently, results in a stable order.
pub async fn run(engine: &Engine, req: &DnsRequest) -> Vec<CheckResult> {
    let mut results: Vec<CheckResult> = Vec::new();
    let deadline = req.deadline;
    // A bounded window of names in progress, in order: the questions they
    // share are still asked once (the engine dedups), but memory holds the
    // state of a few hundred checks, not of every name of a huge CSR.
    let cnames = stream::iter(&req.domains)
        .map(|d| async move {
            let exp = req.expectation.as_ref()?;
            Some(
                within(deadline, d.as_str(), CheckKind::Cname, "CNAME", async {
                    cname::dcv_cname(engine, exp, d).await
                })
                .await,
            )
        })
        .buffered(NAMES_IN_FLIGHT)
        .collect::<Vec<_>>();
    let caas = stream::iter(&req.domains)
        .map(|d| async move {
            if req.caa_issuers.is_empty() {
                return None;
            }
            Some(
                within(deadline, d.as_str(), CheckKind::Caa, "CAA", async {
                    caa::caa_check(engine, d, &req.caa_issuers).await
                })
                .await,
            )
        })
        .buffered(NAMES_IN_FLIGHT)
        .collect::<Vec<_>>();
    let generic_c = join_all(req.cnames.iter().map(|hv| {
        within(deadline, &hv.host, CheckKind::Cname, "CNAME", async {
            generic::generic_cname(engine, hv).await
        })
    }));
    let generic_t = join_all(req.txts.iter().map(|hv| {
        within(deadline, &hv.host, CheckKind::Txt, "TXT", async {
            generic::txt(engine, hv).await
        })
    }));
    let now = crate::clock::now();
    let persists = stream::iter(&req.domains)
        .map(|d| async move {
            let expect = req.persist.as_ref()?;
            Some(
                within(deadline, d.as_str(), CheckKind::Persist, "TXT", async {
                    persist::persist_check(engine, expect, d, now).await
                })
                .await,
            )
        })
        .buffered(NAMES_IN_FLIGHT)
        .collect::<Vec<_>>();
    let (cnames, caas, gc, gt, ps) = futures::join!(cnames, caas, generic_c, generic_t, persists);
    for ((c, a), p) in cnames.into_iter().zip(caas).zip(ps) {
        results.extend(c);
        results.extend(p);
        results.extend(a);
    }
    results.extend(gc);
    results.extend(gt);
    results
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
