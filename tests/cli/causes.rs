//! Causes people can act on (SPEC section 8): pages and headers emulating
//! what bot protections, CDNs, caches, IIS, Caddy and lighttpd send, served
//! from loopback (tests/support/http_server.rs), must each be named with
//! their own reason code and a hint that fits. The emulated pages follow
//! the services' published error pages; the hashes come from openssl
//! (tests/fixtures/hashes.tsv), never from dcv.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::check_http::{good_body, path, serving};
use crate::support::http_server::{Reply, Request, TestServer};
use crate::support::{dcv, fixture, json, recorded};

const CSR: &str = "rsa2048_multi.pem";
const NAME: &str = "www.example.com";

fn reply(status: u16, headers: &[(&str, &str)], body: &str) -> Reply {
    Reply::Full {
        status,
        headers: headers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        body: body.as_bytes().to_vec(),
    }
}

/// `dcv check-http --json` of NAME pinned to the server; the one result.
fn check(port: u16) -> Value {
    let output = dcv()
        .env("DCV_LAB", "1")
        .args(["check-http", "--json", "--csr"])
        .arg(fixture(CSR))
        .args(["--resolve", &format!("{NAME}:127.0.0.1")])
        .args(["--http-port", &port.to_string(), "--timeout", "10", NAME])
        .output()
        .unwrap();
    let v = json(&output);
    assert_eq!(output.status.code(), Some(1), "{v:#}");
    assert_eq!(v["results"].as_array().unwrap().len(), 1, "{v:#}");
    v["results"][0].clone()
}

/// The result of a check against a server answering `r`: asserts its code
/// and that detail and hint hold the given words.
fn named(r: Reply, code: &str, detail: &[&str], hint: &[&str]) -> Value {
    let server = serving(r);
    let result = check(server.port());
    assert_eq!(result["code"], code, "{result:#}");
    let d = result["detail"].as_str().unwrap();
    let h = result["hint"].as_str().unwrap_or_default();
    for w in detail {
        assert!(d.contains(w), "detail lacks {w:?}: {d}");
    }
    for w in hint {
        assert!(h.contains(w), "hint lacks {w:?}: {h}");
    }
    result
}

#[test]
fn cloudflare_challenge_is_named_with_the_skip_rule() {
    // Cloudflare's managed challenge: 403, cf-mitigated, "Just a moment...".
    named(
        reply(
            403,
            &[
                ("Server", "cloudflare"),
                ("cf-mitigated", "challenge"),
                ("CF-RAY", "8f1e2d3c4b5a6978-FRA"),
                ("Content-Type", "text/html; charset=UTF-8"),
            ],
            "<!DOCTYPE html><html lang=\"en-US\"><head><title>Just a moment...</title></head><body><div id=\"challenge-error-text\">Enable JavaScript and cookies to continue</div><script src=\"/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1\"></script></body></html>",
        ),
        "http_bot_challenge",
        &["bot-protection challenge (Cloudflare)", "(403)"],
        &[
            "exempt /.well-known/pki-validation/",
            "Skip",
            "validation addresses",
        ],
    );
}

#[test]
fn checking_your_browser_503_is_a_challenge_not_a_server_error() {
    named(
        reply(
            503,
            &[("Server", "ddos-guard"), ("Content-Type", "text/html")],
            "<html><head><title>DDoS-Guard</title></head><body><h1>Checking your browser before accessing</h1></body></html>",
        ),
        "http_bot_challenge",
        &["(DDoS-Guard)", "(503)"],
        &["runs no JavaScript", "/.well-known/pki-validation/"],
    );
}

#[test]
fn cdn_geo_block_is_named() {
    named(
        reply(
            403,
            &[
                ("Server", "CloudFront"),
                ("X-Amz-Cf-Id", "2tOa1xdE9x4ZcJ7l_iQ=="),
                ("Via", "1.1 0a1b2c.cloudfront.net (CloudFront)"),
                ("Content-Type", "text/html"),
            ],
            "<HTML><HEAD><TITLE>ERROR: The request could not be satisfied</TITLE></HEAD><BODY><H1>403 ERROR</H1><H2>The request could not be satisfied.</H2><HR noshade size=\"1px\">The Amazon CloudFront distribution is configured to block access from your country.</BODY></HTML>",
        ),
        "http_geo_blocked",
        &["(Amazon CloudFront)", "by country"],
        &["several countries", "/.well-known/pki-validation/"],
    );
}

