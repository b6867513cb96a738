//! `dcv corroborate`: reports made with `--perspective` against loopback
//! DNS servers that agree or not, combined under the BR 3.2.2.9 quorum
//! rules of a given date; mismatched and broken reports exit 2.

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::dns_server::{DnsServer, Zone};
use crate::support::{dcv, fixture, json, recorded};

const CSR: &str = "rsa2048_multi.pem";

/// A zone with the CSR's CNAME at example.com (SPEC section 1 syntax,
/// hashes as openssl recorded them), or without it.
fn zone(with_record: bool) -> Zone {
    let r = recorded(CSR);
    let z = Zone::new("example.com").a("ns1.example.com", Ipv4Addr::LOCALHOST);
    if with_record {
        z.cname(
            &format!("_{}.example.com", r.md5),
            &format!("{}.{}.sectigo.com.", &r.sha256[..32], &r.sha256[32..]),
        )
    } else {
        z
    }
}

/// Runs `dcv --json check-dns` from one "perspective" (a resolver that
/// has the record or not) and writes the report into `dir`.
fn report(dir: &Path, perspective: &str, server: &DnsServer, extra: &[&str]) -> PathBuf {
    let names = ["www.example.com", "example.com"];
    report_of(dir, perspective, server, &names, extra)
}

fn report_of(
    dir: &Path,
    perspective: &str,
    server: &DnsServer,
    names: &[&str],
    extra: &[&str],
) -> PathBuf {
    let resolver = server.addr.to_string();
    let csr = fixture(CSR).display().to_string();
    let out = dcv()
        .args([
            "--json",
            "check-dns",
            "--recursive",
            "--timeout",
            "2",
            "--resolver",
            &resolver,
            "--csr",
            &csr,
            "--perspective",
            perspective,
        ])
        .args(names)
        .args(extra)
        .output()
        .unwrap();
    assert!(matches!(out.status.code(), Some(0 | 1)), "{out:?}");
    let path = dir.join(format!("report-{perspective}.json"));
    std::fs::write(&path, &out.stdout).unwrap();
    path
}

fn corroborate(args: &[&str], files: &[PathBuf]) -> (i32, Value, String) {
    let out = dcv()
        .args(["--json", "corroborate"])
        .args(args)
        .args(files)
        .output()
        .unwrap();
    let code = out.status.code().unwrap();
    let doc = json(&out);
    (code, doc, String::from_utf8_lossy(&out.stderr).into_owned())
}

fn name<'a>(doc: &'a Value, domain: &str) -> &'a Value {
    doc["names"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["domain"] == domain)
        .unwrap_or_else(|| panic!("no {domain} in {doc:#}"))
}

fn method<'a>(n: &'a Value, m: &str) -> &'a Value {
    n["methods"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["method"] == m)
        .unwrap_or_else(|| panic!("no {m} in {n:#}"))
}

#[test]
fn a_report_carries_its_perspective_time_and_subject() {
    let dir = tempfile::tempdir().unwrap();
    let good = DnsServer::start(vec![zone(true)]);
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let path = report(dir.path(), "eu-west", &good, &["--token", "Abc123"]);
    let doc: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let r = recorded(CSR);
    assert_eq!(doc["perspective"], "eu-west");
    assert_eq!(doc["command"], "check-dns");
    assert_eq!(doc["method"], "dns");
    assert_eq!(doc["subject"]["md5"], r.md5.as_str());
    assert_eq!(doc["subject"]["sha256"], r.sha256.as_str());
    assert_eq!(doc["subject"]["tag"], "sectigo.com");
    assert_eq!(doc["subject"]["token"], "Abc123");
    // RFC 3339 UTC, within the test's run: compare with date(1)'s reading.
    let at = doc["checked_at"].as_str().unwrap();
    assert!(at.ends_with('Z') && at.len() == 20, "{at}");
    let out = std::process::Command::new("date")
        .args(["-u", "-d", at, "+%s"])
        .output()
        .expect("date(1)");
    assert!(out.status.success(), "date -d {at}");
    let secs: u64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    assert!(
        secs + 1 >= before && secs <= before + 60,
        "{at} vs {before}"
    );
}

#[test]
fn the_default_perspective_is_the_host_name() {
    let Ok(host) = std::fs::read_to_string("/proc/sys/kernel/hostname") else {
        return;
    };
    let out = dcv()
        .args([
            "--json",
            "check-http",
            "--url",
            "http://127.0.0.1:9/x",
            "--expect",
            "x",
            "--timeout",
            "1",
        ])
        .output()
        .unwrap();
    let doc = json(&out);
    assert_eq!(doc["perspective"], host.trim());
    assert_eq!(doc["command"], "check-http");
    assert_eq!(
        doc["subject"]["expect"],
        serde_json::json!(["url http://127.0.0.1:9/x \"x\""])
    );
}

