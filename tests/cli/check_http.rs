//! `dcv check-http` end to end against in-process HTTP and HTTPS servers on
//! loopback (tests/support/http_server.rs); names are pinned to 127.0.0.1
//! or [::1] with --resolve, so no DNS and no internet are needed. Expected
//! bodies come from the hashes openssl recorded, never from dcv itself.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::dns_server::{DnsServer, RrData, Zone};
use crate::support::http_server::{Reply, Request, TestCert, TestServer, ipv6_available};
use crate::support::{dcv, fixture, json, recorded};

const CSR: &str = "rsa2048_multi.pem";
const NAME: &str = "www.example.com";

pub(crate) fn path() -> String {
    format!("/.well-known/pki-validation/{}.txt", recorded(CSR).md5)
}

pub(crate) fn good_body() -> String {
    format!("{}\nsectigo.com", recorded(CSR).sha256)
}

/// A server that answers the validation path with `reply` and 404 elsewhere.
pub(crate) fn serving(reply: Reply) -> TestServer {
    let path = path();
    TestServer::http("127.0.0.1", move |r: &Request| {
        if r.path == path {
            reply.clone()
        } else {
            Reply::status(404)
        }
    })
}

/// `dcv check-http --json --csr CSR www.example.com` pinned to 127.0.0.1:PORT.
fn check(port: u16, extra: &[&str]) -> (std::process::Output, Value) {
    let mut cmd = dcv();
    cmd.args(["check-http", "--json", "--csr"])
        .arg(fixture(CSR))
        .args(["--resolve", &format!("{NAME}:127.0.0.1")]);
    // 0: no plain-HTTP port (an --https check); port 0 is refused as a flag.
    if port != 0 {
        cmd.args(["--http-port", &port.to_string()]);
    }
    if !extra.contains(&"--timeout") {
        cmd.args(["--timeout", "5"]);
    }
    let output = cmd.args(extra).arg(NAME).output().unwrap();
    let v = json(&output);
    (output, v)
}

fn result(v: &Value) -> &Value {
    assert_eq!(v["results"].as_array().unwrap().len(), 1, "{v:#}");
    &v["results"][0]
}

/// Checks a body that must fail, and returns the result's detail.
fn fails_with(body: impl Into<Vec<u8>>) -> (String, String) {
    let server = serving(Reply::ok(body));
    let (out, v) = check(server.port(), &[]);
    assert_eq!(out.status.code(), Some(1), "{v:#}");
    assert_eq!(v["ok"], false);
    let r = result(&v);
    assert_eq!(r["status"], "fail");
    assert_eq!(r["check"], "http");
    (
        r["detail"].as_str().unwrap().to_owned(),
        r["hint"].as_str().unwrap_or_default().to_owned(),
    )
}

#[test]
fn exact_body_passes_with_host_header_and_attempt() {
    let server = serving(Reply::ok(good_body()));
    let (out, v) = check(server.port(), &[]);
    assert_eq!(out.status.code(), Some(0), "{v:#}");
    assert_eq!(v["ok"], true);
    let r = result(&v);
    assert_eq!(r["domain"], NAME);
    assert_eq!(r["check"], "http");
    assert_eq!(r["status"], "pass");
    let a = &r["attempts"][0];
    let port = server.port();
    assert_eq!(a["address"], format!("127.0.0.1:{port}"));
    assert_eq!(a["status"], 200);
    assert_eq!(a["outcome"], "pass");
    assert_eq!(a["url"], format!("http://{NAME}:{port}{}", path()));
    let seen = server.requests();
    // A pass is fetched twice (a load balancer's other backend may differ).
    assert_eq!(seen.len(), 2);
    assert_eq!(
        seen[0].host.as_deref(),
        Some(format!("{NAME}:{port}").as_str())
    );
    assert_eq!(seen[0].path, path());
}

#[test]
fn invisible_differences_are_named() {
    let body = good_body();
    let (d, h) = fails_with(format!("{body}\n"));
    assert!(d.contains("only by a trailing newline"), "{d}");
    assert!(h.contains("remove the newline at the end"), "{h}");
    let (d, _) = fails_with(body.replace('\n', "\r\n"));
    assert!(d.contains("only by CRLF line ends"), "{d}");
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(body.as_bytes());
    let (d, _) = fails_with(bom);
    assert!(d.contains("only by a UTF-8 byte order mark (BOM)"), "{d}");
    let (d, _) = fails_with(format!("  {body}  \n\n"));
    assert!(d.contains("only by surrounding whitespace"), "{d}");
    let (d, _) = fails_with(body.to_lowercase());
    assert!(d.contains("only by letter case"), "{d}");
}

