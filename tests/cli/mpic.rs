//! `--mpic URL` against a loopback stand-in for the Open MPIC API that
//! replays responses recorded from the lab Open MPIC of tests/e2e/mpic.sh
//! (open-mpic-core's MpicCoordinator over six perspectives; the files in
//! tests/fixtures/mpic/). The local checks ask an in-process DNS server
//! holding the lab's records. Covers the request shapes (against the
//! requests the real coordinator accepted), the reading of its answers,
//! and every way the API can be unusable (exit 3, naming the URL).

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::dns_server::{DnsServer, Zone};
use crate::support::{dcv, fixture};

/// How the stand-in API answers.
#[derive(Clone)]
enum Api {
    /// The recorded answers, by the request's `check_type`.
    Replay {
        caa: String,
        dcv: String,
    },
    Status(u16, &'static str, String),
    /// Read the request, never answer.
    Hang,
}

/// What the stand-in saw of one request.
#[derive(Debug, Clone)]
struct Seen {
    head: String,
    body: Value,
}

struct ApiServer {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

fn start_api(api: Api) -> ApiServer {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let api = api.clone();
            let log = log.clone();
            std::thread::spawn(move || {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                let (head, body) = loop {
                    let Ok(n) = stream.read(&mut chunk) else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
                        continue;
                    };
                    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
                    let length: usize = head
                        .lines()
                        .find_map(|l| {
                            let (k, v) = l.split_once(':')?;
                            k.eq_ignore_ascii_case("content-length")
                                .then(|| v.trim().parse().ok())?
                        })
                        .unwrap_or(0);
                    while buf.len() < end + 4 + length {
                        let Ok(n) = stream.read(&mut chunk) else {
                            return;
                        };
                        if n == 0 {
                            return;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                    }
                    break (head, buf[end + 4..end + 4 + length].to_vec());
                };
                let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                log.lock().unwrap().push(Seen {
                    head,
                    body: body.clone(),
                });
                let (status, ctype, text) = match &api {
                    Api::Replay { caa, dcv } => {
                        let text = if body["check_type"] == "caa" {
                            caa
                        } else {
                            dcv
                        };
                        (200, "application/json", text.clone())
                    }
                    Api::Status(s, ctype, text) => (*s, *ctype, text.clone()),
                    Api::Hang => {
                        std::thread::sleep(Duration::from_secs(120));
                        return;
                    }
                };
                let reply = format!(
                    "HTTP/1.1 {status} X\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
                    text.len()
                );
                let _ = stream.write_all(reply.as_bytes());
            });
        }
    });
    ApiServer { url, seen }
}

fn recorded(name: &str) -> String {
    std::fs::read_to_string(fixture(&format!("mpic/{name}"))).unwrap()
}

fn recorded_json(name: &str) -> Value {
    serde_json::from_str(&recorded(name)).unwrap()
}

/// The lab order's hashes (the CSR the recorded responses are about).
fn hashes() -> (String, String, String) {
    let h = recorded_json("hashes.json");
    let s = |k: &str| h[k].as_str().unwrap().to_owned();
    (s("md5"), s("sha256"), s("old_sha256"))
}

fn target(sha: &str) -> String {
    format!("{}.{}.sectigo.com.", &sha[..32], &sha[32..])
}

/// lab.test as the lab's default view serves it: the CNAME of `names`, and
/// a CAA that lets Sectigo issue.
fn lab_dns(names: &[&str]) -> DnsServer {
    let (md5, sha, _) = hashes();
    let mut zone = Zone::new("lab.test")
        .a("ns1.lab.test", Ipv4Addr::LOCALHOST)
        .caa("lab.test", 0, "issue", "sectigo.com");
    for n in names {
        zone = zone.cname(&format!("_{md5}.{n}.lab.test"), &target(&sha));
    }
    DnsServer::start(vec![zone])
}

const KEY: &str = "k3y-that-must-never-be-shown";

