//! The resolver: how dcv sees DNS, as the CA's validating resolver does.
//! Checks ask it questions and get back, per server asked, the answer with
//! its RCODE, where the server came from, and a DNSSEC verdict with its
//! typed cause; they never touch the wire, the engine's cache or the chain
//! of trust directly.
//!
//! - the model (this file): [`Answer`], [`Record`], [`Rcode`],
//!   [`QueryError`], [`LookupFailure`] and the one [`DnsTransport`] trait
//!   every network effect goes through;
//! - `wire`: the real transport (UDP with EDNS0, TCP on truncation);
//! - `engine`: orchestration ([`Engine`]: dedup, bounded concurrency, zone
//!   cuts, the parent's and the child's nameservers, referrals), answering
//!   a question with a [`Lookup`] of [`Observation`]s;
//! - `resolution`: the one resolution function ([`Engine::resolve`] →
//!   [`Resolution`]): aliases followed link by link, per server, for every
//!   check;
//! - `dnssec`: the validator ([`Security`], [`Bogus`], [`TrustAnchors`]);
//! - [`recording`]: transport decorators that count (exit 3) and record
//!   (the evidence bundle) every exchange, without the rest knowing.

mod dnssec;
mod engine;
mod flow;
mod generations;
pub mod recording;
mod resolution;
mod udp;
mod wire;

pub use dnssec::{Bogus, Security, TrustAnchors};
pub use engine::{Config, Engine, Lookup, Mode, Observation, Origin, Server};
pub use resolution::{BrokenChain, ChainEnd, Resolution, Via};
pub use wire::WireTransport;

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use thiserror::Error;

use crate::text;

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
        /// The zone's version: servers that disagree are told apart by it.
        serial: u32,
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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

#[cfg(test)]
impl Answer {
    /// An answer as the unit tests' doubles give it: no additional
    /// section, no signatures.
    pub(crate) fn of(
        rcode: Rcode,
        authoritative: bool,
        answers: Vec<Record>,
        authority: Vec<Record>,
    ) -> Answer {
        Answer {
            rcode,
            authoritative,
            answers,
            authority,
            additional: vec![],
            signed: None,
        }
    }
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
        cause: Box<LookupFailure>,
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

    /// How many questions to `server` were sent again so far because no
    /// answer came in time: a loss the engine's flow control backs off on
    /// before whole questions time out (transports that never resend: 0).
    fn resent(&self, _server: SocketAddr) -> u64 {
        0
    }
}

/// A lock whose holder panicked is still usable: what it guards (caches,
/// counts, waiting questions) stays consistent at every step.
pub(crate) fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
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

/// Why the servers for a question could not be found (its sentences and
/// hints are the checks' business: `crate::dns::findings`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LookupFailure {
    /// The SOA query that finds the zone got no usable answer.
    ZoneQuery {
        name: String,
        cause: QueryError,
    },
    /// The SOA query was answered with an error code.
    ZoneRcode {
        name: String,
        rcode: Rcode,
    },
    /// No zone up to the root: nothing is delegated there.
    NoZone {
        start: String,
    },
    /// The NS query of the zone got no usable answer.
    NsQuery {
        zone: String,
        cause: QueryError,
    },
    NoNs {
        zone: String,
    },
    /// None of the zone's nameservers has an address (of the allowed family).
    NoNsAddress {
        zone: String,
        family: Option<&'static str>,
    },
    /// Every nameserver address the resolvers gave is DNSSEC-bogus: a
    /// validating resolver cannot reach any server of the zone.
    NsAddressBogus {
        zone: String,
        host: String,
        cause: String,
    },
}

/// The longest alias chain dcv follows (resolvers stop at 8–16).
pub const MAX_CHAIN: usize = 16;

/// The names of the alias chain that starts at `qname` in an answer
/// (`qname` first), as far as the answer section spells it out. Records
/// owned by any other name are not part of the answer to the question.
pub fn chain(a: &Answer, qname: &str) -> Vec<String> {
    let mut names = vec![normalize(qname)];
    // Bounded: a loop in a hostile answer ends when a name repeats.
    while names.len() <= MAX_CHAIN {
        let last = &names[names.len() - 1];
        let next = a.answers.iter().find_map(|r| match &r.data {
            Data::Cname(t) if r.owner == *last => Some(normalize(t)),
            _ => None,
        });
        match next {
            Some(n) if !names.contains(&n) => names.push(n),
            _ => break,
        }
    }
    names
}