#[test]
fn another_csrs_file_is_named() {
    let other = recorded("rsa3072_sha384.pem").sha256;
    let (d, h) = fails_with(format!("{other}\nsectigo.com"));
    assert!(d.contains("another CSR's file"), "{d}");
    assert!(d.contains(&other[..16]), "{d}");
    assert!(h.contains("different CSR"), "{h}");
    let (d, _) = fails_with(format!("{}\ncomodoca.com", recorded(CSR).sha256));
    assert_eq!(
        d,
        "the CA tag is \"comodoca.com\", expected \"sectigo.com\""
    );
}

#[test]
fn html_page_is_recognised() {
    let page =
        "<!doctype html><html><head><title>Welcome to nginx!</title></head><body></body></html>";
    let server = serving(Reply::ok(page).with_header("Content-Type", "text/html"));
    let (_, v) = check(server.port(), &[]);
    let d = result(&v)["detail"].as_str().unwrap().to_owned();
    assert_eq!(
        d,
        "an HTML page (title \"Welcome to nginx!\") where the text file belongs"
    );
    assert!(result(&v)["hint"].as_str().unwrap().contains("soft 404"));
}

#[test]
fn error_statuses_fail() {
    for (status, want) in [(404, "not found (404)"), (500, "server error (500)")] {
        let server = serving(Reply::status(status));
        let (out, v) = check(server.port(), &[]);
        assert_eq!(out.status.code(), Some(1));
        let r = result(&v);
        assert_eq!(r["detail"], want);
        assert_eq!(r["attempts"][0]["status"], status);
    }
}

#[test]
fn redirects_fail_naming_the_location_and_are_not_followed() {
    for status in [301, 302, 307, 308] {
        let location = format!("https://{NAME}{}", path());
        let server = serving(Reply::redirect(status, &location));
        let (out, v) = check(server.port(), &[]);
        assert_eq!(out.status.code(), Some(1));
        let r = result(&v);
        assert_eq!(r["detail"], format!("redirect ({status}) to {location}"));
        assert!(
            r["hint"]
                .as_str()
                .unwrap()
                .contains("do not follow redirects")
        );
        assert_eq!(server.requests().len(), 1, "a redirect was followed");
    }
}

#[test]
fn huge_bodies_fail_fast() {
    for content_length in [true, false] {
        let server = serving(Reply::Big {
            len: 50 * 1024 * 1024,
            content_length,
        });
        let started = Instant::now();
        let (out, v) = check(server.port(), &[]);
        assert_eq!(out.status.code(), Some(1));
        let d = result(&v)["detail"].as_str().unwrap().to_owned();
        assert!(d.starts_with("the body is larger than 64 KiB"), "{d}");
        if content_length {
            assert!(d.contains("52428800 bytes"), "{d}");
        }
        // Far less than reading 50 MB would take in a debug build.
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
    }
}

#[test]
fn trickling_server_hits_the_timeout() {
    let server = serving(Reply::Trickle {
        every: Duration::from_secs(1),
    });
    let started = Instant::now();
    let (out, v) = check(server.port(), &["--timeout", "2"]);
    let elapsed = started.elapsed();
    assert_eq!(out.status.code(), Some(1));
    let d = result(&v)["detail"].as_str().unwrap().to_owned();
    assert!(
        d.starts_with("the response was still incomplete after 2s ("),
        "{d}"
    );
    assert!(elapsed < Duration::from_secs(6), "{elapsed:?}");
}

