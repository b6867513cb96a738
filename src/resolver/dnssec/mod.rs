//! DNSSEC validation as a CA's resolver does it since 2026 (BR 3.2.2.4 and
//! 3.2.2.8.1, ballot SC-085): every answer a check relies on is validated
//! from a trust anchor, and a bogus one counts as the SERVFAIL the CA gets.
//!
//! - [`Security`] and [`Bogus`]: the verdict on an answer, with the cause.
//! - [`anchors`]: the IANA root keys built in, or `--trust-anchor` files.
//! - [`verify`]: pure checks on records — an RRset against its RRSIGs and a
//!   zone's keys, a DNSKEY against a DS, NSEC/NSEC3 denial proofs. The
//!   cryptography is hickory-proto's; nothing here computes a signature.
//! - [`chain`]: the chain of trust, fetched through the round's engine
//!   (DNSKEY and DS asked of the resolvers with DO and CD) and cached per
//!   zone for the round.

pub mod anchors;
pub mod chain;
pub mod verify;

use std::fmt;

pub use anchors::TrustAnchors;
pub use chain::{Validation, Validator};

use futures::future::BoxFuture;

use super::{Answer, LookupFailure, QueryError, RType};

/// Where the validator gets the chain of trust from: DNSKEY and DS asked of
/// the resolvers (DO and CD), and zone cuts. The round's engine is the one
/// real source, so every question it asks is deduplicated and bounded with
/// the checks' own.
pub trait ChainSource: Send + Sync {
    fn ask_resolvers<'a>(
        &'a self,
        name: &'a str,
        rtype: RType,
    ) -> BoxFuture<'a, Result<Answer, QueryError>>;

    /// The apex of the zone holding `start`.
    fn find_zone<'a>(&'a self, start: &'a str) -> BoxFuture<'a, Result<String, LookupFailure>>;
}

/// The DNSSEC status of an answer (SPEC section 6 `dnssec`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Security {
    /// Validated from a trust anchor.
    Secure,
    /// Provably unsigned; the proof says where the chain of DS stops.
    Insecure(String),
    /// Signed, but not validly: the CA's resolver answers SERVFAIL.
    Bogus(Bogus),
    /// The chain of trust could not be fetched (a lab with no path to the
    /// root): a warning, not a failure by itself.
    Indeterminate(String),
}

impl Security {
    /// The SPEC's word for it.
    pub fn label(&self) -> &'static str {
        match self {
            Security::Secure => "secure",
            Security::Insecure(_) => "insecure",
            Security::Bogus(_) => "bogus",
            Security::Indeterminate(_) => "indeterminate",
        }
    }

    /// What lies behind the word: the proof, the cause or the reason.
    pub fn detail(&self) -> Option<String> {
        match self {
            Security::Secure => None,
            Security::Insecure(proof) => Some(proof.clone()),
            Security::Bogus(b) => Some(b.to_string()),
            Security::Indeterminate(why) => Some(why.clone()),
        }
    }

    /// Bogus beats indeterminate beats insecure beats secure: a name is as
    /// trustworthy as the least trustworthy answer it relies on.
    fn rank(&self) -> u8 {
        match self {
            Security::Secure => 0,
            Security::Insecure(_) => 1,
            Security::Indeterminate(_) => 2,
            Security::Bogus(_) => 3,
        }
    }

    /// The worse of two verdicts.
    pub fn worst(self, other: Security) -> Security {
        if other.rank() > self.rank() {
            other
        } else {
            self
        }
    }
}

/// Why signed data does not validate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bogus {
    /// Every signature over the RRset has expired.
    Expired {
        rrset: String,
        /// Unix time of the expiration.
        at: u32,
    },
    NotYetValid {
        rrset: String,
        from: u32,
    },
    /// The zone is signed but this RRset carries no signature of it.
    NoRrsig {
        rrset: String,
        zone: String,
    },
    /// RRSIGs there are, but none verifies with the zone's keys.
    BadSignature {
        rrset: String,
        zone: String,
    },
    /// The parent's DS records match none of the zone's DNSKEYs.
    DsMatchesNoDnskey {
        zone: String,
    },
    /// The parent has a DS for the zone, but the zone serves no DNSKEY.
    NoDnskey {
        zone: String,
    },
    /// A trust anchor for the zone matches none of its DNSKEYs.
    AnchorMatchesNoDnskey {
        zone: String,
    },
    /// A negative answer from a signed zone without a valid NSEC/NSEC3 proof.
    BrokenDenial {
        name: String,
        what: String,
    },
    /// An answer expanded from a wildcard without the proof that the name
    /// itself does not exist (RFC 4035 section 5.3.4).
    WildcardUnproven {
        name: String,
        what: String,
    },
    /// A negative answer from a signed zone that carries no NSEC/NSEC3
    /// record at all: the proof was stripped, not wrong.
    NoDenialRecords {
        name: String,
    },
    /// Only some servers' answers are bogus (authoritative mode): a
    /// resolver that gets one of those retries elsewhere or fails.
    OnSomeServers {
        cause: Box<Bogus>,
        servers: Vec<String>,
    },
}

