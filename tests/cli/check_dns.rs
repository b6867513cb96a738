//! `dcv check-dns` against in-process authoritative servers on loopback:
//! recursive mode through the binary, authoritative mode (nameserver
//! addresses injected) through the library API. Expected values come from
//! the openssl-recorded hashes, never from the code under test.

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use dcv::cli::{Cli, ColorWhen, Command};
use dcv::http::HyperFetcher;
use dcv::net::Net;
use dcv::output::Output;
use dcv::plan::CheckPlan;
use dcv::report::{CheckReport, Status};
use dcv::resolver::WireTransport;
use dcv::resolver::{Answer, DnsTransport, QueryError, RType, Rcode};
use futures::FutureExt;
use futures::future::BoxFuture;
use serde_json::Value;

use crate::support::dns_server::{Behavior, DnsServer, Zone};
use crate::support::{self, dcv, fixture, json, recorded};

const LOOPBACK: Ipv4Addr = Ipv4Addr::LOCALHOST;

struct Csr {
    file: &'static str,
    md5: String,
    sha: String,
}

fn csr(file: &'static str) -> Csr {
    let r = recorded(file);
    Csr {
        file,
        md5: r.md5,
        sha: r.sha256,
    }
}

impl Csr {
    /// `_<MD5>.<adn>` per SPEC section 1.
    fn name(&self, adn: &str) -> String {
        format!("_{}.{adn}", self.md5)
    }
    /// `<SHA[0..32]>.<SHA[32..64]>.<tag>.` per SPEC section 1.
    fn target(&self, tag: &str) -> String {
        format!("{}.{}.{tag}.", &self.sha[..32], &self.sha[32..])
    }
    fn path(&self) -> String {
        fixture(self.file).display().to_string()
    }
}

fn base_zone() -> Zone {
    Zone::new("example.com").a("ns1.example.com", LOOPBACK)
}

/// Runs `dcv --json check-dns --recursive --resolver <server> ARGS`.
pub(crate) fn check(server: &DnsServer, args: &[&str]) -> (i32, Value) {
    let resolver = server.addr.to_string();
    let mut full = vec![
        "--json",
        "check-dns",
        "--recursive",
        "--resolver",
        &resolver,
    ];
    if !args.contains(&"--timeout") {
        full.extend(["--timeout", "2"]);
    }
    full.extend_from_slice(args);
    let out = dcv().args(&full).output().unwrap();
    let code = out.status.code().unwrap();
    let doc = json(&out);
    assert_eq!(doc["ok"].as_bool().unwrap(), code == 0, "{doc}");
    (code, doc)
}

pub(crate) fn result<'a>(doc: &'a Value, domain: &str, check: &str) -> &'a Value {
    doc["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["domain"] == domain && r["check"] == check)
        .unwrap_or_else(|| panic!("no {check} result for {domain} in {doc:#}"))
}

pub(crate) fn detail(r: &Value) -> String {
    format!(
        "{} {}",
        r["detail"].as_str().unwrap_or(""),
        r["hint"].as_str().unwrap_or("")
    )
}

#[test]
fn passes_at_the_parent_adn() {
    let c = csr("rsa2048_multi.pem");
    let s = DnsServer::start(vec![
        base_zone().cname(&c.name("example.com"), &c.target("sectigo.com")),
    ]);
    let (code, doc) = check(
        &s,
        &["--csr", &c.path(), "www.example.com", "shop.example.com"],
    );
    assert_eq!(code, 0, "{doc:#}");
    for d in ["www.example.com", "shop.example.com"] {
        let r = result(&doc, d, "cname");
        assert_eq!(r["status"], "pass");
        assert_eq!(r["adn"], "example.com");
        assert_eq!(result(&doc, d, "caa")["status"], "pass");
    }
}

#[test]
fn passes_at_the_fqdn_first() {
    let c = csr("rsa2048_multi.pem");
    let s = DnsServer::start(vec![
        base_zone()
            .cname(&c.name("www.example.com"), &c.target("sectigo.com"))
            .cname(&c.name("example.com"), "wrong.example.net."),
    ]);
    let (code, doc) = check(&s, &["--csr", &c.path(), "www.example.com"]);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(
        result(&doc, "www.example.com", "cname")["adn"],
        "www.example.com"
    );
}

#[test]
fn passes_for_a_wildcard_name() {
    let c = csr("ec256_wildcard.pem");
    let s = DnsServer::start(vec![
        base_zone().cname(&c.name("example.com"), &c.target("sectigo.com")),
    ]);
    let (code, doc) = check(&s, &["--csr", &c.path()]);
    assert_eq!(code, 0, "{doc:#}");
    let r = result(&doc, "*.example.com", "cname");
    assert_eq!(r["status"], "pass");
    assert_eq!(r["adn"], "example.com");
}

