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
    assert!(
        err.contains("note: lab names (--lab): printer.local"),
        "{err}"
    );
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
            assert!(
                n["detail"].as_str().unwrap().contains("internal name"),
                "{n}"
            );
            assert_eq!(
                input_of(&doc, n["domain"].as_str().unwrap())["code"],
                "internal_name"
            );
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
    assert!(
        json(&out)["names"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["ok"] == true)
    );
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

const PERSIST_GOOD: &str = "sectigo.com; accounturi=https://acme.sectigo.com/acct/42";
const PERSIST_EXPECT: &str = "sectigo.com=https://acme.sectigo.com/acct/42";

fn persist_zone(record: &str) -> Zone {
    Zone::new("example.com")
        .a("ns1.example.com", Ipv4Addr::LOCALHOST)
        .txt("_validation-persist.example.com", &[record])
}

fn persist_result(doc: &Value, name: &str) -> Value {
    doc["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["domain"] == name && r["check"] == "persist")
        .unwrap_or_else(|| panic!("no persist result: {doc:#}"))
        .clone()
}

/// A profile file of one CA (issuer sectigo.com) that requires
/// policy=wildcard, citing a source for it, or not.
fn strict_profile(dir: &std::path::Path, sourced: bool) -> String {
    let covers = if sourced {
        "persist: the CA's CPS requires policy=wildcard for wildcard names"
    } else {
        "txt"
    };
    let doc = serde_json::json!({"profiles": [{
        "name": "strictca", "ca": "Strict CA", "caa_issuers": ["sectigo.com"], "redirects": "refuse",
        "persist_requires_policy_wildcard": true,
        "methods": [{"method": "txt", "owner": "_pki-validation.{ADN}", "value": "{RANDOM}",
                     "match": "exact", "adn": "walk"}],
        "sources": [{"url": "https://strict.example/cps", "read": "2026-12-06", "covers": covers}]
    }]});
    let file = dir.join("strict.json");
    std::fs::write(&file, doc.to_string()).unwrap();
    file.display().to_string()
}

#[test]
fn a_wildcard_without_policy_wildcard_passes_with_a_warning_unless_the_profile_requires_it() {
    let s = DnsServer::start(vec![persist_zone(PERSIST_GOOD)]);
    let run = |extra: &[&str]| {
        let out = dcv()
            .args(["--json", "check-dns", "--recursive", "--timeout", "2"])
            .args(["--resolver", &s.addr.to_string()])
            .args(["--persist", PERSIST_EXPECT, "*.example.com"])
            .args(extra)
            .output()
            .unwrap();
        (out.status.code().unwrap(), json(&out))
    };
    // Sectigo's profile cites no such rule (its CPS follows the BR).
    let (code, doc) = run(&[]);
    assert_eq!(code, 0, "{doc:#}");
    let r = persist_result(&doc, "*.example.com");
    assert_eq!(r["status"], "pass");
    let detail = r["detail"].as_str().unwrap();
    assert!(detail.contains("warning"), "{detail}");
    assert!(detail.contains("policy=wildcard"), "{detail}");
    assert!(detail.contains("dns-persist-01"), "{detail}");
    assert!(
        r["hint"].as_str().unwrap().contains("policy=wildcard"),
        "{r:#}"
    );
    // A plain name: no warning.
    let out = dcv()
        .args(["--json", "check-dns", "--recursive", "--timeout", "2"])
        .args(["--resolver", &s.addr.to_string()])
        .args(["--persist", PERSIST_EXPECT, "www.example.com"])
        .output()
        .unwrap();
    let r = persist_result(&json(&out), "www.example.com");
    assert!(!r["detail"].as_str().unwrap().contains("warning"), "{r:#}");

    // A profile that requires it, with a source: the same record fails.
    let dir = tempfile::tempdir().unwrap();
    let file = strict_profile(dir.path(), true);
    let (code, doc) = run(&["--ca", "strictca", "--ca-profile", &file]);
    assert_eq!(code, 1, "{doc:#}");
    let r = persist_result(&doc, "*.example.com");
    assert_eq!(r["status"], "fail");
    assert_eq!(r["code"], "wrong_value");
    assert!(
        r["detail"]
            .as_str()
            .unwrap()
            .contains("lacks policy=wildcard"),
        "{r:#}"
    );
    // ...and the record with it passes, without a warning.
    let s2 = DnsServer::start(vec![persist_zone(&format!(
        "{PERSIST_GOOD}; policy=wildcard"
    ))]);
    let out = dcv()
        .args(["--json", "check-dns", "--recursive", "--timeout", "2"])
        .args(["--resolver", &s2.addr.to_string()])
        .args(["--persist", PERSIST_EXPECT, "*.example.com"])
        .args(["--ca", "strictca", "--ca-profile", &file])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let r = persist_result(&json(&out), "*.example.com");
    assert!(!r["detail"].as_str().unwrap().contains("warning"), "{r:#}");
    // An unsourced requirement is refused as bad input.
    let file = strict_profile(dir.path(), false);
    let out = dcv()
        .args(["profiles", "--ca-profile", &file])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("persist:"), "{}", stderr(&out));
}

