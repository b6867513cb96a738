//! Pure DNSSEC checks on records as received: an RRset against its RRSIGs
//! and a zone's keys (RFC 4035 section 5.3), DNSKEYs against DS records,
//! and the NSEC (RFC 4035 section 5.4) and NSEC3 (RFC 5155 section 8)
//! proofs that a name or type does not exist. Signature and digest
//! arithmetic is hickory-proto's; this module decides what to check.

use crate::resolver::generations::Generations;
use hickory_proto::dnssec::rdata::{DNSKEY, DNSSECRData, DS, NSEC, NSEC3, RRSIG};
use hickory_proto::dnssec::{
    Algorithm, DigestType, Nsec3HashAlgorithm, PublicKey, PublicKeyBuf, TBS, Verifier,
};
use hickory_proto::rr::{DNSClass, Name, RData, Record, RecordType};

use super::Bogus;

/// The algorithms dcv validates: those RFC 8624 says validators MUST
/// validate (RSASHA1 and NSEC3RSASHA1 included, as BIND and Unbound do) and
/// ED25519. A zone whose DS names only others is treated as unsigned, as
/// RFC 4035 section 5.2 says; ED448 as BIND does. (hickory-proto marks the SHA-1 algorithms
/// deprecated for signing; validating them is what RFC 8624 asks.)
#[allow(deprecated)]
pub fn supported(alg: Algorithm) -> bool {
    matches!(
        alg,
        Algorithm::RSASHA1
            | Algorithm::RSASHA1NSEC3SHA1
            | Algorithm::RSASHA256
            | Algorithm::RSASHA512
            | Algorithm::ECDSAP256SHA256
            | Algorithm::ECDSAP384SHA384
            | Algorithm::ED25519
            | ED448
    )
}

/// ED448 (RFC 8080), which hickory-proto has no name or verifier for: BIND
/// validates it, so dcv does too (with the ed448-goldilocks crate).
pub const ED448: Algorithm = Algorithm::Unknown(16);

/// The DS digest types dcv computes (SHA-1, SHA-256, SHA-384); a DS of
/// another type is ignored, and a DS set of only such is no DS at all
/// (RFC 6840 section 5.2: the zone is insecure).
pub fn digest_supported(digest: DigestType) -> bool {
    matches!(
        digest,
        DigestType::SHA1 | DigestType::SHA256 | DigestType::SHA384
    )
}

/// NSEC3 chains with more iterations than this make an answer insecure
/// (RFC 9276 section 3.2); BIND 9.18 and Unbound 1.17 both draw the line at
/// 150, and dcv follows them. Nothing above it is ever hashed.
pub const MAX_NSEC3_ITERATIONS: u16 = 150;

/// The most RRSIGs tried per RRset, and keys tried per RRSIG (key tags can
/// collide, and a hostile zone makes them collide on purpose).
const MAX_SIGNATURES: usize = 8;
const MAX_KEYS_PER_SIGNATURE: usize = 4;
/// The most DS records and DNSKEYs matched against each other per zone.
const MAX_DS: usize = 16;
const MAX_DNSKEYS: usize = 64;
/// The most NSEC/NSEC3 RRsets of one negative answer that are checked (a
/// proof needs at most three).
pub const MAX_DENIAL_RRSETS: usize = 16;

/// The RRSIGs in `records` that cover `owner`/`covered`.
pub fn rrsigs<'a>(records: &'a [Record], owner: &Name, covered: RecordType) -> Vec<&'a RRSIG> {
    records
        .iter()
        .filter(|r| r.name() == owner)
        .filter_map(|r| match r.data() {
            RData::DNSSEC(DNSSECRData::RRSIG(sig)) if sig.type_covered() == covered => Some(sig),
            _ => None,
        })
        .collect()
}

/// The records of one owner and type.
pub fn rrset<'a>(records: &'a [Record], owner: &Name, rtype: RecordType) -> Vec<&'a Record> {
    records
        .iter()
        .filter(|r| r.name() == owner && r.record_type() == rtype)
        .collect()
}

/// `owner TYPE`, for messages.
pub fn describe(owner: &Name, rtype: RecordType) -> String {
    format!("{owner} {rtype}")
}