#[test]
fn missing_record_reports_nxdomain_and_negative_ttl() {
    let c = csr("rsa2048_multi.pem");
    let s = DnsServer::start(vec![base_zone().minimum(1234)]);
    let (code, doc) = check(&s, &["--csr", &c.path(), "www.example.com"]);
    assert_eq!(code, 1);
    let r = result(&doc, "www.example.com", "cname");
    assert_eq!(r["status"], "fail");
    let text = detail(r);
    assert!(text.contains("NXDOMAIN"), "{text}");
    assert!(text.contains("1234s"), "{text}");
    assert!(text.contains(&c.target("sectigo.com")), "{text}");
    // Every candidate was asked: one attempt per ADN and resolver.
    assert_eq!(r["attempts"].as_array().unwrap().len(), 2);
}

#[test]
fn nodata_is_told_apart() {
    let c = csr("rsa2048_multi.pem");
    let s = DnsServer::start(vec![
        base_zone()
            .a(&c.name("www.example.com"), LOOPBACK)
            .a(&c.name("example.com"), LOOPBACK),
    ]);
    let (code, doc) = check(&s, &["--csr", &c.path(), "www.example.com"]);
    assert_eq!(code, 1);
    let text = detail(result(&doc, "www.example.com", "cname"));
    assert!(text.contains("NODATA"), "{text}");
    assert!(text.contains("300s"), "{text}");
}

#[test]
fn servfail_refused_and_timeout_are_told_apart() {
    let c = csr("rsa2048_multi.pem");
    // The server is also the resolver dcv is given: one that never answers
    // (silence, or only garbage) means the check could not be carried out
    // (exit 3); SERVFAIL and REFUSED are answers.
    for (behavior, word, exit, why) in [
        (Behavior::ServFail, "SERVFAIL", 1, "server_servfail"),
        (Behavior::Refused, "REFUSED", 1, "server_refused"),
        (Behavior::Silent, "timed out", 3, "resolver_unreachable"),
        (Behavior::Garbage, "timed out", 3, "resolver_unreachable"),
    ] {
        let s = DnsServer::with_behavior(vec![base_zone()], behavior);
        let started = Instant::now();
        let (code, doc) = check(
            &s,
            &["--timeout", "0.3", "--csr", &c.path(), "www.example.com"],
        );
        assert_eq!(code, exit, "{word}: {doc:#}");
        let r = result(&doc, "www.example.com", "cname");
        assert_eq!(r["code"], why, "{r:#}");
        let text = detail(r);
        assert!(text.contains(word), "{word}: {text}");
        assert!(!text.contains("NXDOMAIN"), "{text}");
        // 0.3 s per attempt, one retry: nothing waits much longer.
        assert!(started.elapsed() < Duration::from_secs(8));
        assert!(
            r["attempts"]
                .as_array()
                .unwrap()
                .iter()
                .all(|a| a["outcome"].as_str().unwrap().contains(word)),
            "{r:#}"
        );
    }
}

/// Each wrong record and the words its diagnosis must contain.
#[test]
fn wrong_records_are_diagnosed() {
    let c = csr("rsa2048_multi.pem");
    let other = csr("ec256_wildcard.pem");
    let at = c.name("example.com");
    let cases: Vec<(&str, Zone, Vec<&str>, Vec<String>)> = vec![
        (
            "another CSR",
            base_zone().cname(&at, &other.target("sectigo.com")),
            vec![],
            vec!["another CSR".into()],
        ),
        (
            "legacy tag",
            base_zone().cname(&at, &c.target("comodoca.com")),
            vec![],
            vec!["comodoca.com where sectigo.com".into()],
        ),
        (
            "sectigo where comodoca expected",
            base_zone().cname(&at, &c.target("sectigo.com")),
            vec!["--ca", "comodo"],
            vec!["sectigo.com where comodoca.com".into()],
        ),
        (
            "missing uniqueValue",
            base_zone().cname(&at, &c.target("sectigo.com")),
            vec!["--token", "Abc123"],
            vec!["uniqueValue is missing".into(), "abc123".into()],
        ),
        (
            "different uniqueValue",
            base_zone().cname(&at, &c.target("Zzz999.sectigo.com")),
            vec!["--token", "Abc123"],
            vec!["found \"zzz999\", expected \"abc123\"".into()],
        ),
        (
            "not split 32/32",
            base_zone().cname(
                &at,
                &format!("{}.{}.sectigo.com.", &c.sha[..31], &c.sha[31..]),
            ),
            vec![],
            vec!["split 31/33".into()],
        ),
        (
            "relative target",
            base_zone().cname(&at, &format!("{}example.com.", c.target("sectigo.com"))),
            vec![],
            vec!["made it relative".into(), "final dot".into()],
        ),
        (
            "TXT instead of CNAME",
            base_zone().txt(&at, &[&c.target("sectigo.com")]),
            vec![],
            vec!["TXT record".into(), "where the CNAME belongs".into()],
        ),
        (
            "zone appended twice",
            base_zone().cname(&format!("{at}.example.com"), &c.target("sectigo.com")),
            vec![],
            vec!["appended twice".into(), format!("{at}.example.com.")],
        ),
    ];
    for (what, zone, extra, words) in cases {
        let s = DnsServer::start(vec![zone]);
        let path = c.path();
        let mut args = vec!["--csr", path.as_str(), "www.example.com"];
        args.extend(extra);
        let (code, doc) = check(&s, &args);
        assert_eq!(code, 1, "{what}: {doc:#}");
        let r = result(&doc, "www.example.com", "cname");
        assert_eq!(r["status"], "fail", "{what}");
        let text = detail(r);
        for w in words {
            assert!(text.contains(&w), "{what}: {w:?} not in {text}");
        }
    }
}

