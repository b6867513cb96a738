//! Host address lookup (A and AAAA) behind a small trait, so the check's
//! orchestration can be tested with a double; the real one asks the
//! `--resolver` addresses, or the system's resolvers from /etc/resolv.conf.

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use hickory_resolver::config::{NameServerConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::name_server::TokioConnectionProvider;
use hickory_resolver::proto::ProtoErrorKind;
use hickory_resolver::proto::xfer::Protocol;
use hickory_resolver::{ResolveError, TokioResolver};
use thiserror::Error;

/// An address family: the record type that holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    V4,
    V6,
}

impl Family {
    pub fn of(ip: &IpAddr) -> Family {
        match ip {
            IpAddr::V4(_) => Family::V4,
            IpAddr::V6(_) => Family::V6,
        }
    }

    pub fn record_type(self) -> &'static str {
        match self {
            Family::V4 => "A",
            Family::V6 => "AAAA",
        }
    }
}

/// Why a lookup gave no answer. "No records of this type" is not an error:
/// it is an empty list.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum LookupError {
    #[error("the name does not exist (NXDOMAIN)")]
    NxDomain,
    #[error("the {0} lookup timed out")]
    Timeout(&'static str),
    #[error("the {0} lookup failed: {1}")]
    Failed(&'static str, String),
}

/// Looks up the addresses of one family for a host name.
pub trait AddressLookup: Send + Sync {
    fn lookup(
        &self,
        host: &str,
        family: Family,
    ) -> impl Future<Output = Result<Vec<IpAddr>, LookupError>> + Send;

    /// Called before each round of `--wait`: forget cached answers, so a
    /// record fixed meanwhile is seen (as the CA's fresh lookup would).
    fn new_round(&self) {}
}

/// The real lookup, through hickory's recursive resolver client.
pub struct HickoryLookup {
    // A configuration error is kept, not raised: an unreadable
    // /etc/resolv.conf only matters once a name actually needs DNS
    // (not when every name is pinned with --resolve).
    resolver: Result<TokioResolver, String>,
}

impl HickoryLookup {
    /// Uses `resolvers` (UDP, falling back to TCP for truncated answers), or
    /// the system configuration when empty; `timeout` applies to each query.
    pub fn new(resolvers: &[SocketAddr], timeout: Duration) -> HickoryLookup {
        let mut opts = ResolverOpts::default();
        opts.timeout = timeout;
        opts.attempts = 2;
        let builder = if resolvers.is_empty() {
            TokioResolver::builder_tokio()
                .map_err(|e| format!("cannot read the system resolver configuration: {e}"))
        } else {
            let mut config = ResolverConfig::new();
            for addr in resolvers {
                config.add_name_server(NameServerConfig::new(*addr, Protocol::Udp));
                config.add_name_server(NameServerConfig::new(*addr, Protocol::Tcp));
            }
            Ok(TokioResolver::builder_with_config(
                config,
                TokioConnectionProvider::default(),
            ))
        };
        let resolver = builder.map(|mut b| {
            let o = b.options_mut();
            o.timeout = opts.timeout;
            o.attempts = opts.attempts;
            // Names are absolute: never append a search domain.
            o.ndots = 0;
            b.build()
        });
        HickoryLookup { resolver }
    }
}

impl AddressLookup for HickoryLookup {
    fn new_round(&self) {
        if let Ok(resolver) = &self.resolver {
            resolver.clear_cache();
        }
    }

    async fn lookup(&self, host: &str, family: Family) -> Result<Vec<IpAddr>, LookupError> {
        let rtype = family.record_type();
        let resolver = self
            .resolver
            .as_ref()
            .map_err(|e| LookupError::Failed(rtype, e.clone()))?;
        let fqdn = format!("{}.", host.trim_end_matches('.'));
        let result = match family {
            Family::V4 => resolver
                .ipv4_lookup(fqdn)
                .await
                .map(|l| l.iter().map(|a| IpAddr::V4(a.0)).collect()),
            Family::V6 => resolver
                .ipv6_lookup(fqdn)
                .await
                .map(|l| l.iter().map(|a| IpAddr::V6(a.0)).collect()),
        };
        result.or_else(|e| classify(e, rtype))
    }
}

fn classify(e: ResolveError, rtype: &'static str) -> Result<Vec<IpAddr>, LookupError> {
    if e.is_nx_domain() {
        return Err(LookupError::NxDomain);
    }
    if e.is_no_records_found() {
        return Ok(Vec::new());
    }
    if e.proto()
        .is_some_and(|p| matches!(p.kind(), ProtoErrorKind::Timeout))
    {
        return Err(LookupError::Timeout(rtype));
    }
    Err(LookupError::Failed(rtype, e.to_string()))
}