/// Checks an RRset against the RRSIGs `zone` made over it with one of
/// `keys`; on success, the verified RRSIG's label count (fewer labels than
/// the owner has: the RRset was expanded from a wildcard).
pub fn verify_rrset(
    set: &[&Record],
    sigs: &[&RRSIG],
    zone: &Name,
    keys: &[DNSKEY],
    now: u32,
) -> Result<u8, Bogus> {
    let Some(first) = set.first() else {
        return Ok(0);
    };
    let owner = first.name();
    let rtype = first.record_type();
    let label = describe(owner, rtype);
    let mine: Vec<&&RRSIG> = sigs
        .iter()
        .filter(|s| s.signer_name() == zone && s.type_covered() == rtype)
        .collect();
    if mine.is_empty() {
        return Err(Bogus::NoRrsig {
            rrset: label,
            zone: zone.to_string(),
        });
    }
    // KeyTrap (CVE-2023-50387): a hostile zone can pair many signatures
    // with many keys of one tag; bound the verifications per RRset.
    let mine = &mine[..mine.len().min(MAX_SIGNATURES)];
    // A signature of the zone outside its validity period fails the RRset
    // even beside a valid one: BIND 9.18 does so (Unbound accepts the valid
    // one, RFC 4035 section 5.3.3), and dcv takes the stricter reading so
    // that a pass holds on either (docs/dnssec.md). The times are checked
    // first: they cost no cryptography.
    for sig in mine {
        // RFC 4034 section 3.1.5: serial number arithmetic on the times.
        let expiration = sig.sig_expiration().get();
        let inception = sig.sig_inception().get();
        if (now.wrapping_sub(expiration) as i32) > 0 {
            return Err(Bogus::Expired {
                rrset: label,
                at: expiration,
            });
        }
        if (inception.wrapping_sub(now) as i32) > 0 {
            return Err(Bogus::NotYetValid {
                rrset: label,
                from: inception,
            });
        }
    }
    for sig in mine {
        // The REVOKE bit is not looked at here: it matters to RFC 5011
        // trust-anchor maintenance, and BIND and Unbound both accept a
        // revoked key that the parent's DS names.
        let verified = keys
            .iter()
            .filter(|k| {
                k.zone_key()
                    && k.algorithm() == sig.algorithm()
                    && k.calculate_key_tag().ok() == Some(sig.key_tag())
            })
            .take(MAX_KEYS_PER_SIGNATURE)
            .any(|k| signature_verifies(k, owner, sig, set));
        if verified {
            return Ok(sig.num_labels());
        }
    }
    Err(Bogus::BadSignature {
        rrset: label,
        zone: zone.to_string(),
    })
}

/// One signature by one key over an RRset. Algorithm 7 is algorithm 5
/// under another number (RFC 5155 section 2: it only announces NSEC3), so
/// it is verified as RSASHA1; the signed data keeps the RRSIG's own number.
#[allow(deprecated)]
fn signature_verifies(key: &DNSKEY, owner: &Name, sig: &RRSIG, set: &[&Record]) -> bool {
    let Ok(tbs) = TBS::from_sig(owner, DNSClass::IN, sig, set.iter().copied()) else {
        return false;
    };
    let public = key.public_key().public_bytes();
    // The same signature over the same data by the same key is verified
    // once: every server of a zone (and every perspective) returns the same
    // RRsets, and one NSEC3 record proves many names' denials; signature
    // checks were most of a large run's CPU (issue 24: ~70% at 1,000 names).
    let fact = SignatureFact::new(u8::from(key.algorithm()), public, tbs.as_ref(), sig.sig());
    if let Some(known) = VERIFIED.known(&fact) {
        return known;
    }
    let ok = if key.algorithm() == ED448 {
        ed448_verifies(public, tbs.as_ref(), sig.sig())
    } else {
        let algorithm = match key.algorithm() {
            Algorithm::RSASHA1NSEC3SHA1 => Algorithm::RSASHA1,
            other => other,
        };
        PublicKeyBuf::new(public.to_vec(), algorithm)
            .verify(tbs.as_ref(), sig.sig())
            .is_ok()
    };
    VERIFIED.remember(fact, ok);
    ok
}

