//! Typed DNS failures, and the one place they become sentences: why the
//! servers to ask could not be found ([`LookupFailure`]), what went wrong
//! with one server ([`ServerFailure`]), and the hint for a set of them.
//!
//! Decisions are made on these values; text is produced only for the
//! report, so no code ever searches a message for "SERVFAIL".

use std::fmt;

use crate::reason::Code;
pub use crate::resolver::LookupFailure;
use crate::resolver::{BrokenChain, QueryError, Rcode};

impl fmt::Display for LookupFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LookupFailure::ZoneQuery { name, cause } => {
                write!(f, "cannot find the zone of {name}: {cause}")
            }
            LookupFailure::ZoneRcode { name, rcode } => {
                write!(f, "cannot find the zone of {name}: {rcode}")
            }
            LookupFailure::NoZone { start } => write!(f, "no zone found for {start}"),
            LookupFailure::NsQuery { zone, cause } => {
                write!(f, "cannot get the NS records of {zone}: {cause}")
            }
            LookupFailure::NoNs { zone } => write!(f, "no NS records for zone {zone}"),
            LookupFailure::NoNsAddress { zone, family } => {
                let fam = family.map(|f| format!(" {f}")).unwrap_or_default();
                write!(f, "no{fam} address for any nameserver of zone {zone}")
            }
            LookupFailure::NsAddressBogus { zone, host, cause } => write!(
                f,
                "every nameserver address of zone {zone} fails DNSSEC validation ({host}: {cause}), so a validating resolver reaches none of its servers"
            ),
        }
    }
}

impl LookupFailure {
    /// The failure said of the name it is about (`cannot find its zone:
    /// …`, or `their zones` for several names failing alike), so that they
    /// can share one sentence.
    pub fn of_the_name(&self, name: &str, several: bool) -> String {
        let zone = if several { "their zones" } else { "its zone" };
        match self {
            LookupFailure::ZoneQuery { name: n, cause }
                if crate::resolver::normalize(n) == crate::resolver::normalize(name) =>
            {
                format!("cannot find {zone}: {cause}")
            }
            LookupFailure::ZoneRcode { name: n, rcode }
                if crate::resolver::normalize(n) == crate::resolver::normalize(name) =>
            {
                format!("cannot find {zone}: {rcode}")
            }
            other => other.to_string(),
        }
    }
}

/// What went wrong when one server was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerFailure {
    /// No usable response.
    Query(QueryError),
    /// A response with an error code (SERVFAIL, REFUSED, …).
    Rcode(Rcode),
    /// The answer is an alias whose chain never ends: a loop, or longer
    /// than resolvers follow (the CA's resolver answers SERVFAIL).
    Chain(BrokenChain),
}

impl fmt::Display for ServerFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServerFailure::Query(e) => e.fmt(f),
            ServerFailure::Rcode(r) => r.fmt(f),
            ServerFailure::Chain(c) => c.fmt(f),
        }
    }
}

/// The kinds of trouble a hint (and a reason code) is chosen for, most
/// telling first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Trouble {
    DnssecBogus,
    AliasLoop,
    AliasChainTooLong,
    ServFail,
    Refused,
    /// FORMERR, BADVERS or NOTIMP: a server that rejects the EDNS query.
    Edns,
    /// An answer without the AA bit from a server asked as authoritative.
    Lame,
    Timeout,
    NoZone,
    ConnectionRefused,
    Malformed,
    /// The resolver dcv asks (not a server the CA asks) did not answer.
    ResolverTimeout,
    /// Nothing answers DNS at the resolver's address.
    ResolverUnreachable,
    NoNameserver,
    Other,
}

fn query_trouble(e: &QueryError) -> Trouble {
    match e {
        QueryError::Timeout(_) => Trouble::Timeout,
        QueryError::ConnectionRefused => Trouble::ConnectionRefused,
        QueryError::BrokenReferral { cause, .. } => cause.trouble(),
        QueryError::Malformed(_) => Trouble::Malformed,
        QueryError::Network(_) | QueryError::BadResponse(_) => Trouble::Other,
    }
}

