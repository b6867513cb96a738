//! The validator against zones signed in-process (hickory-proto's signing
//! keys): a scripted resolver serves them, the chain is walked through a
//! real engine, and every verdict is checked — secure, insecure, and each
//! named cause of bogus.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt;
use futures::future::BoxFuture;
use hickory_proto::dnssec::crypto::Ed25519SigningKey;
use hickory_proto::dnssec::rdata::{DNSKEY, DNSSECRData, DS, NSEC, NSEC3, RRSIG};
use hickory_proto::dnssec::{DigestType, Nsec3HashAlgorithm, SigningKey, TBS};
use hickory_proto::op::{Message, ResponseCode};
use hickory_proto::rr::rdata::{CNAME, SOA};
use hickory_proto::rr::{DNSClass, Name, RData, Record, RecordType};

use super::{Bogus, Security, TrustAnchors};
use crate::resolver::engine::{Config, Engine, Mode};
use crate::resolver::wire::convert;
use crate::resolver::{Answer, DnsTransport, QueryError, RType, Signed};

const NOW_ISH: u32 = 1_764_000_000; // 2025-11-24: the signatures' inception
const FUTURE: u32 = 2_000_000_000; // 2033

fn name(s: &str) -> Name {
    Name::from_ascii(s).unwrap()
}

/// A signing key and its DNSKEY.
struct Key {
    signer: Box<dyn SigningKey>,
    dnskey: DNSKEY,
}

fn key() -> Key {
    let pkcs8 = Ed25519SigningKey::generate_pkcs8().unwrap();
    let signer = Ed25519SigningKey::from_pkcs8(&pkcs8).unwrap();
    let dnskey = DNSKEY::new(true, true, false, signer.to_public_key().unwrap());
    Key {
        signer: Box::new(signer),
        dnskey,
    }
}

fn rec(owner: &str, data: RData) -> Record {
    Record::from_rdata(name(owner), 300, data)
}

/// An RRSIG by `zone`'s `key` over `set`, valid from `inception` to `expiration`.
fn sign(set: &[Record], zone: &str, key: &Key, inception: u32, expiration: u32) -> Record {
    let owner = set[0].name().clone();
    let rtype = set[0].record_type();
    let make = |sig: Vec<u8>| {
        RRSIG::new(
            rtype,
            key.signer.algorithm(),
            owner.num_labels(),
            300,
            expiration,
            inception,
            key.dnskey.calculate_key_tag().unwrap(),
            name(zone),
            sig,
        )
    };
    let tbs = TBS::from_sig(&owner, DNSClass::IN, &make(Vec::new()), set.iter()).unwrap();
    let sig = key.signer.sign(&tbs).unwrap();
    let rrsig = make(sig);
    Record::from_rdata(owner, 300, RData::DNSSEC(DNSSECRData::RRSIG(rrsig)))
}

fn signed(set: Vec<Record>, zone: &str, key: &Key) -> Vec<Record> {
    let sig = sign(&set, zone, key, NOW_ISH, FUTURE);
    set.into_iter().chain([sig]).collect()
}

fn dnskey_rr(zone: &str, key: &Key) -> Vec<Record> {
    signed(
        vec![rec(
            zone,
            RData::DNSSEC(DNSSECRData::DNSKEY(key.dnskey.clone())),
        )],
        zone,
        key,
    )
}

fn ds_of(zone: &str, key: &Key) -> DS {
    DS::from_key(
        &key.signer.to_public_key().unwrap(),
        &name(zone),
        DigestType::SHA256,
    )
    .unwrap()
}

fn soa(zone: &str) -> Record {
    rec(
        zone,
        RData::SOA(SOA::new(
            name(&format!("ns.{zone}")),
            name(&format!("hostmaster.{zone}")),
            1,
            3600,
            600,
            86400,
            300,
        )),
    )
}

/// What the lab answers to one question: rcode, answer, authority.
type Response = (ResponseCode, Vec<Record>, Vec<Record>);

/// A scripted resolver: (name, type) → response.
#[derive(Default)]
struct Lab {
    table: HashMap<(Name, RecordType), Response>,
    /// Zone apexes, for SOA answers and negative answers' SOA.
    zones: Vec<String>,
    /// Answer as an authoritative server (AA set), not as a resolver.
    authoritative: bool,
}

impl Lab {
    fn answer(&mut self, owner: &str, rtype: RecordType, records: Vec<Record>) {
        self.table.insert(
            (name(owner), rtype),
            (ResponseCode::NoError, records, Vec::new()),
        );
    }

    fn negative(&mut self, owner: &str, rtype: RecordType, nx: bool, authority: Vec<Record>) {
        let code = if nx {
            ResponseCode::NXDomain
        } else {
            ResponseCode::NoError
        };
        self.table
            .insert((name(owner), rtype), (code, Vec::new(), authority));
    }
}

impl DnsTransport for Lab {
    fn query(
        &self,
        _server: SocketAddr,
        qname: &str,
        rtype: RType,
        _rd: bool,
    ) -> BoxFuture<'static, Result<Answer, QueryError>> {
        let qname = name(&format!("{}.", qname.trim_end_matches('.')));
        let qtype = crate::resolver::wire::record_type(rtype);
        let mut msg = Message::new();
        match self.table.get(&(qname.clone(), qtype)) {
            Some((code, answers, authority)) => {
                msg.set_response_code(*code);
                msg.add_answers(answers.clone());
                msg.add_name_servers(authority.clone());
            }
            None if qtype == RecordType::SOA => {
                // The deepest lab zone holding the name.
                let zone = self
                    .zones
                    .iter()
                    .filter(|z| name(z).zone_of(&qname))
                    .max_by_key(|z| z.len());
                match zone {
                    Some(z) if name(z) == qname => {
                        msg.add_answer(soa(z));
                    }
                    Some(z) => {
                        msg.set_response_code(ResponseCode::NXDomain);
                        msg.add_name_server(soa(z));
                    }
                    None => {
                        msg.set_response_code(ResponseCode::Refused);
                    }
                }
            }
            None => {
                msg.set_response_code(ResponseCode::Refused);
            }
        }
        msg.set_authoritative(self.authoritative);
        let mut answer = convert(&msg);
        answer.signed = Some(Arc::new(Signed {
            answers: msg.answers().to_vec(),
            authority: msg.name_servers().to_vec(),
        }));
        async move { Ok(answer) }.boxed()
    }
}

