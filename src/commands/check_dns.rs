//! `dcv check-dns`: turns the command line into a DNS check request and an
//! engine configuration, runs the rounds (`--wait`) and emits the report.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::check::{self, CheckReport};
use crate::cli::{CaOptions, CheckDnsArgs, HostValue, NetworkOptions};
use crate::dns::DnsTransport;
use crate::dns::checks::{self, Request};
use crate::dns::engine::{Config, Engine, Mode};
use crate::dns::wire::WireTransport;
use crate::error::{Error, Result};
use crate::exit_codes::ExitCode;
use crate::names::DnsName;
use crate::output::Output;

/// Default per-query timeout (SPEC section 3).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// The request and engine configuration a command line asks for.
pub fn plan(args: &CheckDnsArgs, out: &Output) -> Result<(Request, Config)> {
    let subject = super::check_subject(&args.source, &args.ca, out)?;
    let mut req = Request {
        cnames: cname_targets_to_ascii(&args.cname)?,
        txts: args.txt.clone(),
        caa_issuers: caa_issuers(&args.ca),
        ..Request::default()
    };
    match subject {
        Some(s) => {
            req.expectation = Some(s.expectation);
            req.domains = s.domains;
            req.rejected = s.rejected;
        }
        None => {
            if args.cname.is_empty() && args.txt.is_empty() {
                return Err(Error::Usage(
                    "check-dns needs --csr, --md5 with --sha256, --cname HOST=TARGET or --txt HOST=VALUE".into(),
                ));
            }
            for raw in &args.source.domains {
                match DnsName::from_user(raw) {
                    Ok(n) if !req.domains.contains(&n) => req.domains.push(n),
                    Ok(_) => {}
                    Err(r) => req.rejected.push(r),
                }
            }
        }
    }
    for hv in args.cname.iter().chain(&args.txt) {
        check_host(&hv.host)?;
    }
    let cfg = engine_config(&args.network, args.recursive)?;
    Ok((req, cfg))
}

/// `--cname` targets typed with U-labels become A-labels, as the hosts do.
fn cname_targets_to_ascii(cnames: &[HostValue]) -> Result<Vec<HostValue>> {
    cnames
        .iter()
        .map(|hv| {
            let value = crate::names::host_to_ascii(&hv.value).map_err(|problem| Error::Flag {
                flag: "--cname",
                value: format!("{}={}", hv.host, hv.value),
                problem,
            })?;
            Ok(HostValue {
                host: hv.host.clone(),
                value,
            })
        })
        .collect()
}

/// The CAA issuer names of the selected CA profile.
pub(crate) fn caa_issuers(ca: &CaOptions) -> Vec<String> {
    ca.ca
        .caa_issuers()
        .iter()
        .map(|s| (*s).to_owned())
        .collect()
}

/// The engine configuration the network options ask for.
pub(crate) fn engine_config(network: &NetworkOptions, recursive: bool) -> Result<Config> {
    let resolvers = if network.resolver.is_empty() {
        system_resolvers()?
    } else {
        network.resolver.clone()
    };
    let mode = if recursive {
        Mode::Recursive
    } else {
        Mode::Authoritative
    };
    let mut cfg = Config::new(resolvers, mode, network.timeout.unwrap_or(DEFAULT_TIMEOUT));
    cfg.ipv4 = !network.ipv6;
    cfg.ipv6 = !network.ipv4;
    Ok(cfg)
}

/// A `--cname`/`--txt` HOST must be a plausible DNS name (underscores allowed).
fn check_host(host: &str) -> Result<()> {
    let h = host.trim_end_matches('.');
    let ok = !h.is_empty()
        && h.len() <= 253
        && h.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        });
    if ok {
        Ok(())
    } else {
        Err(Error::Flag {
            flag: "HOST",
            value: host.escape_debug().to_string(),
            problem: "not a DNS name".into(),
        })
    }
}

/// The `nameserver` lines of /etc/resolv.conf.
fn system_resolvers() -> Result<Vec<SocketAddr>> {
    let text = std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
    let found = parse_resolv_conf(&text);
    if found.is_empty() {
        return Err(Error::Usage(
            "no resolver: /etc/resolv.conf lists none; give --resolver IP".into(),
        ));
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

/// Runs the rounds with any transport: one, or until ok with `wait`.
pub async fn report(
    transport: Arc<dyn DnsTransport>,
    req: &Request,
    cfg: &Config,
    wait: Option<Duration>,
    quiet: bool,
) -> CheckReport {
    check::poll(wait, quiet, || {
        let transport = transport.clone();
        let cfg = cfg.clone();
        async move {
            // A fresh engine per round: nothing cached from the last one.
            let engine = Engine::new(transport, cfg);
            CheckReport::new(checks::run(&engine, req).await)
        }
    })
    .await
}

pub fn run(args: &CheckDnsArgs, out: &mut Output) -> Result<ExitCode> {
    let (req, cfg) = plan(args, out)?;
    let runtime = super::runtime()?;
    let transport: Arc<dyn DnsTransport> = Arc::new(WireTransport::new(cfg.timeout));
    let report = runtime.block_on(report(transport, &req, &cfg, args.network.wait, out.quiet));
    out.emit(&report)?;
    Ok(report.exit_code())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolv_conf() {
        let r = parse_resolv_conf(
            "# x\nnameserver 192.0.2.1\nnameserver ::1\nnameserver fe80::1%eth0\nsearch x\n",
        );
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].to_string(), "192.0.2.1:53");
    }

    #[test]
    fn hosts() {
        assert!(check_host("_dnsauth.example.com").is_ok());
        assert!(check_host("a b").is_err());
        assert!(check_host("").is_err());
    }
}
