//! The chain of trust, fetched through the round's engine: a zone's DNSKEYs
//! are trusted when a trust anchor names one of them, or when its parent's
//! validated DS records name one; a validated NSEC/NSEC3 proof that the
//! parent has no DS makes the zone provably insecure. Each zone is worked
//! out once per round (the DNSKEY and DS questions of a zone are asked
//! together with its parent's, so a chain costs one round trip per level
//! at most, and the questions are shared by every name of the round).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::{SystemTime, UNIX_EPOCH};

use futures::FutureExt;
use futures::future::BoxFuture;
use hickory_proto::dnssec::DigestType;
use hickory_proto::dnssec::rdata::{DNSKEY, DNSSECRData};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use hickory_proto::serialize::binary::BinDecodable;
use tokio::sync::OnceCell;

use super::ChainSource;
use super::verify::{
    self, Denied, describe, digest_supported, dnskeys, ds_records, keys_named_by, nsec_proves,
    nsec_proves_expansion, nsec3_proves, nsec3_proves_expansion, rrset, rrsigs, supported,
    verify_rrset,
};
use super::{Bogus, Security, TrustAnchors};
use crate::resolver::wire::record_type;
use crate::resolver::{Answer, Data, QueryError, RType, Rcode, Signed, normalize};

/// What is known of a zone's keys.
#[derive(Debug, Clone)]
pub enum ZoneKeys {
    Secure(Arc<Vec<DNSKEY>>),
    Insecure(String),
    Bogus(Bogus),
    Indeterminate(String),
}

/// A round's validation state: the anchors, the time, each zone's keys,
/// and the verdicts already given.
pub struct Validation {
    anchors: Arc<TrustAnchors>,
    now: u32,
    zones: Mutex<HashMap<Name, Arc<OnceCell<ZoneKeys>>>>,
    verdicts: Mutex<Verdicts>,
}

/// The verdicts given on answers, so each answer is validated once per
/// question. The engine hands every caller of one question the same
/// answer (its [`Signed`] records behind one `Arc`), and the same answer is
/// judged many times: the nameserver addresses of a zone at every lookup
/// in it (and again for the parent's side), each server's answer by every
/// check and resolution that relies on it. Before this, 1,000 names of one
/// signed zone validated the two nameservers' A and AAAA answers (NSEC3
/// hashing, canonical encoding, record copies) at every one of their
/// 2,000 lookups (issue 24).
///
/// An answer is known by the address of its records, held by a [`Weak`]:
/// that keeps the address from being reused while the entry lives, without
/// keeping the records. Entries whose answer is gone are dropped as the
/// table grows, so it holds about the answers still in use.
#[derive(Default)]
struct Verdicts {
    given: HashMap<VerdictKey, Given>,
    /// The size at which dead entries are next swept.
    sweep_at: usize,
}

/// One answer to one question: the address of its records, the question,
/// and the header fields the verdict reads besides the records.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct VerdictKey {
    signed: usize,
    qname: String,
    qtype: RType,
    rcode: Rcode,
    authoritative: bool,
}

struct Given {
    /// Keeps the key's address for this answer's records (never upgraded).
    _records: Weak<Signed>,
    verdict: Arc<OnceCell<Security>>,
}

/// The least number of entries before dead ones are swept.
const VERDICTS_SWEPT_FROM: usize = 1024;

impl Validation {
    pub fn new(anchors: Arc<TrustAnchors>) -> Validation {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as u32);
        Validation {
            anchors,
            now,
            zones: Mutex::new(HashMap::new()),
            verdicts: Mutex::new(Verdicts::default()),
        }
    }

    /// How many verdicts are remembered.
    #[cfg(test)]
    pub(super) fn verdicts_given(&self) -> usize {
        crate::resolver::lock(&self.verdicts).given.len()
    }

    /// The cell that holds (or will hold) the verdict on `signed` as the
    /// answer to `key`'s question.
    fn verdict_cell(&self, key: VerdictKey, signed: &Arc<Signed>) -> Arc<OnceCell<Security>> {
        let mut verdicts = crate::resolver::lock(&self.verdicts);
        if let Some(given) = verdicts.given.get(&key) {
            return given.verdict.clone();
        }
        if verdicts.given.len() >= verdicts.sweep_at {
            // Answers nobody holds any more cannot be asked about again.
            verdicts.given.retain(|_, g| g._records.strong_count() > 0);
            verdicts.sweep_at = (verdicts.given.len() * 2).max(VERDICTS_SWEPT_FROM);
        }
        let verdict = Arc::new(OnceCell::new());
        verdicts.given.insert(
            key,
            Given {
                _records: Arc::downgrade(signed),
                verdict: verdict.clone(),
            },
        );
        verdict
    }

    fn cell(&self, zone: &Name) -> Arc<OnceCell<ZoneKeys>> {
        let mut zones = crate::resolver::lock(&self.zones);
        zones.entry(zone.clone()).or_default().clone()
    }
}

