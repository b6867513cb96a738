//! The rulebook, 2027 edition (SPEC section 8): internal and reserved names
//! refused unless `--lab`, the persistent TXT's `policy=wildcard` as the CA
//! profile says, the added CA profiles and their sources, `check
//! --random-value` without a CSR, and the sealed evidence bundle. Expected
//! names come from the fixture's openssl command (regenerate-extra.sh) and
//! the CAs' documents, never from dcv.

use std::net::Ipv4Addr;

use serde_json::Value;

use crate::support::dns_server::{DnsServer, Zone};
use crate::support::{dcv, dcv_public, fixture, json};

/// The internal names of `extra_internal_names.pem`, as regenerate-extra.sh
/// writes them; its fifth name, www.example.com, is public.
const INTERNAL: [&str; 4] = [
    "printer.local",
    "shop.example.test",
    "intranet.internal",
    "router.home.arpa",
];

const V: &str = "QCw6C+nYGM6BSxgW0gd3Ig==";

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn internal_findings(doc: &Value) -> Vec<String> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "internal_name")
        .map(|f| {
            assert_eq!(f["severity"], "error", "{f}");
            f["message"].as_str().unwrap().to_owned()
        })
        .collect()
}

#[test]
fn hash_refuses_internal_names_unless_lab() {
    let csr = fixture("extra_internal_names.pem");
    let out = dcv_public()
        .args(["--json", "hash"])
        .arg(&csr)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(doc["ok"], false);
    let found = internal_findings(&doc);
    assert_eq!(found.len(), INTERNAL.len(), "{found:#?}");
    for name in INTERNAL {
        assert!(
            found.iter().any(|m| m.starts_with(&format!("{name} is"))),
            "{name}: {found:#?}"
        );
    }
    assert!(!found.iter().any(|m| m.contains("www.example.com")));
    assert!(found.iter().any(|m| m.contains("RFC 6762")), "{found:#?}");
    // The human form names the code too.
    let out = dcv_public().arg("hash").arg(&csr).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("internal_name: printer.local"), "{text}");

    // --lab, or DCV_LAB=1: one note line, no finding, exit 0.
    let mut flag = dcv_public();
    flag.arg("--lab");
    for mut cmd in [flag, dcv()] {
        let out = cmd.args(["--json", "hash"]).arg(&csr).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(internal_findings(&json(&out)).is_empty());
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with("note: lab names"), "{err}");
        for name in INTERNAL {
            assert!(err.contains(name), "{err}");
        }
    }
    // DCV_LAB=0 is not a lab.
    let out = dcv_public()
        .env("DCV_LAB", "0")
        .args(["--json", "hash"])
        .arg(&csr)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn a_bare_single_label_is_an_internal_name() {
    let s = DnsServer::start(vec![zone()]);
    let out = dcv_public()
        .args(["--json", "check-dns", "--recursive", "--timeout", "2"])
        .args(["--resolver", &s.addr.to_string(), "--random-value", V])
        .args(["intranet", "www.example.com"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc = json(&out);
    let r = input_of(&doc, "intranet");
    assert_eq!(r["code"], "internal_name", "{doc:#}");
    assert!(r["detail"].as_str().unwrap().contains("single label"));
    // `com` alone is a public suffix, not an internal name.
    let out = dcv_public()
        .args(["--json", "check-dns", "--recursive", "--timeout", "2"])
        .args(["--resolver", &s.addr.to_string(), "--random-value", V])
        .args(["com", "www.example.com"])
        .output()
        .unwrap();
    assert_eq!(input_of(&json(&out), "com")["code"], "invalid_name");
}

fn zone() -> Zone {
    Zone::new("example.com")
        .a("ns1.example.com", Ipv4Addr::LOCALHOST)
        .txt("_pki-validation.www.example.com", &[V])
}

/// A resolver that answers for every name of the fixture, each with the
/// random value in place.
fn lab_zones() -> Vec<Zone> {
    let mut zones = vec![zone()];
    for (apex, name) in [
        ("local", "printer.local"),
        ("test", "shop.example.test"),
        ("internal", "intranet.internal"),
        ("home.arpa", "router.home.arpa"),
    ] {
        zones.push(
            Zone::new(apex)
                .a(&format!("ns1.{apex}"), Ipv4Addr::LOCALHOST)
                .txt(&format!("_pki-validation.{name}"), &[V]),
        );
    }
    zones
}

fn input_of<'a>(doc: &'a Value, domain: &str) -> &'a Value {
    doc["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["domain"] == domain && r["check"] == "input")
        .unwrap_or_else(|| panic!("no input result for {domain}: {doc:#}"))
}

#[test]
fn check_dns_reports_an_internal_name_as_not_ready() {
    let s = DnsServer::start(lab_zones());
    let run = |mut cmd: assert_cmd::Command| {
        cmd.args(["--json", "check-dns", "--recursive", "--timeout", "2"])
            .args(["--resolver", &s.addr.to_string(), "--random-value", V])
            .args(["printer.local", "www.example.com"])
            .output()
            .unwrap()
    };
    let out = run(dcv_public());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doc = json(&out);
    let r = input_of(&doc, "printer.local");
    assert_eq!(r["status"], "fail");
    assert_eq!(r["code"], "internal_name");
    assert!(r["detail"].as_str().unwrap().contains(".local"), "{r}");
    // The record itself is in place: only the name is refused.
    let txt = doc["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["domain"] == "printer.local" && r["check"] == "txt")
        .unwrap();
    assert_eq!(txt["status"], "pass", "{doc:#}");
    // The public name stands on its own.
    assert!(
        !doc["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["domain"] == "www.example.com" && r["status"] != "pass"),
        "{doc:#}"
    );
    // Text: one of two names ready.
    let mut cmd = dcv_public();
    let out = cmd
        .args(["check-dns", "--recursive", "--timeout", "2"])
        .args(["--resolver", &s.addr.to_string(), "--random-value", V])
        .args(["printer.local", "www.example.com"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("1 of 2 names ready"), "{text}");

    // In a lab: a note, and the name passes on its record.
    let out = run(dcv());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("note: lab names (--lab): printer.local"), "{err}");
}

#[test]
fn check_gives_an_internal_name_a_not_ready_verdict() {
    let s = DnsServer::start(lab_zones());
    let run = |mut cmd: assert_cmd::Command| {
        cmd.args(["--json", "check", "--recursive", "--timeout", "2"])
            .args(["--resolver", &s.addr.to_string()])
            .args(["--method", "txt", "--random-value", V, "--csr"])
            .arg(fixture("extra_internal_names.pem"))
            .output()
            .unwrap()
    };
    let out = run(dcv_public());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doc = json(&out);
    let names = doc["names"].as_array().unwrap();
    for n in names {
        let internal = INTERNAL.contains(&n["domain"].as_str().unwrap());
        assert_eq!(n["ok"], !internal, "{n}");
        if internal {
            assert!(n["detail"].as_str().unwrap().contains("internal name"), "{n}");
            assert_eq!(input_of(&doc, n["domain"].as_str().unwrap())["code"], "internal_name");
        }
    }
    assert_eq!(names.len(), 5);
    // The CSR-file finding is not repeated as csr_refused.
    assert!(
        !doc["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["code"] == "csr_refused"),
        "{doc:#}"
    );
    let out = run(dcv());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(json(&out)["names"].as_array().unwrap().iter().all(|n| n["ok"] == true));
}

#[test]
fn check_takes_the_random_value_without_a_csr() {
    let s = DnsServer::start(vec![zone().txt("_pki-validation.example.com", &[V])]);
    let run = |extra: &[&str]| {
        let out = dcv()
            .args(["--json", "check", "--recursive", "--timeout", "2"])
            .args(["--resolver", &s.addr.to_string()])
            .args(extra)
            .output()
            .unwrap();
        (out.status.code().unwrap(), out)
    };
    let (code, out) = run(&[
        "--method",
        "txt",
        "--random-value",
        V,
        "www.example.com",
        "example.com",
    ]);
    let doc = json(&out);
    assert_eq!(code, 0, "{doc:#}");
    let names = doc["names"].as_array().unwrap();
    assert_eq!(names.len(), 2);
    for n in names {
        assert_eq!(n["validated_by"], serde_json::json!(["txt"]), "{n}");
    }
    // What the report is of: the value, no CSR hashes.
    assert!(doc["subject"]["md5"].is_null(), "{doc:#}");
    assert_eq!(
        doc["subject"]["expect"],
        serde_json::json!([format!("txt random-value {V}")])
    );
    // A value not in place: not ready (exit 1), not bad usage.
    let (code, _) = run(&[
        "--method",
        "txt",
        "--random-value",
        "AAAAotherorder0000000==",
        "www.example.com",
    ]);
    assert_eq!(code, 1);
    // Without names, or without the value: bad usage, one line.
    for args in [
        &["--method", "txt", "--random-value", V][..],
        &["--method", "txt", "www.example.com"][..],
    ] {
        let (code, out) = run(args);
        assert_eq!(code, 2);
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(!err.contains("--md5 and --sha256"), "{err}");
    }
}