/// One signature check, identified by everything its outcome depends on
/// (the algorithm, the key, the signed data, the signature), remembered by
/// the SHA-256 of all four, each part length-prefixed: no other data can
/// share a remembered outcome (that would take a SHA-256 collision), and a
/// full table holds 32 bytes per check, not the signed data (issue 24).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct SignatureFact([u8; 32]);

impl SignatureFact {
    fn new(algorithm: u8, key: &[u8], data: &[u8], signature: &[u8]) -> SignatureFact {
        use sha2::Digest;
        let mut digest = sha2::Sha256::new();
        digest.update([algorithm]);
        for part in [key, data, signature] {
            digest.update((part.len() as u32).to_be_bytes());
            digest.update(part);
        }
        SignatureFact(digest.finalize().into())
    }
}

/// Outcomes of signature checks, bounded: two generations of at most
/// [`REMEMBERED`] entries each, so facts in use stay and memory does not
/// grow with the names checked.
struct Verified {
    generations: std::sync::Mutex<Generations<SignatureFact, bool>>,
}

const REMEMBERED: usize = 4096;

static VERIFIED: std::sync::LazyLock<Verified> = std::sync::LazyLock::new(|| Verified {
    generations: std::sync::Mutex::new(Generations::new(REMEMBERED)),
});

impl Verified {
    fn generations(&self) -> std::sync::MutexGuard<'_, Generations<SignatureFact, bool>> {
        crate::resolver::lock(&self.generations)
    }

    fn known(&self, fact: &SignatureFact) -> Option<bool> {
        self.generations().get(fact)
    }

    fn remember(&self, fact: SignatureFact, ok: bool) {
        self.generations().put(fact, ok);
    }
}

/// An Ed448 signature (RFC 8032 "Ed448", no context; RFC 8080 section 4)
/// over `message` by the 57-byte public key of a DNSKEY.
fn ed448_verifies(key: &[u8], message: &[u8], signature: &[u8]) -> bool {
    use ed448_goldilocks::{Signature, VerifyingKey};
    let Ok(key) = <&[u8; 57]>::try_from(key) else {
        return false;
    };
    let (Ok(key), Ok(signature)) = (
        VerifyingKey::from_bytes(key),
        Signature::try_from(signature),
    ) else {
        return false;
    };
    key.verify_raw(&signature, message).is_ok()
}

/// The DNSKEYs of `zone` that one of the DS records names.
pub fn keys_named_by<'a>(zone: &Name, keys: &'a [DNSKEY], ds: &[&DS]) -> Vec<&'a DNSKEY> {
    // Bounded like the signatures: a real zone has a handful of each.
    let ds: Vec<&DS> = ds.iter().copied().take(MAX_DS).collect();
    keys.iter()
        .take(MAX_DNSKEYS)
        .filter(|k| {
            // The digest decides; the key tag is only a hint for lookups.
            ds.iter()
                .any(|d| d.algorithm() == k.algorithm() && d.covers(zone, k).unwrap_or(false))
        })
        .collect()
}

/// What a denial proof proves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    /// The name does not exist.
    Name,
    /// The name exists without the type.
    Type,
    /// NSEC3 opt-out: an unsigned delegation may exist here (insecure;
    /// for an NXDOMAIN Unbound says so too, BIND says secure: docs/dnssec.md).
    OptOut,
    /// An NSEC3 chain of more than [`MAX_NSEC3_ITERATIONS`] iterations: not
    /// checked, and the answer is insecure (RFC 9276 section 3.2).
    TooManyIterations(u16),
}

/// The NSEC records of a response, with their owners.
pub fn nsecs(records: &[Record]) -> Vec<(&Name, &NSEC)> {
    records
        .iter()
        .filter_map(|r| match r.data() {
            RData::DNSSEC(DNSSECRData::NSEC(n)) => Some((r.name(), n)),
            _ => None,
        })
        .collect()
}

/// The NSEC3 records of a response, with their owners.
pub fn nsec3s(records: &[Record]) -> Vec<(&Name, &NSEC3)> {
    records
        .iter()
        .filter_map(|r| match r.data() {
            RData::DNSSEC(DNSSECRData::NSEC3(n)) => Some((r.name(), n)),
            _ => None,
        })
        .collect()
}