/// A name as hickory wants it: absolute.
fn fqdn(name: &str) -> Option<Name> {
    Name::from_ascii(format!("{}.", normalize(name))).ok()
}

/// A fetched answer's records, or why there are none to validate.
fn signed_records(answer: &Answer, what: &str) -> Result<Arc<Signed>, String> {
    match answer.rcode {
        Rcode::NoError | Rcode::NxDomain => {}
        other => return Err(format!("the {what} query was answered {other}")),
    }
    answer
        .signed
        .clone()
        .ok_or_else(|| format!("the {what} answer carried no DNSSEC records"))
}

/// The validator: the chain of trust walked over a [`ChainSource`] for
/// one round's [`Validation`] state, as hickory's `DnssecDnsHandle` wraps
/// a handle. The engine is the one real source; tests may give another.
pub struct Validator<'a> {
    source: &'a dyn ChainSource,
    v: &'a Validation,
}

impl<'a> Validator<'a> {
    pub fn new(source: &'a dyn ChainSource, v: &'a Validation) -> Validator<'a> {
        Validator { source, v }
    }
}

impl Validator<'_> {
    /// The validated keys of `zone`, worked out once per round.
    pub fn zone_keys<'a>(&'a self, v: &'a Validation, zone: &'a Name) -> BoxFuture<'a, ZoneKeys> {
        async move {
            let cell = v.cell(zone);
            cell.get_or_init(|| self.fetch_zone_keys(v, zone))
                .await
                .clone()
        }
        .boxed()
    }

    async fn fetch_zone_keys(&self, v: &Validation, zone: &Name) -> ZoneKeys {
        let zone_text = zone.to_string();
        if v.anchors.covers_zone(zone) {
            return self.anchored_keys(v, zone).await;
        }
        if zone.is_root() {
            return ZoneKeys::Insecure(
                "no trust anchor covers this name (the --trust-anchor files name other zones)"
                    .into(),
            );
        }
        let parent = match self.source.find_zone(&zone.base_name().to_string()).await {
            Ok(p) => p,
            Err(e) => {
                return ZoneKeys::Indeterminate(format!(
                    "cannot find the parent zone of {zone_text}: {e}"
                ));
            }
        };
        let Some(parent) = fqdn(&parent).filter(|p| p.num_labels() < zone.num_labels()) else {
            return ZoneKeys::Indeterminate(format!("no parent zone above {zone_text} was found"));
        };
        let (parent_keys, ds, dnskey) = futures::join!(
            self.zone_keys(v, &parent),
            self.source.ask_resolvers(&zone_text, RType::Ds),
            self.source.ask_resolvers(&zone_text, RType::Dnskey)
        );
        let parent_keys = match parent_keys {
            ZoneKeys::Secure(k) => k,
            other => return other,
        };
        let ds = match ds.map_err(|e| e.to_string()).and_then(|a| {
            let nx = a.rcode == Rcode::NxDomain;
            signed_records(&a, "DS").map(|s| (s, nx))
        }) {
            Ok(found) => found,
            Err(e) => {
                return ZoneKeys::Indeterminate(format!("cannot fetch the DS of {zone_text}: {e}"));
            }
        };
        let (ds, ds_nxdomain) = ds;
        let ds_set = ds_records(&ds.answers, zone);
        if ds_set.is_empty() {
            // No DS: insecure only if the parent proves it.
            return match denial(
                zone,
                RecordType::DS,
                &parent,
                &parent_keys,
                &ds.authority,
                ds_nxdomain,
                v.now,
            ) {
                Ok(Denied::Type | Denied::OptOut) => ZoneKeys::Insecure(format!(
                    "{parent} proves there is no DS for {zone_text}: the chain of trust stops at {parent}"
                )),
                Ok(Denied::TooManyIterations(n)) => {
                    ZoneKeys::Insecure(too_many_iterations(&parent, n))
                }
                Ok(Denied::Name) => ZoneKeys::Bogus(Bogus::BrokenDenial {
                    name: describe(zone, RecordType::DS),
                    what: format!("{parent} denies that {zone_text} exists"),
                }),
                Err(b) => ZoneKeys::Bogus(b),
            };
        }
        let ds_rrset = rrset(&ds.answers, zone, RecordType::DS);
        let ds_sigs = rrsigs(&ds.answers, zone, RecordType::DS);
        if let Err(b) = verify_rrset(&ds_rrset, &ds_sigs, &parent, &parent_keys, v.now) {
            return ZoneKeys::Bogus(b);
        }
        let mut usable: Vec<_> = ds_set
            .into_iter()
            .filter(|d| supported(d.algorithm()) && digest_supported(d.digest_type()))
            .collect();
        // RFC 4509 section 3: with a SHA-256 (or stronger) DS present, SHA-1
        // ones are ignored, so a wrong strong digest is not rescued by a
        // right weak one (BIND does this; Unbound accepts either).
        if usable.iter().any(|d| d.digest_type() != DigestType::SHA1) {
            usable.retain(|d| d.digest_type() != DigestType::SHA1);
        }
        if usable.is_empty() {
            return ZoneKeys::Insecure(format!(
                "the DS records of {zone_text} name only algorithms or digest types dcv does not validate (treated as unsigned, RFC 4035 section 5.2, RFC 6840 section 5.2)"
            ));
        }
        key_set(zone, dnskey, v.now, |keys| {
            if keys.is_empty() {
                return Err(Bogus::NoDnskey {
                    zone: zone.to_string(),
                });
            }
            let named: Vec<DNSKEY> = keys_named_by(zone, keys, &usable)
                .into_iter()
                .cloned()
                .collect();
            if named.is_empty() {
                return Err(Bogus::DsMatchesNoDnskey {
                    zone: zone.to_string(),
                });
            }
            Ok(named)
        })
    }

    /// A zone a trust anchor names: its DNSKEY RRset must be signed by an
    /// anchored key.
    async fn anchored_keys(&self, v: &Validation, zone: &Name) -> ZoneKeys {
        let dnskey = self
            .source
            .ask_resolvers(&zone.to_string(), RType::Dnskey)
            .await;
        // An anchored zone that serves no DNSKEY at all is not signed by
        // anyone: the resolvers do not reach the zone the anchor is for
        // (a lab root in place of the real one), so the chain cannot start.
        if let Ok(a) = &dnskey
            && a.rcode == Rcode::NoError
            && a.signed
                .as_ref()
                .is_some_and(|s| dnskeys(&s.answers, zone).is_empty())
        {
            return ZoneKeys::Indeterminate(format!(
                "a trust anchor names {zone}, but the resolvers' {zone} serves no DNSKEY (a lab that does not reach the real {zone}?): give --trust-anchor for the lab's own signed zones, or --no-dnssec"
            ));
        }
        key_set(zone, dnskey, v.now, |keys| {
            let anchored: Vec<DNSKEY> = keys
                .iter()
                .filter(|k| v.anchors.trusts(zone, k))
                .cloned()
                .collect();
            if anchored.is_empty() {
                return Err(Bogus::AnchorMatchesNoDnskey {
                    zone: zone.to_string(),
                });
            }
            Ok(anchored)
        })
    }

    /// The zone that holds `owner` as far as the resolvers say.
    async fn zone_of(&self, owner: &Name) -> Result<Name, String> {
        let zone = self
            .source
            .find_zone(&owner.to_string())
            .await
            .map_err(|e| e.to_string())?;
        fqdn(&zone).ok_or_else(|| format!("{zone} is not a domain name"))
    }

    /// The verdict on one RRset of a response (`all`: its answer section;
    /// `authority`: the proofs that come with a wildcard expansion).
    async fn rrset_security(
        &self,
        v: &Validation,
        set: &[&Record],
        all: &[Record],
        authority: &[Record],
    ) -> Security {
        let Some(first) = set.first() else {
            return Security::Secure;
        };
        let (owner, rtype) = (first.name(), first.record_type());
        let sigs = rrsigs(all, owner, rtype);
        // The signer names the zone; without a signature ask where the
        // zone cut is, to tell an unsigned zone from a stripped signature.
        let zone = match sigs.iter().find(|s| s.signer_name().zone_of(owner)) {
            Some(s) => s.signer_name().clone(),
            None => match self.zone_of(owner).await {
                Ok(z) => z,
                Err(e) => return Security::Indeterminate(e),
            },
        };
        match self.zone_keys(v, &zone).await {
            ZoneKeys::Secure(keys) => {
                let labels = match verify_rrset(set, &sigs, &zone, &keys, v.now) {
                    Ok(labels) => labels,
                    Err(b) => return Security::Bogus(b),
                };
                if labels >= owner.num_labels() {
                    return Security::Secure;
                }
                // Expanded from a wildcard: secure only with the proof
                // that the name itself does not exist.
                proven(
                    &zone,
                    expansion_proof(owner, labels, &zone, &keys, authority, v.now),
                )
            }
            ZoneKeys::Insecure(p) => Security::Insecure(p),
            ZoneKeys::Bogus(b) => Security::Bogus(b),
            ZoneKeys::Indeterminate(w) => Security::Indeterminate(w),
        }
    }

    /// The DNSSEC verdict on one server's answer to `qname`/`qtype`, or
    /// `None` when validation is off. A positive answer's RRsets (the alias
    /// chain and the records) must validate; a negative one needs a
    /// validated NSEC/NSEC3 proof when its zone is signed. Worked out once
    /// per answer and question (see [`Verdicts`]).
    pub async fn security(&self, qname: &str, qtype: RType, answer: &Answer) -> Option<Security> {
        match answer.rcode {
            Rcode::NoError | Rcode::NxDomain => {}
            // No data to judge: the failure itself is reported.
            _ => return None,
        }
        let Some(signed) = answer.signed.as_ref() else {
            return Some(Security::Indeterminate(
                "the answer carried no DNSSEC records".into(),
            ));
        };
        let key = VerdictKey {
            signed: Arc::as_ptr(signed) as usize,
            qname: normalize(qname),
            qtype,
            rcode: answer.rcode,
            authoritative: answer.authoritative,
        };
        let cell = self.v.verdict_cell(key, signed);
        let verdict = cell
            .get_or_init(|| self.judge(qname, qtype, answer, signed.clone()))
            .await;
        Some(verdict.clone())
    }

    /// The verdict [`Validator::security`] remembers.
    async fn judge(
        &self,
        qname: &str,
        qtype: RType,
        answer: &Answer,
        signed: Arc<Signed>,
    ) -> Security {
        let v = self.v;
        let Some(qname_fqdn) = fqdn(qname) else {
            return Security::Indeterminate(format!("{qname} is not a domain name"));
        };
        let mut name = qname_fqdn.clone();
        let qtype = record_type(qtype);
        let (answers, authority) = (&signed.answers, &signed.authority);
        let mut verdict = Security::Secure;
        let mut found = false;
        // The chain is validated link by link, each link in its own zone.
        for _ in 0..crate::resolver::MAX_CHAIN {
            let wanted = rrset(answers, &name, qtype);
            if !wanted.is_empty() {
                verdict = verdict.worst(self.rrset_security(v, &wanted, answers, authority).await);
                found = true;
                break;
            }
            let alias = rrset(answers, &name, RecordType::CNAME);
            let Some(target) = alias
                .iter()
                .find_map(|r| r.data().as_cname().map(|c| c.0.clone()))
            else {
                break;
            };
            // A CNAME synthesized from a DNAME carries no signature of its
            // own: the signed DNAME vouches for it (RFC 6672 section 5.3).
            let link = match synthesized_by(answers, &name, &target) {
                Some(dname) => self.rrset_security(v, &dname, answers, authority).await,
                None => self.rrset_security(v, &alias, answers, authority).await,
            };
            verdict = verdict.worst(link);
            name = target;
        }
        if !found {
            let partial = name != qname_fqdn
                && answer.rcode == Rcode::NoError
                && !answer
                    .authority
                    .iter()
                    .any(|r| matches!(r.data, Data::Soa { .. }));
            if partial {
                // The answer stops at an alias without the target's records
                // or a denial: an authoritative server stops at its zone's
                // edge, and the target is judged by the lookup that follows
                // the alias (in its own zone). A resolver must not stop there.
                if !answer.authoritative {
                    verdict = verdict.worst(Security::Indeterminate(format!(
                        "the answer stops at the alias to {name} without its records or a proof that there are none"
                    )));
                }
            } else {
                verdict = verdict.worst(
                    self.negative_security(v, &name, qtype, answer, &signed)
                        .await,
                );
            }
        }
        verdict
    }

    async fn negative_security(
        &self,
        v: &Validation,
        name: &Name,
        qtype: RecordType,
        answer: &Answer,
        signed: &Signed,
    ) -> Security {
        // The zone is the owner of the SOA that comes with a negative answer.
        let soa_owner = answer.authority.iter().find_map(|r| match r.data {
            Data::Soa { .. } => fqdn(&r.owner),
            _ => None,
        });
        let zone = match soa_owner {
            Some(z) => z,
            None => match self.zone_of(name).await {
                Ok(z) => z,
                Err(e) => return Security::Indeterminate(e),
            },
        };
        match self.zone_keys(v, &zone).await {
            ZoneKeys::Secure(keys) => {
                let nx = answer.rcode == Rcode::NxDomain;
                proven(
                    &zone,
                    denial(name, qtype, &zone, &keys, &signed.authority, nx, v.now),
                )
            }
            ZoneKeys::Insecure(p) => Security::Insecure(p),
            ZoneKeys::Bogus(b) => Security::Bogus(b),
            ZoneKeys::Indeterminate(w) => Security::Indeterminate(w),
        }
    }
}