#[test]
fn three_of_four_perspectives_hold_the_quorum_two_do_not() {
    let dir = tempfile::tempdir().unwrap();
    let good = DnsServer::start(vec![zone(true)]);
    let bad = DnsServer::start(vec![zone(false)]);
    let files = vec![
        report(dir.path(), "eu-west", &good, &[]),
        report(dir.path(), "us-east", &good, &[]),
        report(dir.path(), "ap-south", &good, &[]),
        report(dir.path(), "sa-east", &bad, &[]),
    ];
    let (code, doc, _) = corroborate(&["--date", "2026-07-01"], &files);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(doc["schema_version"], 1);
    assert_eq!(doc["ok"], true);
    assert_eq!(doc["required_perspectives"], 4);
    assert_eq!(doc["allowed_failures"], 1);
    let www = name(&doc, "www.example.com");
    assert_eq!(www["ok"], true);
    let cname = method(www, "cname");
    assert_eq!(
        cname["passed"],
        serde_json::json!(["eu-west", "us-east", "ap-south"])
    );
    assert_eq!(cname["failed"][0]["perspective"], "sa-east");
    assert_eq!(cname["failed"][0]["status"], "fail");
    assert!(
        cname["failed"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("NXDOMAIN"),
        "{cname:#}"
    );
    assert_eq!(method(www, "caa")["quorum"], true);

    // A second disagreeing perspective breaks it.
    let mut files = files;
    files[2] = report(dir.path(), "ap-south", &bad, &[]);
    let (code, doc, _) = corroborate(&["--date", "2026-07-01"], &files);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(doc["ok"], false);
    let www = name(&doc, "www.example.com");
    assert_eq!(www["ok"], false);
    assert!(
        www["detail"].as_str().unwrap().contains("2 of 4"),
        "{www:#}"
    );
}

#[test]
fn too_few_perspectives_for_the_date_say_how_many_more() {
    let dir = tempfile::tempdir().unwrap();
    let good = DnsServer::start(vec![zone(true)]);
    let files = vec![
        report(dir.path(), "eu-west", &good, &[]),
        report(dir.path(), "us-east", &good, &[]),
    ];
    let (code, doc, _) = corroborate(&["--date", "2026-12-15"], &files);
    assert_eq!(code, 1);
    assert_eq!(doc["required_perspectives"], 5);
    let notes = doc["notes"].to_string();
    assert!(notes.contains("add 3 more"), "{notes}");
    // Under the 2025 rules two are enough.
    let (code, _, _) = corroborate(&["--date", "2025-12-01"], &files);
    assert_eq!(code, 0);
    // Human output names the verdicts.
    let out = dcv()
        .args(["corroborate", "--date", "2026-12-15"])
        .args(&files)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("NOT OK www.example.com"), "{text}");
    assert!(text.contains("add 3 more"), "{text}");
}

#[test]
fn a_name_missing_from_a_report_counts_against_it() {
    let dir = tempfile::tempdir().unwrap();
    let good = DnsServer::start(vec![zone(true)]);
    let mut files = vec![report(dir.path(), "eu-west", &good, &[])];
    // The second perspective checked www.example.com only.
    files.push(report_of(
        dir.path(),
        "us-east",
        &good,
        &["www.example.com"],
        &[],
    ));
    let (code, doc, _) = corroborate(&["--date", "2025-12-01"], &files);
    // 1 of 2 passing is within "one may disagree"...
    assert_eq!(code, 0, "{doc:#}");
    let apex = method(name(&doc, "example.com"), "cname");
    assert_eq!(apex["failed"][0]["status"], "absent");
    assert_eq!(apex["failed"][0]["perspective"], "us-east");
}

/// A report file edited by hand: `edit` changes the JSON document.
fn edited(dir: &Path, from: &Path, file: &str, edit: impl Fn(&mut Value)) -> PathBuf {
    let mut doc: Value = serde_json::from_slice(&std::fs::read(from).unwrap()).unwrap();
    edit(&mut doc);
    let path = dir.join(file);
    std::fs::write(&path, doc.to_string()).unwrap();
    path
}