#[test]
fn windows_authentication_is_named() {
    named(
        reply(
            401,
            &[
                ("Server", "Microsoft-IIS/10.0"),
                ("WWW-Authenticate", "Negotiate"),
                ("WWW-Authenticate", "NTLM"),
                ("Content-Type", "text/html"),
            ],
            "<html><head><title>401 - Unauthorized: Access is denied due to invalid credentials.</title></head></html>",
        ),
        "http_windows_auth",
        &["Windows authentication (Negotiate, NTLM)"],
        &[
            "Anonymous Authentication",
            "anonymousAuthentication enabled=\"true\"",
        ],
    );
}

#[test]
fn rate_limit_names_the_wait() {
    named(
        reply(429, &[("Retry-After", "120")], "Too Many Requests"),
        "http_rate_limited",
        &["rate limited (429)", "retry after 120 s"],
        &["rate limit", "retry after 120 s"],
    );
}

#[test]
fn varnish_serving_a_cached_404_is_named_with_its_purge() {
    // What Varnish sends for a 404 it stored before the file existed.
    named(
        reply(
            404,
            &[
                ("Content-Type", "text/html"),
                ("Age", "95"),
                ("X-Varnish", "32773 32770"),
                ("Via", "1.1 varnish (Varnish/7.1)"),
            ],
            "<html><body>404 Not Found</body></html>",
        ),
        "http_cached",
        &["not found (404)", "served from a cache (Varnish)", "old"],
        &["purge", "varnishadm", "ban"],
    );
}

#[test]
fn a_cached_old_file_is_named() {
    let other = format!(
        "{}\nsectigo.com",
        "6787CA30E78D2EB43B688A245F955264617CAE5CCE03D1C2AF369ADF67EC7ABE"
    );
    named(
        reply(
            200,
            &[("X-Cache", "HIT from proxy.lab"), ("Age", "600")],
            &other,
        ),
        "http_cached",
        &["another CSR's file", "(Squid)"],
        &["squidclient -m PURGE"],
    );
}

#[test]
fn iis_404_3_names_the_mime_map() {
    named(
        reply(
            404,
            &[
                ("Server", "Microsoft-IIS/10.0"),
                ("Content-Type", "text/html"),
            ],
            "<html><head><title>IIS 10.0 Detailed Error - 404.3 - Not Found</title></head><body><h3>HTTP Error 404.3 - Not Found</h3><h4>The page you are requesting cannot be served because of the extension configuration. If the page is a script, add a handler. If the file should be downloaded, add a MIME map.</h4></body></html>",
        ),
        "http_iis_mime_map",
        &["404.3", "MIME"],
        &["web.config", "<mimeMap fileExtension=\".txt\""],
    );
}

#[test]
fn redirect_hints_fit_the_server_that_answered() {
    let to = "https://www.example.com/.well-known/pki-validation/x.txt";
    for (server, words) in [
        ("Microsoft-IIS/10.0", ["IIS", "web.config"]),
        ("Caddy", ["Caddy", "handle /.well-known/pki-validation/*"]),
        ("lighttpd/1.4.76", ["lighttpd", "url.redirect"]),
        (
            "nginx/1.26.0",
            ["nginx", "location ^~ /.well-known/pki-validation/"],
        ),
        ("Apache/2.4.62 (Debian)", ["Apache", "RewriteCond"]),
    ] {
        named(
            Reply::redirect(301, to).with_header("Server", server),
            "http_redirect",
            &["redirect (301)"],
            &words,
        );
    }
}

#[test]
fn forbidden_dot_directory_hints_fit_lighttpd_and_iis() {
    named(
        Reply::status(403).with_header("Server", "lighttpd/1.4.76"),
        "http_forbidden",
        &["access denied (403)"],
        &["lighttpd", "url.access-deny"],
    );
    named(
        Reply::status(403).with_header("Server", "Microsoft-IIS/10.0"),
        "http_forbidden",
        &["access denied (403)"],
        &["IIS_IUSRS", "Request Filtering"],
    );
}

