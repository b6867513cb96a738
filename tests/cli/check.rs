//! `dcv check`: DNS (loopback authoritative server, asked recursively) and
//! HTTP (loopback web server) together, with one verdict per name.

use serde_json::Value;

use crate::support::dns_server::{DnsServer, Zone};
use crate::support::http_server::{Reply, Request, TestServer};
use crate::support::{dcv, fixture, json, recorded};

/// `*.example.com` and `example.com`.
const CSR: &str = "ec256_wildcard.pem";

fn cname_name() -> String {
    format!("_{}.example.com", recorded(CSR).md5)
}

fn cname_target() -> String {
    let sha = recorded(CSR).sha256;
    format!("{}.{}.sectigo.com.", &sha[..32], &sha[32..])
}

fn web(serves_file: bool) -> TestServer {
    let path = format!("/.well-known/pki-validation/{}.txt", recorded(CSR).md5);
    let body = format!("{}\nsectigo.com", recorded(CSR).sha256);
    TestServer::http("127.0.0.1", move |r: &Request| {
        if serves_file && r.path == path {
            Reply::ok(body.clone())
        } else {
            Reply::status(404)
        }
    })
}

fn run(dns: &DnsServer, web: &TestServer, extra: &[&str]) -> (i32, Value) {
    let out = dcv()
        .args(["--json", "check", "--recursive", "--timeout", "3", "--csr"])
        .arg(fixture(CSR))
        .args(["--resolver", &dns.addr.to_string()])
        .args(["--resolve", "example.com:127.0.0.1"])
        .args(["--http-port", &web.port().to_string()])
        .args(extra)
        .output()
        .unwrap();
    let code = out.status.code().unwrap();
    let doc = json(&out);
    assert_eq!(doc["ok"].as_bool().unwrap(), code == 0, "{doc:#}");
    (code, doc)
}

fn verdict<'a>(doc: &'a Value, domain: &str) -> &'a Value {
    doc["names"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["domain"] == domain)
        .unwrap_or_else(|| panic!("no verdict for {domain}: {doc:#}"))
}