impl fmt::Display for Bogus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Bogus::Expired { rrset, at } => {
                write!(f, "the RRSIG over {rrset} expired at {}", utc(*at))
            }
            Bogus::NotYetValid { rrset, from } => {
                write!(
                    f,
                    "the RRSIG over {rrset} is not valid before {}",
                    utc(*from)
                )
            }
            Bogus::NoRrsig { rrset, zone } => {
                write!(f, "{rrset} has no RRSIG although zone {zone} is signed")
            }
            Bogus::BadSignature { rrset, zone } => write!(
                f,
                "no RRSIG over {rrset} verifies with the DNSKEYs of {zone}"
            ),
            Bogus::DsMatchesNoDnskey { zone } => write!(
                f,
                "the DS records for {zone} at its parent match none of its DNSKEYs"
            ),
            Bogus::NoDnskey { zone } => {
                write!(f, "{zone} has a DS at its parent but serves no DNSKEY")
            }
            Bogus::AnchorMatchesNoDnskey { zone } => {
                write!(f, "the trust anchor for {zone} matches none of its DNSKEYs")
            }
            Bogus::BrokenDenial { name, what } => {
                write!(f, "the denial of {name} is not proven: {what}")
            }
            Bogus::WildcardUnproven { name, what } => {
                write!(f, "the wildcard answer for {name} is not proven: {what}")
            }
            Bogus::NoDenialRecords { name } => write!(
                f,
                "the negative answer for {name} carries no NSEC or NSEC3 records, though the zone is signed"
            ),
            Bogus::OnSomeServers { cause, servers } => {
                write!(f, "{cause} (in the answers of {})", servers.join(", "))
            }
        }
    }
}

impl Bogus {
    /// What to fix.
    pub fn hint(&self) -> String {
        match self {
            Bogus::Expired { .. } => {
                "re-sign the zone: the signer stopped refreshing signatures (a stopped signer, or a secondary that no longer transfers the zone); CAs validate DNSSEC and fail until then".into()
            }
            Bogus::NotYetValid { .. } => {
                "the signatures start in the future: check the signer's clock (and this machine's); CAs validate DNSSEC and fail until the inception time passes".into()
            }
            Bogus::NoRrsig { zone, .. } => format!(
                "the answer comes without the RRSIG that signed zone {zone} must carry: a record edited outside the signer (re-sign), or a server serving an unsigned copy (fix its zone transfer); CAs validate DNSSEC and fail until then"
            ),
            Bogus::BadSignature { zone, .. } => format!(
                "the RRSIGs do not match the data or the keys of {zone}: a record changed after signing (re-sign), or keys replaced without re-signing; CAs validate DNSSEC and fail until then"
            ),
            Bogus::DsMatchesNoDnskey { zone } => format!(
                "the DS at {zone}'s parent matches no DNSKEY: update the DS at the registrar after a key roll (or restore the key it names)"
            ),
            Bogus::NoDnskey { zone } => format!(
                "{zone} is delegated as signed but serves no DNSKEY: re-enable signing, or remove the DS at the registrar"
            ),
            Bogus::AnchorMatchesNoDnskey { zone } => format!(
                "update the --trust-anchor for {zone} to its current key"
            ),
            Bogus::BrokenDenial { .. } => {
                "the signed zone's NSEC/NSEC3 chain does not prove this answer: re-sign the zone (a record added outside the signer?)".into()
            }
            Bogus::WildcardUnproven { .. } => {
                "the server sends a wildcard's records without the NSEC/NSEC3 record that proves the name itself does not exist (a server or middlebox dropping the authority section); CAs reject the answer: fix the server, or publish the record at the name itself".into()
            }
            Bogus::NoDenialRecords { .. } => {
                "the server answers \"no such record\" without the NSEC/NSEC3 proof a signed zone sends (a server or middlebox dropping DNSSEC records, or an unsigned copy on a secondary): fix that server; re-signing does not help".into()
            }
            Bogus::OnSomeServers { cause, .. } => format!(
                "{} (only the servers named: a resolver that asks one of them rejects its answer)",
                cause.hint()
            ),
        }
    }

    /// True when a validating resolver (the CA's) gets SERVFAIL for the
    /// question: not when only some servers' answers are bogus, as it may
    /// retry another server.
    pub fn servfail(&self) -> bool {
        !matches!(self, Bogus::OnSomeServers { .. })
    }
}

/// A signature time (unsigned Unix seconds) as an RFC 3339 UTC time.
pub fn utc(unix: u32) -> String {
    crate::clock::rfc3339(i64::from(unix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_dates() {
        assert_eq!(utc(0), "1970-01-01T00:00:00Z");
        // date -u -d @1767225600 → 2026-01-01T00:00:00Z
        assert_eq!(utc(1_767_225_600), "2026-01-01T00:00:00Z");
        assert_eq!(utc(951_782_400), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn the_worst_verdict_wins() {
        let bogus = Security::Bogus(Bogus::NoDnskey {
            zone: "example.com".into(),
        });
        assert_eq!(Security::Secure.worst(bogus.clone()).label(), "bogus");
        assert_eq!(
            Security::Insecure("x".into())
                .worst(Security::Secure)
                .label(),
            "insecure"
        );
        assert_eq!(
            Security::Indeterminate("x".into()).worst(bogus).label(),
            "bogus"
        );
    }
}

#[cfg(test)]
mod lab_tests;