/// The added CAs' forms, written out from each CA's page (see
/// profiles/cas.json's sources), and every source present and https.
#[test]
fn the_added_profiles_carry_their_documented_forms_and_https_sources() {
    let out = dcv().args(["--json", "profiles"]).output().unwrap();
    let doc = json(&out);
    let profiles = doc["profiles"].as_array().unwrap();
    let get = |name: &str| {
        profiles
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("no profile {name}"))
    };
    let file_path = |p: &Value| -> String {
        p["methods"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["method"] == "file")
            .map(|m| {
                assert_eq!(m["body"], "{RANDOM}");
                assert_eq!(m["adn"], "fqdn");
                m["path"].as_str().unwrap().to_owned()
            })
            .unwrap()
    };
    for (name, path, caa) in [
        (
            "godaddy",
            "/.well-known/pki-validation/godaddy.html",
            &["godaddy.com"][..],
        ),
        (
            "starfield",
            "/.well-known/pki-validation/starfield.html",
            &["godaddy.com"][..],
        ),
        (
            "globalsign",
            "/.well-known/pki-validation/gsdv.txt",
            &["globalsign.com"][..],
        ),
        (
            "certum",
            "/.well-known/pki-validation/certum.txt",
            &["certum.pl", "certum.eu"][..],
        ),
    ] {
        let p = get(name);
        assert_eq!(file_path(p), path, "{name}");
        assert_eq!(p["caa_issuers"], serde_json::json!(caa), "{name}");
        assert_eq!(p["redirects"], "refuse");
    }
    // GoDaddy's TXT: the value alone at the domain (hostname @).
    let txt = get("godaddy")["methods"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["method"] == "txt")
        .unwrap()
        .clone();
    assert_eq!(txt["owner"], "{ADN}");
    assert_eq!(txt["value"], "{RANDOM}");
    // GlobalSign's and Certum's TXT forms are not sourced: left out.
    for name in ["globalsign", "certum"] {
        assert!(
            !get(name)["methods"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m["method"] == "txt"),
            "{name}"
        );
    }
    for p in profiles {
        let sources = p["sources"].as_array().unwrap();
        assert!(!sources.is_empty(), "{p:#}");
        for s in sources {
            let url = s["url"].as_str().unwrap();
            assert!(url.starts_with("https://") && url.len() > 12, "{url}");
            assert!(!s["covers"].as_str().unwrap().is_empty(), "{s}");
        }
    }
    // The text listing names each with its file.
    let out = dcv().arg("profiles").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for needle in ["godaddy.html", "starfield.html", "gsdv.txt", "certum.txt"] {
        assert!(text.contains(needle), "{needle}");
    }
    // Certum's file is fetched where its page says, the value as the body.
    let web = crate::support::http_server::TestServer::http(
        "127.0.0.1",
        |q: &crate::support::http_server::Request| {
            if q.path == "/.well-known/pki-validation/certum.txt" {
                crate::support::http_server::Reply::ok("certum-code-123")
            } else {
                crate::support::http_server::Reply::status(404)
            }
        },
    );
    let out = dcv()
        .args(["--json", "check-http", "--ca", "certum", "--no-dnssec"])
        .args(["--resolve", "www.example.com:127.0.0.1"])
        .args(["--http-port", &web.port().to_string(), "--scheme", "http"])
        .args(["--random-value", "certum-code-123", "www.example.com"])
        .output()
        .unwrap();
    let doc = json(&out);
    assert_eq!(out.status.code(), Some(0), "{doc:#}");
}

