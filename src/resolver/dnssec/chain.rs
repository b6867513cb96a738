//! The chain of trust, fetched through the round's engine: a zone's DNSKEYs
//! are trusted when a trust anchor names one of them, or when its parent's
//! validated DS records name one; a validated NSEC/NSEC3 proof that the
//! parent has no DS makes the zone provably insecure. Each zone is worked
//! out once per round (the DNSKEY and DS questions of a zone are asked
//! together with its parent's, so a chain costs one round trip per level
//! at most, and the questions are shared by every name of the round).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use futures::FutureExt;
use futures::future::BoxFuture;
use hickory_proto::dnssec::rdata::DNSKEY;
use hickory_proto::rr::{Name, Record, RecordType};
use tokio::sync::OnceCell;

use super::verify::{
    self, Denied, describe, dnskeys, ds_records, keys_named_by, nsec_proves, nsec3_proves, rrset,
    rrsigs, supported, verify_rrset,
};
use super::{Bogus, Security, TrustAnchors};
use crate::resolver::engine::Engine;
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

/// A round's validation state: the anchors, the time, and each zone's keys.
pub struct Validation {
    anchors: Arc<TrustAnchors>,
    now: u32,
    zones: Mutex<HashMap<Name, Arc<OnceCell<ZoneKeys>>>>,
}

impl Validation {
    pub fn new(anchors: Arc<TrustAnchors>) -> Validation {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as u32);
        Validation {
            anchors,
            now,
            zones: Mutex::new(HashMap::new()),
        }
    }

    fn cell(&self, zone: &Name) -> Arc<OnceCell<ZoneKeys>> {
        let mut zones = self
            .zones
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
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

impl Engine {
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
        let parent = match self.find_zone(&zone.base_name().to_string()).await {
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
            self.ask_resolvers(&zone_text, RType::Ds),
            self.ask_resolvers(&zone_text, RType::Dnskey)
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
        let usable: Vec<_> = ds_set
            .into_iter()
            .filter(|d| supported(d.algorithm()))
            .collect();
        if usable.is_empty() {
            return ZoneKeys::Insecure(format!(
                "the DS records of {zone_text} name only algorithms dcv does not validate (treated as unsigned, RFC 4035)"
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
        let dnskey = self.ask_resolvers(&zone.to_string(), RType::Dnskey).await;
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
            .find_zone(&owner.to_string())
            .await
            .map_err(|e| e.to_string())?;
        fqdn(&zone).ok_or_else(|| format!("{zone} is not a domain name"))
    }

    /// The verdict on one RRset of a response.
    async fn rrset_security(&self, v: &Validation, set: &[&Record], all: &[Record]) -> Security {
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
            ZoneKeys::Secure(keys) => match verify_rrset(set, &sigs, &zone, &keys, v.now) {
                Ok(()) => Security::Secure,
                Err(b) => Security::Bogus(b),
            },
            ZoneKeys::Insecure(p) => Security::Insecure(p),
            ZoneKeys::Bogus(b) => Security::Bogus(b),
            ZoneKeys::Indeterminate(w) => Security::Indeterminate(w),
        }
    }

    /// The DNSSEC verdict on one server's answer to `qname`/`qtype`, or
    /// `None` when validation is off. A positive answer's RRsets (the alias
    /// chain and the records) must validate; a negative one needs a
    /// validated NSEC/NSEC3 proof when its zone is signed.
    pub async fn security(&self, qname: &str, qtype: RType, answer: &Answer) -> Option<Security> {
        let v = self.validation()?;
        match answer.rcode {
            Rcode::NoError | Rcode::NxDomain => {}
            // No data to judge: the failure itself is reported.
            _ => return None,
        }
        let Some(signed) = answer.signed.clone() else {
            return Some(Security::Indeterminate(
                "the answer carried no DNSSEC records".into(),
            ));
        };
        let Some(mut name) = fqdn(qname) else {
            return Some(Security::Indeterminate(format!(
                "{qname} is not a domain name"
            )));
        };
        let qtype = record_type(qtype);
        let mut verdict = Security::Secure;
        let mut found = false;
        for _ in 0..crate::resolver::MAX_CHAIN {
            let wanted = rrset(&signed.answers, &name, qtype);
            let alias = rrset(&signed.answers, &name, RecordType::CNAME);
            let set = if !wanted.is_empty() { wanted } else { alias };
            if set.is_empty() {
                break;
            }
            verdict = verdict.worst(self.rrset_security(v, &set, &signed.answers).await);
            let next = set
                .iter()
                .find_map(|r| r.data().as_cname().map(|c| c.0.clone()));
            match next {
                Some(target) if qtype != RecordType::CNAME => name = target,
                _ => {
                    found = true;
                    break;
                }
            }
        }
        if !found {
            verdict = verdict.worst(
                self.negative_security(v, &name, qtype, answer, &signed)
                    .await,
            );
        }
        Some(verdict)
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
                match denial(name, qtype, &zone, &keys, &signed.authority, nx, v.now) {
                    Ok(_) => Security::Secure,
                    Err(b) => Security::Bogus(b),
                }
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
        Ok(()) => ZoneKeys::Secure(Arc::new(keys)),
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
    for rtype in [RecordType::NSEC, RecordType::NSEC3] {
        let mut owners: Vec<&Name> = authority
            .iter()
            .filter(|r| r.record_type() == rtype)
            .map(|r| r.name())
            .collect();
        owners.dedup();
        if owners.len() > verify::MAX_DENIAL_RRSETS {
            return Err(broken(format!(
                "{} {rtype} records (more than {} is not a proof but a flood)",
                owners.len(),
                verify::MAX_DENIAL_RRSETS
            )));
        }
        for owner in owners {
            let set = rrset(authority, owner, rtype);
            let sigs = rrsigs(authority, owner, rtype);
            verify_rrset(&set, &sigs, zone, keys, now)?;
        }
    }
    let nsec3s = verify::nsec3s(authority);
    if !nsec3s.is_empty() {
        return nsec3_proves(name, qtype, zone, &nsec3s, nxdomain).map_err(broken);
    }
    let nsecs = verify::nsecs(authority);
    if !nsecs.is_empty() {
        return nsec_proves(name, qtype, &nsecs, nxdomain).map_err(broken);
    }
    Err(broken(
        "the negative answer carries no NSEC or NSEC3 records".into(),
    ))
}
