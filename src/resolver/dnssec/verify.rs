//! Pure DNSSEC checks on records as received: an RRset against its RRSIGs
//! and a zone's keys (RFC 4035 section 5.3), DNSKEYs against DS records,
//! and the NSEC (RFC 4035 section 5.4) and NSEC3 (RFC 5155 section 8)
//! proofs that a name or type does not exist. Signature and digest
//! arithmetic is hickory-proto's; this module decides what to check.

use hickory_proto::dnssec::rdata::{DNSKEY, DNSSECRData, DS, NSEC, NSEC3, RRSIG};
use hickory_proto::dnssec::{Algorithm, Nsec3HashAlgorithm, Verifier};
use hickory_proto::rr::{DNSClass, Name, RData, Record, RecordType};

use super::Bogus;

/// The algorithms dcv validates (issue 10: RSASHA256, RSASHA512,
/// ECDSAP256SHA256, ECDSAP384SHA384, ED25519). A zone signed only with
/// others is treated as unsigned, as RFC 4035 validators do.
pub fn supported(alg: Algorithm) -> bool {
    matches!(
        alg,
        Algorithm::RSASHA256
            | Algorithm::RSASHA512
            | Algorithm::ECDSAP256SHA256
            | Algorithm::ECDSAP384SHA384
            | Algorithm::ED25519
    )
}

/// The most NSEC3 iterations dcv hashes with (RFC 5155's ceiling for the
/// largest keys); more is a hostile zone making validators burn CPU.
const MAX_NSEC3_ITERATIONS: u16 = 2500;

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

/// Checks an RRset against the RRSIGs `zone` made over it with one of `keys`.
pub fn verify_rrset(
    set: &[&Record],
    sigs: &[&RRSIG],
    zone: &Name,
    keys: &[DNSKEY],
    now: u32,
) -> Result<(), Bogus> {
    let Some(first) = set.first() else {
        return Ok(());
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
    let mut expired = None;
    let mut early = None;
    // KeyTrap (CVE-2023-50387): a hostile zone can pair many signatures
    // with many keys of one tag; bound the verifications per RRset.
    for sig in mine.into_iter().take(MAX_SIGNATURES) {
        // RFC 4034 section 3.1.5: serial number arithmetic on the times.
        let expiration = sig.sig_expiration().get();
        let inception = sig.sig_inception().get();
        if (now.wrapping_sub(expiration) as i32) > 0 {
            expired = Some(expiration);
            continue;
        }
        if (inception.wrapping_sub(now) as i32) > 0 {
            early = Some(inception);
            continue;
        }
        let verified = keys
            .iter()
            .filter(|k| {
                k.zone_key()
                    && !k.revoke()
                    && k.algorithm() == sig.algorithm()
                    && k.calculate_key_tag().ok() == Some(sig.key_tag())
            })
            .take(MAX_KEYS_PER_SIGNATURE)
            .any(|k| {
                k.verify_rrsig(owner, DNSClass::IN, sig, set.iter().copied())
                    .is_ok()
            });
        if verified {
            return Ok(());
        }
    }
    Err(if let Some(at) = expired {
        Bogus::Expired { rrset: label, at }
    } else if let Some(from) = early {
        Bogus::NotYetValid { rrset: label, from }
    } else {
        Bogus::BadSignature {
            rrset: label,
            zone: zone.to_string(),
        }
    })
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
    /// NSEC3 opt-out: an unsigned delegation may exist here (insecure).
    OptOut,
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
    // The closest encloser is the deepest ancestor of the name that the
    // covering NSEC shows to exist; a wildcard below it could have matched.
    let ce_owner = common_ancestor(qname, owner);
    let ce_next = common_ancestor(qname, covering.next_domain_name());
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
    let Some((_, first)) = nsec3s.first() else {
        return Err("no NSEC3 records".into());
    };
    if first.hash_algorithm() != Nsec3HashAlgorithm::SHA1 {
        return Err("an NSEC3 hash algorithm other than SHA-1".into());
    }
    if first.iterations() > MAX_NSEC3_ITERATIONS {
        return Err(format!(
            "{} NSEC3 iterations (more than {MAX_NSEC3_ITERATIONS})",
            first.iterations()
        ));
    }
    let (salt, iterations) = (first.salt().to_vec(), first.iterations());
    let hash = |n: &Name| -> Option<String> {
        let d = Nsec3HashAlgorithm::SHA1.hash(&salt, n, iterations).ok()?;
        Some(
            data_encoding::BASE32HEX_NOPAD
                .encode(d.as_ref())
                .to_ascii_lowercase(),
        )
    };
    let owner_hash = |o: &Name| -> String {
        o.iter()
            .next()
            .map(|l| String::from_utf8_lossy(l).to_ascii_lowercase())
            .unwrap_or_default()
    };
    let next_hash = |n: &NSEC3| -> String {
        data_encoding::BASE32HEX_NOPAD
            .encode(n.next_hashed_owner_name())
            .to_ascii_lowercase()
    };
    let matching = |n: &Name| -> Option<&NSEC3> {
        let h = hash(n)?;
        nsec3s
            .iter()
            .find(|(o, _)| owner_hash(o) == h)
            .map(|(_, r)| *r)
    };
    let covering = |n: &Name| -> Option<&NSEC3> {
        let h = hash(n)?;
        nsec3s
            .iter()
            .find(|(o, r)| {
                let (lo, hi) = (owner_hash(o), next_hash(r));
                if lo < hi {
                    lo < h && h < hi
                } else {
                    h > lo || h < hi
                }
            })
            .map(|(_, r)| *r)
    };
    let lacks = |n: &NSEC3, t: RecordType| {
        let types: Vec<RecordType> = n.type_bit_maps().collect();
        !types.contains(&t) && !types.contains(&RecordType::CNAME)
    };
    if let Some(n) = matching(qname) {
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
        if matching(&ce).is_some() {
            break;
        }
        if ce == *zone || ce.is_root() {
            return Err(format!("no NSEC3 proves a closest encloser of {qname}"));
        }
        ce = ce.base_name();
    }
    let next_closer = qname.trim_to(usize::from(ce.num_labels()) + 1);
    let Some(span) = covering(&next_closer) else {
        return Err(format!("no NSEC3 covers {next_closer}"));
    };
    if qtype == RecordType::DS && !nxdomain && span.opt_out() {
        return Ok(Denied::OptOut);
    }
    let Some(wildcard) = wildcard_of(&ce) else {
        return Err(format!("no wildcard name below {ce}"));
    };
    if covering(&wildcard).is_some() && nxdomain {
        return Ok(Denied::Name);
    }
    match matching(&wildcard) {
        Some(w) if !nxdomain && lacks(w, qtype) => Ok(Denied::Type),
        _ => Err(format!("no NSEC3 denies the wildcard {wildcard}")),
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