/// True when `name` lies strictly between `owner` and `next` in canonical
/// order (the last NSEC of a zone wraps round to the apex).
fn between(owner: &Name, next: &Name, name: &Name) -> bool {
    if owner < next {
        owner < name && name < next
    } else {
        name > owner || name < next
    }
}

/// The longest ancestor of `name` (or `name` itself) that is `other` or an
/// ancestor of it.
fn common_ancestor(name: &Name, other: &Name) -> Name {
    let mut n = name.clone();
    while !n.is_root() && !n.zone_of(other) {
        n = n.base_name();
    }
    n
}

fn wildcard_of(name: &Name) -> Option<Name> {
    name.prepend_label("*").ok()
}

/// RFC 4035 section 5.4: does the NSEC set prove that `qname`/`qtype` does
/// not exist (`nxdomain`: the name itself)?
pub fn nsec_proves(
    qname: &Name,
    qtype: RecordType,
    nsecs: &[(&Name, &NSEC)],
    nxdomain: bool,
) -> Result<Denied, String> {
    let lacks = |n: &NSEC, t: RecordType| {
        let types: Vec<RecordType> = n.type_bit_maps().collect();
        !types.contains(&t) && !types.contains(&RecordType::CNAME)
    };
    if let Some((_, n)) = nsecs.iter().find(|(owner, _)| *owner == qname) {
        if nxdomain {
            return Err(format!("NXDOMAIN, but an NSEC shows that {qname} exists"));
        }
        return if lacks(n, qtype) {
            Ok(Denied::Type)
        } else {
            Err(format!("the NSEC at {qname} lists {qtype}"))
        };
    }
    let Some((owner, covering)) = nsecs
        .iter()
        .find(|(owner, n)| between(owner, n.next_domain_name(), qname))
    else {
        return Err(format!("no NSEC covers {qname}"));
    };
    // An empty non-terminal: no NSEC of its own, but the next name in the
    // zone lies below it, so it exists (RFC 4035 section 3.1.3.2, RFC 4592).
    let next = covering.next_domain_name();
    if next != qname && qname.zone_of(next) {
        return if nxdomain {
            Err(format!(
                "NXDOMAIN, but the NSEC at {owner} shows that {next} exists below {qname}"
            ))
        } else {
            Ok(Denied::Type)
        };
    }
    // The closest encloser is the deepest ancestor of the name that the
    // covering NSEC shows to exist; a wildcard below it could have matched.
    let ce_owner = common_ancestor(qname, owner);
    let ce_next = common_ancestor(qname, next);
    let ce = if ce_owner.num_labels() >= ce_next.num_labels() {
        ce_owner
    } else {
        ce_next
    };
    let Some(wildcard) = wildcard_of(&ce) else {
        return Err(format!("no wildcard name below {ce}"));
    };
    if nxdomain {
        let denied = nsecs
            .iter()
            .any(|(o, n)| between(o, n.next_domain_name(), &wildcard));
        return if denied {
            Ok(Denied::Name)
        } else {
            Err(format!("no NSEC denies the wildcard {wildcard}"))
        };
    }
    // NODATA for a name that does not exist: a wildcard without the type.
    match nsecs.iter().find(|(o, _)| **o == wildcard) {
        Some((_, n)) if lacks(n, qtype) => Ok(Denied::Type),
        _ => Err(format!("{qname} does not exist, yet the answer is NODATA")),
    }
}

/// RFC 4035 section 5.3.4: an answer expanded from a wildcard is secure
/// only with an NSEC proving that `qname` itself does not exist.
pub fn nsec_proves_expansion(qname: &Name, nsecs: &[(&Name, &NSEC)]) -> Result<(), String> {
    if nsecs
        .iter()
        .any(|(o, n)| *o != qname && between(o, n.next_domain_name(), qname))
    {
        Ok(())
    } else {
        Err(format!(
            "the answer was expanded from a wildcard, but no NSEC proves that {qname} does not exist"
        ))
    }
}

/// An NSEC3 chain as one response shows it: hashing and span lookups.
struct Nsec3Chain<'a> {
    records: &'a [(&'a Name, &'a NSEC3)],
    salt: Vec<u8>,
    iterations: u16,
}