fn engine(lab: Lab, anchors: TrustAnchors) -> Engine {
    let mut cfg = Config::new(
        vec!["127.0.0.1:53".parse().unwrap()],
        Mode::Recursive,
        Duration::from_secs(1),
    );
    cfg.trust_anchors = Some(Arc::new(anchors));
    Engine::new(Arc::new(lab), cfg)
}

fn anchor(zone: &str, key: &Key) -> TrustAnchors {
    let ds = ds_of(zone, key);
    TrustAnchors::parse(&format!(
        "{zone} IN DS {} {} 2 {}",
        ds.key_tag(),
        u8::from(ds.algorithm()),
        hex::encode(ds.digest())
    ))
    .unwrap()
}

const TARGET: &str = "aaaa.bbbb.sectigo.com.";

fn cname(owner: &str) -> Record {
    rec(owner, RData::CNAME(CNAME(name(TARGET))))
}

/// Runs a future to completion on a fresh single-threaded runtime.
fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

/// Validates the answer the lab gives to `qname CNAME`.
fn verdict(engine: &Engine, qname: &str) -> Security {
    verdict_of(engine, qname, RType::Cname)
}

/// Validates the answer the lab gives to `qname rtype`.
fn verdict_of(engine: &Engine, qname: &str, rtype: RType) -> Security {
    block_on(async {
        let answer = engine.ask_resolvers(qname, rtype).await.unwrap();
        engine
            .security(qname, rtype, &answer)
            .await
            .expect("validation is on")
    })
}

/// example.com, signed with `k`, anchored, with `_x.example.com CNAME`.
fn signed_parent(k: &Key) -> Lab {
    let mut lab = Lab {
        zones: vec!["example.com.".into()],
        ..Lab::default()
    };
    lab.answer(
        "example.com.",
        RecordType::DNSKEY,
        dnskey_rr("example.com.", k),
    );
    lab
}

#[test]
fn a_signed_cname_is_secure() {
    let k = key();
    let mut lab = signed_parent(&k);
    lab.answer(
        "_x.example.com.",
        RecordType::CNAME,
        signed(vec![cname("_x.example.com.")], "example.com.", &k),
    );
    let e = engine(lab, anchor("example.com.", &k));
    assert_eq!(verdict(&e, "_x.example.com"), Security::Secure);
}

#[test]
fn an_answer_is_judged_once_and_another_answer_to_the_same_question_on_its_own() {
    let k = key();
    let mut lab = signed_parent(&k);
    lab.answer(
        "_x.example.com.",
        RecordType::CNAME,
        signed(vec![cname("_x.example.com.")], "example.com.", &k),
    );
    let e = engine(lab, anchor("example.com.", &k));
    let v = e.validation().expect("validation is on");
    let answer = block_on(e.ask_resolvers("_x.example.com", RType::Cname)).unwrap();
    let judge = |a: &Answer| block_on(e.security("_x.example.com", RType::Cname, a)).unwrap();
    assert_eq!(judge(&answer), Security::Secure);
    let given = v.verdicts_given();
    // The same answer again (a clone shares its records): remembered.
    assert_eq!(judge(&answer.clone()), Security::Secure);
    assert_eq!(v.verdicts_given(), given);
    // Another server's answer to the same question, its signature stripped:
    // judged on its own, not given the first one's verdict.
    let signed = answer.signed.as_ref().unwrap();
    let mut stripped = answer.clone();
    stripped.signed = Some(Arc::new(Signed {
        answers: signed
            .answers
            .iter()
            .filter(|r| r.record_type() != RecordType::RRSIG)
            .cloned()
            .collect(),
        authority: signed.authority.clone(),
    }));
    assert!(
        matches!(judge(&stripped), Security::Bogus(Bogus::NoRrsig { .. })),
        "{:?}",
        judge(&stripped)
    );
    assert_eq!(judge(&answer), Security::Secure);
}