#[test]
fn silent_server_hits_the_timeout() {
    let server = serving(Reply::Silent);
    let started = Instant::now();
    let (out, v) = check(server.port(), &["--timeout", "1"]);
    assert_eq!(out.status.code(), Some(1));
    let r = result(&v);
    assert_eq!(r["detail"], "connected, but nothing came back within 1s");
    assert!(
        r["hint"]
            .as_str()
            .unwrap()
            .contains("did not answer in time")
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn refused_connection() {
    // Bind and drop to find a port where nothing listens.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (out, v) = check(port, &[]);
    assert_eq!(out.status.code(), Some(1));
    let r = result(&v);
    assert_eq!(r["detail"], "connection refused");
    assert!(
        r["hint"]
            .as_str()
            .unwrap()
            .contains(&format!("port {port}"))
    );
}

#[test]
fn ipv6_refused_while_ipv4_serves() {
    if !ipv6_available() {
        eprintln!("note: [::1] is unavailable here; skipping the IPv6 test");
        return;
    }
    let server = serving(Reply::ok(good_body()));
    let port = server.port();
    let (out, v) = check(port, &["--resolve", &format!("{NAME}:[::1]")]);
    assert_eq!(out.status.code(), Some(1), "{v:#}");
    let r = result(&v);
    assert_eq!(
        r["detail"],
        format!("IPv6 fails while IPv4 serves the file (1 of 2): [::1]:{port}: connection refused")
    );
    assert!(r["hint"].as_str().unwrap().contains("IPv6"));
    let attempts = r["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 2);
    assert_eq!(attempts[0]["outcome"], "pass");

    // With -4 only the IPv4 address is asked, and it passes.
    let (out, v) = check(port, &["--resolve", &format!("{NAME}:::1"), "-4"]);
    assert_eq!(out.status.code(), Some(0), "{v:#}");
    assert_eq!(result(&v)["attempts"].as_array().unwrap().len(), 1);
}

#[test]
fn both_families_serving_pass() {
    if !ipv6_available() {
        eprintln!("note: [::1] is unavailable here; skipping the IPv6 test");
        return;
    }
    let v4 = serving(Reply::ok(good_body()));
    let body = good_body();
    let Ok(v6) = TestServer::http_on("::1", v4.port(), move |_| Reply::ok(body.clone())) else {
        eprintln!("note: port taken on [::1]; skipping");
        return;
    };
    let (out, v) = check(v4.port(), &["--resolve", &format!("{NAME}:::1")]);
    assert_eq!(out.status.code(), Some(0), "{v:#}");
    let r = result(&v);
    assert_eq!(r["attempts"].as_array().unwrap().len(), 2);
    assert!(r["detail"].as_str().unwrap().contains("all 2 addresses"));
    // Each address is fetched twice (a pass is fetched once more).
    assert_eq!(v6.requests().len(), 2);
    assert_eq!(v4.requests().len(), 2);
}

#[test]
fn tls_on_the_http_port() {
    let cert = TestCert::self_signed(&[NAME]);
    let body = good_body();
    let server = TestServer::https("127.0.0.1", &cert, move |_| Reply::ok(body.clone()));
    let (out, v) = check(server.port(), &[]);
    assert_eq!(out.status.code(), Some(1));
    let r = result(&v);
    assert_eq!(r["detail"], "the server speaks TLS on this plain-HTTP port");
    assert!(r["hint"].as_str().unwrap().contains("--scheme https"));
}

#[test]
fn plain_http_on_the_https_port() {
    let server = serving(Reply::ok(good_body()));
    let (out, v) = check(
        0,
        &[
            "--scheme",
            "https",
            "--https-port",
            &server.port().to_string(),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let r = result(&v);
    assert_eq!(r["check"], "https");
    assert_eq!(
        r["detail"],
        "the server answered in plain HTTP on this HTTPS port"
    );
}

#[test]
fn https_passes_without_verification_and_notes_the_certificate() {
    let cert = TestCert::self_signed(&[NAME]);
    let body = good_body();
    let server = TestServer::https("127.0.0.1", &cert, move |_| Reply::ok(body.clone()));
    let port = server.port().to_string();
    let (out, v) = check(0, &["--scheme", "https", "--https-port", &port]);
    assert_eq!(out.status.code(), Some(0), "{v:#}");
    let r = result(&v);
    assert_eq!(r["check"], "https");
    assert_eq!(r["status"], "pass");
    assert!(
        r["detail"]
            .as_str()
            .unwrap()
            .ends_with("note: the certificate is self-signed")
    );
    assert_eq!(
        r["attempts"][0]["outcome"],
        "pass; certificate: self-signed"
    );
    let seen = server.requests();
    assert_eq!(seen[0].sni.as_deref(), Some(NAME));

    let cert = TestCert::expired(&["other.example.net"]);
    let body = good_body();
    let server = TestServer::https("127.0.0.1", &cert, move |_| Reply::ok(body.clone()));
    let port = server.port().to_string();
    let (_, v) = check(0, &["--scheme", "https", "--https-port", &port]);
    let d = result(&v)["detail"].as_str().unwrap().to_owned();
    assert!(
        d.ends_with("note: the certificate is expired on 2021-06-30, self-signed, not valid for www.example.com (it is for other.example.net)"),
        "{d}"
    );
}

#[test]
fn both_schemes_give_one_result_each() {
    let http = serving(Reply::ok(good_body()));
    let cert = TestCert::self_signed(&[NAME]);
    let https = TestServer::https("127.0.0.1", &cert, |_| Reply::status(404));
    let port = https.port().to_string();
    let (out, v) = check(http.port(), &["--scheme", "both", "--https-port", &port]);
    assert_eq!(out.status.code(), Some(1));
    let results = v["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(results[0]["check"], "http");
    assert_eq!(results[0]["status"], "pass");
    assert_eq!(results[1]["check"], "https");
    assert_eq!(
        results[1]["detail"],
        "not found (404); note: the certificate is self-signed"
    );
}

#[test]
fn wildcards_skip_and_rejected_names_are_never_fetched() {
    let wild = recorded("ec256_wildcard.pem");
    let body = format!("{}\nsectigo.com", wild.sha256);
    let server = TestServer::http("127.0.0.1", move |_| Reply::ok(body.clone()));
    let out = dcv()
        .args(["check-http", "--json", "--csr"])
        .arg(fixture("ec256_wildcard.pem"))
        .args(["--resolve", "example.com:127.0.0.1"])
        .args(["--http-port", &server.port().to_string()])
        .output()
        .unwrap();
    let v = json(&out);
    assert_eq!(out.status.code(), Some(0), "{v:#}");
    let results = v["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(results[0]["domain"], "*.example.com");
    assert_eq!(results[0]["status"], "skip");
    assert!(results[0]["detail"].as_str().unwrap().contains("wildcard"));
    assert_eq!(results[1]["status"], "pass");
    // example.com only, fetched twice (a pass is fetched once more).
    assert_eq!(server.requests().len(), 2);

    // bad_names.pem: only good.example.com is fetched; the rest are `invalid` input.
    let bad = recorded("bad_names.pem");
    let body = format!("{}\nsectigo.com", bad.sha256);
    let server = TestServer::http("127.0.0.1", move |_| Reply::ok(body.clone()));
    let out = dcv()
        .args(["check-http", "--json", "--csr"])
        .arg(fixture("bad_names.pem"))
        .args(["--resolve", "good.example.com:127.0.0.1"])
        .args(["--http-port", &server.port().to_string()])
        .output()
        .unwrap();
    let v = json(&out);
    assert_eq!(out.status.code(), Some(1), "{v:#}");
    let results = v["results"].as_array().unwrap();
    let good: Vec<&Value> = results.iter().filter(|r| r["check"] == "http").collect();
    assert_eq!(good.len(), 1);
    assert_eq!(good[0]["domain"], "good.example.com");
    assert_eq!(good[0]["status"], "pass");
    let invalid: Vec<&Value> = results
        .iter()
        .filter(|r| r["status"] == "invalid")
        .collect();
    assert!(invalid.len() >= 10, "{v:#}");
    assert!(invalid.iter().all(|r| r["check"] == "input"));
    assert!(
        invalid
            .iter()
            .any(|r| r["domain"] == "evil/../x.example.com")
    );
    let seen = server.requests();
    // good.example.com only, fetched twice (a pass is fetched once more).
    assert_eq!(seen.len(), 2);
    assert!(seen.iter().all(|r| r.host == seen[0].host));
    assert_eq!(
        seen[0].host.as_deref().unwrap().split(':').next(),
        Some("good.example.com")
    );
}

#[test]
fn url_and_expect() {
    let server = TestServer::http("127.0.0.1", |r: &Request| {
        if r.path == "/.well-known/pki-validation/fileauth.txt" {
            Reply::ok("2024abcdef")
        } else {
            Reply::status(404)
        }
    });
    let port = server.port();
    let literal = format!("http://127.0.0.1:{port}/.well-known/pki-validation/fileauth.txt");
    let out = dcv()
        .args([
            "check-http",
            "--json",
            "--url",
            &literal,
            "--expect",
            "2024abcdef",
        ])
        .output()
        .unwrap();
    let v = json(&out);
    assert_eq!(out.status.code(), Some(0), "{v:#}");
    assert_eq!(v["results"][0]["domain"], "127.0.0.1");
    assert_eq!(v["results"][0]["attempts"][0]["url"], literal);

    let named = format!("http://portal.example.com:{port}/.well-known/pki-validation/fileauth.txt");
    let out = dcv()
        .args([
            "check-http",
            "--json",
            "--url",
            &named,
            "--expect",
            "2024abcdeX",
        ])
        .args(["--resolve", "portal.example.com:127.0.0.1"])
        .output()
        .unwrap();
    let v = json(&out);
    assert_eq!(out.status.code(), Some(1), "{v:#}");
    let r = &v["results"][0];
    assert_eq!(r["domain"], "portal.example.com");
    assert_eq!(
        r["detail"],
        "the body is \"2024abcdef\", expected \"2024abcdeX\""
    );
    assert!(r["hint"].as_str().unwrap().contains("portal"));
    // The literal URL's two fetches (a pass is fetched twice), then these.
    assert_eq!(
        server.requests()[2].host.as_deref(),
        Some(format!("portal.example.com:{port}").as_str())
    );
}

#[test]
fn hashes_and_token_without_a_csr() {
    let rec = recorded(CSR);
    let body = format!("{}\nssl.com\nTok3n", rec.sha256);
    let server = serving(Reply::ok(body));
    let port = server.port().to_string();
    let run = |token: &str| {
        let out = dcv()
            .args([
                "check-http",
                "--json",
                "--md5",
                &rec.md5,
                "--sha256",
                &rec.sha256,
            ])
            .args(["--ca", "sslcom", "--http-port", &port])
            .args(["--resolve", &format!("{NAME}:127.0.0.1"), NAME])
            .env("DCV_TOKEN", token)
            .output()
            .unwrap();
        let v = json(&out);
        (out.status.code(), v)
    };
    let (code, v) = run("Tok3n");
    assert_eq!(code, Some(0), "{v:#}");
    let (code, v) = run("Other1");
    assert_eq!(code, Some(1));
    assert_eq!(
        v["results"][0]["detail"],
        "the uniqueValue is \"Tok3n\", expected \"Other1\""
    );
}

#[test]
fn wait_polls_until_the_file_appears() {
    let hits = Arc::new(AtomicUsize::new(0));
    let (h, body, path) = (hits.clone(), good_body(), path());
    let server = TestServer::http("127.0.0.1", move |r: &Request| {
        // 404 on the first request, the file afterwards.
        if h.fetch_add(1, Ordering::SeqCst) == 0 || r.path != path {
            Reply::status(404)
        } else {
            Reply::ok(body.clone())
        }
    });
    let (out, v) = check(server.port(), &["--wait", "20s"]);
    assert_eq!(out.status.code(), Some(0), "{v:#}");
    // Round 1: the 404, then its second fetch (which here already finds
    // the file: two answers that differ); round 2: the file, twice.
    assert_eq!(hits.load(Ordering::SeqCst), 4);
}

#[test]
fn human_output_shows_attempts_and_hint() {
    let server = serving(Reply::ok(format!("{}\n", good_body())));
    let out = dcv()
        .args(["check-http", "--csr"])
        .arg(fixture(CSR))
        .args(["--resolve", &format!("{NAME}:127.0.0.1")])
        .args(["--http-port", &server.port().to_string(), NAME])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with(&format!("FAIL http  {NAME}: the body differs")),
        "{text}"
    );
    assert!(text.contains("@ 127.0.0.1:"), "{text}");
    assert!(
        text.contains("hint: CAs compare the bytes exactly"),
        "{text}"
    );
    assert!(
        text.ends_with("0 passed, 1 failed, 0 skipped, 0 invalid\n"),
        "{text}"
    );
}

#[test]
fn bad_usage_exits_2() {
    let cases: Vec<Vec<&str>> = vec![
        vec!["check-http"],
        vec![
            "check-http",
            "--md5",
            "24D70B5796C322160073BBE3C29CB19F",
            "--sha256",
            "BC870A155ABCFD66FE3193E653E3E28F54F1FD34090414185B0891BE88078E2C",
        ],
        vec![
            "check-http",
            "--url",
            "ftp://example.com/x",
            "--expect",
            "x",
        ],
        vec![
            "check-http",
            "--url",
            "http://example.com/x",
            "--expect",
            "x",
            "example.com",
        ],
        vec!["check-http", "--url", "http://example.com/x"],
        vec!["check-http", "--resolve", "nonsense"],
    ];
    for args in cases {
        let out = dcv().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(!out.stderr.is_empty());
    }
    let out = dcv()
        .args(["check-http", "--csr"])
        .arg(fixture(CSR))
        .arg("not-in-the-csr.example.org")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn excluded_family_fails_without_fetching() {
    let out = dcv()
        .args(["check-http", "--json", "--csr"])
        .arg(fixture(CSR))
        .args(["--resolve", &format!("{NAME}:::1"), "-4", NAME])
        .output()
        .unwrap();
    let v = json(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        v["results"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("excluded by -4/-6")
    );
}

#[test]
fn addresses_come_from_the_resolver() {
    let server = serving(Reply::ok(good_body()));
    // example.com lies in the zone `com`, where nothing exists: NXDOMAIN.
    let dns = DnsServer::start(vec![
        Zone::new("com"),
        Zone::new(NAME).a(NAME, std::net::Ipv4Addr::LOCALHOST),
        Zone::new("shop.example.com").rr(
            "shop.example.com",
            RrData::Aaaa("2001:db8::1".parse().unwrap()),
        ),
    ]);
    let out = dcv()
        .args(["check-http", "--json", "--csr"])
        .arg(fixture(CSR))
        .args(["--resolver", &dns.addr.to_string(), "--timeout", "3", "-4"])
        .args(["--http-port", &server.port().to_string()])
        .args([NAME, "example.com", "shop.example.com"])
        .output()
        .unwrap();
    let v = json(&out);
    assert_eq!(out.status.code(), Some(1), "{v:#}");
    let r = v["results"].as_array().unwrap();
    assert_eq!(r[0]["status"], "pass", "{v:#}");
    assert_eq!(
        r[0]["attempts"][0]["address"],
        format!("127.0.0.1:{}", server.port())
    );
    // From DNS, a loopback address is worth a note: the CA cannot reach it.
    assert!(
        r[0]["detail"].as_str().unwrap().ends_with(
            "; note: 127.0.0.1 is a loopback address, which the CA cannot reach over the internet"
        ),
        "{v:#}"
    );
    assert_eq!(
        r[1]["detail"],
        "example.com does not exist in DNS (NXDOMAIN)"
    );
    assert_eq!(r[2]["detail"], "shop.example.com has no A record");
}

#[test]
fn connect_timeout_is_told_from_refused() {
    // A listener whose accept queue is full drops further SYNs, like a
    // firewall that drops packets: the connection attempt times out.
    let socket = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = socket.local_addr().unwrap();
    drop(socket);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let listener = rt.block_on(async {
        let s = tokio::net::TcpSocket::new_v4().unwrap();
        s.bind(addr).unwrap();
        s.listen(0).unwrap()
    });
    let mut held = Vec::new();
    for _ in 0..4 {
        if let Ok(c) = std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(300)) {
            held.push(c);
        }
    }
    let started = Instant::now();
    let (out, v) = check(addr.port(), &["--timeout", "1"]);
    assert_eq!(out.status.code(), Some(1));
    let r = result(&v);
    if r["detail"] != "connection timed out after 1s" {
        eprintln!(
            "note: this kernel did not drop SYNs on a full accept queue ({}); skipping",
            r["detail"]
        );
        return;
    }
    assert!(r["hint"].as_str().unwrap().contains("firewall"));
    assert!(started.elapsed() < Duration::from_secs(5));
    drop((held, listener));
}

#[test]
fn unused_resolve_is_warned_about() {
    let server = serving(Reply::ok(good_body()));
    let (out, v) = check(server.port(), &["--resolve", "typo.example.com:127.0.0.1"]);
    assert_eq!(out.status.code(), Some(0), "{v:#}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr
            .contains("warning: --resolve for names not being checked (ignored): typo.example.com"),
        "{stderr}"
    );
}