#[test]
fn reports_that_do_not_match_exit_2_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let good = DnsServer::start(vec![zone(true)]);
    let a = report(dir.path(), "eu-west", &good, &[]);
    let b = report(dir.path(), "us-east", &good, &[]);
    let cases: Vec<(PathBuf, &str)> = vec![
        (
            edited(dir.path(), &b, "other-csr.json", |d| {
                d["subject"]["md5"] = "00112233445566778899AABBCCDDEEFF".into()
            }),
            "another CSR",
        ),
        (
            edited(dir.path(), &b, "other-token.json", |d| {
                d["subject"]["token"] = "Zzz999".into()
            }),
            "another token",
        ),
        (
            edited(dir.path(), &b, "other-method.json", |d| {
                d["command"] = "check".into();
                d["method"] = "any".into();
            }),
            "another command",
        ),
        (
            edited(dir.path(), &b, "twin.json", |d| {
                d["perspective"] = "eu-west".into()
            }),
            "report-eu-west.json",
        ),
        (
            edited(dir.path(), &b, "old.json", |d| {
                d.as_object_mut().unwrap().remove("perspective");
            }),
            "no \"perspective\"",
        ),
        (
            edited(
                dir.path(),
                &b,
                "error.json",
                |d| *d = serde_json::json!({"schema_version":1,"error":{"kind":"csr","message":"x.pem: empty input"}}),
            ),
            "error document",
        ),
        (
            edited(dir.path(), &b, "v2.json", |d| {
                d["schema_version"] = 2.into()
            }),
            "schema_version 2",
        ),
        (
            edited(
                dir.path(),
                &b,
                "hash.json",
                |d| *d = serde_json::json!({"schema_version":1,"file":"csr.pem","md5":"AA"}),
            ),
            "not a dcv check report",
        ),
    ];
    for (file, words) in cases {
        let (code, doc, err) = corroborate(&[], &[a.clone(), file.clone()]);
        assert_eq!(code, 2, "{}: {doc}", file.display());
        let message = doc["error"]["message"].as_str().unwrap();
        assert!(
            message.starts_with(&file.display().to_string()),
            "{message}"
        );
        assert!(message.contains(words), "{words:?} in {message}");
        assert!(err.contains(words), "{err}");
    }
    let not_json = dir.path().join("notes.txt");
    std::fs::write(&not_json, "PASS cname www.example.com").unwrap();
    let missing = dir.path().join("missing.json");
    for file in [not_json, missing] {
        let (code, doc, _) = corroborate(&[], &[a.clone(), file.clone()]);
        assert_eq!(code, 2, "{doc}");
        assert!(
            doc["error"]["message"]
                .as_str()
                .unwrap()
                .contains(&file.display().to_string())
        );
    }
    let (code, _, _) = corroborate(&["--date", "2026-02-30"], &[a]);
    assert_eq!(code, 2);
}

/// `--rir` is recorded in each report; with every report carrying one, the
/// corroborating perspectives must span two registries (BR 3.2.2.9).
#[test]
fn perspectives_of_one_rir_do_not_corroborate_two_do() {
    let dir = tempfile::tempdir().unwrap();
    let good = DnsServer::start(vec![zone(true)]);
    let arin: Vec<PathBuf> = ["a", "b", "c", "d", "e"]
        .iter()
        .map(|p| report(dir.path(), p, &good, &["--no-dnssec", "--rir", "arin"]))
        .collect();
    let first: Value = serde_json::from_slice(&std::fs::read(&arin[0]).unwrap()).unwrap();
    assert_eq!(first["rir"], "ARIN");
    let (code, doc, _) = corroborate(&["--date", "2026-12-20"], &arin);
    assert_eq!(code, 1, "{doc}");
    assert!(doc.to_string().contains("span one RIR (ARIN)"), "{doc}");
    let mut mixed = arin.clone();
    mixed[4] = report(
        dir.path(),
        "e",
        &good,
        &["--no-dnssec", "--rir", "RIPE NCC"],
    );
    let (code, doc, _) = corroborate(&["--date", "2026-12-20"], &mixed);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["perspectives"][4]["rir"], "RIPE NCC");
    // Reports without --rir: the rule is not applied, and a note says so.
    let plain: Vec<PathBuf> = ["a", "b", "c", "d", "e"]
        .iter()
        .map(|p| report(dir.path(), p, &good, &["--no-dnssec"]))
        .collect();
    let (code, doc, _) = corroborate(&["--date", "2026-12-20"], &plain);
    assert_eq!(code, 0, "{doc}");
    assert!(doc["notes"].to_string().contains("2-RIR rule"), "{doc}");
    let out = dcv()
        .args([
            "check-dns",
            "--md5",
            "00000000000000000000000000000000",
            "--sha256",
            &"0".repeat(64),
            "example.com",
            "--rir",
            "ICANN",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