#[test]
fn a_blank_line_between_hash_and_tag_is_named() {
    let body = format!("{}\n\nsectigo.com", recorded(CSR).sha256);
    let r = named(
        Reply::ok(body),
        "http_body_formatting",
        &["a blank line separates"],
        &["remove the empty line"],
    );
    assert!(!r["detail"].as_str().unwrap().contains("the CA tag is"));
}

#[test]
fn a_body_cut_short_fails_at_the_close_not_at_the_timeout() {
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n";
    let bytes = format!("{head}{}", &good_body()[..10]).into_bytes();
    let started = Instant::now();
    named(
        Reply::HalfClose(bytes),
        "http_truncated",
        &["closed the connection after 10 bytes", "announced 100"],
        &["sends less than it announces"],
    );
    // --timeout 10: a fail at the close, not at the deadline.
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn a_file_saved_as_txt_txt_is_found() {
    let path = path();
    let body = good_body();
    let server = TestServer::http("127.0.0.1", move |r: &Request| {
        if r.path == format!("{path}.txt") {
            Reply::ok(body.clone())
        } else {
            Reply::status(404)
        }
    });
    let r = check(server.port());
    assert_eq!(r["code"], "http_double_extension", "{r:#}");
    assert!(r["detail"].as_str().unwrap().contains(".txt.txt"), "{r:#}");
    let hint = r["hint"].as_str().unwrap();
    assert!(
        hint.contains("rename the file") && hint.contains("Windows hides"),
        "{hint}"
    );
}

/// Round-robin over two backends, one without the file; `first` is the
/// backend the first request reaches (0: the one without).
fn round_robin(first: usize) -> TestServer {
    let turn = Arc::new(AtomicUsize::new(first));
    let path = path();
    let body = good_body();
    TestServer::http("127.0.0.1", move |r: &Request| {
        if r.path == path && turn.fetch_add(1, Ordering::SeqCst) % 2 == 1 {
            Reply::ok(body.clone())
        } else {
            Reply::status(404)
        }
    })
}

#[test]
fn a_pass_from_one_backend_of_two_is_not_a_pass() {
    let server = round_robin(1);
    let r = check(server.port());
    assert_eq!(r["status"], "fail", "{r:#}");
    assert_eq!(r["code"], "http_backends_disagree", "{r:#}");
    assert!(
        r["detail"]
            .as_str()
            .unwrap()
            .starts_with("the first fetch from 127.0.0.1"),
        "{r:#}"
    );
    assert!(
        r["hint"].as_str().unwrap().contains("every backend"),
        "{r:#}"
    );
}

#[test]
fn backends_that_disagree_are_named() {
    let server = round_robin(0);
    let r = check(server.port());
    assert_eq!(r["code"], "http_backends_disagree", "{r:#}");
    assert!(
        r["detail"]
            .as_str()
            .unwrap()
            .contains("a second fetch from 127.0.0.1"),
        "{r:#}"
    );
    assert!(
        r["hint"].as_str().unwrap().contains("every backend"),
        "{r:#}"
    );
    assert_eq!(r["attempts"].as_array().unwrap().len(), 2, "{r:#}");
}

/// A loopback port where nothing listens (bound, then released).
fn dead_resolver() -> std::net::SocketAddr {
    let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    s.local_addr().unwrap()
}

#[test]
fn wait_stops_at_once_when_the_resolvers_cannot_be_used() {
    let dead = dead_resolver();
    let started = Instant::now();
    let out = dcv()
        .env("DCV_LAB", "1")
        .args(["--color", "never", "check-dns", "--timeout", "0.5", "--csr"])
        .arg(fixture(CSR))
        .args(["--resolver", &dead.to_string(), "--wait", "30m", NAME])
        .output()
        .unwrap();
    let took = started.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stdout}{stderr}");
    // The first round only: no second round two seconds later.
    assert!(took < Duration::from_secs(15), "{took:?}");
    assert!(!stderr.contains("round 1"), "{stderr}");
    assert!(
        stdout.contains("stopped after 1 round") && stdout.contains("resolvers cannot be used"),
        "{stdout}"
    );
}