#[test]
fn recursive_resolvers_must_all_agree() {
    let c = csr("rsa2048_multi.pem");
    let good = DnsServer::start(vec![
        base_zone().cname(&c.name("example.com"), &c.target("sectigo.com")),
    ]);
    let stale = DnsServer::start(vec![base_zone()]);
    let second = stale.addr.to_string();
    let (code, doc) = check(
        &good,
        &["--resolver", &second, "--csr", &c.path(), "www.example.com"],
    );
    assert_eq!(code, 1, "{doc:#}");
    let r = result(&doc, "www.example.com", "cname");
    let text = detail(r);
    assert!(text.contains("1 of 2 servers"), "{text}");
    assert!(
        text.contains(&format!("resolver ({}) returned NXDOMAIN", stale.addr)),
        "{text}"
    );
    // Per-resolver attempts, for each ADN asked.
    let attempts = r["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 4);
    let second = DnsServer::start(vec![
        base_zone().cname(&c.name("example.com"), &c.target("sectigo.com")),
    ]);
    let addr = second.addr.to_string();
    let (code, doc) = check(
        &good,
        &["--resolver", &addr, "--csr", &c.path(), "www.example.com"],
    );
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(
        result(&doc, "www.example.com", "cname")["attempts"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn truncated_udp_answer_is_retried_over_tcp() {
    let c = csr("rsa2048_multi.pem");
    let s = DnsServer::with_behavior(
        vec![base_zone().cname(&c.name("example.com"), &c.target("sectigo.com"))],
        Behavior::TruncateUdp,
    );
    let (code, doc) = check(&s, &["--csr", &c.path(), "www.example.com"]);
    assert_eq!(code, 0, "{doc:#}");
    let (udp, tcp) = s.queries();
    assert!(udp > 0 && tcp > 0, "udp {udp} tcp {tcp}");
}

#[test]
fn a_server_without_edns_is_asked_again_in_plain_dns() {
    let c = csr("rsa2048_multi.pem");
    let s = DnsServer::with_behavior(
        vec![base_zone().cname(&c.name("example.com"), &c.target("sectigo.com"))],
        Behavior::NoEdns,
    );
    let (code, doc) = check(&s, &["--csr", &c.path(), "www.example.com"]);
    assert_eq!(code, 0, "{doc:#}");
}

#[test]
fn generic_txt_and_cname() {
    let s = DnsServer::start(vec![
        base_zone()
            .txt("_dnsauth.example.com", &["2024abc", "def"])
            .cname("_x.example.com", "dcv.provider.example.net."),
    ]);
    let (code, doc) = check(
        &s,
        &[
            "--txt",
            "_dnsauth.example.com=abcdef",
            "--cname",
            "_x.example.com=DCV.provider.example.net",
        ],
    );
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(
        result(&doc, "_dnsauth.example.com", "txt")["status"],
        "pass"
    );
    assert_eq!(result(&doc, "_x.example.com", "cname")["status"], "pass");

    let (code, doc) = check(
        &s,
        &[
            "--txt",
            "_dnsauth.example.com=nothere",
            "--txt",
            "_none.example.com=x",
        ],
    );
    assert_eq!(code, 1);
    assert!(detail(result(&doc, "_dnsauth.example.com", "txt")).contains("2024abcdef"));
    assert!(detail(result(&doc, "_none.example.com", "txt")).contains("NXDOMAIN"));
}

#[test]
fn caa_cases() {
    let c = csr("ec256_wildcard.pem");
    let target = c.target("sectigo.com");
    let with = |z: Zone| z.cname(&c.name("example.com"), &target);
    let cases: Vec<(Zone, &str, &str, Vec<&str>)> = vec![
        (
            with(base_zone().caa("example.com", 0, "issue", "sectigo.com")),
            "pass",
            "pass",
            vec![],
        ),
        (
            with(base_zone().caa("example.com", 0, "issue", "letsencrypt.org")),
            "fail",
            "fail",
            vec!["letsencrypt.org"],
        ),
        (
            with(
                base_zone()
                    .caa("example.com", 0, "issue", "sectigo.com")
                    .caa("example.com", 0, "issuewild", ";"),
            ),
            "fail",
            "pass",
            vec!["issuewild"],
        ),
        (
            with(base_zone().caa("example.com", 128, "tbs", "x").caa(
                "example.com",
                0,
                "issue",
                "sectigo.com",
            )),
            "fail",
            "fail",
            vec!["critical"],
        ),
        (
            with(base_zone().caa("example.com", 0, "issue", "sectigo.com; a=1; a=2")),
            "fail",
            "fail",
            vec!["more than once"],
        ),
        (
            with(base_zone().caa("example.com", 0, "issue", "sectigo.com; accounturi")),
            "fail",
            "fail",
            vec!["malformed parameter"],
        ),
        (
            with(base_zone().caa(
                "example.com",
                0,
                "issue",
                "comodoca.com; accounturi=https://acme.example/1",
            )),
            // RFC 8657: a property for one account authorizes no other;
            // without --account dcv cannot tell, so it does not pass.
            "fail",
            "fail",
            vec!["--account"],
        ),
    ];
    for (zone, wild, plain, words) in cases {
        let s = DnsServer::start(vec![zone]);
        let (_, doc) = check(&s, &["--csr", &c.path()]);
        let w = result(&doc, "*.example.com", "caa");
        assert_eq!(w["status"], wild, "{doc:#}");
        assert_eq!(
            result(&doc, "example.com", "caa")["status"],
            plain,
            "{doc:#}"
        );
        for word in words {
            assert!(detail(w).contains(word), "{word:?} in {w:#}");
        }
    }
}

/// RFC 8657 `validationmethods` with BR 4.2.2.1's `ca-tbr-<N>` labels: the
/// CNAME is BR 3.2.2.4.7 (`ca-tbr-7`); ACME's `dns-01`/`http-01` are other
/// mechanisms; labels compare case-insensitively.
#[test]
fn caa_validationmethods_decide_whether_the_cname_counts() {
    let c = csr("rsa2048_multi.pem");
    // (CAA issue value, exit, cname status, caa status, authorizes, words)
    type Case<'a> = (&'a str, i32, &'a str, &'a str, Vec<&'a str>, Vec<&'a str>);
    let cases: Vec<Case> = vec![
        (
            "sectigo.com; validationmethods=ca-tbr-7",
            0,
            "pass",
            "pass",
            vec!["ca-tbr-7"],
            vec![],
        ),
        (
            "sectigo.com; validationmethods=CA-TBR-7",
            0,
            "pass",
            "pass",
            vec!["ca-tbr-7"],
            vec![],
        ),
        (
            "sectigo.com; validationmethods=ca-tbr-18,ca-tbr-7",
            0,
            "pass",
            "pass",
            vec!["ca-tbr-7", "ca-tbr-18"],
            vec![],
        ),
        (
            "sectigo.com; validationmethods=ca-tbr-18",
            1,
            "fail",
            "pass",
            vec!["ca-tbr-18"],
            vec!["validationmethods=ca-tbr-18,ca-tbr-7", "HTTP file"],
        ),
        (
            "sectigo.com; validationmethods=dns-01",
            1,
            "pass",
            "fail",
            vec![],
            vec!["dns-01"],
        ),
        (
            "sectigo.com; validationmethods=http-01",
            1,
            "pass",
            "fail",
            vec![],
            vec!["http-01"],
        ),
        (
            "sectigo.com; validationmethods=ca-tbr-7,,x",
            1,
            "pass",
            "fail",
            vec![],
            vec!["not a comma-separated list"],
        ),
    ];
    for (value, exit, cname, caa, authorizes, words) in cases {
        let s = DnsServer::start(vec![
            base_zone()
                .cname(&c.name("example.com"), &c.target("sectigo.com"))
                .caa("example.com", 0, "issue", value),
        ]);
        let (code, doc) = check(&s, &["--csr", &c.path(), "example.com"]);
        assert_eq!(code, exit, "{value}: {doc:#}");
        let rc = result(&doc, "example.com", "cname");
        let ra = result(&doc, "example.com", "caa");
        assert_eq!(rc["status"], cname, "{value}: {doc:#}");
        assert_eq!(rc["br_label"], "ca-tbr-7");
        assert_eq!(ra["status"], caa, "{value}: {doc:#}");
        assert_eq!(ra["authorizes"], serde_json::json!(authorizes), "{value}");
        let text = format!("{} {}", detail(rc), detail(ra));
        for w in words {
            assert!(text.contains(w), "{value}: {w:?} in {text}");
        }
    }
}

#[test]
fn caa_accounturi_is_compared_with_account() {
    let c = csr("rsa2048_multi.pem");
    let s = DnsServer::start(vec![
        base_zone()
            .cname(&c.name("example.com"), &c.target("sectigo.com"))
            .caa(
                "example.com",
                0,
                "issue",
                "sectigo.com; accounturi=https://acme.sectigo.com/acct/42",
            ),
    ]);
    let base = ["--csr", &c.path(), "example.com"];
    let (code, doc) = check(&s, &base);
    assert_eq!(code, 1);
    let caa = result(&doc, "example.com", "caa");
    assert_eq!(caa["status"], "fail");
    assert!(detail(caa).contains("--account URI"), "{caa:#}");
    let with = |account: &str| {
        let mut args = base.to_vec();
        args.extend(["--account", account]);
        check(&s, &args)
    };
    let (code, doc) = with("https://acme.sectigo.com/acct/42");
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(
        result(&doc, "example.com", "caa")["authorizes"],
        serde_json::json!(["ca-tbr-7", "ca-tbr-18", "ca-tbr-22"])
    );
    let (code, doc) = with("https://acme.sectigo.com/acct/43");
    assert_eq!(code, 1);
    assert!(detail(result(&doc, "example.com", "caa")).contains("acct/43"));
}

#[test]
fn caa_climbs_to_the_parent_and_follows_aliases() {
    let c = csr("rsa2048_multi.pem");
    let s = DnsServer::start(vec![
        base_zone()
            .cname(&c.name("example.com"), &c.target("sectigo.com"))
            .caa("example.com", 0, "issue", "letsencrypt.org")
            .cname("shop.example.com", "shops.example.com.")
            .caa("shops.example.com", 0, "issue", "sectigo.com"),
    ]);
    let (_, doc) = check(
        &s,
        &["--csr", &c.path(), "www.example.com", "shop.example.com"],
    );
    let www = result(&doc, "www.example.com", "caa");
    assert_eq!(www["status"], "fail");
    assert_eq!(www["adn"], "example.com");
    assert_eq!(
        result(&doc, "shop.example.com", "caa")["status"],
        "pass",
        "{doc:#}"
    );
}

#[test]
fn invalid_names_are_reported_not_queried() {
    let c = csr("rsa2048_multi.pem");
    let s = DnsServer::start(vec![
        base_zone().cname(&c.name("example.com"), &c.target("sectigo.com")),
    ]);
    let (code, doc) = check(
        &s,
        &[
            "--md5",
            &c.md5,
            "--sha256",
            &c.sha,
            "a b.example.com",
            "www.example.com",
        ],
    );
    assert_eq!(code, 1);
    let bad = result(&doc, "a b.example.com", "input");
    assert_eq!(bad["status"], "invalid");
    assert_eq!(result(&doc, "www.example.com", "cname")["status"], "pass");
}

#[test]
fn bad_usage_exits_2() {
    dcv()
        .args(["check-dns", "www.example.com", "--resolver", "127.0.0.1:9"])
        .assert()
        .code(2);
    dcv()
        .args(["check-dns", "--txt", "x", "--resolver", "127.0.0.1:9"])
        .assert()
        .code(2);
    dcv()
        .args(["check-dns", "--txt", "a=b", "--resolver", "not-an-ip"])
        .assert()
        .code(2);
    dcv()
        .args(["check-dns", "--txt", "a=b", "--timeout", "-1"])
        .assert()
        .code(2);
}

#[test]
fn human_output_names_the_problem() {
    let c = csr("rsa2048_multi.pem");
    let s = DnsServer::start(vec![base_zone()]);
    let resolver = s.addr.to_string();
    let out = dcv()
        .args([
            "check-dns",
            "--recursive",
            "--resolver",
            &resolver,
            "--csr",
            &c.path(),
            "www.example.com",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("FAIL cname www.example.com"), "{text}");
    assert!(text.contains("NXDOMAIN"), "{text}");
}

#[test]
fn wait_sees_the_record_appear() {
    let c = csr("rsa2048_multi.pem");
    let s = DnsServer::start(vec![base_zone()]);
    let later = vec![base_zone().cname(&c.name("example.com"), &c.target("sectigo.com"))];
    let started = Instant::now();
    std::thread::scope(|scope| {
        scope.spawn(|| {
            std::thread::sleep(Duration::from_millis(1000));
            s.set_zones(later);
        });
        let (code, doc) = check(
            &s,
            &["--wait", "30s", "--csr", &c.path(), "www.example.com"],
        );
        assert_eq!(code, 0, "{doc:#}");
    });
    // First round fails at once, the second comes after the 2 s backoff.
    assert!(started.elapsed() < Duration::from_secs(10));
}

// ---- authoritative mode through the library API ----

fn args(list: &[&str]) -> dcv::cli::CheckDnsArgs {
    let mut full = vec!["dcv", "check-dns"];
    full.extend_from_slice(list);
    match Cli::try_parse_from(full).unwrap().command {
        Command::CheckDns(a) => a,
        _ => unreachable!(),
    }
}

use clap::Parser;

/// Plans from a command line, points the listed NS hosts at test servers,
/// and runs one round with the real transport.
pub(crate) fn authoritative(
    list: &[&str],
    resolver: &DnsServer,
    ns: &[(&str, SocketAddr)],
) -> CheckReport {
    let resolver = resolver.addr.to_string();
    let mut full = vec!["--resolver", resolver.as_str(), "--timeout", "0.5"];
    full.extend_from_slice(list);
    let a = args(&full);
    let out = Output::new(true, true, ColorWhen::Never);
    let mut plan = CheckPlan::dns(&a, &out).unwrap();
    plan.engine.ns_addrs = ns
        .iter()
        .map(|(h, addr)| ((*h).to_owned(), vec![*addr]))
        .collect::<HashMap<_, _>>();
    let transport: Arc<dyn DnsTransport> = Arc::new(WireTransport::new(plan.engine.timeout));
    one_round(&plan, transport)
}

/// One round of a plan over a DNS transport (and the real HTTP fetcher).
fn one_round(plan: &CheckPlan, dns: Arc<dyn DnsTransport>) -> CheckReport {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let net = Net {
        dns,
        http: HyperFetcher::new(),
    };
    rt.block_on(dcv::runner::round(plan, &net))
}

pub(crate) fn find<'a>(
    report: &'a CheckReport,
    domain: &str,
    check: &str,
) -> &'a dcv::report::CheckResult {
    report
        .results
        .iter()
        .find(|r| r.domain == domain && r.check.label() == check)
        .unwrap_or_else(|| panic!("no {check} for {domain}: {report:#?}"))
}

fn two_ns_zone() -> Zone {
    base_zone().ns(&["ns1.example.com", "ns2.example.com"])
}

#[test]
fn authoritative_every_nameserver_must_serve_the_record() {
    let c = csr("rsa2048_multi.pem");
    let good = two_ns_zone().cname(&c.name("example.com"), &c.target("sectigo.com"));
    let ns1 = DnsServer::start(vec![good.clone()]);
    let ns2 = DnsServer::start(vec![good]);
    let map = [("ns1.example.com", ns1.addr), ("ns2.example.com", ns2.addr)];
    let r = authoritative(&["--csr", &c.path(), "www.example.com"], &ns1, &map);
    let cname = find(&r, "www.example.com", "cname");
    assert_eq!(cname.status, Status::Pass, "{cname:#?}");
    assert_eq!(cname.attempts.len(), 2);
    assert_eq!(cname.adn.as_deref(), Some("example.com"));
}

#[test]
fn authoritative_stale_nameserver_is_named() {
    let c = csr("rsa2048_multi.pem");
    let ns1 = DnsServer::start(vec![
        two_ns_zone().cname(&c.name("example.com"), &c.target("sectigo.com")),
    ]);
    let ns2 = DnsServer::start(vec![two_ns_zone().minimum(60)]);
    let map = [("ns1.example.com", ns1.addr), ("ns2.example.com", ns2.addr)];
    let r = authoritative(&["--csr", &c.path(), "www.example.com"], &ns1, &map);
    let cname = find(&r, "www.example.com", "cname");
    assert_eq!(cname.status, Status::Fail);
    assert!(cname.detail.contains("1 of 2 servers"), "{}", cname.detail);
    assert!(
        cname
            .detail
            .contains(&format!("ns2.example.com ({})", ns2.addr)),
        "{}",
        cname.detail
    );
    assert!(cname.detail.contains("NXDOMAIN"), "{}", cname.detail);
}

#[test]
fn authoritative_refused_and_silent_nameservers() {
    let c = csr("rsa2048_multi.pem");
    let zone = two_ns_zone().cname(&c.name("example.com"), &c.target("sectigo.com"));
    let ns1 = DnsServer::start(vec![zone.clone()]);
    for (behavior, word) in [
        (Behavior::Refused, "REFUSED"),
        (Behavior::Silent, "timed out"),
        (Behavior::ServFail, "SERVFAIL"),
    ] {
        let ns2 = DnsServer::with_behavior(vec![zone.clone()], behavior);
        let map = [("ns1.example.com", ns1.addr), ("ns2.example.com", ns2.addr)];
        let r = authoritative(&["--csr", &c.path(), "www.example.com"], &ns1, &map);
        let cname = find(&r, "www.example.com", "cname");
        assert_eq!(cname.status, Status::Fail);
        assert!(
            cname.detail.contains(word) && cname.detail.contains("ns2.example.com"),
            "{}",
            cname.detail
        );
    }
}

#[test]
fn authoritative_asks_every_server_of_the_child_zone_its_parent_server_also_serves() {
    // ns1 serves example.com and its child sub.example.com, so it answers
    // for the child with authority and no referral comes. The child's NS set
    // also names ns2, which is stale: the CA may ask it, so dcv must too.
    let c = csr("rsa2048_multi.pem");
    let child = |fresh: bool| {
        let z = Zone::new("sub.example.com").ns(&["ns1.example.com", "ns2.example.com"]);
        if fresh {
            z.cname(&c.name("sub.example.com"), &c.target("sectigo.com"))
        } else {
            z
        }
    };
    let ns1 = DnsServer::start(vec![base_zone(), child(true)]);
    let ns2 = DnsServer::start(vec![child(false)]);
    let map = [("ns1.example.com", ns1.addr), ("ns2.example.com", ns2.addr)];
    let r = authoritative(
        &["--md5", &c.md5, "--sha256", &c.sha, "sub.example.com"],
        &ns1,
        &map,
    );
    let cname = find(&r, "sub.example.com", "cname");
    assert_eq!(cname.status, Status::Fail, "{cname:#?}");
    assert!(
        cname.detail.contains("on 1 of 2 servers only") && cname.detail.contains("ns2.example.com"),
        "{}",
        cname.detail
    );
    assert!(
        cname
            .attempts
            .iter()
            .any(|a| a.zone.as_deref() == Some("sub.example.com")),
        "{cname:#?}"
    );
}

#[test]
fn authoritative_follows_a_delegated_subzone() {
    let c = csr("rsa2048_multi.pem");
    let parent = base_zone()
        .delegate("sub.example.com", &["ns.sub.example.com"])
        .cname(&c.name("example.com"), "stale.example.net.");
    let child = Zone::new("sub.example.com")
        .ns(&["ns.sub.example.com"])
        .cname(&c.name("www.sub.example.com"), &c.target("sectigo.com"));
    let p = DnsServer::start(vec![parent]);
    let ch = DnsServer::start(vec![child]);
    let map = [("ns1.example.com", p.addr), ("ns.sub.example.com", ch.addr)];
    let r = authoritative(
        &["--md5", &c.md5, "--sha256", &c.sha, "www.sub.example.com"],
        &p,
        &map,
    );
    let cname = find(&r, "www.sub.example.com", "cname");
    assert_eq!(cname.status, Status::Pass, "{cname:#?}");
    assert_eq!(cname.adn.as_deref(), Some("www.sub.example.com"));
    assert_eq!(
        cname.attempts[0].server.as_deref(),
        Some("ns.sub.example.com")
    );
}

#[test]
fn authoritative_ipv6_only_finds_no_address() {
    let c = csr("rsa2048_multi.pem");
    let s = DnsServer::start(vec![base_zone()]);
    let r = authoritative(&["-6", "--csr", &c.path(), "www.example.com"], &s, &[]);
    let cname = find(&r, "www.example.com", "cname");
    assert_eq!(cname.status, Status::Fail);
    assert!(cname.detail.contains("no IPv6 address"), "{}", cname.detail);
}

// ---- scale: dedup and bounded concurrency, with a double ----

/// Answers NXDOMAIN after a delay, counting questions and peak concurrency.
struct Counting {
    asked: AtomicUsize,
    in_flight: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
}

impl DnsTransport for Counting {
    fn query(
        &self,
        _: SocketAddr,
        _: &str,
        _: RType,
        _: bool,
    ) -> BoxFuture<'static, Result<Answer, QueryError>> {
        self.asked.fetch_add(1, Ordering::SeqCst);
        let (in_flight, peak) = (self.in_flight.clone(), self.peak.clone());
        async move {
            let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(5)).await;
            in_flight.fetch_sub(1, Ordering::SeqCst);
            Ok(Answer {
                rcode: Rcode::NxDomain,
                authoritative: true,
                answers: vec![],
                authority: vec![],
                additional: vec![],
                signed: None,
            })
        }
        .boxed()
    }
}