/// A zone's DNSKEY RRset from `answer`, trusted when one of the keys that
/// `trusted` picks (those a DS or an anchor names) signs it.
fn key_set(
    zone: &Name,
    answer: Result<Answer, QueryError>,
    now: u32,
    trusted: impl FnOnce(&[DNSKEY]) -> Result<Vec<DNSKEY>, Bogus>,
) -> ZoneKeys {
    let dnskey = match answer
        .map_err(|e| e.to_string())
        .and_then(|a| signed_records(&a, "DNSKEY"))
    {
        Ok(s) => s,
        Err(e) => {
            return ZoneKeys::Indeterminate(format!("cannot fetch the DNSKEY of {zone}: {e}"));
        }
    };
    let keys = dnskeys(&dnskey.answers, zone);
    let signers = match trusted(&keys) {
        Ok(k) => k,
        Err(b) => return ZoneKeys::Bogus(b),
    };
    let key_rrset = rrset(&dnskey.answers, zone, RecordType::DNSKEY);
    let key_sigs = rrsigs(&dnskey.answers, zone, RecordType::DNSKEY);
    match verify_rrset(&key_rrset, &key_sigs, zone, &signers, now) {
        Ok(_) => ZoneKeys::Secure(Arc::new(keys)),
        Err(b) => ZoneKeys::Bogus(b),
    }
}