#[test]
fn a_large_report_prints_failures_causes_and_the_summary() {
    // 60 names on one server; two of them have no file.
    let (path, body) = (path(), good_body());
    let server = TestServer::http("127.0.0.1", move |r: &Request| {
        let host = r.host.clone().unwrap_or_default();
        if r.path == path && !host.starts_with("n7.") && !host.starts_with("n42.") {
            Reply::ok(body.clone())
        } else {
            Reply::status(404)
        }
    });
    let names: Vec<String> = (0..60).map(|i| format!("n{i}.example.com")).collect();
    let run = |extra: &[&str]| {
        dcv()
            .env("DCV_LAB", "1")
            .args(["--color", "never"])
            .args(extra)
            .args(["check-http", "--md5", &recorded(CSR).md5])
            .args(["--sha256", &recorded(CSR).sha256])
            .args([
                "--resolve",
                "*:127.0.0.1",
                "--http-port",
                &server.port().to_string(),
            ])
            .args(&names)
            .output()
            .unwrap()
    };
    let out = run(&[]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("n7.example.com") && text.contains("n42.example.com"),
        "{text}"
    );
    assert!(!text.contains("n8.example.com"), "{text}");
    assert!(
        text.contains("(58 of 60 names pass and are not listed"),
        "{text}"
    );
    assert!(
        text.contains("[1] http FAIL, 2 names: not found (404)"),
        "{text}"
    );
    assert!(text.contains("2 failed"), "{text}");
    assert!(text.lines().count() < 12, "{text}");
    let all = String::from_utf8_lossy(&run(&["-v"]).stdout).into_owned();
    assert!(all.contains("n8.example.com"), "{all}");
    assert!(
        all.lines().filter(|l| l.starts_with("PASS")).count() >= 58,
        "{all}"
    );
}