#[test]
fn an_expired_signature_is_bogus_and_named() {
    let k = key();
    let mut lab = signed_parent(&k);
    let set = vec![cname("_x.example.com.")];
    // Valid from 2020 to 2021: long expired.
    let sig = sign(&set, "example.com.", &k, 1_577_836_800, 1_609_459_200);
    lab.answer(
        "_x.example.com.",
        RecordType::CNAME,
        set.into_iter().chain([sig]).collect(),
    );
    let e = engine(lab, anchor("example.com.", &k));
    match verdict(&e, "_x.example.com") {
        Security::Bogus(b @ Bogus::Expired { .. }) => {
            assert!(
                b.to_string().contains("expired at 2021-01-01T00:00:00Z"),
                "{b}"
            );
            assert!(b.hint().contains("re-sign"), "{}", b.hint());
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_missing_rrsig_on_the_cname_is_bogus() {
    let k = key();
    let mut lab = signed_parent(&k);
    lab.answer(
        "_x.example.com.",
        RecordType::CNAME,
        vec![cname("_x.example.com.")],
    );
    let e = engine(lab, anchor("example.com.", &k));
    assert!(
        matches!(
            verdict(&e, "_x.example.com"),
            Security::Bogus(Bogus::NoRrsig { .. })
        ),
        "a stripped signature in a signed zone"
    );
}

#[test]
fn a_forged_signature_is_bogus() {
    let k = key();
    let other = key();
    let mut lab = signed_parent(&k);
    // Signed by a key the zone does not publish, with the zone's key tag.
    let set = vec![cname("_x.example.com.")];
    let mut sig = sign(&set, "example.com.", &other, NOW_ISH, FUTURE);
    if let RData::DNSSEC(DNSSECRData::RRSIG(s)) = sig.data() {
        let forged = RRSIG::new(
            s.type_covered(),
            s.algorithm(),
            s.num_labels(),
            s.original_ttl(),
            s.sig_expiration().get(),
            s.sig_inception().get(),
            k.dnskey.calculate_key_tag().unwrap(),
            s.signer_name().clone(),
            s.sig().to_vec(),
        );
        sig = Record::from_rdata(
            sig.name().clone(),
            300,
            RData::DNSSEC(DNSSECRData::RRSIG(forged)),
        );
    }
    lab.answer(
        "_x.example.com.",
        RecordType::CNAME,
        set.into_iter().chain([sig]).collect(),
    );
    let e = engine(lab, anchor("example.com.", &k));
    assert!(matches!(
        verdict(&e, "_x.example.com"),
        Security::Bogus(Bogus::BadSignature { .. })
    ));
}

/// example.com anchored, with a child zone `sub.example.com` whose DS is
/// `ds_key`'s and whose DNSKEY is `child`'s.
fn with_child(parent: &Key, child: &Key, ds_key: &Key) -> Lab {
    let mut lab = signed_parent(parent);
    lab.zones.push("sub.example.com.".into());
    lab.answer(
        "sub.example.com.",
        RecordType::DS,
        signed(
            vec![rec(
                "sub.example.com.",
                RData::DNSSEC(DNSSECRData::DS(ds_of("sub.example.com.", ds_key))),
            )],
            "example.com.",
            parent,
        ),
    );
    lab.answer(
        "sub.example.com.",
        RecordType::DNSKEY,
        dnskey_rr("sub.example.com.", child),
    );
    lab.answer(
        "_x.sub.example.com.",
        RecordType::CNAME,
        signed(
            vec![cname("_x.sub.example.com.")],
            "sub.example.com.",
            child,
        ),
    );
    lab
}

#[test]
fn a_delegation_with_a_matching_ds_is_secure() {
    let (p, c) = (key(), key());
    let e = engine(with_child(&p, &c, &c), anchor("example.com.", &p));
    assert_eq!(verdict(&e, "_x.sub.example.com"), Security::Secure);
}

#[test]
fn a_ds_matching_no_dnskey_is_bogus_with_the_registrar_hint() {
    let (p, c, rolled) = (key(), key(), key());
    let e = engine(with_child(&p, &c, &rolled), anchor("example.com.", &p));
    match verdict(&e, "_x.sub.example.com") {
        Security::Bogus(b @ Bogus::DsMatchesNoDnskey { .. }) => {
            assert!(
                b.hint().contains("update the DS at the registrar"),
                "{}",
                b.hint()
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_unsigned_child_with_a_signed_no_ds_proof_is_insecure() {
    let p = key();
    let mut lab = signed_parent(&p);
    lab.zones.push("unsigned.example.com.".into());
    // The parent's NSEC at the delegation: NS, no DS.
    let nsec = rec(
        "unsigned.example.com.",
        RData::DNSSEC(DNSSECRData::NSEC(NSEC::new(
            name("www.example.com."),
            [RecordType::NS, RecordType::RRSIG, RecordType::NSEC],
        ))),
    );
    let mut authority = signed(vec![soa("example.com.")], "example.com.", &p);
    authority.extend(signed(vec![nsec], "example.com.", &p));
    lab.negative("unsigned.example.com.", RecordType::DS, false, authority);
    lab.answer(
        "_x.unsigned.example.com.",
        RecordType::CNAME,
        vec![cname("_x.unsigned.example.com.")],
    );
    let e = engine(lab, anchor("example.com.", &p));
    match verdict(&e, "_x.unsigned.example.com") {
        Security::Insecure(proof) => {
            assert!(proof.contains("no DS for unsigned.example.com"), "{proof}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_unsigned_child_without_a_proof_is_bogus() {
    let p = key();
    let mut lab = signed_parent(&p);
    lab.zones.push("unsigned.example.com.".into());
    let authority = signed(vec![soa("example.com.")], "example.com.", &p);
    lab.negative("unsigned.example.com.", RecordType::DS, false, authority);
    lab.answer(
        "_x.unsigned.example.com.",
        RecordType::CNAME,
        vec![cname("_x.unsigned.example.com.")],
    );
    let e = engine(lab, anchor("example.com.", &p));
    assert!(matches!(
        verdict(&e, "_x.unsigned.example.com"),
        Security::Bogus(Bogus::NoDenialRecords { .. })
    ));
}

fn nsec3_iterated(
    owner_name: &str,
    zone: &str,
    next_of: &str,
    types: &[RecordType],
    iterations: u16,
) -> Record {
    nsec3_flagged(owner_name, zone, next_of, types, iterations, false)
}

fn nsec3_flagged(
    owner_name: &str,
    zone: &str,
    next_of: &str,
    types: &[RecordType],
    iterations: u16,
    opt_out: bool,
) -> Record {
    let salt = vec![0xab, 0xcd];
    let hash = |n: &str| {
        Nsec3HashAlgorithm::SHA1
            .hash(&salt, &name(n), iterations)
            .unwrap()
            .as_ref()
            .to_vec()
    };
    let owner = format!(
        "{}.{zone}",
        data_encoding::BASE32HEX_NOPAD
            .encode(&hash(owner_name))
            .to_ascii_lowercase()
    );
    rec(
        &owner,
        RData::DNSSEC(DNSSECRData::NSEC3(NSEC3::new(
            Nsec3HashAlgorithm::SHA1,
            opt_out,
            iterations,
            salt.clone(),
            hash(next_of),
            types.iter().copied(),
        ))),
    )
}

/// example.org, signed with `k` and anchored, whose two names (the apex
/// and www) have NSEC3s of `iterations` forming a ring that covers every
/// other hash: the closest encloser (the apex), the next closer name and
/// the wildcard are all proven. Returns the lab and the two signed NSEC3s.
fn nsec3_ring(k: &Key, iterations: u16) -> (Lab, Vec<Record>, Vec<Record>) {
    let mut lab = Lab {
        zones: vec!["example.org.".into()],
        ..Lab::default()
    };
    lab.answer(
        "example.org.",
        RecordType::DNSKEY,
        dnskey_rr("example.org.", k),
    );
    let apex = nsec3_iterated(
        "example.org.",
        "example.org.",
        "www.example.org.",
        &[RecordType::SOA],
        iterations,
    );
    let www = nsec3_iterated(
        "www.example.org.",
        "example.org.",
        "example.org.",
        &[RecordType::A],
        iterations,
    );
    (
        lab,
        signed(vec![apex], "example.org.", k),
        signed(vec![www], "example.org.", k),
    )
}

#[test]
fn an_nsec3_nxdomain_proof_is_checked() {
    let k = key();
    let (mut lab, apex, www) = nsec3_ring(&k, 1);
    let mut authority = signed(vec![soa("example.org.")], "example.org.", &k);
    authority.extend(apex.clone());
    authority.extend(www);
    lab.negative("_x.example.org.", RecordType::CNAME, true, authority);
    // Without the ring's second half the proof does not hold.
    let mut broken = signed(vec![soa("example.org.")], "example.org.", &k);
    broken.extend(apex);
    lab.negative("_y.example.org.", RecordType::CNAME, true, broken);
    let e = engine(lab, anchor("example.org.", &k));
    assert_eq!(verdict(&e, "_x.example.org"), Security::Secure);
    let v = verdict(&e, "_y.example.org");
    assert!(
        matches!(v, Security::Bogus(Bogus::BrokenDenial { .. })),
        "{v:?}"
    );
}

#[test]
fn a_lab_without_a_path_to_the_root_is_indeterminate() {
    let k = key();
    let mut lab = signed_parent(&k);
    lab.answer(
        "_x.example.com.",
        RecordType::CNAME,
        signed(vec![cname("_x.example.com.")], "example.com.", &k),
    );
    // The IANA root keys, but the lab resolver REFUSES the root's DNSKEY.
    let e = engine(lab, TrustAnchors::iana_root());
    assert!(matches!(
        verdict(&e, "_x.example.com"),
        Security::Indeterminate(_)
    ));
}

#[test]
fn the_dcv_cname_check_fails_on_a_bogus_answer_and_says_why() {
    use crate::artifacts::{Expectation, Hashes};
    use crate::names::DnsName;
    use crate::report::Status;

    let exp = Expectation {
        hashes: Hashes {
            md5: "0123456789ABCDEF0123456789ABCDEF".into(),
            sha256: "AB".repeat(32),
        },
        tag: "sectigo.com".into(),
        token: None,
    };
    let owner = exp.cname_name("example.com");
    let target = exp.cname_target();
    let record = rec(&owner, RData::CNAME(CNAME(name(&target))));
    let run = |expiration: u32| {
        let k = key();
        let mut lab = signed_parent(&k);
        let sig = sign(
            std::slice::from_ref(&record),
            "example.com.",
            &k,
            1_577_836_800,
            expiration,
        );
        lab.answer(&owner, RecordType::CNAME, vec![record.clone(), sig]);
        let e = engine(lab, anchor("example.com.", &k));
        let domain = DnsName::from_csr("example.com").unwrap();
        block_on(crate::dns::cname::dcv_cname(&e, &exp, &domain))
    };
    let good = run(FUTURE);
    assert_eq!(good.status, Status::Pass, "{good:#?}");
    assert_eq!(good.dnssec, Some("secure"));
    let expired = run(1_609_459_200);
    assert_eq!(expired.status, Status::Fail, "{expired:#?}");
    assert_eq!(expired.dnssec, Some("bogus"));
    assert!(
        expired
            .detail
            .starts_with("DNSSEC validation fails: the RRSIG over")
            && expired.detail.contains("expired at 2021-01-01T00:00:00Z"),
        "{}",
        expired.detail
    );
    assert!(expired.hint.as_deref().unwrap().contains("re-sign"));
}

#[test]
fn a_nameserver_whose_address_is_bogus_is_not_asked() {
    use hickory_proto::rr::rdata::{A, NS};
    let k = key();
    let mut lab = signed_parent(&k);
    lab.answer(
        "example.com.",
        RecordType::NS,
        signed(
            vec![
                rec("example.com.", RData::NS(NS(name("ns1.example.com.")))),
                rec("example.com.", RData::NS(NS(name("ns2.example.com.")))),
            ],
            "example.com.",
            &k,
        ),
    );
    let a = |host: &str, last: u8| rec(host, RData::A(A::new(192, 0, 2, last)));
    lab.answer(
        "ns1.example.com.",
        RecordType::A,
        signed(vec![a("ns1.example.com.", 1)], "example.com.", &k),
    );
    // ns2's address carries a signature that expired in 2021.
    let stale = vec![a("ns2.example.com.", 2)];
    let sig = sign(&stale, "example.com.", &k, 1_577_836_800, 1_609_459_200);
    lab.answer(
        "ns2.example.com.",
        RecordType::A,
        stale.into_iter().chain([sig]).collect(),
    );
    lab.answer(
        "_x.example.com.",
        RecordType::CNAME,
        signed(vec![cname("_x.example.com.")], "example.com.", &k),
    );
    let mut cfg = Config::new(
        vec!["127.0.0.1:53".parse().unwrap()],
        Mode::Authoritative,
        Duration::from_secs(1),
    );
    cfg.ipv6 = false;
    cfg.trust_anchors = Some(Arc::new(anchor("example.com.", &k)));
    let e = Engine::new(Arc::new(lab), cfg);
    let l = block_on(e.lookup("_x.example.com", RType::Cname));
    let asked: Vec<String> = l
        .observations
        .iter()
        .map(|o| o.server.name.clone())
        .collect();
    assert_eq!(asked, ["ns1.example.com"], "{:?}", l.error);
}

#[test]
fn a_zone_whose_every_nameserver_address_is_bogus_is_named_as_such() {
    // Item 16: not "no address for any nameserver".
    use crate::resolver::LookupFailure;
    use hickory_proto::rr::rdata::{A, NS};
    let k = key();
    let mut lab = signed_parent(&k);
    lab.answer(
        "example.com.",
        RecordType::NS,
        signed(
            vec![rec("example.com.", RData::NS(NS(name("ns2.example.com."))))],
            "example.com.",
            &k,
        ),
    );
    let stale = vec![rec("ns2.example.com.", RData::A(A::new(192, 0, 2, 2)))];
    let sig = sign(&stale, "example.com.", &k, 1_577_836_800, 1_609_459_200);
    lab.answer(
        "ns2.example.com.",
        RecordType::A,
        stale.into_iter().chain([sig]).collect(),
    );
    let mut cfg = Config::new(
        vec!["127.0.0.1:53".parse().unwrap()],
        Mode::Authoritative,
        Duration::from_secs(1),
    );
    cfg.ipv6 = false;
    cfg.trust_anchors = Some(Arc::new(anchor("example.com.", &k)));
    let e = Engine::new(Arc::new(lab), cfg);
    let l = block_on(e.lookup("_x.example.com", RType::Cname));
    match l.error {
        Some(e @ LookupFailure::NsAddressBogus { .. }) => {
            let text = e.to_string();
            assert!(text.contains("fails DNSSEC validation"), "{text}");
            assert!(text.contains("expired"), "{text}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_lab_root_without_dnskey_is_indeterminate_not_a_key_mismatch() {
    // Item 16: the IANA anchors, and a lab root that serves no DNSKEY.
    let k = key();
    let mut lab = signed_parent(&k);
    lab.answer(".", RecordType::DNSKEY, vec![]);
    // The lab's root: com is not delegated, the root zone answers for it.
    let root_soa = rec(
        ".",
        RData::SOA(SOA::new(
            name("ns.lab."),
            name("hostmaster.lab."),
            1,
            3600,
            600,
            86400,
            300,
        )),
    );
    lab.negative("com.", RecordType::SOA, true, vec![root_soa]);
    lab.answer(
        "_x.example.com.",
        RecordType::CNAME,
        signed(vec![cname("_x.example.com.")], "example.com.", &k),
    );
    let e = engine(lab, TrustAnchors::iana_root());
    match verdict(&e, "_x.example.com") {
        Security::Indeterminate(why) => assert!(why.contains("serves no DNSKEY"), "{why}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_txt_check_relies_on_the_alias_it_followed() {
    use crate::dns::HostValue;
    use crate::report::Status;
    use hickory_proto::rr::rdata::TXT;

    let k = key();
    let mut lab = signed_parent(&k);
    // _dnsauth is an alias (signed in 2020, expired in 2021) to the record.
    let alias = vec![rec(
        "_dnsauth.example.com.",
        RData::CNAME(CNAME(name("value.example.com."))),
    )];
    let stale = sign(&alias, "example.com.", &k, 1_577_836_800, 1_609_459_200);
    lab.answer(
        "_dnsauth.example.com.",
        RecordType::TXT,
        alias.into_iter().chain([stale]).collect(),
    );
    lab.answer(
        "value.example.com.",
        RecordType::TXT,
        signed(
            vec![rec(
                "value.example.com.",
                RData::TXT(TXT::new(vec!["token-1".into()])),
            )],
            "example.com.",
            &k,
        ),
    );
    let e = engine(lab, anchor("example.com.", &k));
    let hv: HostValue = "_dnsauth.example.com=token-1".parse().unwrap();
    let r = block_on(crate::dns::host_value::txt(&e, &hv));
    assert_eq!(r.status, Status::Fail, "{r:#?}");
    assert_eq!(r.dnssec, Some("bogus"));
    assert!(
        r.dnssec_detail
            .as_deref()
            .unwrap()
            .contains("_dnsauth.example.com. CNAME expired"),
        "{r:#?}"
    );
}

#[test]
fn a_flood_of_denial_records_is_refused_not_verified() {
    let k = key();
    let mut lab = signed_parent(&k);
    let mut authority = signed(vec![soa("example.com.")], "example.com.", &k);
    for i in 0..20 {
        let nsec = rec(
            &format!("a{i:02}.example.com."),
            RData::DNSSEC(DNSSECRData::NSEC(NSEC::new(
                name(&format!("a{:02}.example.com.", i + 1)),
                [RecordType::A, RecordType::RRSIG, RecordType::NSEC],
            ))),
        );
        authority.extend(signed(vec![nsec], "example.com.", &k));
    }
    lab.negative("_x.example.com.", RecordType::CNAME, true, authority);
    let e = engine(lab, anchor("example.com.", &k));
    match verdict(&e, "_x.example.com") {
        Security::Bogus(b @ Bogus::BrokenDenial { .. }) => {
            assert!(b.to_string().contains("20 NSEC records"), "{b}")
        }
        other => panic!("{other:?}"),
    }
}

// Resolver parity (issue 15): each of these was judged differently by dcv
// than by BIND's delv and Unbound before the fix it names.

fn txt(owner: &str, value: &str) -> Record {
    use hickory_proto::rr::rdata::TXT;
    rec(owner, RData::TXT(TXT::new(vec![value.into()])))
}

fn nsec(owner: &str, next: &str, types: &[RecordType]) -> Record {
    rec(
        owner,
        RData::DNSSEC(DNSSECRData::NSEC(NSEC::new(
            name(next),
            types.iter().copied(),
        ))),
    )
}

/// Two signed zones, each anchored: example.com and example.net.
fn two_zones(com: &Key, net: &Key) -> (Lab, TrustAnchors) {
    let mut lab = signed_parent(com);
    lab.zones.push("example.net.".into());
    lab.answer(
        "example.net.",
        RecordType::DNSKEY,
        dnskey_rr("example.net.", net),
    );
    let both = |z: &str, k: &Key| {
        let ds = ds_of(z, k);
        format!(
            "{z} IN DS {} {} 2 {}\n",
            ds.key_tag(),
            u8::from(ds.algorithm()),
            hex::encode(ds.digest())
        )
    };
    let anchors = TrustAnchors::parse(&(both("example.com.", com) + &both("example.net.", net)));
    (lab, anchors.unwrap())
}

#[test]
fn an_authoritative_answer_that_stops_at_an_alias_out_of_its_zone_is_not_a_denial() {
    // Item 1: `_pki-validation.example.com CNAME _x.example.net`; the
    // example.com server answers the CNAME alone (its zone ends there).
    let (com, net) = (key(), key());
    let (mut lab, anchors) = two_zones(&com, &net);
    lab.authoritative = true;
    let alias = vec![rec(
        "_pki-validation.example.com.",
        RData::CNAME(CNAME(name("_x.example.net."))),
    )];
    lab.answer(
        "_pki-validation.example.com.",
        RecordType::TXT,
        signed(alias, "example.com.", &com),
    );
    lab.answer(
        "_x.example.net.",
        RecordType::TXT,
        signed(vec![txt("_x.example.net.", "v")], "example.net.", &net),
    );
    let e = engine(lab, anchors);
    assert_eq!(
        verdict_of(&e, "_pki-validation.example.com", RType::Txt),
        Security::Secure
    );
    assert_eq!(
        verdict_of(&e, "_x.example.net", RType::Txt),
        Security::Secure
    );
}

#[test]
fn a_resolver_answer_that_stops_at_an_alias_is_not_secure() {
    let (com, net) = (key(), key());
    let (mut lab, anchors) = two_zones(&com, &net);
    let alias = vec![rec(
        "_pki-validation.example.com.",
        RData::CNAME(CNAME(name("_x.example.net."))),
    )];
    lab.answer(
        "_pki-validation.example.com.",
        RecordType::TXT,
        signed(alias, "example.com.", &com),
    );
    let e = engine(lab, anchors);
    let v = verdict_of(&e, "_pki-validation.example.com", RType::Txt);
    assert!(matches!(v, Security::Indeterminate(_)), "{v:?}");
}

/// The DNAME record `owner DNAME target` (hickory-proto has no type for it).
fn dname(owner: &str, target: &str) -> Record {
    use hickory_proto::rr::rdata::NULL;
    use hickory_proto::serialize::binary::BinEncodable;
    rec(
        owner,
        RData::Unknown {
            code: RecordType::Unknown(39),
            rdata: NULL::with(name(target).to_bytes().unwrap()),
        },
    )
}

#[test]
fn a_cname_synthesized_from_a_signed_dname_needs_no_signature() {
    // Item 2: RFC 6672 section 5.3.
    let (com, net) = (key(), key());
    let (mut lab, anchors) = two_zones(&com, &net);
    let mut answers = signed(
        vec![dname("sub.example.com.", "example.net.")],
        "example.com.",
        &com,
    );
    answers.push(rec(
        "_x.sub.example.com.",
        RData::CNAME(CNAME(name("_x.example.net."))),
    ));
    answers.extend(signed(
        vec![txt("_x.example.net.", "v")],
        "example.net.",
        &net,
    ));
    lab.answer("_x.sub.example.com.", RecordType::TXT, answers.clone());
    // A CNAME that is not the DNAME's substitution still needs its own.
    let mut forged = answers[..2].to_vec();
    forged.push(rec(
        "_y.sub.example.com.",
        RData::CNAME(CNAME(name("_x.example.net."))),
    ));
    forged.extend(answers[3..].to_vec());
    lab.answer("_y.sub.example.com.", RecordType::TXT, forged);
    let e = engine(lab, anchors);
    assert_eq!(
        verdict_of(&e, "_x.sub.example.com", RType::Txt),
        Security::Secure
    );
    let v = verdict_of(&e, "_y.sub.example.com", RType::Txt);
    assert!(matches!(v, Security::Bogus(Bogus::NoRrsig { .. })), "{v:?}");
}

#[test]
fn nodata_at_an_empty_non_terminal_is_proven_by_nsec() {
    // Item 3: shop.example.com holds nothing, www.shop.example.com does;
    // the CAA climb asks shop.example.com.
    let k = key();
    let mut lab = signed_parent(&k);
    let mut authority = signed(vec![soa("example.com.")], "example.com.", &k);
    authority.extend(signed(
        vec![nsec(
            "example.com.",
            "www.shop.example.com.",
            &[RecordType::SOA, RecordType::NS, RecordType::DNSKEY],
        )],
        "example.com.",
        &k,
    ));
    lab.negative(
        "shop.example.com.",
        RecordType::CAA,
        false,
        authority.clone(),
    );
    // The same NSEC does not let an NXDOMAIN for the name stand.
    lab.negative("shop.example.com.", RecordType::TXT, true, authority);
    let e = engine(lab, anchor("example.com.", &k));
    assert_eq!(
        verdict_of(&e, "shop.example.com", RType::Caa),
        Security::Secure
    );
    let v = verdict_of(&e, "shop.example.com", RType::Txt);
    assert!(
        matches!(v, Security::Bogus(Bogus::BrokenDenial { .. })),
        "{v:?}"
    );
}

#[test]
fn a_wildcard_expansion_needs_the_proof_that_the_name_does_not_exist() {
    // Item 4: RFC 4035 section 5.3.4.
    let k = key();
    let mut lab = signed_parent(&k);
    // Signed at *.example.com (RRSIG labels 2), served as x.example.com.
    let wild = signed(vec![txt("*.example.com.", "v")], "example.com.", &k);
    let expanded: Vec<Record> = wild
        .iter()
        .map(|r| {
            let mut r = r.clone();
            r.set_name(name("x.example.com."));
            r
        })
        .collect();
    lab.answer("x.example.com.", RecordType::TXT, expanded.clone());
    let proof = signed(
        vec![nsec(
            "*.example.com.",
            "example.com.",
            &[RecordType::TXT, RecordType::RRSIG, RecordType::NSEC],
        )],
        "example.com.",
        &k,
    );
    lab.table.insert(
        (name("y.example.com."), RecordType::TXT),
        (
            ResponseCode::NoError,
            expanded
                .iter()
                .map(|r| {
                    let mut r = r.clone();
                    r.set_name(name("y.example.com."));
                    r
                })
                .collect(),
            proof,
        ),
    );
    let e = engine(lab, anchor("example.com.", &k));
    let v = verdict_of(&e, "x.example.com", RType::Txt);
    assert!(
        matches!(v, Security::Bogus(Bogus::WildcardUnproven { .. })),
        "{v:?}"
    );
    assert_eq!(
        verdict_of(&e, "y.example.com", RType::Txt),
        Security::Secure
    );
}

#[test]
fn a_ds_of_only_unknown_digest_types_makes_the_child_insecure() {
    // Item 5: RFC 6840 section 5.2.
    let (p, c) = (key(), key());
    let mut lab = with_child(&p, &c, &c);
    let real = ds_of("sub.example.com.", &c);
    let unknown = DS::new(
        real.key_tag(),
        real.algorithm(),
        DigestType::Unknown(200),
        vec![0x42; 32],
    );
    lab.answer(
        "sub.example.com.",
        RecordType::DS,
        signed(
            vec![rec(
                "sub.example.com.",
                RData::DNSSEC(DNSSECRData::DS(unknown)),
            )],
            "example.com.",
            &p,
        ),
    );
    let e = engine(lab, anchor("example.com.", &p));
    let v = verdict(&e, "_x.sub.example.com");
    assert!(matches!(v, Security::Insecure(_)), "{v:?}");
}

#[test]
fn a_ds_naming_a_revoked_ksk_still_anchors_the_zone() {
    // Item 8: BIND and Unbound accept it.
    let p = key();
    let pkcs8 = Ed25519SigningKey::generate_pkcs8().unwrap();
    let signer = Ed25519SigningKey::from_pkcs8(&pkcs8).unwrap();
    let dnskey = DNSKEY::new(true, true, true, signer.to_public_key().unwrap());
    assert!(dnskey.revoke());
    let revoked = Key {
        signer: Box::new(signer),
        dnskey,
    };
    let mut lab = with_child(&p, &revoked, &revoked);
    let digest = revoked
        .dnskey
        .to_digest(&name("sub.example.com."), DigestType::SHA256)
        .unwrap();
    let ds = DS::new(
        revoked.dnskey.calculate_key_tag().unwrap(),
        hickory_proto::dnssec::Verifier::algorithm(&revoked.dnskey),
        DigestType::SHA256,
        digest.as_ref().to_vec(),
    );
    lab.answer(
        "sub.example.com.",
        RecordType::DS,
        signed(
            vec![rec("sub.example.com.", RData::DNSSEC(DNSSECRData::DS(ds)))],
            "example.com.",
            &p,
        ),
    );
    let e = engine(lab, anchor("example.com.", &p));
    assert_eq!(verdict(&e, "_x.sub.example.com"), Security::Secure);
}

#[test]
fn an_nsec3_chain_of_more_than_150_iterations_is_insecure() {
    // Item 7: RFC 9276 section 3.2, as BIND and Unbound do.
    for (iterations, secure) in [(150, true), (151, false), (2_501, false)] {
        let k = key();
        let (mut lab, apex, www) = nsec3_ring(&k, iterations);
        let mut authority = signed(vec![soa("example.org.")], "example.org.", &k);
        authority.extend(apex);
        authority.extend(www);
        lab.negative("_x.example.org.", RecordType::CNAME, true, authority);
        let e = engine(lab, anchor("example.org.", &k));
        let v = verdict(&e, "_x.example.org");
        if secure {
            assert_eq!(v, Security::Secure, "{iterations}");
        } else {
            match v {
                Security::Insecure(why) => assert!(why.contains("RFC 9276"), "{why}"),
                other => panic!("{iterations}: {other:?}"),
            }
        }
    }
}

#[test]
fn an_expired_signature_beside_a_valid_one_is_bogus_as_bind_says() {
    // Where BIND (bogus) and Unbound (secure) differ, dcv takes the verdict
    // that holds on both: docs/dnssec.md.
    let k = key();
    let mut lab = signed_parent(&k);
    let set = vec![cname("_x.example.com.")];
    let stale = sign(&set, "example.com.", &k, 1_577_836_800, 1_609_459_200);
    let mut records = signed(set, "example.com.", &k);
    records.push(stale);
    lab.answer("_x.example.com.", RecordType::CNAME, records);
    let e = engine(lab, anchor("example.com.", &k));
    let v = verdict(&e, "_x.example.com");
    assert!(matches!(v, Security::Bogus(Bogus::Expired { .. })), "{v:?}");
}

/// An ED448 signer for the lab (hickory-proto has none).
struct Ed448Signer(ed448_goldilocks::SigningKey);

impl SigningKey for Ed448Signer {
    fn sign(&self, tbs: &TBS) -> hickory_proto::dnssec::DnsSecResult<Vec<u8>> {
        Ok(self.0.sign_raw(tbs.as_ref()).to_bytes().to_vec())
    }

    fn to_public_key(
        &self,
    ) -> hickory_proto::dnssec::DnsSecResult<hickory_proto::dnssec::PublicKeyBuf> {
        Ok(hickory_proto::dnssec::PublicKeyBuf::new(
            self.0.verifying_key().as_bytes().to_vec(),
            super::verify::ED448,
        ))
    }

    fn algorithm(&self) -> hickory_proto::dnssec::Algorithm {
        super::verify::ED448
    }
}

#[test]
fn ed448_zones_are_validated_as_bind_does() {
    // BIND validates ED448 (16); Debian's Unbound does not (docs/dnssec.md).
    let mut secret = ed448_goldilocks::SecretKey::default();
    secret
        .iter_mut()
        .enumerate()
        .for_each(|(i, b)| *b = i as u8);
    let signer = Ed448Signer(ed448_goldilocks::SigningKey::from(&secret));
    let dnskey = DNSKEY::new(true, true, false, signer.to_public_key().unwrap());
    let k = Key {
        signer: Box::new(signer),
        dnskey,
    };
    let mut lab = signed_parent(&k);
    lab.answer(
        "_x.example.com.",
        RecordType::CNAME,
        signed(vec![cname("_x.example.com.")], "example.com.", &k),
    );
    // The same CNAME with one byte of its signature changed.
    let mut forged = signed(vec![cname("_y.example.com.")], "example.com.", &k);
    if let RData::DNSSEC(DNSSECRData::RRSIG(sig)) = forged[1].data() {
        let mut bytes = sig.sig().to_vec();
        bytes[10] ^= 1;
        let sig = RRSIG::new(
            sig.type_covered(),
            sig.algorithm(),
            sig.num_labels(),
            sig.original_ttl(),
            sig.sig_expiration().get(),
            sig.sig_inception().get(),
            sig.key_tag(),
            sig.signer_name().clone(),
            bytes,
        );
        forged[1] = rec("_y.example.com.", RData::DNSSEC(DNSSECRData::RRSIG(sig)));
    }
    lab.answer("_y.example.com.", RecordType::CNAME, forged);
    let e = engine(lab, anchor("example.com.", &k));
    assert_eq!(verdict(&e, "_x.example.com"), Security::Secure);
    let v = verdict(&e, "_y.example.com");
    assert!(
        matches!(v, Security::Bogus(Bogus::BadSignature { .. })),
        "{v:?}"
    );
}

/// Two resolvers with their own labs: 127.0.0.1 asks `first`, any other
/// address `second`.
struct TwoLabs {
    first: Lab,
    second: Lab,
}

impl DnsTransport for TwoLabs {
    fn query(
        &self,
        server: SocketAddr,
        qname: &str,
        rtype: RType,
        rd: bool,
    ) -> BoxFuture<'static, Result<Answer, QueryError>> {
        if server.ip().to_string() == "127.0.0.1" {
            self.first.query(server, qname, rtype, rd)
        } else {
            self.second.query(server, qname, rtype, rd)
        }
    }
}

#[test]
fn bogus_answers_from_some_servers_only_are_named_and_not_called_servfail() {
    // Item 9: a resolver that gets the bogus answer fails; one that asks
    // elsewhere does not, so "the CA's resolver answers SERVFAIL" would lie.
    let k = key();
    let good = || {
        let mut lab = signed_parent(&k);
        lab.answer(
            "_x.example.com.",
            RecordType::CNAME,
            signed(vec![cname("_x.example.com.")], "example.com.", &k),
        );
        lab
    };
    let mut stale = signed_parent(&k);
    let set = vec![cname("_x.example.com.")];
    let old = sign(&set, "example.com.", &k, 1_577_836_800, 1_609_459_200);
    stale.answer(
        "_x.example.com.",
        RecordType::CNAME,
        set.into_iter().chain([old]).collect(),
    );
    let mut cfg = Config::new(
        vec![
            "127.0.0.1:53".parse().unwrap(),
            "127.0.0.2:53".parse().unwrap(),
        ],
        Mode::Recursive,
        Duration::from_secs(1),
    );
    cfg.trust_anchors = Some(Arc::new(anchor("example.com.", &k)));
    let transport = TwoLabs {
        first: good(),
        second: stale,
    };
    let e = Engine::new(Arc::new(transport), cfg);
    let l = block_on(e.lookup("_x.example.com", RType::Cname));
    let per_server = block_on(e.verdicts(&l));
    assert_eq!(per_server[0], Some(Security::Secure));
    assert!(matches!(
        per_server[1],
        Some(Security::Bogus(Bogus::Expired { .. }))
    ));
    match block_on(crate::dns::observe::lookup_security(&e, &l)) {
        Some(Security::Bogus(b @ Bogus::OnSomeServers { .. })) => {
            assert!(!b.servfail());
            assert!(b.to_string().contains("127.0.0.2:53"), "{b}");
        }
        other => panic!("{other:?}"),
    }
}

/// example.org signed with an NSEC3 ring of the apex and www whose spans
/// carry the opt-out flag or not, and `ent.example.org` answered NODATA
/// with the ring as its proof (an empty non-terminal the chain leaves out,
/// as above unsigned delegations), beside a wildcard TXT at `*.w` expanded
/// for `x.w.example.org` with the same ring proving the next closer name.
fn opt_out_lab(k: &Key, opt_out: bool) -> Engine {
    let mut lab = Lab {
        zones: vec!["example.org.".into()],
        ..Lab::default()
    };
    lab.answer(
        "example.org.",
        RecordType::DNSKEY,
        dnskey_rr("example.org.", k),
    );
    let ring = [
        nsec3_flagged(
            "example.org.",
            "example.org.",
            "www.example.org.",
            &[RecordType::SOA],
            0,
            opt_out,
        ),
        nsec3_flagged(
            "www.example.org.",
            "example.org.",
            "example.org.",
            &[RecordType::A],
            0,
            opt_out,
        ),
    ];
    let mut authority = signed(vec![soa("example.org.")], "example.org.", k);
    for n in &ring {
        authority.extend(signed(vec![n.clone()], "example.org.", k));
    }
    lab.negative(
        "ent.example.org.",
        RecordType::CAA,
        false,
        authority.clone(),
    );
    // *.example.org's TXT expanded at x.example.org (RRSIG labels 2).
    let expanded: Vec<Record> = signed(vec![txt("*.example.org.", "v")], "example.org.", k)
        .into_iter()
        .map(|mut r| {
            r.set_name(name("x.example.org."));
            r
        })
        .collect();
    let proof: Vec<Record> = authority
        .into_iter()
        .filter(|r| r.record_type() != RecordType::SOA)
        .filter(|r| {
            !matches!(r.data(), RData::DNSSEC(DNSSECRData::RRSIG(s)) if s.type_covered() == RecordType::SOA)
        })
        .collect();
    lab.table.insert(
        (name("x.example.org."), RecordType::TXT),
        (ResponseCode::NoError, expanded, proof),
    );
    engine(lab, anchor("example.org.", k))
}

#[test]
fn an_empty_non_terminal_in_an_opt_out_span_is_insecure_as_bind_and_unbound_say() {
    // Issue 20 case 4: a CAA climb through such a name was called bogus.
    let k = key();
    let e = opt_out_lab(&k, true);
    let v = verdict_of(&e, "ent.example.org", RType::Caa);
    assert!(matches!(v, Security::Insecure(_)), "{v:?}");
    // Without the opt-out flag nothing vouches for the NODATA.
    let e = opt_out_lab(&k, false);
    let v = verdict_of(&e, "ent.example.org", RType::Caa);
    assert!(
        matches!(v, Security::Bogus(Bogus::BrokenDenial { .. })),
        "{v:?}"
    );
}

#[test]
fn a_wildcard_expansion_proven_by_an_opt_out_span_is_insecure() {
    // SPEC 8: an NSEC3 opt-out wildcard is insecure (BIND, Unbound), and a
    // span without the flag proves the expansion.
    let k = key();
    let v = verdict_of(&opt_out_lab(&k, true), "x.example.org", RType::Txt);
    assert!(matches!(v, Security::Insecure(_)), "{v:?}");
    let v = verdict_of(&opt_out_lab(&k, false), "x.example.org", RType::Txt);
    assert_eq!(v, Security::Secure);
}

#[test]
fn a_resolvers_wildcard_chain_is_proven_zone_by_zone() {
    // Issue 20 case 5: `x.example.com` is expanded from a wildcard CNAME to
    // `t.example.net`, itself expanded from a wildcard TXT; the resolver's
    // authority section carries both zones' NSEC proofs, each signed by its
    // own zone. Each is judged with its own zone's keys.
    let (com, net) = (key(), key());
    let (mut lab, anchors) = two_zones(&com, &net);
    let expand = |set: Vec<Record>, owner: &str| -> Vec<Record> {
        set.into_iter()
            .map(|mut r| {
                r.set_name(name(owner));
                r
            })
            .collect()
    };
    let mut answers = expand(
        signed(
            vec![rec(
                "*.example.com.",
                RData::CNAME(CNAME(name("t.example.net."))),
            )],
            "example.com.",
            &com,
        ),
        "x.example.com.",
    );
    answers.extend(expand(
        signed(vec![txt("*.example.net.", "v")], "example.net.", &net),
        "t.example.net.",
    ));
    let mut proofs = signed(
        vec![nsec(
            "*.example.com.",
            "example.com.",
            &[RecordType::CNAME, RecordType::RRSIG, RecordType::NSEC],
        )],
        "example.com.",
        &com,
    );
    proofs.extend(signed(
        vec![nsec(
            "*.example.net.",
            "example.net.",
            &[RecordType::TXT, RecordType::RRSIG, RecordType::NSEC],
        )],
        "example.net.",
        &net,
    ));
    lab.table.insert(
        (name("x.example.com."), RecordType::TXT),
        (ResponseCode::NoError, answers, proofs),
    );
    let e = engine(lab, anchors);
    assert_eq!(
        verdict_of(&e, "x.example.com", RType::Txt),
        Security::Secure
    );
}