/// A query to one of the resolvers dcv was given failed: the trouble is
/// dcv's own resolver, never a server the CA asks.
pub fn resolver_trouble(e: &QueryError) -> Trouble {
    match e {
        QueryError::Timeout(_) => Trouble::ResolverTimeout,
        QueryError::ConnectionRefused | QueryError::Network(_) => Trouble::ResolverUnreachable,
        other => query_trouble(other),
    }
}

fn rcode_trouble(r: Rcode) -> Trouble {
    match r {
        Rcode::ServFail => Trouble::ServFail,
        Rcode::Refused => Trouble::Refused,
        Rcode::Other(1 | 4 | 16) => Trouble::Edns,
        _ => Trouble::Other,
    }
}

impl ServerFailure {
    pub fn trouble(&self) -> Trouble {
        match self {
            ServerFailure::Query(e) => query_trouble(e),
            ServerFailure::Rcode(r) => rcode_trouble(*r),
            ServerFailure::Chain(BrokenChain::Loop(_)) => Trouble::AliasLoop,
            ServerFailure::Chain(BrokenChain::TooLong(_)) => Trouble::AliasChainTooLong,
        }
    }
}

impl LookupFailure {
    /// The zone cut and the NS set are asked of the resolvers dcv was
    /// given, so a query failure here is theirs.
    pub fn trouble(&self) -> Trouble {
        match self {
            LookupFailure::ZoneQuery { cause, .. } | LookupFailure::NsQuery { cause, .. } => {
                resolver_trouble(cause)
            }
            LookupFailure::ZoneRcode { rcode, .. } => rcode_trouble(*rcode),
            LookupFailure::NoZone { .. } => Trouble::NoZone,
            LookupFailure::NoNs { .. } | LookupFailure::NoNsAddress { .. } => Trouble::NoNameserver,
            LookupFailure::NsAddressBogus { .. } => Trouble::DnssecBogus,
        }
    }
}

impl Trouble {
    /// The reason code of a result this trouble decides (SPEC section 7).
    pub fn code(self) -> Code {
        match self {
            Trouble::ServFail => Code::ServerServfail,
            Trouble::Refused => Code::ServerRefused,
            Trouble::Edns => Code::ServerEdns,
            Trouble::Lame => Code::ServerLame,
            Trouble::Timeout => Code::ServerTimeout,
            Trouble::NoZone => Code::ZoneNotFound,
            Trouble::ConnectionRefused => Code::ServerUnreachable,
            Trouble::Malformed => Code::ServerMalformed,
            Trouble::ResolverTimeout | Trouble::ResolverUnreachable => Code::ResolverUnreachable,
            Trouble::NoNameserver => Code::NoNameserver,
            Trouble::DnssecBogus => Code::DnssecBogus,
            Trouble::AliasLoop => Code::AliasLoop,
            Trouble::AliasChainTooLong => Code::AliasChainTooLong,
            Trouble::Other => Code::ServerError,
        }
    }