#[test]
fn a_profile_accounturi_form_turns_an_account_id_into_the_uri() {
    let dir = tempfile::tempdir().unwrap();
    let doc = serde_json::json!({"profiles": [{
        "name": "acctca", "ca": "Account CA", "caa_issuers": ["acct.example"], "redirects": "refuse",
        "accounturi": "https://acct.example/accounts/{ACCOUNT}",
        "methods": [{"method": "txt", "owner": "_pki-validation.{ADN}", "value": "{RANDOM}",
                     "match": "exact", "adn": "walk"}],
        "sources": [{"url": "https://acct.example/cps", "read": "2026-12-06",
                     "covers": "accounturi: https://acct.example/accounts/<id> (CPS 3.2.2.8)"}]
    }]});
    let file = dir.path().join("acct.json");
    std::fs::write(&file, doc.to_string()).unwrap();
    let f = file.display().to_string();
    let s = DnsServer::start(vec![zone().txt("_pki-validation.example.com", &[V]).caa(
        "example.com",
        0,
        "issue",
        "acct.example; accounturi=https://acct.example/accounts/42",
    )]);
    let run = |account: &str| {
        let out = dcv()
            .args(["--json", "check-dns", "--recursive", "--timeout", "2"])
            .args(["--resolver", &s.addr.to_string()])
            .args(["--ca", "acctca", "--ca-profile", &f, "--account", account])
            .args(["--random-value", V, "www.example.com"])
            .output()
            .unwrap();
        (out.status.code().unwrap(), json(&out))
    };
    for ok in ["42", "https://acct.example/accounts/42"] {
        let (code, doc) = run(ok);
        assert_eq!(code, 0, "{ok}: {doc:#}");
    }
    let (code, doc) = run("43");
    assert_eq!(code, 1, "{doc:#}");
    let caa = doc["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["check"] == "caa")
        .unwrap();
    assert_eq!(caa["code"], "caa_account_mismatch", "{caa:#}");
    // `dcv profiles` shows the form.
    let out = dcv()
        .args(["profiles", "--ca-profile", &f])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("accounturi:  https://acct.example/accounts/{ACCOUNT}")
    );
    // A form without a source is refused.
    let unsourced = doc_without_accounturi_source();
    std::fs::write(&file, unsourced).unwrap();
    let out = dcv()
        .args(["profiles", "--ca-profile", &f])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// The account CA's profile with its accounturi form but no source for it.
fn doc_without_accounturi_source() -> String {
    serde_json::json!({"profiles": [{
        "name": "acctca", "ca": "Account CA", "caa_issuers": ["acct.example"], "redirects": "refuse",
        "accounturi": "https://acct.example/accounts/{ACCOUNT}",
        "methods": [{"method": "txt", "owner": "{ADN}", "value": "{RANDOM}", "match": "exact", "adn": "walk"}],
        "sources": [{"url": "https://acct.example/cps", "read": "2026-12-06", "covers": "txt"}]
    }]})
    .to_string()
}

/// Every regular file under `dir`, relative, sorted.
fn files_under(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

/// SHA-256 of a file as coreutils computes it.
fn sha256sum(path: &std::path::Path) -> String {
    let out = std::process::Command::new("sha256sum")
        .arg(path)
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()[..64].to_owned()
}

#[test]
fn the_evidence_bundle_is_sealed_with_a_manifest_and_replaced_whole() {
    let s = DnsServer::start(vec![zone().txt("_pki-validation.example.com", &[V])]);
    let parent = tempfile::tempdir().unwrap();
    let bundle = parent.path().join("bundle");
    let run = |names: &[&str], dir: &std::path::Path| {
        dcv()
            .env("DCV_MPIC_API_KEY", "sekrit-api-key-123")
            .args(["check-dns", "--recursive", "--timeout", "2"])
            .args(["--resolver", &s.addr.to_string()])
            .args(["--account", "https://ca.example/acct/private-42"])
            .args(["--random-value", V, "--evidence"])
            .arg(dir)
            .args(names)
            .output()
            .unwrap()
    };
    let out = run(&["www.example.com", "example.com"], &bundle);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let files = files_under(&bundle);
    assert!(files.contains(&"names/www.example.com/summary.txt".to_owned()));
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(bundle.join("manifest.json")).unwrap())
            .unwrap();
    // The run.
    let version = String::from_utf8(dcv().arg("--version").output().unwrap().stdout).unwrap();
    assert_eq!(
        format!("dcv {}", manifest["dcv_version"].as_str().unwrap()),
        version.trim()
    );
    assert_eq!(manifest["ca_profile"], "sectigo");
    assert_eq!(
        manifest["resolvers"],
        serde_json::json!([s.addr.to_string()])
    );
    assert_eq!(manifest["command"], "check-dns");
    assert!(manifest["perspective"].is_string());
    for t in ["started_at", "ended_at"] {
        assert!(
            manifest[t].as_str().unwrap().starts_with("20"),
            "{manifest:#}"
        );
    }
    assert!(manifest["csr"]["md5"].is_null());
    let line: Vec<&str> = manifest["command_line"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(line.contains(&"check-dns") && line.contains(&"www.example.com"));
    let at = line.iter().position(|a| *a == "--account").unwrap();
    assert_eq!(line[at + 1], "<redacted>");
    // The SHA-256 of every other file, as sha256sum computes it.
    let listed: Vec<(String, String)> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_owned(),
                f["sha256"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let mut paths: Vec<String> = listed.iter().map(|(p, _)| p.clone()).collect();
    paths.sort();
    let others: Vec<String> = files
        .iter()
        .filter(|f| *f != "manifest.json")
        .cloned()
        .collect();
    assert_eq!(paths, others);
    for (path, sum) in &listed {
        assert_eq!(*sum, sha256sum(&bundle.join(path)), "{path}");
    }
    // Neither the API key nor the account is anywhere in the manifest.
    let text = std::fs::read_to_string(bundle.join("manifest.json")).unwrap();
    assert!(
        !text.contains("private-42") && !text.contains("sekrit"),
        "{text}"
    );
    for f in &files {
        let body = std::fs::read_to_string(bundle.join(f)).unwrap();
        assert!(!body.contains("sekrit-api-key-123"), "{f}");
    }
    // summary.txt starts with the same facts.
    let summary = std::fs::read_to_string(bundle.join("summary.txt")).unwrap();
    assert!(summary.starts_with("dcv evidence bundle\n"), "{summary}");
    for words in [
        "CA profile: sectigo",
        &format!("resolvers: {}", s.addr),
        "CSR: (none)",
        "<redacted>",
    ] {
        assert!(summary.contains(words), "{words}: {summary}");
    }
    assert!(!summary.contains("private-42"), "{summary}");

    // A second run into the same directory replaces the bundle whole: the
    // first run's other name is gone.
    let out = run(&["example.com"], &bundle);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let files = files_under(&bundle);
    assert!(
        !files.iter().any(|f| f.starts_with("names/www.example.com")),
        "{files:?}"
    );
    assert!(files.contains(&"names/example.com/summary.txt".to_owned()));
    assert!(
        !std::fs::read_to_string(bundle.join("summary.txt"))
            .unwrap()
            .contains("www.example.com")
    );

    // A directory holding anything else is refused: one line, exit 2,
    // nothing touched, no check run.
    let other = parent.path().join("other");
    std::fs::create_dir(&other).unwrap();
    std::fs::write(other.join("notes.txt"), "mine").unwrap();
    let (before, _) = s.queries();
    let out = run(&["example.com"], &other);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("not a dcv evidence bundle"), "{err}");
    assert_eq!(files_under(&other), ["notes.txt"]);
    assert_eq!(s.queries().0, before, "no check ran");
    // Nor is a bundle with a file added to it.
    std::fs::write(bundle.join("extra.txt"), "x").unwrap();
    let out = run(&["example.com"], &bundle);
    assert_eq!(out.status.code(), Some(2));
    assert!(bundle.join("names/example.com/summary.txt").exists());
}

#[test]
fn secrets_never_reach_the_manifest_command_line() {
    // Recorded by hand: what the manifest keeps of a command line.
    let args: Vec<String> = [
        "dcv",
        "check",
        "--account",
        "acct-secret",
        "--account=acct-2",
        "--mpic-api-key",
        "k1",
        "--token=T0K",
        "--url",
        "https://user:pw@www.example.com/x",
        "www.example.com",
    ]
    .iter()
    .map(ToString::to_string)
    .collect();
    assert_eq!(
        dcv::evidence::redacted_args(&args),
        [
            "dcv",
            "check",
            "--account",
            "<redacted>",
            "--account=<redacted>",
            "--mpic-api-key",
            "<redacted>",
            "--token=<redacted>",
            "--url",
            "https://<redacted>@www.example.com/x",
            "www.example.com",
        ]
    );
}
