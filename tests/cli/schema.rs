//! docs/schema/*.json (JSON Schema 2020-12) hold against the real output of
//! every command, and reject documents that break the contract.

use std::path::PathBuf;

use serde_json::Value;

use crate::support::dns_server::{DnsServer, Zone};
use crate::support::http_server::{Reply, TestServer};
use crate::support::{dcv, fixture};

fn schema(name: &str) -> jsonschema::Validator {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("docs/schema/{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{name}.json: {e}"))
}

/// Every stdout line is a document that `name`'s schema accepts.
pub(crate) fn holds(name: &str, args: &[&str]) -> Vec<Value> {
    let out = dcv().arg("--json").args(args).output().unwrap();
    let v = schema(name);
    let docs: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!docs.is_empty(), "{args:?}: no output");
    for doc in &docs {
        let errors: Vec<String> = v
            .iter_errors(doc)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{name} {args:?}: {errors:#?}\n{doc:#}");
        assert_eq!(doc["schema_version"], 1);
        // A batch of CSRs has one `ok` per CSR; the exit code is the worst.
        if name != "error" && docs.len() == 1 {
            assert_eq!(doc["ok"], out.status.code() == Some(0), "{doc}");
        }
    }
    docs
}

fn path(name: &str) -> String {
    fixture(name).display().to_string()
}

#[test]
fn render_commands_match_their_schemas() {
    let multi = path("rsa2048_multi.pem");
    let bad = path("bad_names.pem");
    holds("hash", &["hash", &multi]);
    holds("hash", &["hash", &bad]);
    // A batch: the unreadable CSR keeps its line, with an error object.
    let docs = holds("hash", &["hash", &multi, &path("certificate.pem")]);
    assert_eq!(docs[1]["error"]["kind"], "csr");
    holds("token", &["token"]);
    holds("file", &["file", &path("ec256_wildcard.pem")]);
    let root = tempfile::tempdir().unwrap();
    let docs = holds(
        "file",
        &["file", &bad, "--write", root.path().to_str().unwrap()],
    );
    assert_eq!(docs[0]["written"]["action"], "created");
    holds("cname", &["cname", &multi, "--at", "fqdn"]);
    holds("cname", &["cname", &bad]);
    holds("emails", &["emails", "www.example.com", "a b.example.com"]);
    holds("emails", &["emails", "--csr", &multi]);
    holds("error", &["hash", "/nonexistent.pem"]);
    holds("error", &["check-dns", "example.com"]);
}

#[test]
fn check_commands_match_the_check_schema() {
    let dns = DnsServer::start(vec![Zone::new("example.com")]);
    let web = TestServer::http("127.0.0.1", |_: &_| Reply::status(404));
    let resolver = dns.addr.to_string();
    let port = web.port().to_string();
    let csr = path("ec256_wildcard.pem");
    let net = ["--recursive", "--timeout", "2", "--resolver", &resolver];
    let http = ["--resolve", "example.com:127.0.0.1", "--http-port", &port];
    let with = |cmd: &str, more: &[&str]| -> Vec<String> {
        let mut a = vec![cmd.to_owned(), "--csr".into(), csr.clone()];
        // check-http asks no DNS question of its own: no --recursive.
        let net = if cmd == "check-http" {
            &net[1..]
        } else {
            &net[..]
        };
        a.extend(net.iter().chain(more).map(|s| (*s).to_owned()));
        a
    };
    let run = |args: Vec<String>| {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        holds("check", &refs)
    };
    run(with("check-dns", &[]));
    let docs = run(with("check-dns", &["--wait", "1s"]));
    assert_eq!(docs[0]["gave_up"], true);
    run(with("check-http", &http));
    run(with("check", &http));
    run(with(
        "check-dns",
        &["--txt", "_x.example.com=abc", "a b.example.com"],
    ));
}

#[test]
fn the_schemas_reject_broken_documents() {
    let check = schema("check");
    let good = serde_json::json!({"schema_version":1,"ok":true,"results":[],"rejected":[],
        "perspective":"eu-1","checked_at":"2026-11-25T08:00:00Z","command":"check-dns",
        "method":"dns","subject":{"md5":"0123456789ABCDEF0123456789ABCDEF"}});
    assert!(check.is_valid(&good));
    let with = |key: &str, value: serde_json::Value| {
        let mut doc = good.clone();
        doc[key] = value;
        doc
    };
    let mut no_perspective = good.clone();
    no_perspective
        .as_object_mut()
        .unwrap()
        .remove("perspective");
    for broken in [
        no_perspective,
        with("checked_at", serde_json::json!("yesterday")),
        with(
            "results",
            serde_json::json!([{"domain":"a","check":"cname","status":"pass","detail":"","dnssec":"maybe"}]),
        ),
    ] {
        assert!(!check.is_valid(&broken), "{broken}");
    }
    for broken in [
        serde_json::json!({"schema_version":2,"ok":true,"results":[],"rejected":[]}),
        serde_json::json!({"schema_version":1,"results":[],"rejected":[]}),
        serde_json::json!({"schema_version":1,"ok":true,"results":[{"domain":"a","check":"cname","status":"maybe","detail":""}],"rejected":[]}),
        serde_json::json!({"schema_version":1,"ok":true,"results":[],"rejected":[{"name":"x"}]}),
        serde_json::json!({"schema_version":1,"ok":false,"results":[],"rejected":[],"rounds":2}),
        serde_json::json!({"schema_version":1,"ok":true,"records":[],"rejected":[]}),
    ] {
        assert!(!check.is_valid(&broken), "{broken}");
    }
    let token = schema("token");
    assert!(!token.is_valid(&serde_json::json!({"schema_version":1,"ok":true,"token":"short"})));
}