/// Checks a negative answer's NSEC/NSEC3 proof: every NSEC(3) RRset must be
/// signed by `zone`'s keys, and together they must deny `name`/`qtype`.
fn denial(
    name: &Name,
    qtype: RecordType,
    zone: &Name,
    keys: &[DNSKEY],
    authority: &[Record],
    nxdomain: bool,
    now: u32,
) -> Result<Denied, Bogus> {
    let broken = |what: String| Bogus::BrokenDenial {
        name: describe(name, qtype),
        what,
    };
    let authority = &zones_proofs(authority, zone);
    denial_signatures(name, qtype, zone, keys, authority, now)?;
    let nsec3s = verify::nsec3s(authority);
    if !nsec3s.is_empty() {
        return nsec3_proves(name, qtype, zone, &nsec3s, nxdomain).map_err(broken);
    }
    let nsecs = verify::nsecs(authority);
    if !nsecs.is_empty() {
        return nsec_proves(name, qtype, &nsecs, nxdomain).map_err(broken);
    }
    Err(Bogus::NoDenialRecords {
        name: describe(name, qtype),
    })
}

/// The records of an authority section that can be `zone`'s proofs: a
/// resolver's answer through an alias chain carries the denials of every
/// zone on the chain (a wildcard CNAME's proof from its own zone, the
/// target's from the target zone), and each is judged with its own zone's
/// keys. An NSEC/NSEC3 RRset is another zone's when every RRSIG over it
/// names another signer; one without any RRSIG stays (and fails as
/// unsigned).
fn zones_proofs(authority: &[Record], zone: &Name) -> Vec<Record> {
    let others = |r: &Record| {
        let rtype = r.record_type();
        if rtype != RecordType::NSEC && rtype != RecordType::NSEC3 {
            return false;
        }
        let sigs = rrsigs(authority, r.name(), rtype);
        !sigs.is_empty() && sigs.iter().all(|s| s.signer_name() != zone)
    };
    authority
        .iter()
        .filter(|r| {
            if others(r) {
                return false;
            }
            // An RRSIG goes with the RRset it covers.
            match r.data() {
                RData::DNSSEC(DNSSECRData::RRSIG(sig)) => {
                    let covered = sig.type_covered();
                    !((covered == RecordType::NSEC || covered == RecordType::NSEC3)
                        && sig.signer_name() != zone)
                }
                _ => true,
            }
        })
        .cloned()
        .collect()
}

