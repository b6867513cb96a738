//! One resolution, every server (SPEC 8): CAA asked of every authoritative
//! server at each step of the climb, servers that disagree named with their
//! SOA serials, CAA at an alias following it, and alias chains of many links
//! across zones followed by the resolver for every check. The zones are
//! served by in-process authoritative servers on loopback; what passes and
//! fails is what RFC 8659 and the CA's resolver say, not dcv's own output.

use dcv::reason::Code;
use dcv::report::Status;

use crate::check_dns::{authoritative, find};
use crate::support::dns_server::{DnsServer, Zone};
use crate::support::recorded;

const LOOPBACK: std::net::Ipv4Addr = std::net::Ipv4Addr::LOCALHOST;

fn two_servers(serial: u32) -> Zone {
    Zone::new("example.com")
        .ns(&["ns1.example.com", "ns2.example.com"])
        .a("ns1.example.com", LOOPBACK)
        .serial(serial)
}

/// Runs check-dns in authoritative mode for www.example.com (the hashes
/// given, so CAA is checked beside a CNAME that is not there).
fn caa_of(ns1: &DnsServer, ns2: &DnsServer) -> dcv::report::CheckResult {
    let r = recorded("rsa2048_multi.pem");
    let map = [("ns1.example.com", ns1.addr), ("ns2.example.com", ns2.addr)];
    let report = authoritative(
        &["--md5", &r.md5, "--sha256", &r.sha256, "www.example.com"],
        ns1,
        &map,
    );
    find(&report, "www.example.com", "caa").clone()
}

/// check-dns in authoritative mode against one server holding both
/// example.com and example.net (each zone's ns1 is that server).
fn both_zones(server: &DnsServer, args: &[&str]) -> dcv::report::CheckReport {
    let map = [
        ("ns1.example.com", server.addr),
        ("ns1.example.net", server.addr),
    ];
    authoritative(args, server, &map)
}

#[test]
fn caa_that_a_stale_secondary_still_serves_fails_and_names_both_sides() {
    // The primary has moved to sectigo.com; the secondary missed the NOTIFY.
    let ns1 = DnsServer::start(vec![two_servers(2026120602).caa(
        "example.com",
        0,
        "issue",
        "sectigo.com",
    )]);
    let ns2 = DnsServer::start(vec![two_servers(2026120401).caa(
        "example.com",
        0,
        "issue",
        "letsencrypt.org",
    )]);
    let caa = caa_of(&ns1, &ns2);
    assert_eq!(caa.status, Status::Fail, "{caa:#?}");
    assert_eq!(caa.code, Some(Code::CaaServersDisagree), "{caa:#?}");
    for words in [
        format!(
            "ns2.example.com ({}) serial 2026120401 serves issue \"letsencrypt.org\"",
            ns2.addr
        ),
        format!(
            "ns1.example.com ({}) serial 2026120602 serves issue \"sectigo.com\"",
            ns1.addr
        ),
        "a secondary has not caught up".to_owned(),
    ] {
        assert!(caa.detail.contains(&words), "{words}\n{}", caa.detail);
    }
    // The same the other way round: whichever server forbids decides.
    let ns1 = DnsServer::start(vec![two_servers(2).caa("example.com", 0, "issue", ";")]);
    let ns2 = DnsServer::start(vec![two_servers(1)]);
    let caa = caa_of(&ns1, &ns2);
    assert_eq!(caa.status, Status::Fail, "{caa:#?}");
    assert!(caa.detail.contains("forbids"), "{}", caa.detail);
    assert!(caa.detail.contains("no CAA"), "{}", caa.detail);
}

#[test]
fn caa_that_every_server_serves_alike_passes() {
    let zone = two_servers(7).caa("example.com", 0, "issue", "sectigo.com");
    let ns1 = DnsServer::start(vec![zone.clone()]);
    let ns2 = DnsServer::start(vec![zone]);
    let caa = caa_of(&ns1, &ns2);
    assert_eq!(caa.status, Status::Pass, "{caa:#?}");
    assert!(
        caa.detail.contains("authorizes sectigo.com"),
        "{}",
        caa.detail
    );
    assert!(!caa.detail.contains("disagree"), "{}", caa.detail);
}

#[test]
fn caa_failing_at_one_server_fails_the_name() {
    use crate::support::dns_server::Behavior;
    let zone = two_servers(7).caa("example.com", 0, "issue", "sectigo.com");
    let ns1 = DnsServer::start(vec![zone.clone()]);
    let ns2 = DnsServer::with_behavior(vec![zone], Behavior::ServFail);
    let caa = caa_of(&ns1, &ns2);
    assert_eq!(caa.status, Status::Fail, "{caa:#?}");
    assert_eq!(caa.code, Some(Code::CaaLookupFailed), "{caa:#?}");
    assert!(caa.detail.contains("SERVFAIL"), "{}", caa.detail);
    assert!(caa.detail.contains("ns2.example.com"), "{}", caa.detail);
}