impl<'a> Nsec3Chain<'a> {
    /// The chain's parameters, or why it cannot be read: `Ok(Err(n))` for
    /// a chain of `n` iterations, more than validators hash.
    fn new(records: &'a [(&'a Name, &'a NSEC3)]) -> Result<Result<Nsec3Chain<'a>, u16>, String> {
        let Some((_, first)) = records.first() else {
            return Err("no NSEC3 records".into());
        };
        if first.hash_algorithm() != Nsec3HashAlgorithm::SHA1 {
            return Err("an NSEC3 hash algorithm other than SHA-1".into());
        }
        if first.iterations() > MAX_NSEC3_ITERATIONS {
            return Ok(Err(first.iterations()));
        }
        Ok(Ok(Nsec3Chain {
            records,
            salt: first.salt().to_vec(),
            iterations: first.iterations(),
        }))
    }

    fn hash(&self, n: &Name) -> Option<String> {
        let d = Nsec3HashAlgorithm::SHA1
            .hash(&self.salt, n, self.iterations)
            .ok()?;
        Some(
            data_encoding::BASE32HEX_NOPAD
                .encode(d.as_ref())
                .to_ascii_lowercase(),
        )
    }

    fn owner_hash(o: &Name) -> String {
        o.iter()
            .next()
            .map(|l| String::from_utf8_lossy(l).to_ascii_lowercase())
            .unwrap_or_default()
    }

    fn next_hash(n: &NSEC3) -> String {
        data_encoding::BASE32HEX_NOPAD
            .encode(n.next_hashed_owner_name())
            .to_ascii_lowercase()
    }

    /// The NSEC3 whose owner is the hash of `n`.
    fn matching(&self, n: &Name) -> Option<&'a NSEC3> {
        let h = self.hash(n)?;
        self.records
            .iter()
            .find(|(o, _)| Self::owner_hash(o) == h)
            .map(|(_, r)| *r)
    }

    /// The NSEC3 whose span covers the hash of `n`.
    fn covering(&self, n: &Name) -> Option<&'a NSEC3> {
        let h = self.hash(n)?;
        self.records
            .iter()
            .find(|(o, r)| {
                let (lo, hi) = (Self::owner_hash(o), Self::next_hash(r));
                if lo < hi {
                    lo < h && h < hi
                } else {
                    h > lo || h < hi
                }
            })
            .map(|(_, r)| *r)
    }
}

/// RFC 5155 section 8: does the NSEC3 set prove that `qname`/`qtype` does
/// not exist, or (for a DS) that an opt-out span may hold an unsigned
/// delegation?
pub fn nsec3_proves(
    qname: &Name,
    qtype: RecordType,
    zone: &Name,
    nsec3s: &[(&Name, &NSEC3)],
    nxdomain: bool,
) -> Result<Denied, String> {
    let chain = match Nsec3Chain::new(nsec3s)? {
        Ok(chain) => chain,
        Err(iterations) => return Ok(Denied::TooManyIterations(iterations)),
    };
    let lacks = |n: &NSEC3, t: RecordType| {
        let types: Vec<RecordType> = n.type_bit_maps().collect();
        !types.contains(&t) && !types.contains(&RecordType::CNAME)
    };
    if let Some(n) = chain.matching(qname) {
        if nxdomain {
            return Err(format!("NXDOMAIN, but an NSEC3 shows that {qname} exists"));
        }
        return if lacks(n, qtype) {
            Ok(Denied::Type)
        } else {
            Err(format!("the NSEC3 of {qname} lists {qtype}"))
        };
    }
    // The closest encloser proof: the deepest existing ancestor, and the
    // name one label below it on the way to `qname` covered.
    let mut ce = qname.base_name();
    loop {
        if chain.matching(&ce).is_some() {
            break;
        }
        if ce == *zone || ce.is_root() {
            return Err(format!("no NSEC3 proves a closest encloser of {qname}"));
        }
        ce = ce.base_name();
    }
    let next_closer = qname.trim_to(usize::from(ce.num_labels()) + 1);
    let Some(span) = chain.covering(&next_closer) else {
        return Err(format!("no NSEC3 covers {next_closer}"));
    };
    if qtype == RecordType::DS && !nxdomain && span.opt_out() {
        return Ok(Denied::OptOut);
    }
    let Some(wildcard) = wildcard_of(&ce) else {
        return Err(format!("no wildcard name below {ce}"));
    };
    if chain.covering(&wildcard).is_some() && nxdomain {
        // Under an opt-out span the name may be an unsigned delegation.
        return Ok(if span.opt_out() {
            Denied::OptOut
        } else {
            Denied::Name
        });
    }
    match chain.matching(&wildcard) {
        Some(w) if !nxdomain && lacks(w, qtype) => Ok(Denied::Type),
        // NODATA at a name without an NSEC3 of its own, whose next closer
        // an opt-out span covers: an empty non-terminal above unsigned
        // delegations (RFC 5155 section 7.2.3 leaves it out of the chain).
        // BIND and Unbound read it as insecure, as for a DS (section 8.6).
        _ if !nxdomain && span.opt_out() => Ok(Denied::OptOut),
        _ => Err(format!("no NSEC3 denies the wildcard {wildcard}")),
    }
}