/// Checks that every NSEC/NSEC3 RRset of an authority section is signed by
/// `zone`'s keys (bounded: a proof needs at most three).
fn denial_signatures(
    name: &Name,
    qtype: RecordType,
    zone: &Name,
    keys: &[DNSKEY],
    authority: &[Record],
    now: u32,
) -> Result<(), Bogus> {
    for rtype in [RecordType::NSEC, RecordType::NSEC3] {
        let mut owners: Vec<&Name> = authority
            .iter()
            .filter(|r| r.record_type() == rtype)
            .map(|r| r.name())
            .collect();
        owners.dedup();
        if owners.len() > verify::MAX_DENIAL_RRSETS {
            return Err(Bogus::BrokenDenial {
                name: describe(name, qtype),
                what: format!(
                    "{} {rtype} records (more than {} is not a proof but a flood)",
                    owners.len(),
                    verify::MAX_DENIAL_RRSETS
                ),
            });
        }
        for owner in owners {
            let set = rrset(authority, owner, rtype);
            let sigs = rrsigs(authority, owner, rtype);
            verify_rrset(&set, &sigs, zone, keys, now)?;
        }
    }
    Ok(())
}

/// The proof that comes with an answer expanded from a wildcard: `owner`
/// itself does not exist (RFC 4035 section 5.3.4, RFC 5155 section 8.8).
fn expansion_proof(
    owner: &Name,
    labels: u8,
    zone: &Name,
    keys: &[DNSKEY],
    authority: &[Record],
    now: u32,
) -> Result<Denied, Bogus> {
    let broken = |what: String| Bogus::WildcardUnproven {
        name: owner.to_string(),
        what,
    };
    let authority = &zones_proofs(authority, zone);
    denial_signatures(owner, RecordType::ANY, zone, keys, authority, now)?;
    let nsec3s = verify::nsec3s(authority);
    if !nsec3s.is_empty() {
        return nsec3_proves_expansion(owner, labels, &nsec3s).map_err(broken);
    }
    let nsecs = verify::nsecs(authority);
    if !nsecs.is_empty() {
        return nsec_proves_expansion(owner, &nsecs)
            .map(|()| Denied::Name)
            .map_err(broken);
    }
    Err(broken(
        "the answer carries no NSEC or NSEC3 record proving it".into(),
    ))
}

