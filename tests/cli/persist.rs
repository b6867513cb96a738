//! The persistent DNS TXT method (BR 3.2.2.4.22): `dcv persist` renders
//! the record, `dcv check-dns --persist` finds it over loopback DNS.
//! Expected records are written out by hand from SC-088's syntax.

use std::net::Ipv4Addr;

use crate::check_dns::{authoritative, check, detail as text, find, result};
use crate::support::dns_server::{DnsServer, Zone};
use crate::support::{dcv, fixture, json};
use dcv::report::Status;

const ACCOUNT: &str = "https://acme.sectigo.com/acct/42";
const GOOD: &str = "sectigo.com; accounturi=https://acme.sectigo.com/acct/42";
const EXPECT: &str = "sectigo.com=https://acme.sectigo.com/acct/42";

fn zone() -> Zone {
    Zone::new("example.com").a("ns1.example.com", Ipv4Addr::LOCALHOST)
}

fn persist(args: &[&str]) -> (i32, String) {
    let out = dcv().arg("persist").args(args).output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
    )
}

#[test]
fn renders_one_record_per_adn() {
    let (code, text) = persist(&[
        "www.example.com",
        "example.com",
        "shop.example.net",
        "--issuer",
        "Sectigo.com",
        "--accounturi",
        ACCOUNT,
    ]);
    assert_eq!(code, 0);
    assert_eq!(
        text,
        "_validation-persist.www.example.com. TXT \"sectigo.com; accounturi=https://acme.sectigo.com/acct/42\"\n  covers www.example.com\n\
         _validation-persist.example.com. TXT \"sectigo.com; accounturi=https://acme.sectigo.com/acct/42\"\n  covers example.com\n\
         _validation-persist.shop.example.net. TXT \"sectigo.com; accounturi=https://acme.sectigo.com/acct/42\"\n  covers shop.example.net\n"
    );
}

#[test]
fn a_wildcard_name_sets_the_policy_and_until_takes_a_date() {
    let (code, text) = persist(&[
        "*.example.com",
        "example.com",
        "--issuer",
        "sectigo.com",
        "--accounturi",
        ACCOUNT,
        "--until",
        "2030-01-01",
        "--format",
        "zone",
    ]);
    assert_eq!(code, 0);
    // date -u -d 2030-01-01 +%s = 1893456000
    assert_eq!(
        text,
        "; covers *.example.com, example.com\n\
         ; policy=wildcard added: *.example.com is a wildcard name\n\
         _validation-persist.example.com.\t300\tIN\tTXT\t\"sectigo.com; accounturi=https://acme.sectigo.com/acct/42; policy=wildcard; persistUntil=1893456000\"\n"
    );
}