/// RFC 5155 section 8.8: an answer expanded from the wildcard at
/// `*.<closest encloser>` (the RRSIG's `labels` count says which) is secure
/// only with an NSEC3 covering the next closer name of `qname`.
pub fn nsec3_proves_expansion(
    qname: &Name,
    labels: u8,
    nsec3s: &[(&Name, &NSEC3)],
) -> Result<Denied, String> {
    let chain = match Nsec3Chain::new(nsec3s)? {
        Ok(chain) => chain,
        Err(iterations) => return Ok(Denied::TooManyIterations(iterations)),
    };
    let next_closer = qname.trim_to(usize::from(labels) + 1);
    match chain.covering(&next_closer) {
        // Under an opt-out span the name could be an unsigned delegation
        // the chain leaves out: the expansion is insecure, as BIND and
        // Unbound read it (RFC 5155 section 9.2).
        Some(span) if span.opt_out() => Ok(Denied::OptOut),
        Some(_) => Ok(Denied::Name),
        None => Err(format!(
            "the answer was expanded from a wildcard, but no NSEC3 proves that {next_closer} does not exist"
        )),
    }
}

/// The DS records of a response for `zone`.
pub fn ds_records<'a>(records: &'a [Record], zone: &Name) -> Vec<&'a DS> {
    records
        .iter()
        .filter(|r| r.name() == zone)
        .filter_map(|r| match r.data() {
            RData::DNSSEC(DNSSECRData::DS(ds)) => Some(ds),
            _ => None,
        })
        .collect()
}

/// The DNSKEY records of a response for `zone`.
pub fn dnskeys(records: &[Record], zone: &Name) -> Vec<DNSKEY> {
    records
        .iter()
        .filter(|r| r.name() == zone)
        .filter_map(|r| match r.data() {
            RData::DNSSEC(DNSSECRData::DNSKEY(k)) => Some(k.clone()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_remembered_signature_check_is_told_apart_by_every_byte_it_depends_on() {
        // Lengths are part of the fact: moving a byte from the data to the
        // key is another check, not the same one.
        let a = SignatureFact::new(13, b"ab", b"c", b"sig");
        assert_ne!(a, SignatureFact::new(13, b"a", b"bc", b"sig"));
        assert_ne!(a, SignatureFact::new(8, b"ab", b"c", b"sig"));
        assert_ne!(a, SignatureFact::new(13, b"ab", b"c", b"sig2"));
        assert_eq!(a, SignatureFact::new(13, b"ab", b"c", b"sig"));
        // Bounded: the young generation never holds more than REMEMBERED.
        let v = Verified {
            generations: std::sync::Mutex::new(Generations::new(REMEMBERED)),
        };
        for i in 0..(REMEMBERED * 3) {
            let fact = SignatureFact::new(13, &i.to_be_bytes(), b"d", b"s");
            v.remember(fact, i % 2 == 0);
        }
        let (young, old) = v.generations().sizes();
        assert!(young <= REMEMBERED && old <= REMEMBERED);
        let last = SignatureFact::new(13, &(REMEMBERED * 3 - 1).to_be_bytes(), b"d", b"s");
        assert_eq!(v.known(&last), Some(false));
        let first = SignatureFact::new(13, &0usize.to_be_bytes(), b"d", b"s");
        assert_eq!(v.known(&first), None);
    }
}