/// The DNAME record type (hickory-proto has no type of its own for it).
const DNAME: RecordType = RecordType::Unknown(39);

/// The signed DNAME RRset a CNAME `name → target` was synthesized from: a
/// DNAME at an ancestor of `name` whose substitution gives `target`.
fn synthesized_by<'a>(
    answers: &'a [Record],
    name: &Name,
    target: &Name,
) -> Option<Vec<&'a Record>> {
    answers
        .iter()
        .filter(|r| r.record_type() == DNAME && *r.name() != *name && r.name().zone_of(name))
        .find_map(|r| {
            let RData::Unknown { rdata, .. } = r.data() else {
                return None;
            };
            let dname_target = Name::from_bytes(rdata.anything()).ok()?;
            let kept = usize::from(name.num_labels() - r.name().num_labels());
            let labels: Vec<&[u8]> = name.iter().take(kept).collect();
            let synthesized = Name::from_labels(labels)
                .ok()?
                .append_domain(&dname_target)
                .ok()?;
            (synthesized == *target).then(|| rrset(answers, r.name(), DNAME))
        })
}

/// The verdict a checked NSEC/NSEC3 proof of `zone` gives an answer.
fn proven(zone: &Name, proof: Result<Denied, Bogus>) -> Security {
    match proof {
        Ok(Denied::TooManyIterations(n)) => Security::Insecure(too_many_iterations(zone, n)),
        Ok(Denied::OptOut) => Security::Insecure(format!(
            "{zone} proves the name's absence with an NSEC3 opt-out span, which may hide an unsigned delegation (RFC 5155 section 9.2)"
        )),
        Ok(Denied::Name | Denied::Type) => Security::Secure,
        Err(b) => Security::Bogus(b),
    }
}

/// Why an NSEC3 chain with too many iterations makes an answer insecure.
fn too_many_iterations(zone: &Name, iterations: u16) -> String {
    format!(
        "{zone} uses NSEC3 with {iterations} iterations; validators treat answers proven with more than {} as insecure (RFC 9276 section 3.2)",
        verify::MAX_NSEC3_ITERATIONS
    )
}
