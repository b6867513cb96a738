//! The CA rulebook: the random-value DNS TXT method (Sectigo's
//! `_pki-validation.<ADN> TXT "<value>"`, from its knowledge base), `dcv
//! txt`, `dcv profiles` and `--ca-profile`, against loopback servers. The
//! expected record names and values are written out from the CAs'
//! documentation, never taken from dcv.

use std::net::Ipv4Addr;

use serde_json::Value;

use crate::check_dns::{check, detail, result};
use crate::support::dns_server::{DnsServer, Zone};
use crate::support::http_server::{Reply, Request, TestServer};
use crate::support::{dcv, fixture, json};

/// A value shaped like Sectigo's example: base64 with `+` and `=`.
const V: &str = "QCw6C+nYGM6BSxgW0gd3Ig==";

fn zone() -> Zone {
    Zone::new("example.com").a("ns1.example.com", Ipv4Addr::LOCALHOST)
}

fn txt_check(zone: Zone, extra: &[&str]) -> (i32, Value) {
    let s = DnsServer::start(vec![zone]);
    let mut args = vec!["--random-value", V, "www.example.com"];
    args.extend_from_slice(extra);
    check(&s, &args)
}

#[test]
fn the_value_passes_at_the_fqdn_or_a_parent_adn() {
    let (code, doc) = txt_check(zone().txt("_pki-validation.example.com", &[V]), &[]);
    assert_eq!(code, 0, "{doc:#}");
    let r = result(&doc, "www.example.com", "txt");
    assert_eq!(r["status"], "pass");
    assert_eq!(r["adn"], "example.com");
    assert_eq!(r["br_label"], "ca-tbr-7");
    // The FQDN first: a record there is the one validated.
    let (code, doc) = txt_check(
        zone()
            .txt("_pki-validation.www.example.com", &[V])
            .txt("_pki-validation.example.com", &["stale"]),
        &[],
    );
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(
        result(&doc, "www.example.com", "txt")["adn"],
        "www.example.com"
    );
    // A value split over two strings is joined first.
    let (code, doc) = txt_check(
        zone().txt(
            "_pki-validation.example.com",
            &["QCw6C+nYGM6B", "SxgW0gd3Ig=="],
        ),
        &[],
    );
    assert_eq!(code, 0, "{doc:#}");
}

#[test]
fn the_usual_mistakes_are_named() {
    let cases: Vec<(Zone, &str)> = vec![
        (
            zone().txt("_pki-validation.example.com", &[&format!("\"{V}\"")]),
            "quotation marks",
        ),
        (
            zone().txt("_pki-validation.example.com", &["AAAAotherorder0000000=="]),
            "another value",
        ),
        (
            zone().txt("example.com", &[V]),
            "instead of _pki-validation.example.com",
        ),
        (
            zone().txt("_pki-validation.example.com.example.com", &[V]),
            "appended twice",
        ),
        (
            zone().cname("_pki-validation.example.com", "dcv.example.com."),
            "CNAME",
        ),
        (zone(), "NXDOMAIN"),
    ];
    for (z, words) in cases {
        let (code, doc) = txt_check(z, &[]);
        assert_eq!(code, 1, "{words}: {doc:#}");
        let r = result(&doc, "www.example.com", "txt");
        assert_eq!(r["status"], "fail");
        assert!(detail(r).contains(words), "{words:?} in {r:#}");
    }
}