#[test]
fn cname_validates_every_name_even_when_the_file_is_missing() {
    let dns = DnsServer::start(vec![
        Zone::new("example.com").cname(&cname_name(), &cname_target()),
    ]);
    let web = web(false);
    let (code, doc) = run(&dns, &web, &[]);
    assert_eq!(code, 0, "{doc:#}");
    for d in ["*.example.com", "example.com"] {
        assert_eq!(verdict(&doc, d)["ok"], true);
        assert_eq!(
            verdict(&doc, d)["validated_by"],
            serde_json::json!(["cname"])
        );
    }
    // The failed HTTP fetch is still reported, truthfully.
    let http: Vec<&Value> = doc["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["check"] == "http")
        .collect();
    assert_eq!(http.len(), 2);
    assert!(
        http.iter()
            .any(|r| r["domain"] == "example.com" && r["status"] == "fail")
    );
    assert!(
        http.iter()
            .any(|r| r["domain"] == "*.example.com" && r["status"] == "skip")
    );
    assert!(
        doc["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["check"] == "caa" && r["status"] == "pass")
    );

    // --method http: the wildcard cannot be validated by a file, example.com 404s.
    let (code, doc) = run(&dns, &web, &["--method", "http"]);
    assert_eq!(code, 1);
    assert_eq!(verdict(&doc, "*.example.com")["ok"], false);
    assert_eq!(verdict(&doc, "example.com")["ok"], false);
}

#[test]
fn the_file_validates_the_plain_name_but_not_the_wildcard() {
    let dns = DnsServer::start(vec![Zone::new("example.com")]);
    let web = web(true);
    let (code, doc) = run(&dns, &web, &[]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(
        verdict(&doc, "example.com")["validated_by"],
        serde_json::json!(["http"])
    );
    assert_eq!(verdict(&doc, "example.com")["ok"], true);
    let wildcard = verdict(&doc, "*.example.com");
    assert_eq!(wildcard["ok"], false);
    assert!(
        wildcard["detail"].as_str().unwrap().contains("cname"),
        "{wildcard}"
    );

    // Restricting the check to the plain name makes it pass.
    let (code, _) = run(&dns, &web, &["example.com"]);
    assert_eq!(code, 0);
}

#[test]
fn caa_for_another_ca_blocks_validated_names() {
    let dns = DnsServer::start(vec![
        Zone::new("example.com")
            .cname(&cname_name(), &cname_target())
            .caa("example.com", 0, "issue", "letsencrypt.org"),
    ]);
    let web = web(true);
    let (code, doc) = run(&dns, &web, &[]);
    assert_eq!(code, 1, "{doc:#}");
    let v = verdict(&doc, "example.com");
    assert_eq!(v["ok"], false);
    assert!(v["detail"].as_str().unwrap().starts_with("CAA"), "{v}");
}

#[test]
fn human_output_ends_with_verdicts() {
    let dns = DnsServer::start(vec![
        Zone::new("example.com").cname(&cname_name(), &cname_target()),
    ]);
    let web = web(false);
    let out = dcv()
        .args(["check", "--recursive", "--timeout", "3", "--csr"])
        .arg(fixture(CSR))
        .args(["--resolver", &dns.addr.to_string()])
        .args(["--resolve", "example.com:127.0.0.1"])
        .args(["--http-port", &web.port().to_string()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("OK   example.com: the CA can validate it by the DNS CNAME"),
        "{text}"
    );
}

#[test]
fn needs_a_csr_or_hashes() {
    let out = dcv().args(["check", "example.com"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// openssl's MD5 and SHA-256 of a preflight fixture (verdicts.tsv).
fn preflight_hashes(file: &str) -> (String, String) {
    let tsv = std::fs::read_to_string(fixture("preflight/verdicts.tsv")).unwrap();
    let row: Vec<&str> = tsv
        .lines()
        .map(|l| l.split('\t').collect::<Vec<_>>())
        .find(|r| r[0] == file)
        .unwrap_or_else(|| panic!("{file} not in verdicts.tsv"));
    (row[3].to_owned(), row[4].to_owned())
}

#[test]
fn csr_preflight_findings_are_input_results_and_errors_fail_the_check() {
    // sha1.example.com validates by CNAME, but the CSR is signed with SHA-1:
    // the CA refuses the request whatever the DNS says.
    let (md5, sha) = preflight_hashes("rsa2048_sha1.pem");
    let zone = Zone::new("example.com").cname(
        &format!("_{md5}.example.com"),
        &format!("{}.{}.sectigo.com.", &sha[..32], &sha[32..]),
    );
    let dns = DnsServer::start(vec![zone]);
    let out = dcv()
        .args(["--json", "check", "--recursive", "--timeout", "3", "--csr"])
        .arg(fixture("preflight/rsa2048_sha1.pem"))
        .args(["--resolver", &dns.addr.to_string(), "--method", "cname"])
        .output()
        .unwrap();
    let doc = json(&out);
    assert_eq!(out.status.code(), Some(1), "{doc:#}");
    assert_eq!(verdict(&doc, "sha1.example.com")["ok"], true, "{doc:#}");
    let input = doc["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["check"] == "input")
        .unwrap_or_else(|| panic!("no input result: {doc:#}"));
    assert_eq!(input["status"], "fail");
    assert!(
        input["detail"]
            .as_str()
            .unwrap()
            .starts_with("error signature-hash-weak:"),
        "{input:#}"
    );
}

/// RFC 8657 `validationmethods`: `dcv check` passes a name only through a
/// method that passed and that the CAA authorizes (ca-tbr-7 is the CNAME,
/// ca-tbr-18 the HTTP file, BR 4.2.2.1).
#[test]
fn check_passes_only_through_a_method_the_caa_authorizes() {
    let zone = |value: &str| {
        DnsServer::start(vec![
            Zone::new("example.com")
                .cname(&cname_name(), &cname_target())
                .caa("example.com", 0, "issue", value),
        ])
    };
    let web = web(true);
    // Both in place, the CAA allows only the file: example.com by http;
    // the wildcard has no method left (the file cannot validate it).
    let dns = zone("sectigo.com; validationmethods=ca-tbr-18");
    let (code, doc) = run(&dns, &web, &["example.com", "*.example.com"]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(verdict(&doc, "example.com")["ok"], true);
    assert_eq!(
        verdict(&doc, "example.com")["validated_by"],
        serde_json::json!(["http"])
    );
    assert_eq!(verdict(&doc, "*.example.com")["ok"], false);
    let cname = doc["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["check"] == "cname" && r["domain"] == "example.com")
        .unwrap();
    assert_eq!(cname["status"], "fail", "{doc:#}");
    assert!(
        cname["detail"]
            .as_str()
            .unwrap()
            .contains("validationmethods=ca-tbr-18")
    );
    // The CAA allows only the DNS methods: both names by cname, not http.
    let dns = zone("sectigo.com; validationmethods=ca-tbr-7");
    let (code, doc) = run(&dns, &web, &[]);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(
        verdict(&doc, "example.com")["validated_by"],
        serde_json::json!(["cname"])
    );
    // --method http with a CAA that allows only the DNS methods: no pass.
    let (code, doc) = run(&dns, &web, &["--method", "http"]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(verdict(&doc, "example.com")["ok"], false);
}
