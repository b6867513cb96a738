//! The network options, low level: the DNS engine's configuration
//! (resolvers, mode, ports, trust anchors), the fetch settings and the
//! checks' deadline, as the flags ask for them.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use crate::cli::{NetworkOptions, ResolveOverride};
use crate::error::{Error, Result};
use crate::http::{DEFAULT_TIMEOUT, Settings};
use crate::input::{self};
use crate::net::DEFAULT_DNS_TIMEOUT;
use crate::resolver::TrustAnchors;
use crate::resolver::{Config, Mode};

/// A DNS check's total deadline: `--deadline`, or six query timeouts —
/// room for a zone search, the NS addresses, a referral or two and one
/// retry each, and not the minutes that a slow chain can add up to.
pub(super) fn deadline(network: &NetworkOptions) -> Duration {
    network
        .deadline
        .unwrap_or_else(|| 6 * network.timeout.unwrap_or(DEFAULT_DNS_TIMEOUT))
}

/// The engine configuration the network options ask for.
pub(super) fn engine_config(
    network: &NetworkOptions,
    recursive: bool,
    need_resolver: bool,
) -> Result<Config> {
    let resolvers = if !network.resolver.is_empty() {
        network.resolver.clone()
    } else if need_resolver {
        system_resolvers()?
    } else {
        system_resolvers().unwrap_or_default()
    };
    let mode = if recursive {
        Mode::Recursive
    } else {
        Mode::Authoritative
    };
    let mut cfg = Config::new(
        resolvers,
        mode,
        network.timeout.unwrap_or(DEFAULT_DNS_TIMEOUT),
    );
    cfg.ipv4 = !network.ipv6;
    cfg.ipv6 = !network.ipv4;
    cfg.ns_port = network.ns_port;
    if let Some(n) = network.max_in_flight {
        cfg.max_in_flight = usize::from(n);
    }
    cfg.trust_anchors = trust_anchors(network)?.map(Arc::new);
    Ok(cfg)
}

/// The DNSSEC trust anchors: none with `--no-dnssec`, the `--trust-anchor`
/// files when given, else the IANA root keys.
fn trust_anchors(network: &NetworkOptions) -> Result<Option<TrustAnchors>> {
    if network.no_dnssec {
        return Ok(None);
    }
    let mut anchors: Option<TrustAnchors> = None;
    for path in &network.trust_anchor {
        let bad = |problem: String| Error::Flag {
            flag: "--trust-anchor",
            value: path.display().to_string(),
            problem,
        };
        let text = std::fs::read_to_string(path).map_err(|e| bad(input::io_problem(&e)))?;
        let read = TrustAnchors::parse(&text).map_err(bad)?;
        match &mut anchors {
            Some(a) => a.extend(read),
            None => anchors = Some(read),
        }
    }
    Ok(Some(anchors.unwrap_or_else(TrustAnchors::iana_root)))
}

/// The `nameserver` lines of /etc/resolv.conf.
fn system_resolvers() -> Result<Vec<SocketAddr>> {
    let text = std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
    let found = parse_resolv_conf(&text);
    if found.is_empty() {
        return Err(Error::NoResolver);
    }
    Ok(found)
}

pub fn parse_resolv_conf(text: &str) -> Vec<SocketAddr> {
    text.lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            (w.next() == Some("nameserver")).then(|| w.next()).flatten()
        })
        // A scoped IPv6 address (fe80::1%eth0) cannot be used without its scope id.
        .filter_map(|a| a.parse::<std::net::IpAddr>().ok())
        .map(|ip| SocketAddr::new(ip, 53))
        .collect()
}

/// The fetch settings the network options and `--resolve` ask for.
pub(super) fn settings(net: &NetworkOptions, resolve: &[ResolveOverride]) -> Settings {
    Settings {
        timeout: net.timeout.unwrap_or(DEFAULT_TIMEOUT),
        // -4 and -6 restrict; neither means both.
        ipv4: !net.ipv6,
        ipv6: !net.ipv4,
        overrides: overrides(resolve),
    }
}

fn overrides(resolve: &[ResolveOverride]) -> HashMap<String, Vec<IpAddr>> {
    let mut map: HashMap<String, Vec<IpAddr>> = HashMap::new();
    for o in resolve {
        let host = o.host.trim_end_matches('.').to_owned();
        let ips = map.entry(host).or_default();
        for ip in &o.ips {
            if !ips.contains(ip) {
                ips.push(*ip);
            }
        }
    }
    map
}