#[test]
fn caa_and_the_profile_decide_too() {
    // A CAA that allows only the HTTP file: the TXT (ca-tbr-7) fails.
    let (code, doc) = txt_check(
        zone().txt("_pki-validation.example.com", &[V]).caa(
            "example.com",
            0,
            "issue",
            "sectigo.com; validationmethods=ca-tbr-18",
        ),
        &[],
    );
    assert_eq!(code, 1, "{doc:#}");
    let r = result(&doc, "www.example.com", "txt");
    assert_eq!(r["status"], "fail");
    assert!(detail(r).contains("ca-tbr-7"), "{r:#}");
    // DigiCert: the TXT at the domain itself, containing the value (its docs).
    let (code, doc) = txt_check(
        zone().txt("example.com", &[&format!("2024 {V}")]),
        &["--ca", "digicert"],
    );
    assert_eq!(code, 0, "{doc:#}");
    // ...and its CAA issuer names, not Sectigo's.
    let (code, doc) = txt_check(
        zone()
            .txt("example.com", &[V])
            .caa("example.com", 0, "issue", "sectigo.com"),
        &["--ca", "digicert"],
    );
    assert_eq!(code, 1);
    assert_eq!(result(&doc, "www.example.com", "caa")["status"], "fail");
    // SSL.com publishes no random-value TXT: refused before any question.
    let out = dcv()
        .args([
            "check-dns",
            "--ca",
            "sslcom",
            "--random-value",
            V,
            "example.com",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no random-value DNS TXT"));
}

#[test]
fn check_counts_the_txt_as_a_method() {
    let s = DnsServer::start(vec![zone().txt("_pki-validation.example.com", &[V])]);
    let out = dcv()
        .args(["--json", "check", "--recursive", "--timeout", "2", "--csr"])
        .arg(fixture("ec256_wildcard.pem"))
        .args(["--resolver", &s.addr.to_string(), "--method", "txt"])
        .args(["--random-value", V])
        .output()
        .unwrap();
    let doc = json(&out);
    assert_eq!(out.status.code(), Some(0), "{doc:#}");
    for n in doc["names"].as_array().unwrap() {
        assert_eq!(n["validated_by"], serde_json::json!(["txt"]), "{doc:#}");
    }
    // --method txt needs the value.
    let out = dcv()
        .args(["check", "--method", "txt", "--csr"])
        .arg(fixture("ec256_wildcard.pem"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn txt_renders_the_record_in_the_profile_form() {
    let out = dcv()
        .args(["txt", "--random-value", V, "--format", "zone"])
        .args(["www.example.com", "*.example.com", "shop.example.net"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(&format!(
            "_pki-validation.example.com.\t300\tIN\tTXT\t\"{V}\""
        )),
        "{text}"
    );
    assert!(text.contains("_pki-validation.example.net.\t"), "{text}");
    let out = dcv()
        .args([
            "--json",
            "txt",
            "--at",
            "fqdn",
            "--random-value",
            V,
            "www.example.com",
        ])
        .output()
        .unwrap();
    let doc = json(&out);
    assert_eq!(
        doc["records"][0]["name"],
        "_pki-validation.www.example.com."
    );
    assert_eq!(doc["records"][0]["value"], V);
    // Quotes pasted with the value are refused with the reason.
    let out = dcv()
        .args(["txt", "--random-value", &format!("\"{V}\""), "example.com"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("without quotes"));
}

#[test]
fn profiles_list_sources_and_a_profile_file_adds_a_ca() {
    let out = dcv().args(["--json", "profiles"]).output().unwrap();
    let doc = json(&out);
    let names: Vec<&str> = doc["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "sectigo",
            "comodo",
            "sslcom",
            "digicert",
            "godaddy",
            "starfield",
            "globalsign",
            "certum"
        ]
    );
    for p in doc["profiles"].as_array().unwrap() {
        let sources = p["sources"].as_array().unwrap();
        assert!(!sources.is_empty(), "{p:#}");
        assert!(
            sources
                .iter()
                .all(|s| s["url"].as_str().unwrap().starts_with("https://"))
        );
    }
    // The JSON is a profile file: add a CA to it and use it.
    let dir = tempfile::tempdir().unwrap();
    let mut doc = doc;
    doc["profiles"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "name": "labca", "ca": "Lab CA", "caa_issuers": ["lab.example"], "redirects": "refuse",
            "methods": [{"method": "txt", "owner": "_lab-challenge.{ADN}", "value": "lab={RANDOM}",
                         "match": "exact", "adn": "fqdn"}],
            "sources": [{"url": "https://lab.example/dcv", "read": "2026-11-27", "covers": "txt"}]
        }));
    let file = dir.path().join("profiles.json");
    std::fs::write(&file, doc.to_string()).unwrap();
    let out = dcv()
        .args(["txt", "--ca", "labca", "--ca-profile"])
        .arg(&file)
        .args(["--random-value", "abc", "www.example.com"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("_lab-challenge.www.example.com. TXT \"lab=abc\""),
        "{text}"
    );
    let s = DnsServer::start(vec![
        zone().txt("_lab-challenge.www.example.com", &["lab=abc"]),
    ]);
    let f = file.display().to_string();
    let (code, doc) = check(
        &s,
        &[
            "--ca",
            "labca",
            "--ca-profile",
            &f,
            "--random-value",
            "abc",
            "www.example.com",
        ],
    );
    assert_eq!(code, 0, "{doc:#}");
    // A broken profile file is bad input.
    std::fs::write(&file, r#"{"profiles": [{"name": "x"}]}"#).unwrap();
    let out = dcv()
        .args(["profiles", "--ca-profile"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = dcv()
        .args(["txt", "--ca", "nosuch", "--random-value", "a", "x.com"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("known: sectigo"));
}

#[test]
fn the_random_value_file_is_fetched_at_the_profile_path() {
    // DigiCert's fileauth.txt (its docs), on the exact FQDN.
    let web = TestServer::http("127.0.0.1", |r: &Request| {
        if r.path == "/.well-known/pki-validation/fileauth.txt" {
            Reply::ok("2024abcdef")
        } else {
            Reply::status(404)
        }
    });
    let run = |value: &str| {
        let out = dcv()
            .args([
                "--json",
                "check-http",
                "--ca",
                "digicert",
                "--random-value",
                value,
            ])
            .args(["--resolve", "www.example.com:127.0.0.1"])
            .args(["--http-port", &web.port().to_string(), "www.example.com"])
            .output()
            .unwrap();
        (out.status.code().unwrap(), json(&out))
    };
    let (code, doc) = run("2024abcdef");
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(doc["results"][0]["br_label"], "ca-tbr-18");
    let (code, _) = run("2024other");
    assert_eq!(code, 1);
    // Sectigo's file is built from the CSR's hashes: no random-value file.
    let out = dcv()
        .args(["check-http", "--random-value", "x", "www.example.com"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// check-http asks the CAA of the names it resolves: the file (ca-tbr-18)
/// fails when the CAA lets the CA use only the DNS methods.
#[test]
fn check_http_fails_a_file_the_caa_does_not_authorize() {
    let csr = "rsa2048_multi.pem";
    let r = crate::support::recorded(csr);
    let path = format!("/.well-known/pki-validation/{}.txt", r.md5);
    let body = format!("{}\nsectigo.com", r.sha256);
    let web = TestServer::http("127.0.0.1", move |q: &Request| {
        if q.path == path {
            Reply::ok(body.clone())
        } else {
            Reply::status(404)
        }
    });
    let run = |caa: &str| {
        let dns = DnsServer::start(vec![zone().a("www.example.com", Ipv4Addr::LOCALHOST).caa(
            "example.com",
            0,
            "issue",
            caa,
        )]);
        let out = dcv()
            .args(["--json", "check-http", "--timeout", "3", "-4", "--csr"])
            .arg(fixture(csr))
            .args(["--resolver", &dns.addr.to_string()])
            // CAA is asked of the zone's own server too (SPEC 8).
            .args(["--ns-port", &dns.addr.port().to_string()])
            .args(["--http-port", &web.port().to_string(), "www.example.com"])
            .output()
            .unwrap();
        (out.status.code().unwrap(), json(&out))
    };
    let (code, doc) = run("sectigo.com; validationmethods=ca-tbr-7");
    assert_eq!(code, 1, "{doc:#}");
    let http = result(&doc, "www.example.com", "http");
    assert_eq!(http["status"], "fail");
    assert!(
        detail(http).contains("validationmethods=ca-tbr-7,ca-tbr-18"),
        "{http:#}"
    );
    assert_eq!(result(&doc, "www.example.com", "caa")["status"], "pass");
    let (code, doc) = run("sectigo.com; validationmethods=ca-tbr-18");
    assert_eq!(code, 0, "{doc:#}");
}

/// -v names each method's BR label, as the CA logs it; the default form does not.
#[test]
fn verbose_output_names_the_br_label() {
    let s = DnsServer::start(vec![zone().txt("_pki-validation.example.com", &[V])]);
    let human = |verbose: bool| {
        let mut cmd = dcv();
        if verbose {
            cmd.arg("-v");
        }
        let out = cmd
            .args([
                "--color",
                "never",
                "check-dns",
                "--recursive",
                "--timeout",
                "2",
            ])
            .args([
                "--resolver",
                &s.addr.to_string(),
                "--random-value",
                V,
                "www.example.com",
            ])
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let v = human(true);
    assert!(
        v.contains("PASS txt   www.example.com (at example.com) [ca-tbr-7]:"),
        "{v}"
    );
    assert!(!human(false).contains("[ca-tbr-7]"));
}

/// --persist names the account: a CAA accounturi is compared with it, and
/// ca-tbr-22 (or ACME's dns-persist-01) must be allowed.
#[test]
fn persist_takes_its_account_and_label_to_the_caa() {
    let acct = "https://ca.example/acct/1";
    let run = |caa: &str| {
        let s = DnsServer::start(vec![
            zone()
                .txt(
                    "_validation-persist.example.com",
                    &[&format!("ca.example; accounturi={acct}")],
                )
                .caa("example.com", 0, "issue", caa),
        ]);
        check(
            &s,
            &["--persist", &format!("ca.example={acct}"), "example.com"],
        )
    };
    let (code, doc) = run(&format!("ca.example; accounturi={acct}"));
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(
        result(&doc, "example.com", "persist")["br_label"],
        "ca-tbr-22"
    );
    let (code, _) = run("ca.example; validationmethods=dns-persist-01");
    assert_eq!(code, 0);
    let (code, doc) = run("ca.example; validationmethods=ca-tbr-7");
    assert_eq!(code, 1);
    assert_eq!(result(&doc, "example.com", "persist")["status"], "fail");
}

/// A CA without the CSR-hash methods (DigiCert) is checked by `dcv check`
/// through its random-value methods: the TXT and fileauth.txt.
#[test]
fn check_uses_the_random_value_methods_of_a_hashless_profile() {
    let s = DnsServer::start(vec![zone().txt("example.com", &["2024abcdef"])]);
    let web = TestServer::http("127.0.0.1", |q: &Request| {
        if q.path == "/.well-known/pki-validation/fileauth.txt" {
            Reply::ok("2024abcdef")
        } else {
            Reply::status(404)
        }
    });
    let run = |extra: &[&str]| {
        let out = dcv()
            .args([
                "--json",
                "check",
                "--recursive",
                "--timeout",
                "2",
                "--ca",
                "digicert",
            ])
            .arg("--csr")
            .arg(fixture("ec256_wildcard.pem"))
            .args(["--resolver", &s.addr.to_string()])
            .args(["--resolve", "example.com:127.0.0.1"])
            .args(["--http-port", &web.port().to_string()])
            .args(extra)
            .output()
            .unwrap();
        (out.status.code().unwrap(), json(&out))
    };
    let (code, doc) = run(&["--random-value", "2024abcdef"]);
    assert_eq!(code, 0, "{doc:#}");
    let names = doc["names"].as_array().unwrap();
    let plain = names.iter().find(|n| n["domain"] == "example.com").unwrap();
    assert_eq!(plain["validated_by"], serde_json::json!(["txt", "http"]));
    let wild = names
        .iter()
        .find(|n| n["domain"] == "*.example.com")
        .unwrap();
    assert_eq!(wild["validated_by"], serde_json::json!(["txt"]));
    // The CSR-hash methods do not exist for this CA: bad usage.
    let (code, _) = run(&["--method", "cname"]);
    assert_eq!(code, 2);
    let (code, _) = run(&[]);
    assert_eq!(code, 2);
}
