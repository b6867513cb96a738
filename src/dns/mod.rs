//! DNS for the checks: the answer model, the one [`DnsTransport`] trait all
//! network effects go through, and the submodules that build on it.
//!
//! - [`wire`]: the real transport (UDP with EDNS0, TCP on truncation).
//! - [`engine`]: orchestration (dedup, bounded concurrency, zone cuts,
//!   nameserver addresses, referrals, per-server observations).
//! - [`diagnose`]: pure reading of CNAME/TXT answers into reasons.
//! - [`checks`]: the CNAME/TXT/CAA checks that produce [`crate::check::CheckResult`]s.

pub mod checks;
pub mod diagnose;
pub mod engine;
pub mod wire;

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use futures::future::BoxFuture;
use thiserror::Error;

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
            Rcode::Other(n) => write!(f, "RCODE {n}"),
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
}

impl Answer {
    /// The negative-caching TTL of a negative answer (RFC 2308 section 5:
    /// the SOA minimum, capped by the SOA record's own TTL) and the zone.
    pub fn negative_ttl(&self) -> Option<(String, u32)> {
        self.authority.iter().find_map(|r| match &r.data {
            Data::Soa { minimum, .. } => Some((r.owner.clone(), (*minimum).min(r.ttl))),
            _ => None,
        })
    }
}

/// Why a query got no response.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum QueryError {
    #[error("timed out after {}", secs(*.0))]
    Timeout(Duration),
    #[error("network error: {0}")]
    Network(String),
    #[error("unusable response: {0}")]
    BadResponse(String),
}

fn secs(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
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