#[test]
fn persist_and_corroborate_match_their_schemas() {
    let docs = holds(
        "persist",
        &[
            "persist",
            "example.com",
            "*.example.net",
            "--issuer",
            "sectigo.com",
            "--accounturi",
            "https://acme.sectigo.com/acct/1",
        ],
    );
    assert_eq!(docs[0]["records"].as_array().unwrap().len(), 2);
    holds(
        "persist",
        &[
            "persist",
            "a b.example.com",
            "--issuer",
            "ca.example",
            "--accounturi",
            "u",
        ],
    );

    // Two perspectives' reports of the same --txt check, one passing.
    let good = DnsServer::start(vec![
        Zone::new("example.com").txt("_dnsauth.example.com", &["v1"]),
    ]);
    let bad = DnsServer::start(vec![Zone::new("example.com")]);
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (name, server) in [("eu", &good), ("us", &bad)] {
        let out = dcv()
            .args([
                "--json",
                "check-dns",
                "--recursive",
                "--timeout",
                "2",
                "--resolver",
            ])
            .arg(server.addr.to_string())
            .args(["--txt", "_dnsauth.example.com=v1", "--perspective", name])
            .output()
            .unwrap();
        let file = dir.path().join(format!("{name}.json"));
        std::fs::write(&file, &out.stdout).unwrap();
        files.push(file.display().to_string());
    }
    let mut args = vec!["corroborate", "--date", "2025-06-01"];
    args.extend(files.iter().map(String::as_str));
    let docs = holds("corroborate", &args);
    // Two perspectives, one may disagree on 2025-06-01: the quorum holds.
    assert_eq!(docs[0]["required_perspectives"], 2);
    assert_eq!(docs[0]["ok"], true, "{:#}", docs[0]);
    assert!(!schema("corroborate").is_valid(&serde_json::json!({"schema_version":1,"ok":true})));
}

#[test]
fn txt_profiles_and_the_rulebook_fields_match_their_schemas() {
    holds(
        "txt",
        &[
            "txt",
            "--random-value",
            "QCw6C+nYGM6BSxgW0gd3Ig==",
            "www.example.com",
            "a b.example.com",
        ],
    );
    holds(
        "txt",
        &[
            "txt",
            "--ca",
            "digicert",
            "--random-value",
            "v",
            "--csr",
            &path("rsa2048_multi.pem"),
        ],
    );
    holds("profiles", &["profiles"]);
    // The shipped profile file is a document of the same schema.
    let file: Value = serde_json::from_str(dcv::profile::BUILT_IN).unwrap();
    assert!(schema("profiles").is_valid(&file));
    assert!(!schema("profiles").is_valid(&serde_json::json!({"profiles": [{"name": "x"}]})));
    // br_label, authorizes and validated_by "txt" in a check report.
    let dns = DnsServer::start(vec![
        Zone::new("example.com")
            .txt("_pki-validation.example.com", &["v1"])
            .caa(
                "example.com",
                0,
                "issue",
                "sectigo.com; validationmethods=ca-tbr-7",
            ),
    ]);
    let docs = holds(
        "check",
        &[
            "check",
            "--csr",
            &path("ec256_wildcard.pem"),
            "--recursive",
            "--timeout",
            "2",
            "--resolver",
            &dns.addr.to_string(),
            "--method",
            "txt",
            "--random-value",
            "v1",
        ],
    );
    let results = docs[0]["results"].as_array().unwrap();
    assert!(results.iter().any(|r| r["br_label"] == "ca-tbr-7"));
    assert!(
        results
            .iter()
            .any(|r| r["authorizes"] == serde_json::json!(["ca-tbr-7"]))
    );
    let broken = serde_json::json!({"schema_version":1,"ok":true,"results":[
        {"domain":"a","check":"cname","status":"pass","detail":"","br_label":"ca-tbr-99"}],
        "rejected":[],"perspective":"p","checked_at":"2026-11-25T08:00:00Z","command":"check",
        "method":"txt","subject":{}});
    assert!(!schema("check").is_valid(&broken));
}