/// `dcv check-dns --md5 --sha256 NAME --mpic URL`, with the key set.
fn check_dns(dns: &DnsServer, name: &str, mpic: &str, extra: &[&str]) -> (i32, String, String) {
    let (md5, sha, _) = hashes();
    let resolver = dns.addr.to_string();
    let mut args = vec![
        "check-dns",
        "--recursive",
        "--resolver",
        &resolver,
        "--no-dnssec",
        "--timeout",
        "2",
        "--md5",
        &md5,
        "--sha256",
        &sha,
        name,
        "--mpic",
        mpic,
    ];
    args.extend_from_slice(extra);
    let out = dcv()
        .env("DCV_LAB", "1")
        .env("DCV_MPIC_API_KEY", KEY)
        .args(&args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !stdout.contains(KEY) && !stderr.contains(KEY),
        "the key was shown"
    );
    (out.status.code().unwrap(), stdout, stderr)
}

fn result<'a>(doc: &'a Value, check: &str) -> &'a Value {
    doc["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["check"] == check)
        .unwrap_or_else(|| panic!("no {check} result in {doc}"))
}

/// The request minus its per-run trace identifier.
fn shape(mut v: Value) -> Value {
    v.as_object_mut().unwrap().remove("trace_identifier");
    v
}

#[test]
fn requests_are_open_mpic_v3_and_corroboration_is_reported() {
    let dns = lab_dns(&["ok"]);
    let api = start_api(Api::Replay {
        caa: recorded("ok-caa.response.json"),
        dcv: recorded("ok-cname.response.json"),
    });
    let (code, out, _) = check_dns(
        &dns,
        "ok.lab.test",
        &api.url,
        &["--mpic-perspectives", "5", "--json"],
    );
    let doc: Value = serde_json::from_str(&out).unwrap_or_else(|_| panic!("{out}"));
    assert_eq!(code, 0, "{doc}");
    let seen = api.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "one request per method and CAA: {seen:?}");
    for s in &seen {
        assert!(s.head.starts_with("POST /mpic HTTP/1.1"), "{}", s.head);
        assert!(
            s.head
                .lines()
                .any(|l| l.eq_ignore_ascii_case(&format!("x-api-key: {KEY}"))),
            "the key is sent as x-api-key: {}",
            s.head
        );
    }
    // The shapes the real coordinator accepted (recorded from the lab).
    let by_type = |t: &str| {
        seen.iter()
            .find(|s| s.body["check_type"] == t)
            .unwrap()
            .body
            .clone()
    };
    assert_eq!(
        shape(by_type("caa")),
        shape(recorded_json("ok-caa.request.json"))
    );
    assert_eq!(
        shape(by_type("dcv")),
        shape(recorded_json("ok-cname.request.json"))
    );
    // The CNAME target goes with its trailing dot.
    let value = by_type("dcv")["dcv_check_parameters"]["challenge_value"].clone();
    assert!(
        value.as_str().unwrap().ends_with(".sectigo.com."),
        "{value}"
    );
    // The report carries what the recorded answer says.
    let answer = recorded_json("ok-cname.response.json");
    let cname = result(&doc, "cname");
    let m = &cname["mpic"];
    assert_eq!(m["url"], format!("{}/mpic", api.url));
    assert_eq!(m["is_valid"], true);
    assert_eq!(m["trace_identifier"], answer["trace_identifier"]);
    assert_eq!(
        m["perspective_count"],
        answer["actual_orchestration_parameters"]["perspective_count"]
    );
    assert_eq!(
        m["quorum_count"],
        answer["actual_orchestration_parameters"]["quorum_count"]
    );
    let codes: Vec<&Value> = answer["perspectives"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p["perspective_code"])
        .collect();
    let ours: Vec<&Value> = m["perspectives"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p["code"])
        .collect();
    assert_eq!(codes, ours);
    assert!(
        cname["detail"]
            .as_str()
            .unwrap()
            .contains("corroborated by 5 of 5 perspectives ("),
        "{cname}"
    );
    assert_eq!(result(&doc, "caa")["mpic"]["is_valid"], true);
}