/// One round of check-dns over the 120-name CSR (`--recursive` plus
/// `extra`) on the counting double: the plan, and what the double counted.
fn counted_round(extra: &[&str]) -> (CheckPlan, Arc<Counting>) {
    let c = csr("many_sans.pem");
    let path = c.path();
    let mut list = vec!["--recursive", "--resolver", "127.0.0.1:9"];
    list.extend_from_slice(extra);
    list.extend(["--csr", path.as_str()]);
    let a = args(&list);
    let out = Output::new(true, true, ColorWhen::Never);
    let plan = CheckPlan::dns(&a, &out).unwrap();
    let double = Arc::new(Counting {
        asked: AtomicUsize::new(0),
        in_flight: Arc::new(AtomicUsize::new(0)),
        peak: Arc::new(AtomicUsize::new(0)),
    });
    let report = one_round(&plan, double.clone());
    assert!(!report.ok);
    (plan, double)
}

#[test]
fn identical_questions_are_asked_once_with_bounded_concurrency() {
    let (plan, double) = counted_round(&[]);
    assert_eq!(plan.dns.domains.len(), 120);
    // CNAME: 120 FQDN names + the shared example.com; CAA: 120 names +
    // example.com + com; zone-appended-twice look-ups: 120 + 1; the
    // FQDN's CNAME (is the record under its target? the CNAME step): 120;
    // near-miss look-ups (a missing CNAME only): <MD5>.name 120 + 1,
    // _<MD5>.www.name 120, TXT at the name 120 + 1.
    let asked = double.asked.load(Ordering::SeqCst);
    assert!(
        asked <= 121 + 122 + 121 + 120 + 2 + 121 + 120 + 121,
        "asked {asked}"
    );
    let peak = double.peak.load(Ordering::SeqCst);
    assert!(peak <= dcv::net::MAX_IN_FLIGHT, "peak {peak}");
    assert!(peak > 1, "not concurrent");
}

