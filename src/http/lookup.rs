//! Host address lookup (A and AAAA) behind a small trait, so the check's
//! orchestration can be tested with a double; the real one asks through the
//! round's DNS engine, so a check sees one DNS, as the CA does.

use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::sync::Mutex;

use thiserror::Error;

use crate::resolver::Engine;
use crate::resolver::Security;
use crate::resolver::{ChainEnd, MAX_CHAIN, Via, chain};
use crate::resolver::{Data, QueryError, RType, Rcode, normalize};

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
    /// The name is an alias whose chain ends at a name that does not exist.
    #[error("{} is an alias of {}, which does not exist (NXDOMAIN)", .0[0], .0[.0.len() - 1])]
    Dangling(Vec<String>),
    #[error("the {0} lookup timed out")]
    Timeout(&'static str),
    #[error("the {0} lookup failed: {1}")]
    Failed(&'static str, String),
    #[error("the {0} lookup runs into an alias loop ({1})")]
    AliasLoop(&'static str, String),
    #[error("the {0} lookup follows a chain of more than {MAX_CHAIN} aliases (resolvers give up)")]
    ChainTooLong(&'static str),
}

/// Looks up the addresses of one family for a host name.
pub trait AddressLookup: Send + Sync {
    fn lookup(
        &self,
        host: &str,
        family: Family,
    ) -> impl Future<Output = Result<Vec<IpAddr>, LookupError>> + Send;

    /// The DNSSEC verdict on the answers the lookups of `host` relied on
    /// (after [`AddressLookup::lookup`]); `None` when not validated.
    fn security(&self, _host: &str) -> Option<Security> {
        None
    }
}

/// The real lookup: the resolvers asked through the round's DNS engine
/// (the same resolvers, cache and in-flight bound as every other question
/// of the check), the alias chain followed through the answer, and each
/// answer validated (DNSSEC) when validation is on.
pub struct EngineLookup<'a> {
    engine: &'a Engine,
    verdicts: Mutex<HashMap<String, Security>>,
}

impl<'a> EngineLookup<'a> {
    pub fn new(engine: &'a Engine) -> EngineLookup<'a> {
        EngineLookup {
            engine,
            verdicts: Mutex::new(HashMap::new()),
        }
    }

    fn record(&self, host: &str, security: Security) {
        let mut verdicts = self
            .verdicts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let entry = verdicts.remove(host);
        let merged = match entry {
            Some(old) => old.worst(security),
            None => security,
        };
        verdicts.insert(host.to_owned(), merged);
    }
}

impl AddressLookup for EngineLookup<'_> {
    fn security(&self, host: &str) -> Option<Security> {
        self.verdicts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(host)
            .cloned()
    }

    async fn lookup(&self, host: &str, family: Family) -> Result<Vec<IpAddr>, LookupError> {
        let label = family.record_type();
        let rtype = match family {
            Family::V4 => RType::A,
            Family::V6 => RType::Aaaa,
        };
        // The one resolution function follows the aliases (through the
        // resolvers, as the CA's lookup of the host goes): a loop or a
        // chain longer than resolvers follow fails for the CA too.
        let resolution = self
            .engine
            .resolve_via(&normalize(host), rtype, Via::FirstResolver)
            .await;
        for link in &resolution.links {
            let Some(Ok(answer)) = link.observations.first().map(|o| &o.result) else {
                continue;
            };
            if let Some(security) = self.engine.security(&link.name, rtype, answer).await {
                // A bogus answer is a SERVFAIL at the CA's resolver.
                if let Security::Bogus(b) = &security {
                    return Err(LookupError::Failed(
                        label,
                        format!("DNSSEC validation fails: {b}"),
                    ));
                }
                self.record(host, security);
            }
        }
        match &resolution.end {
            ChainEnd::Loop(names) => {
                return Err(LookupError::AliasLoop(label, names.join(" → ")));
            }
            ChainEnd::TooLong(_) => return Err(LookupError::ChainTooLong(label)),
            ChainEnd::Answered | ChainEnd::Diverged => {}
        }
        let last = resolution.last();
        let answer = match last.observations.first().map(|o| &o.result) {
            Some(Ok(a)) => a,
            Some(Err(QueryError::Timeout(_))) => return Err(LookupError::Timeout(label)),
            Some(Err(e)) => return Err(LookupError::Failed(label, e.to_string())),
            None => return Err(LookupError::Failed(label, "no resolver answered".into())),
        };
        match answer.rcode {
            Rcode::NoError => {}
            Rcode::NxDomain => {
                // RFC 6604: the name that does not exist is the chain's last.
                let names = resolution.aliases();
                return Err(if names.len() > 1 {
                    LookupError::Dangling(names)
                } else {
                    LookupError::NxDomain
                });
            }
            // SERVFAIL, REFUSED…: the CA's lookup fails the same way.
            other => return Err(LookupError::Failed(label, other.to_string())),
        }
        let owners = chain(answer, &last.name);
        let mut ips = Vec::new();
        for r in &answer.answers {
            if let Data::Addr(ip) = r.data
                && Family::of(&ip) == family
                && owners.contains(&r.owner)
                && !ips.contains(&ip)
            {
                ips.push(ip);
            }
        }
        Ok(ips)
    }
}