#[test]
fn caa_at_an_alias_is_the_targets_in_authoritative_mode() {
    // RFC 8659 section 3: www is an alias to a CDN whose zone allows only
    // digicert.com; the parent's sectigo.com record does not govern www.
    let server = DnsServer::start(vec![
        Zone::new("example.com")
            .a("ns1.example.com", LOOPBACK)
            .cname("www.example.com", "cdn.example.net.")
            .caa("example.com", 0, "issue", "sectigo.com"),
        Zone::new("example.net").a("ns1.example.net", LOOPBACK).caa(
            "cdn.example.net",
            0,
            "issue",
            "digicert.com",
        ),
    ]);
    let r = recorded("rsa2048_multi.pem");
    let report = both_zones(
        &server,
        &["--md5", &r.md5, "--sha256", &r.sha256, "www.example.com"],
    );
    let caa = find(&report, "www.example.com", "caa");
    assert_eq!(caa.status, Status::Fail, "{caa:#?}");
    assert_eq!(caa.code, Some(Code::CaaForbids), "{caa:#?}");
    assert!(caa.detail.contains("cdn.example.net."), "{}", caa.detail);
}

/// `hop0.example.com` → `hop1.example.net` → `hop2.example.com` … → the
/// TXT at `hop{links}`: every alias leaves its zone, so each link is asked
/// of the next zone's server (authoritative mode).
fn chain_zones(links: usize, loop_back: bool) -> Vec<Zone> {
    let zone_of = |i: usize| {
        if i.is_multiple_of(2) {
            "example.com"
        } else {
            "example.net"
        }
    };
    let mut com = Zone::new("example.com").a("ns1.example.com", LOOPBACK);
    let mut net = Zone::new("example.net").a("ns1.example.net", LOOPBACK);
    for i in 0..=links {
        let owner = format!("hop{i}.{}", zone_of(i));
        let z = if i.is_multiple_of(2) {
            &mut com
        } else {
            &mut net
        };
        *z = if i < links {
            z.clone()
                .cname(&owner, &format!("hop{}.{}.", i + 1, zone_of(i + 1)))
        } else if loop_back {
            z.clone().cname(&owner, "hop0.example.com.")
        } else {
            z.clone().txt(&owner, &["the value"])
        };
    }
    vec![com, net]
}

fn txt_through_chain(links: usize, loop_back: bool) -> dcv::report::CheckResult {
    let server = DnsServer::start(chain_zones(links, loop_back));
    let report = both_zones(&server, &["--txt", "hop0.example.com=the value"]);
    find(&report, "hop0.example.com", "txt").clone()
}

#[test]
fn alias_chains_of_five_eight_and_twelve_links_are_followed_across_zones() {
    for links in [5, 8, 12] {
        let txt = txt_through_chain(links, false);
        assert_eq!(txt.status, Status::Pass, "{links} links: {txt:#?}");
        let end = format!("hop{links}.");
        assert!(txt.detail.contains(&end), "{links} links: {}", txt.detail);
    }
}

#[test]
fn an_alias_loop_is_named_not_called_nodata() {
    let txt = txt_through_chain(3, true);
    assert_eq!(txt.status, Status::Fail, "{txt:#?}");
    assert_eq!(txt.code, Some(Code::AliasLoop), "{txt:#?}");
    assert!(
        txt.detail
            .contains("alias loop (hop0.example.com. → hop1.example.net. → hop2.example.com. → hop3.example.net. → hop0.example.com.)"),
        "{}",
        txt.detail
    );
}

#[test]
fn a_record_only_under_the_fqdns_cname_target_is_not_a_pass() {
    // SPEC 8 / ballot SC-101: the CNAME step of BR 3.2.2.4.7 is the CA's
    // option, so a pass never rests on it.
    let r = recorded("rsa2048_multi.pem");
    let (a, b) = r.sha256.split_at(32);
    let server = DnsServer::start(vec![
        Zone::new("example.com")
            .a("ns1.example.com", LOOPBACK)
            .cname("www.example.com", "cdn.example.net."),
        Zone::new("example.net")
            .a("ns1.example.net", LOOPBACK)
            .cname(
                &format!("_{}.cdn.example.net", r.md5),
                &format!("{a}.{b}.sectigo.com."),
            ),
    ]);
    let report = both_zones(
        &server,
        &["--md5", &r.md5, "--sha256", &r.sha256, "www.example.com"],
    );
    let cname = find(&report, "www.example.com", "cname");
    assert_eq!(cname.status, Status::Fail, "{cname:#?}");
    assert_eq!(cname.code, Some(Code::AdnCnameStepOnly), "{cname:#?}");
    assert!(
        cname.detail.contains("a CA may or may not use it"),
        "{}",
        cname.detail
    );
}