    /// What to do about it.
    pub fn hint(self) -> &'static str {
        match self {
            Trouble::DnssecBogus => {
                "the nameservers' addresses fail DNSSEC validation: fix the signatures of the zone that holds them (the detail names the cause); a CA's validating resolver cannot reach the servers until then"
            }
            Trouble::AliasLoop => {
                "the aliases (CNAME or DNAME records) lead back to a name they passed, so no resolver gets an answer and the CA sees SERVFAIL: point the last alias at a name that holds the record"
            }
            Trouble::AliasChainTooLong => {
                "the alias chain is longer than resolvers follow (they give up and answer SERVFAIL): point the first alias closer to the name that holds the record"
            }
            Trouble::ServFail => {
                "SERVFAIL: the server could not answer for the zone (broken DNSSEC, an unloaded zone, or a lame delegation); the CA will fail the same way"
            }
            Trouble::Refused => {
                "REFUSED: the server does not serve this zone (a nameserver listed in the delegation that is not configured for it): add the zone to it or remove it from the NS records"
            }
            Trouble::Edns => {
                "the server rejects queries with EDNS (FORMERR, BADVERS or NOTIMP), as every CA's resolver sends them: upgrade or fix the nameserver software (or the firewall that mangles EDNS)"
            }
            Trouble::Lame => {
                "the server answers without authority (AA=0) for a zone it is listed for: a lame delegation; load the zone on it or remove it from the NS records"
            }
            Trouble::Timeout => {
                "a nameserver did not answer in time (down, a firewall, or unreachable over this address family); the CA asks it too"
            }
            Trouble::NoZone => {
                "the resolvers know no zone for this name: check that the domain is registered and delegated (NS records at the registry), or give --resolver a resolver that can see it"
            }
            Trouble::ConnectionRefused => {
                "nothing answers DNS at a nameserver's address: check its listening addresses (and the firewall); the CA asks it too"
            }
            Trouble::Malformed => {
                "a server sent a reply that is not valid DNS (a broken record or compression): the CA's resolver rejects it too; fix the zone data or the server software"
            }
            Trouble::ResolverTimeout => {
                "the resolver dcv asks (--resolver, else /etc/resolv.conf) did not answer in time: check it, or give another with --resolver (the CA uses its own resolvers)"
            }
            Trouble::ResolverUnreachable => {
                "nothing answers DNS at the resolver dcv asks: check the --resolver address and port (else /etc/resolv.conf); the CA uses its own resolvers"
            }
            Trouble::NoNameserver => {
                "the zone's nameservers cannot be found (no NS records, or none with an address): fix the NS records and their A/AAAA records"
            }
            Trouble::Other => {
                "a server could not be asked: check its address and that it answers DNS over UDP and TCP"
            }
        }
    }
}

/// The most telling of a set of troubles (`Other` when there is none).
pub fn worst_trouble(troubles: impl IntoIterator<Item = Trouble>) -> Trouble {
    troubles.into_iter().min().unwrap_or(Trouble::Other)
}

/// The hint for a set of failures: the most telling one decides.
pub fn failure_hint(troubles: impl IntoIterator<Item = Trouble>) -> &'static str {
    worst_trouble(troubles).hint()
}

/// Some servers serve the record and some do not.
pub const STALE_SECONDARY_HINT: &str = "a nameserver does not serve the current zone (stale secondary: check zone transfers and the SOA serial); the CA may ask any of them";

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn the_most_telling_failure_chooses_the_hint() {
        let timeout = ServerFailure::Query(QueryError::Timeout(Duration::from_secs(1)));
        let servfail = ServerFailure::Rcode(Rcode::ServFail);
        assert!(failure_hint([timeout.trouble(), servfail.trouble()]).starts_with("SERVFAIL"));
        assert!(failure_hint([timeout.trouble()]).contains("in time"));
        let no_zone = LookupFailure::NoZone {
            start: "x.test".into(),
        };
        assert!(failure_hint([no_zone.trouble()]).contains("know no zone"));
        let zone_servfail = LookupFailure::ZoneRcode {
            name: "x.test".into(),
            rcode: Rcode::ServFail,
        };
        assert_eq!(zone_servfail.trouble(), Trouble::ServFail);
        assert_eq!(
            zone_servfail.to_string(),
            "cannot find the zone of x.test: SERVFAIL"
        );
        let refused = ServerFailure::Query(QueryError::ConnectionRefused);
        assert!(failure_hint([refused.trouble()]).contains("nothing answers DNS"));
        assert!(failure_hint([refused.trouble()]).contains("the CA asks it too"));
        assert!(failure_hint([]).contains("could not be asked"));
    }

    #[test]
    fn messages_name_the_family() {
        let f = LookupFailure::NoNsAddress {
            zone: "example.com".into(),
            family: Some("IPv6"),
        };
        assert_eq!(
            f.to_string(),
            "no IPv6 address for any nameserver of zone example.com"
        );
    }
}
