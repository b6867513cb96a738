//! Daily use, truthfully (issue 17, SPEC section 7): a resolver that cannot
//! be used exits 3 and is named; summaries count names first; every
//! non-pass result carries its reason `code`; each server-level failure
//! gets its own hint and code (issue 15, item 15).

use std::net::{Ipv4Addr, SocketAddr, UdpSocket};

use dcv::report::Status;
use serde_json::Value;

use crate::check_dns::{authoritative, find};
use crate::support::dns_server::{Behavior, DnsServer, Zone};
use crate::support::http_server::{Reply, Request, TestServer};
use crate::support::{dcv, fixture, json, recorded};

const CSR: &str = "rsa2048_multi.pem";

fn cname_name(adn: &str) -> String {
    format!("_{}.{adn}", recorded(CSR).md5)
}

fn cname_target() -> String {
    let sha = recorded(CSR).sha256;
    format!("{}.{}.sectigo.com.", &sha[..32], &sha[32..])
}

fn zone() -> Zone {
    Zone::new("example.com").a("ns1.example.com", Ipv4Addr::LOCALHOST)
}

/// A loopback port where nothing listens (bound, then released).
fn dead_resolver() -> SocketAddr {
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    s.local_addr().unwrap()
}

fn text(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn resolvers_that_cannot_be_used_exit_3_and_are_named_on_one_line() {
    let dead = dead_resolver();
    let silent = DnsServer::with_behavior(vec![zone()], Behavior::Silent);
    let run = |extra: &[&str]| {
        dcv()
            .args(["--color", "never"])
            .args(extra)
            .args(["check", "--timeout", "0.3", "--csr"])
            .arg(fixture(CSR))
            .arg(format!("@{dead}"))
            .args(["--resolver", &silent.addr.to_string()])
            .arg("www.example.com")
            .output()
            .unwrap()
    };
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let report = text(&out);
    let line = report
        .lines()
        .find(|l| l.starts_with("NOT CHECKED"))
        .unwrap_or_else(|| panic!("{report}"));
    // One line names each resolver and what happened to it.
    assert!(
        line.contains(&format!("{dead}: connection refused")),
        "{line}"
    );
    assert!(
        line.contains(&format!(
            "{}: no answer (every query timed out",
            silent.addr
        )),
        "{line}"
    );
    // No FAIL block per check, and no claim that the CA asks dcv's resolver.
    assert!(!report.contains("FAIL"), "{report}");
    assert!(!report.contains("the CA asks it too"), "{report}");
    let verbose = text(&run(&["-v"]));
    assert!(verbose.contains("FAIL caa"), "{verbose}");
    // Names failing alike share one sentence (the lines were ~410 wide).
    let widest = verbose
        .lines()
        .filter(|l| l.starts_with("FAIL"))
        .map(|l| l.chars().count())
        .max()
        .unwrap();
    assert!(widest <= 260, "{widest}: {verbose}");
    assert!(verbose.contains("cannot find their zones"), "{verbose}");
    assert!(!verbose.contains("the CA asks it too"), "{verbose}");

    let out = run(&["--json"]);
    assert_eq!(out.status.code(), Some(3));
    let doc = json(&out);
    // The exit-3 report holds to the check schema (and its `ok` to the exit code).
    let fixture_path = fixture(CSR).display().to_string();
    let (at_dead, at_silent) = (format!("@{dead}"), silent.addr.to_string());
    crate::schema::holds(
        "check",
        &[
            "check",
            "--timeout",
            "0.3",
            "--csr",
            &fixture_path,
            &at_dead,
            "--resolver",
            &at_silent,
            "www.example.com",
        ],
    );
    assert_eq!(doc["ok"], false);
    let dead_ones = doc["unusable_resolvers"].as_array().unwrap();
    assert_eq!(dead_ones.len(), 2, "{doc:#}");
    let problem = |addr: SocketAddr| {
        dead_ones
            .iter()
            .find(|d| d["address"] == addr.to_string())
            .map(|d| d["problem"].clone())
    };
    assert_eq!(problem(dead), Some("refused".into()), "{doc:#}");
    assert_eq!(problem(silent.addr), Some("timed_out".into()), "{doc:#}");
    for r in doc["results"].as_array().unwrap() {
        if r["status"] != "pass" {
            assert_eq!(r["code"], "resolver_unreachable", "{r:#}");
        }
    }
}

#[test]
fn a_resolver_that_answers_is_not_exit_3() {
    // The record is simply missing: that is "not in place", exit 1.
    let dns = DnsServer::start(vec![zone()]);
    let out = dcv()
        .args(["--json", "check-dns", "--recursive", "--csr"])
        .arg(fixture(CSR))
        .args(["--resolver", &dns.addr.to_string(), "www.example.com"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc = json(&out);
    assert!(doc.get("unusable_resolvers").is_none(), "{doc:#}");
    let cname = doc["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["check"] == "cname")
        .unwrap();
    assert_eq!(cname["code"], "record_missing", "{cname:#}");
}

/// The CSR's CNAME at example.com, both names with a loopback address.
fn cname_in_place() -> DnsServer {
    DnsServer::start(vec![
        zone()
            .cname(&cname_name("example.com"), &cname_target())
            .a("example.com", Ipv4Addr::LOCALHOST)
            .a("www.example.com", Ipv4Addr::LOCALHOST),
    ])
}

fn web_404() -> TestServer {
    TestServer::http("127.0.0.1", |_: &Request| Reply::status(404))
}

/// `dcv check` with the CNAME in place and no HTTP file: both names are
/// ready, so it exits 0, `ok` is true beside failed `http` results, and the
/// summary leads with the names.
#[test]
fn summaries_count_names_first_and_ok_follows_the_names() {
    let dns = cname_in_place();
    let web = web_404();
    let run = |json: bool| {
        let mut cmd = dcv();
        if json {
            cmd.arg("--json");
        }
        cmd.args(["--color", "never", "check", "--recursive", "--csr"])
            .arg(fixture(CSR))
            .args(["--resolver", &dns.addr.to_string()])
            .args(["--http-port", &web.port().to_string()])
            .args(["www.example.com", "example.com"])
            .output()
            .unwrap()
    };
    let out = run(false);
    let report = text(&out);
    assert_eq!(out.status.code(), Some(0), "{report}");
    let last = report.lines().last().unwrap();
    assert!(
        last.starts_with("2 of 2 names ready (CNAME); checks: "),
        "{report}"
    );
    assert!(last.contains("2 failed"), "{last}");
    let doc = json(&run(true));
    assert_eq!(doc["ok"], true);
    let http: Vec<&Value> = doc["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["check"] == "http")
        .collect();
    assert_eq!(http.len(), 2);
    for r in http {
        assert_eq!(
            (&r["status"], &r["code"]),
            (&"fail".into(), &"http_not_found".into())
        );
    }
}

/// The common HTTP failures, each with its own code.
#[test]
fn http_failures_carry_their_codes() {
    let md5 = recorded(CSR).md5;
    let sha = recorded(CSR).sha256;
    let path = format!("/.well-known/pki-validation/{md5}.txt");
    let cases: Vec<(&str, Reply)> = vec![
        (
            "http_redirect",
            Reply::redirect(301, &format!("https://example.com{path}")),
        ),
        ("http_not_found", Reply::status(404)),
        ("http_forbidden", Reply::status(403)),
        ("http_server_error", Reply::status(502)),
        (
            "http_html_page",
            Reply::ok("<!doctype html><html><head><title>Shop</title></head></html>")
                .with_header("Content-Type", "text/html"),
        ),
        (
            "http_body_formatting",
            Reply::ok(format!("{sha}\nsectigo.com\n")),
        ),
        ("http_wrong_body", Reply::ok(format!("{md5}\nsectigo.com"))),
    ];
    for (code, reply) in cases {
        let web = TestServer::http("127.0.0.1", move |_: &Request| reply.clone());
        let out = dcv()
            .args(["--json", "check-http", "--csr"])
            .arg(fixture(CSR))
            .args(["--resolve", "example.com:127.0.0.1"])
            .args(["--http-port", &web.port().to_string(), "example.com"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let doc = json(&out);
        assert_eq!(doc["results"][0]["code"], code, "{doc:#}");
    }
}

/// The CNAME mistakes people make, each with its own code.
#[test]
fn dns_failures_carry_their_codes() {
    let name = cname_name("example.com");
    let cases: Vec<(&str, Zone)> = vec![
        (
            "wrong_target",
            zone().cname(&name, "something.else.example.net."),
        ),
        (
            "zone_appended_twice",
            zone().cname(&format!("{name}.example.com"), &cname_target()),
        ),
        ("txt_instead_of_cname", zone().txt(&name, &["hello"])),
        ("record_missing", zone()),
    ];
    for (code, z) in cases {
        let dns = DnsServer::start(vec![z]);
        let out = dcv()
            .args(["--json", "check-dns", "--recursive", "--csr"])
            .arg(fixture(CSR))
            .args(["--resolver", &dns.addr.to_string(), "example.com"])
            .output()
            .unwrap();
        let doc = json(&out);
        let cname = doc["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["check"] == "cname")
            .unwrap();
        assert_eq!(cname["code"], code, "{cname:#}");
    }
}

/// Issue 15, item 15: a record on ns1 only, and ns2 failing in each way.
/// Only a server that answers without the record is a stale secondary;
/// every other failure gets its own hint and code, and RCODEs are named.
#[test]
fn each_server_failure_has_its_own_hint_and_code() {
    let md5 = recorded(CSR).md5;
    let two = || {
        zone()
            .ns(&["ns1.example.com", "ns2.example.com"])
            .cname(&format!("_{md5}.example.com"), &cname_target())
    };
    let ns1 = DnsServer::start(vec![two()]);
    let cases: Vec<(Behavior, Option<Zone>, &str, &str, &str)> = vec![
        // (ns2's behaviour, ns2's zone, code, words of the detail, words of the hint)
        (
            Behavior::Normal,
            Some(zone().ns(&["ns1.example.com", "ns2.example.com"])),
            "server_stale",
            "NXDOMAIN",
            "stale secondary",
        ),
        (
            Behavior::Silent,
            None,
            "server_timeout",
            "timed out",
            "did not answer in time",
        ),
        (
            Behavior::Refused,
            None,
            "server_refused",
            "REFUSED",
            "does not serve this zone",
        ),
        (
            Behavior::ServFail,
            None,
            "server_servfail",
            "SERVFAIL",
            "SERVFAIL",
        ),
        (
            Behavior::Lame,
            None,
            "server_lame",
            "not authoritative",
            "AA=0",
        ),
        (Behavior::FormErr, None, "server_edns", "FORMERR", "EDNS"),
        (Behavior::BadVers, None, "server_edns", "BADVERS", "EDNS"),
        (
            Behavior::TruncateUdpNoTcp,
            None,
            "server_error",
            "truncated (TC) and the retry over TCP failed",
            "UDP and TCP",
        ),
    ];
    for (behavior, z, code, detail, hint) in cases {
        let ns2 = DnsServer::with_behavior(vec![z.unwrap_or_else(two)], behavior);
        let map = [("ns1.example.com", ns1.addr), ("ns2.example.com", ns2.addr)];
        let fixture = fixture(CSR).display().to_string();
        let r = authoritative(&["--csr", &fixture, "example.com"], &ns1, &map);
        let cname = find(&r, "example.com", "cname");
        assert_eq!(cname.status, Status::Fail);
        let got = cname.code.map(|c| c.as_str());
        assert_eq!(got, Some(code), "{behavior:?}: {cname:#?}");
        assert!(
            cname.detail.contains(detail),
            "{behavior:?}: {}",
            cname.detail
        );
        assert!(!cname.detail.contains("RCODE"), "{}", cname.detail);
        let h = cname.hint.as_deref().unwrap_or("");
        assert!(h.contains(hint), "{behavior:?}: {h}");
        if code != "server_stale" {
            assert!(!h.contains("stale secondary"), "{behavior:?}: {h}");
        }
    }
}

/// One list of codes: the schema's enum and docs/json.md's table are
/// exactly `Code::ALL`, with its meanings; README and `check --help` agree
/// with the behaviour about exit 3 and `ok`.
#[test]
fn the_codes_and_exit_codes_are_documented_where_users_look() {
    use dcv::reason::Code;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let read = |p: &str| std::fs::read_to_string(root.join(p)).unwrap();
    let schema: Value = serde_json::from_str(&read("docs/schema/check.json")).unwrap();
    let all: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
    let listed: Vec<&str> = schema["$defs"]["result"]["properties"]["code"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(listed, all);
    let md = read("docs/json.md");
    let rows: Vec<&str> = md.lines().filter(|l| l.starts_with("| `")).collect();
    for c in Code::ALL {
        let row = format!("| `{}` | {} |", c.as_str(), c.meaning().replace('|', "\\|"));
        assert!(rows.contains(&row.as_str()), "docs/json.md lacks {row}");
    }
    let readme = read("README.md");
    assert!(readme.contains("| 3 | not checked"), "README: exit 3");
    assert!(
        readme.contains("names ready (CNAME); checks: "),
        "README: summary"
    );
    let help = dcv().args(["check", "--help"]).output().unwrap();
    let help = text(&help);
    assert!(help.contains("3 no resolver could be used"), "{help}");
    assert!(
        help.contains("--method any a failed method does not fail a name"),
        "{help}"
    );
    assert!(!help.contains("1 a check failed"), "{help}");
}

/// `--evidence DIR`: the JSON report, every DNS exchange with its server,
/// every HTTP exchange, and per name a summary with ADN, method and BR
/// label; nothing outside DIR.
#[test]
fn the_evidence_bundle_holds_the_transcripts_and_stays_inside_its_directory() {
    let md5 = recorded(CSR).md5;
    let dns = cname_in_place();
    let web = web_404();
    let parent = tempfile::tempdir().unwrap();
    let bundle = parent.path().join("bundle");
    let run = |dir: &std::path::Path| {
        dcv()
            .args(["--color", "never", "check", "--recursive", "--csr"])
            .arg(fixture(CSR))
            .args(["--resolver", &dns.addr.to_string()])
            .args(["--http-port", &web.port().to_string()])
            .arg("--evidence")
            .arg(dir)
            .args(["www.example.com", "example.com"])
            .output()
            .unwrap()
    };
    let out = run(&bundle);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let read =
        |p: &str| std::fs::read_to_string(bundle.join(p)).unwrap_or_else(|e| panic!("{p}: {e}"));
    let report: Value = serde_json::from_str(&read("report.json")).unwrap();
    assert_eq!(
        (&report["schema_version"], &report["ok"]),
        (&1.into(), &true.into())
    );
    // Every DNS question with the server asked and the answer's records.
    let dns_txt = read("names/www.example.com/dns.txt");
    assert!(
        dns_txt.contains(&format!(
            "{} _{}.example.com. CNAME +rd",
            dns.addr,
            md5.to_lowercase()
        )),
        "{dns_txt}"
    );
    assert!(dns_txt.contains(";; rcode NOERROR"), "{dns_txt}");
    assert!(
        dns_txt.contains(&format!("CNAME {}", cname_target().to_lowercase()))
            || dns_txt.contains(&format!("CNAME {}", cname_target())),
        "{dns_txt}"
    );
    assert!(read("dns.txt").len() >= dns_txt.len());
    // Every HTTP exchange: request line, Host, status, headers, body.
    let http = read("names/www.example.com/http.txt");
    assert!(
        http.contains(&format!(
            "> GET /.well-known/pki-validation/{md5}.txt HTTP/1.1"
        )),
        "{http}"
    );
    assert!(
        http.contains(&format!("> Host: www.example.com:{}", web.port())),
        "{http}"
    );
    assert!(http.contains("< HTTP/1.1 404"), "{http}");
    assert!(
        !http.contains("Host: example.com:"),
        "another name's fetch: {http}"
    );
    // The summary: validated name, ADN, method with its BR label, verdict, time.
    let summary = read("summary.txt");
    for words in [
        "name: www.example.com",
        "validated name: www.example.com",
        "verdict: ready",
        "method DNS CNAME (BR 3.2.2.4.7) [ca-tbr-7]: pass, ADN example.com",
        "[ca-tbr-18]: fail (http_not_found), ADN www.example.com",
        "time: 20",
    ] {
        assert!(summary.contains(words), "{words}: {summary}");
    }
    assert!(read("names/example.com/dnssec.txt").starts_with(";; no DS, DNSKEY or RRSIG"));
    // Nothing outside DIR.
    let entries: Vec<_> = std::fs::read_dir(parent.path()).unwrap().collect();
    assert_eq!(entries.len(), 1);

    // A symbolic link inside DIR pointing outside is refused, not followed.
    let outside = tempfile::tempdir().unwrap();
    let trap = parent.path().join("trap");
    std::fs::create_dir(&trap).unwrap();
    std::os::unix::fs::symlink(outside.path(), trap.join("names")).unwrap();
    let out = run(&trap);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("symbolic link"));
    assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0);
}

/// Issue 17 item 4: a missing CSR file is the same one-line error, exit 2,
/// for every command that reads one (not "give --csr" for the checks).
#[test]
fn a_missing_csr_file_is_the_same_error_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    for cmd in [
        "hash",
        "file",
        "cname",
        "emails",
        "check",
        "check-dns",
        "check-http",
    ] {
        let out = dcv()
            .current_dir(dir.path())
            .args([cmd, "missing.csr"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{cmd}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            "dcv: error: missing.csr: No such file or directory\n",
            "{cmd}"
        );
    }
}

/// Issue 17 item 5: a web root that already ends in the validation
/// directory is refused with the right command, and nothing is written.
#[test]
fn a_web_root_given_as_the_validation_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let www = dir.path().join("www");
    std::fs::create_dir_all(www.join(".well-known/pki-validation")).unwrap();
    for given in [
        www.join(".well-known/pki-validation"),
        www.join(".well-known/pki-validation/"),
        www.join(".well-known"),
    ] {
        let out = dcv()
            .arg("file")
            .arg(fixture(CSR))
            .arg("--write")
            .arg(&given)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", given.display());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("not the web root"), "{err}");
        assert!(err.contains(&format!("--write {}", www.display())), "{err}");
    }
    let files: Vec<_> = walk(&www);
    assert!(files.is_empty(), "{files:?}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// Runs `dcv --json check-http` for `names` against a loopback port.
fn check_http(port: u16, names: &[&str]) -> Value {
    let out = dcv()
        .args(["--json", "check-http", "--csr"])
        .arg(fixture(CSR))
        .args(["--resolve", "*:127.0.0.1"])
        .args(["--http-port", &port.to_string()])
        .args(names)
        .output()
        .unwrap();
    json(&out)
}

fn result_for<'a>(doc: &'a Value, domain: &str) -> &'a Value {
    doc["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["domain"] == domain)
        .unwrap_or_else(|| panic!("no {domain}: {doc:#}"))
}

/// Issue 17 item 8: HTTP causes named exactly.
#[test]
fn http_causes_are_named_exactly() {
    let sha = recorded(CSR).sha256;
    let body = format!("{sha}\nsectigo.com");

    // A 404 for one name where another name on the same address passes.
    let served = body.clone();
    let web = TestServer::http("127.0.0.1", move |r: &Request| {
        if r.host
            .as_deref()
            .unwrap_or("")
            .starts_with("www.example.com")
        {
            Reply::ok(served.clone())
        } else {
            Reply::status(404)
        }
    });
    let doc = check_http(web.port(), &["www.example.com", "example.com"]);
    let r = result_for(&doc, "example.com");
    assert_eq!(r["code"], "http_default_server", "{r:#}");
    let hint = r["hint"].as_str().unwrap();
    assert!(
        hint.contains("add example.com to the server_name"),
        "{hint}"
    );
    assert!(hint.contains("ServerAlias example.com"), "{hint}");
    // example.com has a site of its own (without the file), and the default
    // site is www's: a host no site has gets the file, so no such claim.
    let served = body.clone();
    let web = TestServer::http("127.0.0.1", move |r: &Request| {
        if r.host.as_deref().unwrap_or("").starts_with("example.com") {
            Reply::status(404)
        } else {
            Reply::ok(served.clone())
        }
    });
    let doc = check_http(web.port(), &["www.example.com", "example.com"]);
    let r = result_for(&doc, "example.com");
    assert_eq!(r["code"], "http_not_found", "{r:#}");
    assert!(!r["detail"].as_str().unwrap().contains("default"), "{r:#}");
    let probes: Vec<String> = web
        .requests()
        .iter()
        .filter_map(|q| q.host.clone())
        .filter(|h| h.contains(".invalid"))
        .collect();
    assert_eq!(
        probes.len(),
        1,
        "one probe with a host no site has: {probes:?}"
    );

    // A body compressed though no encoding was asked for: the header is
    // named, not an escaped binary dump.
    let gz = vec![
        0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xff,
    ];
    let web = TestServer::http("127.0.0.1", move |_: &Request| {
        Reply::ok(gz.clone()).with_header("Content-Encoding", "gzip")
    });
    let doc = check_http(web.port(), &["example.com"]);
    let r = result_for(&doc, "example.com");
    assert_eq!(r["code"], "http_content_encoding", "{r:#}");
    let detail = r["detail"].as_str().unwrap();
    assert!(detail.contains("Content-Encoding: gzip"), "{detail}");
    assert!(!detail.contains("\\x1f"), "{detail}");
    assert!(r["hint"].as_str().unwrap().contains("gzip_static"), "{r:#}");

    // The file's URL redirected to the home page: an error page.
    let web = TestServer::http("127.0.0.1", |_: &Request| Reply::redirect(302, "/"));
    let doc = check_http(web.port(), &["example.com"]);
    let r = result_for(&doc, "example.com");
    assert_eq!(r["code"], "http_redirect");
    assert!(
        r["detail"]
            .as_str()
            .unwrap()
            .contains("the file is probably missing (an error page redirects)"),
        "{r:#}"
    );

    // A 403 on the dot-directory: the fix for the server that said it.
    for (server, words) in [
        ("nginx/1.22.1", "location ^~ /.well-known/pki-validation/"),
        (
            "Apache/2.4.62 (Debian)",
            "RedirectMatch 403 /\\.(?!well-known)",
        ),
    ] {
        let web = TestServer::http("127.0.0.1", move |_: &Request| {
            Reply::status(403).with_header("Server", server)
        });
        let doc = check_http(web.port(), &["example.com"]);
        let r = result_for(&doc, "example.com");
        assert_eq!(r["code"], "http_forbidden");
        assert!(
            r["hint"].as_str().unwrap().contains(words),
            "{server}: {r:#}"
        );
    }
}

/// A port that speaks HTTP/2 only (h2c with prior knowledge) answers a
/// GET with an HTTP/2 SETTINGS frame: said so, not "not HTTP/1.1 properly".
#[test]
fn an_http2_only_port_is_named() {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for conn in listener.incoming().take(2) {
            let Ok(mut conn) = conn else { continue };
            let mut buf = [0u8; 1024];
            let _ = conn.read(&mut buf);
            // An empty SETTINGS frame, then GOAWAY (PROTOCOL_ERROR), as h2c servers send.
            let _ = conn.write_all(&[0, 0, 0, 4, 0, 0, 0, 0, 0]);
            let _ = conn.write_all(&[0, 0, 8, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
        }
    });
    let doc = check_http(port, &["example.com"]);
    let r = result_for(&doc, "example.com");
    assert_eq!(r["code"], "http_protocol", "{r:#}");
    assert!(
        r["detail"].as_str().unwrap().contains("HTTP/2 only (h2c)"),
        "{r:#}"
    );
    assert!(r["hint"].as_str().unwrap().contains("HTTP/1.1"), "{r:#}");
}

/// Issue 17 item 8: a name whose CNAME points to a name that does not
/// exist names the dangling target, not "does not exist".
#[test]
fn a_dangling_cname_names_its_missing_target() {
    let dns = DnsServer::start(vec![zone().cname("www.example.com", "old.example.com.")]);
    let out = dcv()
        .args(["--json", "check-http", "--csr"])
        .arg(fixture(CSR))
        .args(["--resolver", &dns.addr.to_string(), "www.example.com"])
        .output()
        .unwrap();
    let doc = json(&out);
    let r = result_for(&doc, "www.example.com");
    let detail = r["detail"].as_str().unwrap();
    assert!(
        detail.contains("www.example.com is a CNAME to old.example.com, which does not exist"),
        "{r:#}"
    );
    assert!(
        r["hint"].as_str().unwrap().contains("point the CNAME"),
        "{r:#}"
    );
    assert_eq!(r["code"], "http_no_address");
}

/// Issue 17 item 10: `dcv man` is one page with every command's options
/// and examples, the environment and the exit status, and names no page
/// that is not installed.
#[test]
fn the_man_page_is_complete_and_self_contained() {
    let out = dcv().arg("man").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let page = text(&out);
    assert!(!page.contains("(1)"), "names another page");
    for words in [
        ".TH dcv 1",
        ".SS \"dcv check\"",
        ".SS \"dcv check\\-http\"",
        "\\-\\-method",
        "\\-\\-evidence",
        ".SH ENVIRONMENT",
        "DCV_TOKEN",
        ".SH EXIT STATUS",
        "3    not checked",
        ".SH EXAMPLES",
    ] {
        assert!(page.contains(words), "{words}");
    }
    // Every command of `dcv --help` has its section.
    for cmd in [
        "hash",
        "token",
        "file",
        "cname",
        "emails",
        "check-dns",
        "persist",
        "corroborate",
    ] {
        let heading = format!(".SS \"dcv {}\"", cmd.replace('-', "\\-"));
        assert!(page.contains(&heading), "{heading}");
    }
}

/// Issue 17 item 9: a certificate from a private CA (Caddy's internal one,
/// a company CA) passes the file check but is noted as not publicly
/// trusted; with that CA among the roots, no note.
#[test]
fn a_private_ca_certificate_is_noted() {
    use crate::support::http_server::TestCa;
    let sha = recorded(CSR).sha256;
    let body = format!("{sha}\nsectigo.com");
    let ca = TestCa::new("Caddy Local Authority - ECC Intermediate");
    let cert = ca.issue(&["example.com"]);
    let web = TestServer::https("127.0.0.1", &cert, move |_: &Request| {
        Reply::ok(body.clone())
    });
    let dir = tempfile::tempdir().unwrap();
    let other_roots = dir.path().join("public.pem");
    std::fs::write(&other_roots, TestCa::new("Some Public Root").pem).unwrap();
    let with_roots = dir.path().join("with-private.pem");
    std::fs::write(&with_roots, &ca.pem).unwrap();
    let run = |roots: &std::path::Path| {
        let out = dcv()
            .env("SSL_CERT_FILE", roots)
            .args(["--json", "check-http", "--scheme", "https", "--csr"])
            .arg(fixture(CSR))
            .args(["--resolve", "example.com:127.0.0.1"])
            .args(["--https-port", &web.port().to_string(), "example.com"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        json(&out)
    };
    let doc = run(&other_roots);
    let detail = doc["results"][0]["detail"].as_str().unwrap().to_owned();
    assert!(
        detail.contains("not trusted by the public roots (issued by CN=Caddy Local Authority"),
        "{detail}"
    );
    let doc = run(&with_roots);
    let detail = doc["results"][0]["detail"].as_str().unwrap();
    assert!(!detail.contains("not trusted"), "{detail}");
}

/// Issue 17 item 7: `-q` promises no notes: the failing names with their
/// reason codes and the summary, not the --no-dnssec note.
#[test]
fn quiet_gives_reasons_and_no_notes() {
    let dns = DnsServer::start(vec![zone()]);
    let out = dcv()
        .args([
            "-q",
            "--color",
            "never",
            "check-dns",
            "--recursive",
            "--no-dnssec",
            "--csr",
        ])
        .arg(fixture(CSR))
        .args(["--resolver", &dns.addr.to_string(), "www.example.com"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report = text(&out);
    assert!(!report.contains("DNSSEC not validated"), "{report}");
    assert!(
        report.starts_with("FAIL   www.example.com: cname record_missing"),
        "{report}"
    );
}