#[test]
fn a_geodns_view_that_gives_some_perspectives_another_target_fails_naming_it() {
    let (_, _, old_sha) = hashes();
    let dns = lab_dns(&["geo"]);
    let api = start_api(Api::Replay {
        caa: recorded("geo-caa.response.json"),
        dcv: recorded("geo-cname.response.json"),
    });
    // Without --mpic: ready here.
    let (md5, sha, _) = hashes();
    let resolver = dns.addr.to_string();
    let plain = dcv()
        .env("DCV_LAB", "1")
        .args([
            "check-dns",
            "--recursive",
            "--resolver",
            &resolver,
            "--no-dnssec",
            "--md5",
            &md5,
            "--sha256",
            &sha,
            "geo.lab.test",
        ])
        .output()
        .unwrap();
    assert_eq!(plain.status.code(), Some(0));
    let (code, out, _) = check_dns(
        &dns,
        "geo.lab.test",
        &api.url,
        &["--mpic-perspectives", "5"],
    );
    assert_eq!(code, 1, "{out}");
    // Which perspectives failed, and what they saw, from the recording.
    let answer = recorded_json("geo-cname.response.json");
    let failed: Vec<&Value> = answer["perspectives"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["check_response"]["check_passed"] == false)
        .collect();
    assert!(!failed.is_empty());
    for p in &failed {
        let code = p["perspective_code"].as_str().unwrap();
        assert!(
            out.contains(&format!("{code} saw {}", &target(&old_sha))),
            "{code}: {out}"
        );
    }
    assert!(
        out.contains("GeoDNS or an anycast node out of sync"),
        "{out}"
    );
    let (_, out, _) = check_dns(&dns, "geo.lab.test", &api.url, &["--json"]);
    let doc: Value = serde_json::from_str(&out).unwrap();
    let cname = result(&doc, "cname");
    assert_eq!(cname["status"], "fail");
    assert_eq!(cname["code"], "mpic_not_corroborated");
    assert_eq!(cname["mpic"]["is_valid"], false);
    assert_eq!(result(&doc, "caa")["status"], "pass");
}

#[test]
fn a_caa_view_that_forbids_the_ca_for_one_rir_fails_naming_the_caa() {
    let dns = lab_dns(&["caa"]);
    let api = start_api(Api::Replay {
        caa: recorded("caa-caa.response.json"),
        dcv: recorded("caa-cname.response.json"),
    });
    let (code, out, _) = check_dns(&dns, "caa.lab.test", &api.url, &[]);
    assert_eq!(code, 1, "{out}");
    let answer = recorded_json("caa-caa.response.json");
    for p in answer["perspectives"].as_array().unwrap() {
        if p["check_response"]["check_passed"] == false {
            let code = p["perspective_code"].as_str().unwrap();
            let records = p["check_response"]["details"]["records_seen"][0]
                .as_str()
                .unwrap();
            assert!(
                out.contains(&format!("{code} saw CAA at caa.lab.test: {records}")),
                "{out}"
            );
        }
    }
    assert!(out.contains("FAIL caa"), "{out}");
    assert!(out.contains("PASS cname"), "{out}");
}

/// Every way the API can be unusable: exit 3, the URL and what happened named.
#[test]
fn an_unusable_api_is_not_checked_exit_3_naming_the_url() {
    let dns = lab_dns(&["ok"]);
    let refused = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", l.local_addr().unwrap());
        drop(l);
        url
    };
    let s500 = start_api(Api::Status(
        500,
        "text/plain",
        "Internal Server Error".into(),
    ));
    let html = start_api(Api::Status(
        200,
        "text/html",
        "<html><body>Welcome to nginx!</body></html>".into(),
    ));
    let other = start_api(Api::Status(
        200,
        "application/json",
        r#"{"status":"ok"}"#.into(),
    ));
    let denied = start_api(Api::Status(
        403,
        "application/json",
        r#"{"message":"Forbidden"}"#.into(),
    ));
    // An answer larger than any Open MPIC response: cut, not buffered.
    let huge = start_api(Api::Status(200, "application/json", "[".repeat(2 << 20)));
    let cases: [(&str, &str); 6] = [
        (&refused, "connection refused"),
        (&s500.url, "HTTP 500"),
        (&html.url, "not JSON"),
        (&other.url, "not an Open MPIC response"),
        (&denied.url, "HTTP 403"),
        (&huge.url, "larger than"),
    ];
    for (url, words) in cases {
        let (code, out, err) = check_dns(&dns, "ok.lab.test", url, &[]);
        assert_eq!(code, 3, "{url}: {out}{err}");
        let all = format!("{out}{err}");
        assert!(
            all.contains(&format!("{url}/mpic")),
            "{url} not named: {all}"
        );
        assert!(all.contains(words), "{words}: {all}");
    }
    let (_, out, _) = check_dns(&dns, "ok.lab.test", &s500.url, &["--json"]);
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["ok"], false);
    assert!(
        doc["mpic_errors"][0].as_str().unwrap().contains("HTTP 500"),
        "{doc}"
    );
    assert_eq!(result(&doc, "cname")["code"], "mpic_unavailable");
    assert!(result(&doc, "cname")["mpic"]["error"].is_string());
}