/// `dcv check-dns --recursive` of `name` against a loopback server of `zone`:
/// the name's CNAME result.
fn cname_result(zone: crate::support::dns_server::Zone, name: &str) -> Value {
    let server = crate::support::dns_server::DnsServer::start(vec![zone]);
    let csr = fixture(CSR).display().to_string();
    let (code, doc) = crate::check_dns::check(&server, &["--csr", &csr, name]);
    assert_eq!(code, 1, "{doc:#}");
    doc["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["check"] == "cname" && r["domain"] == name)
        .unwrap_or_else(|| panic!("{doc:#}"))
        .clone()
}

fn target() -> String {
    let sha = recorded(CSR).sha256;
    format!("{}.{}.sectigo.com.", &sha[..32], &sha[32..])
}

fn example_zone() -> crate::support::dns_server::Zone {
    crate::support::dns_server::Zone::new("example.com")
        .a("ns1.example.com", std::net::Ipv4Addr::LOCALHOST)
}

#[test]
fn a_cname_without_its_underscore_is_found_and_named() {
    let md5 = recorded(CSR).md5;
    let zone = example_zone().cname(&format!("{md5}.www.example.com"), &target());
    let r = cname_result(zone, "www.example.com");
    assert_eq!(r["code"], "record_near_miss", "{r:#}");
    let detail = r["detail"].as_str().unwrap();
    assert!(
        detail.contains(&format!(
            "{md5}.www.example.com. (without the leading underscore)"
        )),
        "{detail}"
    );
    let hint = r["hint"].as_str().unwrap();
    assert!(
        hint.contains(&format!(
            "create _{md5}.www.example.com. CNAME {}",
            target()
        )),
        "{hint}"
    );
}

#[test]
fn a_cname_under_www_for_the_bare_name_is_named() {
    let md5 = recorded(CSR).md5;
    let zone = example_zone().cname(&format!("_{md5}.www.example.com"), &target());
    let r = cname_result(zone, "example.com");
    assert_eq!(r["code"], "record_near_miss", "{r:#}");
    assert!(
        r["detail"]
            .as_str()
            .unwrap()
            .contains("(under the www name)"),
        "{r:#}"
    );
    assert!(
        r["hint"].as_str().unwrap().contains("not under www"),
        "{r:#}"
    );
}

#[test]
fn the_hash_as_a_txt_at_the_bare_name_is_named() {
    let sha = recorded(CSR).sha256.to_ascii_lowercase();
    let zone = example_zone()
        .txt("example.com", &["v=spf1 -all"])
        .txt("example.com", &[&sha]);
    let r = cname_result(zone, "example.com");
    assert_eq!(r["code"], "record_near_miss", "{r:#}");
    let detail = r["detail"].as_str().unwrap();
    assert!(
        detail.contains("has a TXT record holding this CSR's hash"),
        "{detail}"
    );
    assert!(detail.contains("in lower case"), "{detail}");
    assert!(
        r["hint"]
            .as_str()
            .unwrap()
            .contains("not a TXT at the name itself"),
        "{r:#}"
    );
}

fn generic_cname_result(zone: crate::support::dns_server::Zone, pair: &str) -> Value {
    let server = crate::support::dns_server::DnsServer::start(vec![zone]);
    let (code, doc) = crate::check_dns::check(&server, &["--cname", pair]);
    assert_eq!(code, 1, "{doc:#}");
    doc["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["check"] == "cname")
        .unwrap_or_else(|| panic!("{doc:#}"))
        .clone()
}

#[test]
fn addresses_synthesized_in_place_of_a_cname_are_named() {
    use std::net::Ipv4Addr;
    // The provider answers for shop with its target's address (flattening).
    let zone = example_zone()
        .a("shops.example.com", Ipv4Addr::new(192, 0, 2, 10))
        .a("shop.example.com", Ipv4Addr::new(192, 0, 2, 10));
    let r = generic_cname_result(zone, "shop.example.com=shops.example.com");
    assert_eq!(r["code"], "cname_flattened", "{r:#}");
    let detail = r["detail"].as_str().unwrap();
    assert!(
        detail.contains("shops.example.com's own addresses (192.0.2.10)"),
        "{detail}"
    );
    assert!(detail.contains("flattening"), "{detail}");
    assert!(
        r["hint"]
            .as_str()
            .unwrap()
            .contains("turn off CNAME flattening"),
        "{r:#}"
    );

    // A plain A record of its own: named as such.
    let zone = example_zone()
        .a("shops.example.com", Ipv4Addr::new(192, 0, 2, 10))
        .a("shop.example.com", Ipv4Addr::new(192, 0, 2, 99));
    let r = generic_cname_result(zone, "shop.example.com=shops.example.com");
    assert_eq!(r["code"], "cname_flattened", "{r:#}");
    assert!(
        r["detail"]
            .as_str()
            .unwrap()
            .contains("has address records (192.0.2.99)"),
        "{r:#}"
    );
    assert!(
        r["hint"]
            .as_str()
            .unwrap()
            .contains("cannot also have a CNAME"),
        "{r:#}"
    );
}

#[test]
fn an_html_page_hint_fits_apache_and_iis() {
    let page = |server: &str| {
        reply(
            200,
            &[("Server", server), ("Content-Type", "text/html")],
            "<html><head><title>Home</title></head><body>Welcome</body></html>",
        )
    };
    named(
        page("Apache/2.4.62 (Debian)"),
        "http_html_page",
        &["an HTML page (title \"Home\")"],
        &["Apache", "RewriteRule ^\\.well-known/pki-validation/ - [L]"],
    );
    named(
        page("Microsoft-IIS/10.0"),
        "http_html_page",
        &["an HTML page"],
        &["IIS: a URL Rewrite rule", "negate=\"true\""],
    );
}

#[test]
fn a_txt_value_published_at_a_mixed_up_owner_is_named() {
    let value = "2024a1b2c3d4e5";
    for (owner, words) in [
        (
            "shop.example.com",
            "(at the bare name, without the record's own label)",
        ),
        (
            "dnsauth.shop.example.com",
            "(without the leading underscore)",
        ),
        (
            "_dnsauth.example.com",
            "(at the base domain instead of the name)",
        ),
    ] {
        let server =
            crate::support::dns_server::DnsServer::start(vec![example_zone().txt(owner, &[value])]);
        let pair = format!("_dnsauth.shop.example.com={value}");
        let (code, doc) = crate::check_dns::check(&server, &["--txt", &pair]);
        assert_eq!(code, 1, "{doc:#}");
        let r = &doc["results"][0];
        assert_eq!(r["code"], "record_near_miss", "{r:#}");
        let detail = r["detail"].as_str().unwrap();
        assert!(
            detail.contains(&format!("but {owner}. {words} has it")),
            "{detail}"
        );
        assert!(
            r["hint"]
                .as_str()
                .unwrap()
                .contains("the CA asks _dnsauth.shop.example.com. exactly"),
            "{r:#}"
        );
    }
}