#[test]
fn max_in_flight_bounds_the_questions_in_flight() {
    // --max-in-flight N, for networks and servers that must be asked gently.
    let (plan, double) = counted_round(&["--max-in-flight", "4"]);
    assert_eq!(plan.engine.max_in_flight, 4);
    let peak = double.peak.load(Ordering::SeqCst);
    assert!(peak <= 4 && peak > 1, "peak {peak}");
    // 0 and more than 1024 are refused as usage errors.
    for bad in ["0", "1025", "x"] {
        let out = dcv()
            .args(["check-dns", "--max-in-flight", bad, "--md5"])
            .args(["24D70B5796C322160073BBE3C29CB19F", "--sha256"])
            .arg("BC870A155ABCFD66FE3193E653E3E28F54F1FD34090414185B0891BE88078E2C")
            .arg("www.example.com")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}");
    }
}

#[allow(dead_code)]
fn unused() {
    let _ = support::recorded_hashes;
}

#[test]
fn authoritative_txt_follows_an_alias_into_another_zone() {
    let s = DnsServer::start(vec![
        base_zone().cname("_dnsauth.example.com", "_dnsauth.other.test."),
        Zone::new("other.test").txt("_dnsauth.other.test", &["token=2024abcdef"]),
    ]);
    let map = [("ns1.example.com", s.addr), ("ns1.other.test", s.addr)];
    let r = authoritative(&["--txt", "_dnsauth.example.com=2024abcdef"], &s, &map);
    let txt = find(&r, "_dnsauth.example.com", "txt");
    assert_eq!(txt.status, Status::Pass, "{txt:#?}");
    assert!(txt.detail.contains("_dnsauth.other.test"), "{}", txt.detail);
    assert_eq!(txt.attempts[0].server.as_deref(), Some("ns1.other.test"));
}