#[test]
fn json_output_and_rejected_names() {
    let out = dcv()
        .args([
            "--json",
            "persist",
            "bücher.example",
            "a b.example.com",
            "--issuer",
            "sectigo.com",
            "--accounturi",
            ACCOUNT,
            "--wildcard",
            "--until",
            "1893456000",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc = json(&out);
    assert_eq!(doc["schema_version"], 1);
    let r = &doc["records"][0];
    assert_eq!(r["name"], "_validation-persist.xn--bcher-kva.example.");
    assert_eq!(r["type"], "TXT");
    assert_eq!(
        r["value"],
        "sectigo.com; accounturi=https://acme.sectigo.com/acct/42; policy=wildcard; persistUntil=1893456000"
    );
    assert_eq!(r["covers"], serde_json::json!(["xn--bcher-kva.example"]));
    assert_eq!(doc["rejected"][0]["name"], "a b.example.com");
}

#[test]
fn bad_flags_exit_2() {
    for args in [
        vec!["example.com", "--issuer", "bad issuer", "--accounturi", "x"],
        vec![
            "example.com",
            "--issuer",
            "ca.example",
            "--accounturi",
            "a;b",
        ],
        vec![
            "example.com",
            "--issuer",
            "ca.example",
            "--accounturi",
            "x",
            "--until",
            "2030-02-30",
        ],
        vec!["--issuer", "ca.example", "--accounturi", "x"],
    ] {
        let out = dcv().arg("persist").args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn passes_at_the_fqdn_or_a_parent_adn() {
    let s = DnsServer::start(vec![
        zone()
            .txt("_validation-persist.example.com", &[GOOD])
            .txt("_validation-persist.api.example.com", &[GOOD]),
    ]);
    let (code, doc) = check(
        &s,
        &["--persist", EXPECT, "www.example.com", "api.example.com"],
    );
    assert_eq!(code, 0, "{doc:#}");
    let www = result(&doc, "www.example.com", "persist");
    assert_eq!(www["status"], "pass");
    assert_eq!(www["adn"], "example.com");
    assert_eq!(
        result(&doc, "api.example.com", "persist")["adn"],
        "api.example.com"
    );
    // CAA is checked for the record's issuer (no CAA: any CA may issue).
    assert_eq!(result(&doc, "www.example.com", "caa")["status"], "pass");
    assert!(
        doc["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["check"] != "cname"),
        "{doc:#}"
    );
}

#[test]
fn each_wrong_record_fails_with_its_reason() {
    let cases: Vec<(&str, &str, Vec<&str>)> = vec![
        (
            "www.example.com",
            "letsencrypt.org; accounturi=https://acme.sectigo.com/acct/42",
            vec!["letsencrypt.org", "sectigo.com"],
        ),
        (
            "www.example.com",
            "sectigo.com; accounturi=https://acme.sectigo.com/acct/43",
            vec!["acct/43", "not https://acme.sectigo.com/acct/42"],
        ),
        // A wildcard without policy=wildcard passes with a warning unless
        // the CA's profile requires it: tests/cli/rulebook_2027.rs.
        (
            "www.example.com",
            "sectigo.com; accounturi=https://acme.sectigo.com/acct/42; persistUntil=1700000000",
            // date -u -d @1700000000
            vec!["expired at 2023-11-14T22:13:20Z"],
        ),
        (
            "www.example.com",
            "sectigo.com; accounturi",
            vec!["cannot be read", "malformed parameter"],
        ),
        (
            "www.example.com",
            "sectigo.com; accounturi=https://acme.sectigo.com/acct/42; persistUntil=soon",
            vec!["persistUntil=soon is not a unix time"],
        ),
    ];
    for (name, record, words) in cases {
        let s = DnsServer::start(vec![
            zone().txt("_validation-persist.example.com", &[record]),
        ]);
        let (code, doc) = check(&s, &["--persist", EXPECT, name]);
        assert_eq!(code, 1, "{record}: {doc:#}");
        let r = result(&doc, name, "persist");
        assert_eq!(r["status"], "fail");
        assert_eq!(r["adn"], "example.com", "{r:#}");
        let t = text(r);
        for w in words {
            assert!(t.contains(w), "{w:?} for {record:?}: {t}");
        }
        // The hint spells out the record that would pass.
        assert!(
            t.contains("_validation-persist.example.com. TXT \"sectigo.com; accounturi=https://acme.sectigo.com/acct/42"),
            "{t}"
        );
    }
}

#[test]
fn a_good_record_among_others_passes_and_the_wildcard_policy_satisfies_wildcards() {
    let s = DnsServer::start(vec![
        zone()
            .txt("_validation-persist.example.com", &["v=spf1 -all"])
            .txt(
                "_validation-persist.example.com",
                &[
                    "sectigo.com; accounturi=https://acme.sectigo.com/",
                    "acct/42; policy=Wildcard; persistUntil=4102444800; future=1",
                ],
            ),
    ]);
    let (code, doc) = check(&s, &["--persist", EXPECT, "*.example.com", "example.com"]);
    assert_eq!(code, 0, "{doc:#}");
}

#[test]
fn a_missing_record_says_what_to_publish_with_the_negative_ttl() {
    let s = DnsServer::start(vec![zone().minimum(777)]);
    let (code, doc) = check(&s, &["--persist", EXPECT, "*.www.example.com"]);
    assert_eq!(code, 1);
    let r = result(&doc, "*.www.example.com", "persist");
    let t = text(r);
    assert!(
        t.contains("_validation-persist.www.example.com. NXDOMAIN"),
        "{t}"
    );
    assert!(
        t.contains("_validation-persist.example.com. NXDOMAIN"),
        "{t}"
    );
    assert!(
        t.contains("publish _validation-persist.www.example.com. TXT \"sectigo.com; accounturi=https://acme.sectigo.com/acct/42; policy=wildcard\""),
        "{t}"
    );
    assert!(t.contains("777s"), "{t}");
    assert_eq!(r["attempts"].as_array().unwrap().len(), 2);
}

#[test]
fn an_alias_into_another_zone_is_followed() {
    let s = DnsServer::start(vec![
        zone().cname(
            "_validation-persist.example.com",
            "example-com.persist.dns-provider.net.",
        ),
        Zone::new("dns-provider.net").txt("example-com.persist.dns-provider.net", &[GOOD]),
    ]);
    let (code, doc) = check(&s, &["--persist", EXPECT, "example.com"]);
    assert_eq!(code, 0, "{doc:#}");
}

#[test]
fn with_a_csr_the_names_come_from_it_and_caa_must_allow_the_issuer() {
    let csr = fixture("ec256_wildcard.pem").display().to_string();
    let s = DnsServer::start(vec![
        zone()
            .txt(
                "_validation-persist.example.com",
                &["ca.example; accounturi=https://ca.example/1; policy=wildcard"],
            )
            .caa("example.com", 0, "issue", "sectigo.com"),
    ]);
    let (code, doc) = check(
        &s,
        &[
            "--csr",
            &csr,
            "--persist",
            "ca.example=https://ca.example/1",
        ],
    );
    assert_eq!(code, 1, "{doc:#}");
    for name in ["*.example.com", "example.com"] {
        assert_eq!(result(&doc, name, "persist")["status"], "pass", "{doc:#}");
        let caa = result(&doc, name, "caa");
        assert_eq!(caa["status"], "fail");
        assert!(text(caa).contains("ca.example"), "{caa:#}");
    }
}

#[test]
fn persist_without_names_is_bad_usage() {
    let out = dcv()
        .args([
            "check-dns",
            "--persist",
            EXPECT,
            "--resolver",
            "127.0.0.1:9",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("name the domains"), "{err}");
    for bad in ["sectigo.com", "sectigo.com=", "sec tigo.com=x"] {
        let out = dcv()
            .args(["check-dns", "--persist", bad, "example.com"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}");
    }
}

#[test]
fn authoritative_a_stale_server_is_named() {
    let two = || zone().ns(&["ns1.example.com", "ns2.example.com"]);
    let ns1 = DnsServer::start(vec![two().txt("_validation-persist.example.com", &[GOOD])]);
    let ns2 = DnsServer::start(vec![two()]);
    let map = [("ns1.example.com", ns1.addr), ("ns2.example.com", ns2.addr)];
    let r = authoritative(&["--persist", EXPECT, "example.com"], &ns1, &map);
    let p = find(&r, "example.com", "persist");
    assert_eq!(p.status, Status::Fail);
    assert!(p.detail.contains("on 1 of 2 servers only"), "{}", p.detail);
    assert!(
        p.detail
            .contains(&format!("ns2.example.com ({})", ns2.addr)),
        "{}",
        p.detail
    );
    assert!(p.hint.as_deref().unwrap_or("").contains("stale"), "{p:?}");

    ns2.set_zones(vec![two().txt("_validation-persist.example.com", &[GOOD])]);
    let r = authoritative(&["--persist", EXPECT, "example.com"], &ns1, &map);
    let p = find(&r, "example.com", "persist");
    assert_eq!(p.status, Status::Pass, "{p:?}");
    assert_eq!(p.attempts.len(), 2);
}
