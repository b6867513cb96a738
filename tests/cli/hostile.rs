//! Attacks by misbehaving servers, hostile certificates and odd input
//! (issue 9): each test reproduces one, against loopback servers or an
//! in-process DNS double, and checks that dcv neither lies, hangs, burns CPU
//! nor lets bytes through to the terminal.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use dcv::resolver::{Answer, Data, DnsTransport, QueryError, RType, Rcode, Record};
use dcv::resolver::{Config, Engine, Mode};
use futures::FutureExt;
use futures::future::BoxFuture;
use serde_json::Value;

use crate::support::dns_server::{Behavior, DnsServer, RrData, Zone};
use crate::support::http_server::{Reply, Request, TestCert, TestServer};
use crate::support::{dcv, fixture, json, recorded};

const CSR: &str = "rsa2048_multi.pem";
const NAME: &str = "www.example.com";

fn target() -> String {
    let sha = recorded(CSR).sha256;
    format!("{}.{}.sectigo.com.", &sha[..32], &sha[32..])
}

fn md5() -> String {
    recorded(CSR).md5
}

fn run(args: &[&str]) -> (i32, Value, String) {
    let out = dcv().args(args).output().unwrap();
    let doc = if args.contains(&"--json") {
        json(&out)
    } else {
        Value::Null
    };
    (
        out.status.code().unwrap_or(-1),
        doc,
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// `check-dns --recursive --txt HOST=VALUE` against `resolver`.
fn txt_check(resolver: &str, host_value: &str) -> (i32, Value, String) {
    run(&[
        "--json",
        "check-dns",
        "--recursive",
        "--resolver",
        resolver,
        "--timeout",
        "1",
        "--txt",
        host_value,
    ])
}

fn first_result(doc: &Value) -> &Value {
    &doc["results"][0]
}

// 1. Records owned by another name never make a pass.
#[test]
fn records_of_other_names_and_nxdomain_answers_never_pass() {
    let zone = Zone::new("example.org")
        .cname("unrelated.example.org", &target())
        .txt("unrelated.example.org", &["the-portal-value"]);
    for behavior in [Behavior::ForgeNxDomain, Behavior::ForgeNoError] {
        let s = DnsServer::with_behavior(vec![zone.clone()], behavior);
        let resolver = s.addr.to_string();
        let csr = fixture(CSR).display().to_string();
        let (code, doc, _) = run(&[
            "--json",
            "check-dns",
            "--recursive",
            "--resolver",
            &resolver,
            "--timeout",
            "1",
            "--csr",
            &csr,
            NAME,
        ]);
        assert_eq!(code, 1, "{behavior:?}: {doc:#}");
        let cname = doc["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["check"] == "cname")
            .unwrap();
        assert_eq!(cname["status"], "fail", "{cname:#}");
        let (code, doc, _) = txt_check(&resolver, "_dnsauth.example.com=the-portal-value");
        assert_eq!(code, 1, "{behavior:?}: {doc:#}");
        assert_eq!(first_result(&doc)["status"], "fail");
    }
}

// 2. Delegation fan-out: every level's servers refer to the next zone.
struct Delegations {
    per_zone: u8,
    asked: AtomicUsize,
}

const LEVELS: [&str; 5] = [
    "example.com",
    "d.example.com",
    "c.d.example.com",
    "b.c.d.example.com",
    "a.b.c.d.example.com",
];
const QNAME: &str = "_x.a.b.c.d.example.com";
const RESOLVER: &str = "127.0.9.9:53";

fn rec(owner: &str, data: Data) -> Record {
    Record {
        owner: owner.into(),
        ttl: 300,
        data,
    }
}

impl DnsTransport for Delegations {
    fn query(
        &self,
        server: SocketAddr,
        name: &str,
        rtype: RType,
        _rd: bool,
    ) -> BoxFuture<'static, Result<Answer, QueryError>> {
        self.asked.fetch_add(1, Ordering::SeqCst);
        let mut a = Answer {
            rcode: Rcode::NoError,
            authoritative: true,
            answers: vec![],
            authority: vec![],
            additional: vec![],
            signed: None,
        };
        let hosts = |level: usize| -> Vec<Record> {
            (0..self.per_zone)
                .map(|i| rec(LEVELS[level], Data::Ns(format!("ns{i}.{}", LEVELS[level]))))
                .collect()
        };
        if server.to_string() == RESOLVER {
            match rtype {
                RType::Soa => {
                    // The zone's SOA: the answer at the apex, the authority
                    // section of a negative answer below it.
                    let soa = rec(
                        "example.com",
                        Data::Soa {
                            mname: "ns0.example.com".into(),
                            minimum: 60,
                            serial: 1,
                        },
                    );
                    if name == "example.com" {
                        a.answers.push(soa);
                    } else {
                        a.rcode = Rcode::NxDomain;
                        a.authority.push(soa);
                    }
                }
                RType::Ns => a.answers = hosts(0),
                RType::A => {
                    // nsI.<level zone> is 127.0.LEVEL.I
                    let (host, zone) = name.split_once('.').unwrap();
                    let level = LEVELS.iter().position(|z| *z == zone).unwrap();
                    let i: u8 = host[2..].parse().unwrap();
                    a.answers.push(rec(
                        name,
                        Data::Addr(IpAddr::V4(Ipv4Addr::new(127, 0, level as u8, i))),
                    ));
                }
                _ => {}
            }
        } else {
            let level = match server.ip() {
                IpAddr::V4(v4) => v4.octets()[2] as usize,
                IpAddr::V6(_) => 0,
            };
            if level + 1 < LEVELS.len() {
                a.authoritative = false;
                a.authority = hosts(level + 1);
            } else {
                a.answers
                    .push(rec(QNAME, Data::Cname("target.example.".into())));
            }
        }
        async move { Ok(a) }.boxed()
    }
}

#[test]
fn delegation_fan_out_is_followed_once_per_zone() {
    let transport = Arc::new(Delegations {
        per_zone: 40,
        asked: AtomicUsize::new(0),
    });
    let mut cfg = Config::new(
        vec![RESOLVER.parse().unwrap()],
        Mode::Authoritative,
        Duration::from_secs(1),
    );
    cfg.ipv6 = false;
    let engine = Engine::new(transport.clone(), cfg);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // A guard, not a speed goal: the old recursion took ~300 s of CPU here.
    let lookup = rt
        .block_on(async {
            tokio::time::timeout(Duration::from_secs(60), engine.lookup(QNAME, RType::Cname)).await
        })
        .expect("the lookup must end in bounded time");
    // The 40 servers of the deepest zone, each asked once.
    assert_eq!(lookup.observations.len(), 40, "{:?}", lookup.error);
    assert!(
        lookup
            .observations
            .iter()
            .all(|o| o.zone.as_deref() == Some("a.b.c.d.example.com"))
    );
    // 5 zones x 40 servers, plus the resolver's SOA, NS and 200 A answers,
    // one SOA question for the parent side of example.com's delegation
    // (this resolver knows no zone above it), and the NS set each of
    // example.com's 40 servers serves (to tell servers the zone dropped).
    let asked = transport.asked.load(Ordering::SeqCst);
    assert!(asked <= 5 * 40 + 3 + 5 * 40 + 40, "asked {asked}");
}

fn https_with_cert(cert: &TestCert) -> TestServer {
    let body = format!("{}\nsectigo.com", recorded(CSR).sha256);
    let path = format!("/.well-known/pki-validation/{}.txt", md5());
    TestServer::https("127.0.0.1", cert, move |r: &Request| {
        if r.path == path {
            Reply::ok(body.clone())
        } else {
            Reply::status(404)
        }
    })
}

fn no_raw_controls(text: &str) {
    for bad in ['\x1b', '\x07', '\u{202e}', '\u{2066}', '\u{200b}'] {
        assert!(
            !text.contains(bad),
            "{:?} reached the terminal: {text:?}",
            bad
        );
    }
}

// 3. A certificate whose SAN carries terminal escapes.
#[test]
fn certificate_names_cannot_drive_the_terminal() {
    let cert = TestCert::self_signed(&["evil\x1b]0;owned\x07\x1b[31m.example"]);
    let server = https_with_cert(&cert);
    let port = server.port().to_string();
    let csr = fixture(CSR).display().to_string();
    let (code, _, stdout) = run(&[
        "check-http",
        "--csr",
        &csr,
        "--scheme",
        "https",
        "--https-port",
        &port,
        "--resolve",
        "www.example.com:127.0.0.1",
        NAME,
    ]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("\\u{1b}]0;owned\\u{7}"), "{stdout}");
    no_raw_controls(&stdout);
}

// 4. Bidi controls in a redirect Location and in a rejected name.
#[test]
fn bidi_controls_are_escaped() {
    let path = format!("/.well-known/pki-validation/{}.txt", md5());
    let server = TestServer::http("127.0.0.1", move |r: &Request| {
        if r.path == path {
            Reply::redirect(302, "http://example.com/\u{202e}txt.exe")
        } else {
            Reply::status(404)
        }
    });
    let port = server.port().to_string();
    let csr = fixture(CSR).display().to_string();
    let (code, _, stdout) = run(&[
        "check-http",
        "--csr",
        &csr,
        "--http-port",
        &port,
        "--resolve",
        "www.example.com:127.0.0.1",
        NAME,
    ]);
    assert_eq!(code, 1);
    assert!(stdout.contains("\\u{202e}txt.exe"), "{stdout}");
    no_raw_controls(&stdout);

    let r = recorded(CSR);
    let (code, _, stdout) = run(&[
        "check-dns",
        "--md5",
        &r.md5,
        "--sha256",
        &r.sha256,
        "--resolver",
        "127.0.0.1:9",
        "--timeout",
        "0.2",
        "ab\u{2066}c.example.com",
    ]);
    assert_eq!(code, 1);
    assert!(stdout.contains("INVALID"), "{stdout}");
    no_raw_controls(&stdout);
}

fn http_serving_file() -> TestServer {
    let body = format!("{}\nsectigo.com", recorded(CSR).sha256);
    let path = format!("/.well-known/pki-validation/{}.txt", md5());
    TestServer::http("127.0.0.1", move |r: &Request| {
        if r.path == path {
            Reply::ok(body.clone())
        } else {
            Reply::status(404)
        }
    })
}

fn check_http_via(dns: &DnsServer, web: &TestServer, extra: &[&str]) -> (i32, Value) {
    let resolver = dns.addr.to_string();
    let port = web.port().to_string();
    let csr = fixture(CSR).display().to_string();
    let mut args = vec![
        "--json",
        "check-http",
        "--csr",
        &csr,
        "--resolver",
        &resolver,
        "--timeout",
        "2",
        "--http-port",
        &port,
    ];
    args.extend_from_slice(extra);
    args.push(NAME);
    let (code, doc, _) = run(&args);
    (code, doc)
}

// 6. Address lookups: a failed A lookup fails; a lone AAAA NXDOMAIN does not.
#[test]
fn address_lookup_failures_are_read_as_the_ca_would() {
    let web = http_serving_file();
    // The zone's own server answers the CAA questions (SPEC 8: CAA is
    // asked of every authoritative server), at the lab's port.
    let zone = Zone::new("example.com")
        .a(NAME, Ipv4Addr::LOCALHOST)
        .a("ns1.example.com", Ipv4Addr::LOCALHOST)
        .rr(NAME, RrData::Aaaa("::1".parse().unwrap()));
    let dns = DnsServer::with_behavior(vec![zone.clone()], Behavior::ServFailA);
    let (code, doc) = check_http_via(&dns, &web, &[]);
    assert_eq!(code, 1, "{doc:#}");
    let detail = first_result(&doc)["detail"].as_str().unwrap().to_owned();
    assert!(detail.contains("the A lookup failed: SERVFAIL"), "{detail}");

    let dns = DnsServer::with_behavior(vec![zone], Behavior::NxDomainAaaa);
    let port = dns.addr.port().to_string();
    let (code, doc) = check_http_via(&dns, &web, &["--ns-port", &port]);
    assert_eq!(code, 0, "{doc:#}");
    let detail = first_result(&doc)["detail"].as_str().unwrap().to_owned();
    assert!(detail.contains("RFC 4074"), "{detail}");
}

// 7. An out-of-range port is an error, not port 80.
#[test]
fn url_with_an_out_of_range_port_is_refused() {
    for url in ["http://127.0.0.1:99999/x", "http://example.com:0/x"] {
        let out = dcv()
            .args(["check-http", "--url", url, "--expect", "x"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{url}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("port"), "{err}");
    }
}

// 8. The real cause: a malformed reply, an alias loop, a long chain.
#[test]
fn malformed_replies_loops_and_long_chains_are_named() {
    let dns = DnsServer::with_behavior(vec![Zone::new("example.com")], Behavior::CompressionLoop);
    let resolver = dns.addr.to_string();
    let (code, doc, _) = txt_check(&resolver, "_x.example.com=v");
    assert_eq!(code, 1);
    let text = first_result(&doc).to_string();
    assert!(text.contains("malformed reply"), "{text}");
    assert!(!text.contains("timed out"), "{text}");

    let web = http_serving_file();
    let looped = Zone::new("example.com")
        .cname(NAME, "loop.example.com")
        .cname("loop.example.com", NAME);
    let dns = DnsServer::start(vec![looped]);
    let (code, doc) = check_http_via(&dns, &web, &["-4"]);
    assert_eq!(code, 1);
    let detail = first_result(&doc)["detail"].as_str().unwrap().to_owned();
    assert!(detail.contains("alias loop"), "{detail}");

    let mut long = Zone::new("example.com").cname(NAME, "c0.example.com");
    for i in 0..30 {
        long = long.cname(
            &format!("c{i}.example.com"),
            &format!("c{}.example.com", i + 1),
        );
    }
    let dns = DnsServer::start(vec![long]);
    let (code, doc) = check_http_via(&dns, &web, &["-4"]);
    assert_eq!(code, 1);
    let detail = first_result(&doc)["detail"].as_str().unwrap().to_owned();
    assert!(detail.contains("more than 16 aliases"), "{detail}");
}

// 9. A check has a total deadline.
#[test]
fn a_check_ends_at_its_deadline_and_says_so() {
    let dns = DnsServer::with_behavior(vec![Zone::new("example.com")], Behavior::Silent);
    let resolver = dns.addr.to_string();
    let csr = fixture(CSR).display().to_string();
    let (code, doc, _) = run(&[
        "--json",
        "check-dns",
        "--resolver",
        &resolver,
        "--timeout",
        "0.4",
        "--deadline",
        "0.5",
        "--csr",
        &csr,
        NAME,
    ]);
    assert_eq!(code, 1);
    let text = doc["results"].to_string();
    assert!(text.contains("deadline of 0.5s"), "{text}");
}

// 10. Closed pipes, huge negative TTLs, absurd timeouts.
#[test]
fn a_failed_check_keeps_exit_1_when_stdout_is_closed_and_stderr_never_panics() {
    let csr = fixture(CSR).display().to_string();
    let dcv_path = assert_cmd::cargo::cargo_bin("dcv");
    // Nothing listens on 127.0.0.1:9: the check fails, and `true` has
    // closed the pipe before dcv writes its report.
    let script = r#"set -o pipefail; "$0" "$@" | true; echo "exit=${PIPESTATUS[0]}""#;
    let out = std::process::Command::new("bash")
        .args(["-c", script])
        .arg(&dcv_path)
        .args([
            "check-http",
            "--csr",
            &csr,
            "--resolve",
            "www.example.com:127.0.0.1",
            "--http-port",
            "9",
            NAME,
        ])
        .env("NO_COLOR", "1")
        .env("DCV_LAB", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("exit=1"), "{stdout}");

    // A warning (unused --resolve) written to a closed stderr.
    let out = std::process::Command::new("bash")
        .args(["-c", r#""$0" "$@" 2>&-; echo "exit=$?""#])
        .arg(&dcv_path)
        .args([
            "check-http",
            "--csr",
            &csr,
            "--resolve",
            "www.example.com:127.0.0.1",
            "--resolve",
            "other.example.net:127.0.0.1",
            "--http-port",
            "9",
            NAME,
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("exit=1"), "{stdout}");
}

#[test]
fn a_negative_ttl_with_the_top_bit_set_counts_as_zero() {
    let dns = DnsServer::start(vec![Zone::new("example.com").minimum(0x8000_0000)]);
    let resolver = dns.addr.to_string();
    let (code, doc, _) = txt_check(&resolver, "_x.example.com=v");
    assert_eq!(code, 1);
    let text = first_result(&doc).to_string();
    assert!(text.contains("negative-caching TTL of 0s"), "{text}");
    assert!(!text.contains("2147483648"), "{text}");
}

#[test]
fn a_timeout_that_rounds_to_zero_is_refused() {
    let out = dcv()
        .args([
            "check-dns",
            "--timeout",
            "1e-300",
            "--txt",
            "a.example.com=x",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("from 0.001 to 3600"), "{err}");
}
