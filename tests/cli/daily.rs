//! Daily use (issue 12): the conventions every command shares, `--wait`
//! as CI sees it (progress lines, `rounds`/`waited_s`/`gave_up`, Ctrl-C),
//! and the grouped report of a large CSR. Expected values come from the
//! openssl-recorded hashes and from the fixtures, never from dcv itself.

use std::io::Read;
use std::net::Ipv4Addr;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::dns_server::{DnsServer, Zone};
use crate::support::http_server::{Reply, Request, TestServer};
use crate::support::{dcv, fixture, json, recorded};

/// `www.example.com`, `example.com` and more (tests/fixtures/hashes.tsv).
const CSR: &str = "rsa2048_multi.pem";

fn cname_name(file: &str, adn: &str) -> String {
    format!("_{}.{adn}", recorded(file).md5)
}

fn cname_target(file: &str) -> String {
    let sha = recorded(file).sha256;
    format!("{}.{}.sectigo.com.", &sha[..32], &sha[32..])
}

fn zone() -> Zone {
    Zone::new("example.com").a("ns1.example.com", Ipv4Addr::LOCALHOST)
}

fn published(file: &str) -> Zone {
    zone().cname(&cname_name(file, "example.com"), &cname_target(file))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

// ---- 5. Conventions -------------------------------------------------------

#[test]
fn the_csr_is_positional_and_a_flag_everywhere() {
    let csr = fixture(CSR).display().to_string();
    for cmd in ["hash", "file", "cname"] {
        let positional = dcv().args(["--json", cmd, &csr]).output().unwrap();
        let flag = dcv().args(["--json", cmd, "--csr", &csr]).output().unwrap();
        assert_eq!(positional.status.code(), Some(0), "{cmd}");
        assert_eq!(text(&positional.stdout), text(&flag.stdout), "{cmd}");
        assert!(text(&flag.stdout).contains(&recorded(CSR).md5), "{cmd}");
    }
    let emails = dcv().args(["--json", "emails", &csr]).output().unwrap();
    assert_eq!(emails.status.code(), Some(0));
    assert!(text(&emails.stdout).contains("admin@example.com"));

    // A check's first argument that is a file is the CSR; @SERVER is the resolver.
    let dns = DnsServer::start(vec![published(CSR)]);
    let at = format!("@{}", dns.addr);
    let out = dcv()
        .args([
            "--json",
            "check-dns",
            "--recursive",
            "--timeout",
            "2",
            &csr,
            &at,
        ])
        .arg("www.example.com")
        .output()
        .unwrap();
    let doc = json(&out);
    assert_eq!(out.status.code(), Some(0), "{doc:#}");
    assert_eq!(doc["results"][0]["domain"], "www.example.com");
    // --resolver takes dig's @ too.
    let out = dcv()
        .args([
            "--json",
            "check-dns",
            "--recursive",
            "--timeout",
            "2",
            "--csr",
            &csr,
        ])
        .args(["--resolver", &at, "www.example.com"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
}

#[test]
fn ns_port_reaches_a_labs_authoritative_servers() {
    // Authoritative mode: the NS of example.com is ns1.example.com at
    // 127.0.0.1, served on the test server's own (non-53) port.
    let dns = DnsServer::start(vec![published(CSR)]);
    let out = dcv()
        .args(["--json", "check-dns", "--timeout", "2", "--csr"])
        .arg(fixture(CSR))
        .args(["--resolver", &dns.addr.to_string()])
        .args(["--ns-port", &dns.addr.port().to_string(), "www.example.com"])
        .output()
        .unwrap();
    let doc = json(&out);
    assert_eq!(out.status.code(), Some(0), "{doc:#}");
    let attempt = &doc["results"][0]["attempts"][0];
    assert_eq!(attempt["server"], "ns1.example.com", "{doc:#}");
    assert_eq!(attempt["address"], dns.addr.to_string(), "{doc:#}");
}

fn file_server(file: &'static str) -> TestServer {
    let path = format!("/.well-known/pki-validation/{}.txt", recorded(file).md5);
    let body = format!("{}\nsectigo.com", recorded(file).sha256);
    TestServer::http("127.0.0.1", move |r: &Request| {
        if r.path == path {
            Reply::ok(body.clone())
        } else {
            Reply::status(404)
        }
    })
}

#[test]
fn resolve_takes_curls_host_port_addr_and_a_star() {
    let web = file_server(CSR);
    let port = web.port().to_string();
    let run = |resolve: &[String]| {
        let mut cmd = dcv();
        cmd.args(["--json", "check-http", "--timeout", "3", "--csr"])
            .arg(fixture(CSR))
            .args(["--http-port", &port]);
        for r in resolve {
            cmd.args(["--resolve", r]);
        }
        cmd.args(["www.example.com", "example.com"])
            .output()
            .unwrap()
    };
    // One `*` entry for every host, in curl's HOST:PORT:ADDR form.
    let out = run(&[format!("*:{port}:127.0.0.1")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert_eq!(json(&out)["results"].as_array().unwrap().len(), 2);
    // An entry for a port that is not fetched is ignored, with a warning.
    let out = run(&[
        format!("*:{port}:127.0.0.1"),
        "www.example.com:8443:192.0.2.1".to_owned(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(
        text(&out.stderr).contains("port 8443 is not fetched"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn completions_and_man_page() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = dcv().args(["completions", shell]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let script = text(&out.stdout);
        // fish spells long options without dashes (`-l ns-port`).
        for word in ["check-dns", "ns-port", "completions"] {
            assert!(script.contains(word), "{shell}: no {word}");
        }
    }
    let out = dcv().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("[possible values: bash"),
        "{}",
        text(&out.stderr)
    );

    let out = dcv().arg("man").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let page = text(&out.stdout);
    assert!(page.contains(".TH dcv 1"), "{page}");
    assert!(page.contains("check\\-dns"), "{page}");
}

#[test]
fn version_names_the_commit() {
    let out = dcv().arg("--version").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let line = text(&out.stdout);
    let head = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| text(&o.stdout).trim().to_owned());
    let expected = match head {
        Some(commit) => format!("dcv {} (commit {commit})\n", env!("CARGO_PKG_VERSION")),
        None => format!("dcv {} (unknown commit)\n", env!("CARGO_PKG_VERSION")),
    };
    assert_eq!(line, expected);
}

#[test]
fn a_check_where_every_name_was_skipped_fails() {
    // The HTTP file cannot validate a wildcard: nothing is validated.
    let out = dcv()
        .args(["check-http", "--csr"])
        .arg(fixture("ec256_wildcard.pem"))
        .arg("*.example.com")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report = text(&out.stdout);
    assert!(report.contains("SKIP http  *.example.com"), "{report}");
    assert!(report.contains("nothing was validated"), "{report}");
    let out = dcv()
        .args(["--json", "check-http", "--csr"])
        .arg(fixture("ec256_wildcard.pem"))
        .arg("*.example.com")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json(&out)["ok"], false);
}

#[test]
fn error_messages_are_one_plain_line() {
    let out = dcv().args(["hash", "/nonexistent/x.pem"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "dcv: error: /nonexistent/x.pem: No such file or directory\n"
    );
    let out = dcv()
        .args(["--json", "hash", "/nonexistent/x.pem"])
        .output()
        .unwrap();
    assert_eq!(
        text(&out.stdout),
        "{\"schema_version\":1,\"error\":{\"kind\":\"read\",\"message\":\"/nonexistent/x.pem: No such file or directory\"}}\n"
    );
    let out = dcv()
        .args(["cname", "--ca", "letsencrypt", "x.pem"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "dcv: error: --ca letsencrypt: unknown CA profile (known: sectigo, comodo, sslcom, digicert, godaddy, starfield, globalsign, certum)\n"
    );
    // Port 0 is not a port: the range says 1..=65535, not 0..=65535.
    let out = dcv()
        .args(["check-http", "--http-port", "0", "x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("0 is not in 1..=65535"),
        "{}",
        text(&out.stderr)
    );
}

// ---- 2. --wait as CI sees it ----------------------------------------------

/// `dcv [FLAGS] check-dns --recursive --timeout 1 --wait WAIT --no-dnssec
/// --resolver DNS --csr CSR www.example.com` (no DNSSEC chain on loopback).
fn wait_check(dns: &DnsServer, flags: &[&str], wait: &str) -> std::process::Output {
    dcv()
        .args(flags)
        .args(["check-dns", "--recursive", "--timeout", "1", "--no-dnssec"])
        .args(["--wait", wait, "--resolver", &dns.addr.to_string(), "--csr"])
        .arg(fixture(CSR))
        .arg("www.example.com")
        .output()
        .unwrap()
}

#[test]
fn wait_prints_a_line_per_round_and_reports_giving_up() {
    let dns = DnsServer::start(vec![zone()]);
    let started = Instant::now();
    let out = wait_check(&dns, &["--json"], "3s");
    let waited = started.elapsed();
    assert_eq!(out.status.code(), Some(1));
    let doc = json(&out);
    // Rounds at 0 s, 2 s and 3 s (the schedule's 6 s is cut to --wait).
    assert_eq!(doc["rounds"], 3, "{doc:#}");
    assert_eq!(doc["gave_up"], true);
    let waited_s = doc["waited_s"].as_f64().unwrap();
    assert!(
        (3.0..waited.as_secs_f64()).contains(&waited_s),
        "{waited_s}"
    );
    assert!(doc.get("interrupted").is_none());
    // stderr is not a terminal: one plain line per round that is followed by another.
    let progress = text(&out.stderr);
    let lines: Vec<&str> = progress.lines().collect();
    assert_eq!(lines.len(), 2, "{progress}");
    assert!(
        lines[0].starts_with(
            "dcv: round 1: 1 not ready: www.example.com (cname: record missing); next try in "
        ),
        "{progress}"
    );
    // -q: no progress; human output says how the wait ended.
    let out = wait_check(&dns, &["-q"], "1s");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stderr), "");
    let report = text(&out.stdout);
    assert!(
        report.contains("gave up: the --wait time ran out after 2 rounds"),
        "{report}"
    );
}

#[test]
fn wait_reports_rounds_when_the_record_appears() {
    let dns = DnsServer::start(vec![zone()]);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            std::thread::sleep(Duration::from_millis(500));
            dns.set_zones(vec![published(CSR)]);
        });
        let out = wait_check(&dns, &["--json"], "30s");
        let doc = json(&out);
        assert_eq!(out.status.code(), Some(0), "{doc:#}");
        assert_eq!(doc["rounds"], 2, "{doc:#}");
        assert_eq!(doc["gave_up"], false);
    });
}

#[cfg(unix)]
#[test]
fn ctrl_c_prints_the_last_round_and_exits_130() {
    let dns = DnsServer::start(vec![zone()]);
    let bin = assert_cmd::cargo::cargo_bin("dcv");
    let mut child = std::process::Command::new(bin)
        .env("NO_COLOR", "1")
        .env("DCV_LAB", "1")
        .env_remove("DCV_TOKEN")
        .args([
            "--json",
            "check-dns",
            "--recursive",
            "--timeout",
            "1",
            "--wait",
            "60s",
        ])
        .args(["--resolver", &dns.addr.to_string(), "--csr"])
        .arg(fixture(CSR))
        .arg("www.example.com")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait for the first round's progress line, then interrupt.
    let mut stderr = child.stderr.take().unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 256];
    while !text(&seen).contains("dcv: round 1") {
        let n = stderr.read(&mut buf).unwrap();
        assert!(n > 0, "dcv ended before its first round");
        seen.extend_from_slice(&buf[..n]);
    }
    // SAFETY: signalling our own child by its pid.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130));
    let doc = json(&out);
    assert_eq!(doc["ok"], false, "{doc:#}");
    assert_eq!(doc["interrupted"], true, "{doc:#}");
    assert_eq!(doc["gave_up"], false, "{doc:#}");
    assert!(doc["rounds"].as_u64().unwrap() >= 1);
    assert_eq!(doc["results"][0]["status"], "fail");
}

// ---- 3. A large CSR ---------------------------------------------------------

/// `check-dns` of the 120-name CSR against a zone without its record.
fn many_names(extra: &[&str]) -> (i32, String) {
    let dns = DnsServer::start(vec![zone()]);
    let out = dcv()
        .args(["check-dns", "--recursive", "--timeout", "2", "--resolver"])
        .arg(dns.addr.to_string())
        .args(extra)
        .arg("--csr")
        .arg(fixture("many_sans.pem"))
        .output()
        .unwrap();
    (out.status.code().unwrap(), text(&out.stdout))
}

#[test]
fn a_large_failing_report_says_each_cause_once() {
    let md5 = recorded("many_sans.pem").md5;
    let (code, report) = many_names(&[]);
    assert_eq!(code, 1);
    let lines: Vec<&str> = report.lines().collect();
    // One line per name, one cause with its hint, a legend, the DNSSEC
    // state, the counts.
    assert_eq!(lines.len(), 120 + 2 + 1 + 1 + 1, "{report}");
    assert!(
        lines[0].starts_with("FAIL   host0.example.com ")
            && lines[0].ends_with("cname FAIL [1], caa pass"),
        "{report}"
    );
    assert!(
        lines[120].starts_with(&format!(
            "[1] cname FAIL, 120 names: no CNAME at any ADN: _{md5}.<name>. NXDOMAIN, _{md5}.example.com. NXDOMAIN"
        )),
        "{report}"
    );
    assert_eq!(report.matches("hint:").count(), 1, "{report}");
    assert!(lines[121].contains(&format!("publish _{md5}.example.com. CNAME")));
    assert!(
        lines[123].starts_with("DNSSEC: 240 indeterminate"),
        "{report}"
    );
    assert_eq!(
        lines[124],
        "0 of 120 names ready; checks: 120 passed, 120 failed, 0 skipped, 0 invalid"
    );

    // -q: only the failing names and the verdict.
    let (code, quiet) = many_names(&["-q"]);
    assert_eq!(code, 1);
    let lines: Vec<&str> = quiet.lines().collect();
    assert_eq!(lines.len(), 121, "{quiet}");
    // Each with its reason code; no notes (-q promises none).
    assert_eq!(lines[0], "FAIL   host0.example.com: cname record_missing");
    assert_eq!(
        lines[120],
        "0 of 120 names ready; checks: 120 passed, 120 failed, 0 skipped, 0 invalid"
    );

    // -v: every name's queries and hint, as small reports show them.
    let (_, verbose) = many_names(&["-v"]);
    assert_eq!(verbose.matches("hint:").count(), 120);
    assert!(verbose.contains(&format!("_{md5}.host7.example.com. CNAME @ resolver")));

    // JSON is not grouped: every result keeps its detail, hint and attempts.
    let (_, doc) = many_names(&["--json"]);
    let doc: Value = serde_json::from_str(&doc).unwrap();
    let results = doc["results"].as_array().unwrap();
    assert_eq!(results.len(), 240);
    let cnames: Vec<&Value> = results.iter().filter(|r| r["check"] == "cname").collect();
    assert_eq!(cnames.len(), 120);
    assert!(
        cnames
            .iter()
            .all(|r| r["hint"].is_string() && !r["attempts"].as_array().unwrap().is_empty())
    );
}

// ---- 4. The README's example cannot drift ---------------------------------

#[test]
fn the_readme_example_is_real_output() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let prompt = "$ dcv hash examples/multi-san-rsa.pem\n";
    let start = readme.find(prompt).expect("README shows dcv hash") + prompt.len();
    let shown = &readme[start..start + readme[start..].find("```").unwrap()];
    let out = dcv()
        .current_dir(root)
        .args(["hash", "examples/multi-san-rsa.pem"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        shown,
        text(&out.stdout),
        "README.md's example drifted: paste the new output"
    );
}