#[test]
fn a_hanging_api_ends_within_the_deadline() {
    let dns = lab_dns(&["ok"]);
    let api = start_api(Api::Hang);
    let started = Instant::now();
    let (code, out, err) = check_dns(&dns, "ok.lab.test", &api.url, &["--deadline", "2"]);
    assert_eq!(code, 3, "{out}{err}");
    assert!(
        out.contains("no answer within 2s") || out.contains("no answer within 2 s"),
        "{out}"
    );
    // Far below the stand-in's 120 s of silence: the deadline ended it.
    assert!(started.elapsed() < Duration::from_secs(60));
}

#[test]
fn bad_mpic_values_are_usage_errors() {
    for bad in ["", "ftp://mpic.example.net", "mpic.example.net", "http://"] {
        let out = dcv()
            .env("DCV_LAB", "1")
            .args([
                "check-dns",
                "--md5",
                "00000000000000000000000000000000",
                "--sha256",
                &"0".repeat(64),
                "ok.lab.test",
                "--mpic",
                bad,
            ])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "{bad:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("--mpic"),
            "{bad:?}"
        );
    }
    let out = dcv()
        .args([
            "check-dns",
            "--md5",
            "00000000000000000000000000000000",
            "--sha256",
            &"0".repeat(64),
            "ok.lab.test",
            "--mpic-perspectives",
            "5",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "--mpic-perspectives needs --mpic"
    );
}

#[test]
fn evidence_keeps_each_request_and_response_without_the_key() {
    let dns = lab_dns(&["ok"]);
    let api = start_api(Api::Replay {
        caa: recorded("ok-caa.response.json"),
        dcv: recorded("ok-cname.response.json"),
    });
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle");
    let (code, out, _) = check_dns(
        &dns,
        "ok.lab.test",
        &api.url,
        &["--evidence", bundle.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{out}");
    let text = std::fs::read_to_string(bundle.join("names/ok.lab.test/mpic.txt")).unwrap();
    assert!(
        text.contains("\"validation_method\":\"dns-change\""),
        "{text}"
    );
    assert!(text.contains("\"check_type\":\"caa\""), "{text}");
    assert!(text.contains("\"perspective_code\""), "{text}");
    for entry in walk(&bundle) {
        let bytes = std::fs::read(&entry).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(KEY),
            "the key is in {}",
            entry.display()
        );
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files.extend(walk(&p));
        } else {
            files.push(p);
        }
    }
    files
}

/// The `mpic` object, `mpic_errors` and `rir` as docs/schema/check.json says.
#[test]
fn mpic_reports_match_the_check_schema() {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/schema/check.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let dns = lab_dns(&["geo"]);
    let replay = start_api(Api::Replay {
        caa: recorded("geo-caa.response.json"),
        dcv: recorded("geo-cname.response.json"),
    });
    let broken = start_api(Api::Status(
        500,
        "text/plain",
        "Internal Server Error".into(),
    ));
    for (url, code) in [(&replay.url, 1), (&broken.url, 3)] {
        let (exit, out, _) = check_dns(&dns, "geo.lab.test", url, &["--json", "--rir", "RIPE NCC"]);
        assert_eq!(exit, code, "{out}");
        let doc: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(doc["rir"], "RIPE NCC");
        assert!(result(&doc, "cname")["mpic"].is_object(), "{doc}");
        let errors: Vec<String> = validator
            .iter_errors(&doc)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{errors:#?}\n{doc:#}");
    }
}