// ---- scale: results written as names complete ----

#[test]
fn json_results_are_written_as_names_complete_and_say_what_a_whole_report_says() {
    let c = csr("rsa2048_multi.pem");
    let s = DnsServer::start(vec![
        base_zone()
            .cname(&c.name("example.com"), &c.target("sectigo.com"))
            .caa("shop.example.com", 0, "issue", ";"),
    ]);
    let resolver = s.addr.to_string();
    let names = ["www.example.com", "shop.example.com", "example.com"];
    let run = |extra: &[&str]| {
        let out = dcv()
            .args([
                "--json",
                "check-dns",
                "--recursive",
                "--resolver",
                &resolver,
            ])
            .args(["--timeout", "2", "--csr", &c.path()])
            .args(extra)
            .args(names)
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        (out.status.code().unwrap(), text)
    };
    // Streamed: the results come first, as each name is done, then the
    // rest of the report.
    let (code, streamed) = run(&[]);
    assert_eq!(code, 1, "{streamed}");
    assert!(
        streamed.starts_with(r#"{"schema_version":1,"results":[{"#),
        "{streamed}"
    );
    assert!(streamed.find(r#""ok":false"#) > streamed.find(r#""results":["#));
    // With --evidence the report is held whole (the bundle needs it): the
    // same document, fields in their usual order.
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle");
    let (code_whole, whole) = run(&["--evidence", bundle.to_str().unwrap()]);
    assert_eq!(code_whole, 1);
    assert!(
        whole.starts_with(r#"{"schema_version":1,"ok":false,"#),
        "{whole}"
    );
    let mut a: Value = serde_json::from_str(&streamed).unwrap();
    let mut b: Value = serde_json::from_str(&whole).unwrap();
    for doc in [&mut a, &mut b] {
        doc.as_object_mut().unwrap().remove("checked_at");
    }
    assert_eq!(a, b);
    assert_eq!(a["results"].as_array().unwrap().len(), 6);
    assert_eq!(result(&a, "shop.example.com", "caa")["status"], "fail");
    assert_eq!(result(&a, "www.example.com", "cname")["status"], "pass");
}

#[test]
fn results_wait_while_no_resolver_answers_so_the_round_is_reported_not_carried_out() {
    // Nothing listens: every result is held, and the report says the
    // resolvers could not be used (exit 3), as a whole report does.
    let free = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let dead = free.local_addr().unwrap().to_string();
    drop(free);
    let c = csr("rsa2048_multi.pem");
    let out = dcv()
        .args(["--json", "check-dns", "--recursive", "--resolver", &dead])
        .args(["--timeout", "0.5", "--csr", &c.path(), "www.example.com"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let doc = json(&out);
    assert_eq!(doc["ok"], false);
    assert!(
        !doc["unusable_resolvers"].as_array().unwrap().is_empty(),
        "{doc}"
    );
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .starts_with(r#"{"schema_version":1,"ok":false"#)
    );
}
