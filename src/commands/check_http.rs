//! `dcv check-http`: turns the arguments into HTTP check targets (the CSR's
//! file on every name and scheme, or `--url` with `--expect`), runs rounds
//! through [`crate::http::Checker`] (repeated by `--wait`) and prints the report.

use std::collections::HashMap;
use std::net::IpAddr;

use crate::check::{self, CheckKind, CheckReport, CheckResult, Status};
use crate::cli::{CheckHttpArgs, Scheme};
use crate::commands::check_subject;
use crate::error::{Error, Result};
use crate::exit_codes::ExitCode;
use crate::http::{
    Checker, DEFAULT_DNS_TIMEOUT, DEFAULT_TIMEOUT, Expected, HickoryLookup, HttpScheme,
    HyperFetcher, MAX_IN_FLIGHT, Settings, Target,
};
use crate::names::DnsName;
use crate::output::Output;

/// A row of the report: decided before any fetch, or a target to check.
enum Row {
    Fixed(CheckResult),
    Check(Target),
}

pub fn run(args: &CheckHttpArgs, out: &mut Output) -> Result<ExitCode> {
    let rows = plan(args, out)?;
    let targets: Vec<Target> = rows
        .iter()
        .filter_map(|r| match r {
            Row::Check(t) => Some(t.clone()),
            Row::Fixed(_) => None,
        })
        .collect();
    // A --resolve that matches no name is usually a typo; say so once.
    let mut unused: Vec<&str> = Vec::new();
    for host in args.resolve.iter().map(|o| o.host.trim_end_matches('.')) {
        if !targets.iter().any(|t| t.host == host) && !unused.contains(&host) {
            unused.push(host);
        }
    }
    if !unused.is_empty() {
        let more = unused.len().saturating_sub(3);
        let mut list = unused[..unused.len().min(3)].join(", ");
        if more > 0 {
            list.push_str(&format!(" and {more} more"));
        }
        out.warn(&format!(
            "--resolve for names not being checked (ignored): {list}"
        ));
    }
    let net = &args.network;
    let settings = Settings {
        timeout: net.timeout.unwrap_or(DEFAULT_TIMEOUT),
        // -4 and -6 restrict; neither means both.
        ipv4: !net.ipv6,
        ipv6: !net.ipv4,
        overrides: overrides(args),
        max_in_flight: MAX_IN_FLIGHT,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Usage(format!("cannot start the async runtime: {e}")))?;
    let quiet = out.quiet;
    let report = runtime.block_on(async {
        let lookup = HickoryLookup::new(&net.resolver, net.timeout.unwrap_or(DEFAULT_DNS_TIMEOUT));
        let checker = Checker::new(lookup, HyperFetcher::new(), settings);
        let (checker, rows, targets) = (&checker, &rows, &targets);
        check::poll(net.wait, quiet, || async move {
            let mut checked = checker.check(targets).await.into_iter();
            let results = rows
                .iter()
                .filter_map(|row| match row {
                    Row::Fixed(r) => Some(r.clone()),
                    Row::Check(_) => checked.next(),
                })
                .collect();
            CheckReport::new(results)
        })
        .await
    });
    out.emit(&report)?;
    Ok(report.exit_code())
}

fn overrides(args: &CheckHttpArgs) -> HashMap<String, Vec<IpAddr>> {
    let mut map: HashMap<String, Vec<IpAddr>> = HashMap::new();
    for o in &args.resolve {
        let host = o.host.trim_end_matches('.').to_owned();
        let ips = map.entry(host).or_default();
        if !ips.contains(&o.ip) {
            ips.push(o.ip);
        }
    }
    map
}

fn schemes(scheme: Scheme) -> &'static [HttpScheme] {
    match scheme {
        Scheme::Http => &[HttpScheme::Http],
        Scheme::Https => &[HttpScheme::Https],
        Scheme::Both => &[HttpScheme::Http, HttpScheme::Https],
    }
}

fn plan(args: &CheckHttpArgs, out: &Output) -> Result<Vec<Row>> {
    if !args.url.is_empty() {
        if !args.source.domains.is_empty() {
            return Err(Error::Usage(
                "DOMAIN arguments do not apply to --url (the URL names its host)".into(),
            ));
        }
        let expect = args.expect.as_deref().unwrap_or_default();
        return args.url.iter().map(|u| url_row(u, expect)).collect();
    }
    let Some(subject) = check_subject(&args.source, &args.ca, out)? else {
        return Err(Error::Usage(
            "give --csr CSR (or --md5 and --sha256 with DOMAIN names), or --url URL --expect BODY"
                .into(),
        ));
    };
    if subject.domains.is_empty() && subject.rejected.is_empty() {
        return Err(Error::Usage(
            "no names to check: with --md5/--sha256, name the domains (DOMAIN...)".into(),
        ));
    }
    let exp = &subject.expectation;
    let expected = Expected::file(
        &exp.hashes.md5,
        &exp.hashes.sha256,
        &exp.tag,
        exp.token.as_ref().map(|t| t.as_str()),
    );
    let mut rows: Vec<Row> = subject
        .rejected
        .iter()
        .map(|r| {
            Row::Fixed(CheckResult::new(
                &r.name,
                CheckKind::Input,
                Status::Invalid,
                format!("not a valid host name: {}", r.reason),
            ))
        })
        .collect();
    for name in &subject.domains {
        for &scheme in schemes(args.scheme) {
            rows.push(name_row(name, scheme, args, &expected, exp.file_path()));
        }
    }
    Ok(rows)
}

fn name_row(
    name: &DnsName,
    scheme: HttpScheme,
    args: &CheckHttpArgs,
    expected: &Expected,
    path: String,
) -> Row {
    if name.is_wildcard() {
        return Row::Fixed(
            CheckResult::new(
                name.as_str(),
                scheme.kind(),
                Status::Skip,
                "the HTTP file method cannot validate a wildcard name (BR 3.2.2.4.18)",
            )
            .with_hint(format!(
                "validate {} with the DNS CNAME (dcv cname / dcv check-dns)",
                name.as_str()
            )),
        );
    }
    let port = match scheme {
        HttpScheme::Http => args.http_port,
        HttpScheme::Https => args.https_port,
    };
    Row::Check(Target {
        domain: name.to_string(),
        scheme,
        host: name.to_string(),
        port,
        path: format!("/{path}"),
        expected: expected.clone(),
        literal: None,
    })
}

fn url_row(raw: &str, expect: &str) -> Result<Row> {
    let bad = |problem: &str| Error::Flag {
        flag: "--url",
        value: raw.to_owned(),
        problem: problem.to_owned(),
    };
    let uri: http::Uri = raw
        .parse()
        .map_err(|e: http::uri::InvalidUri| bad(&e.to_string()))?;
    let scheme = match uri.scheme_str() {
        Some(s) if s.eq_ignore_ascii_case("http") => HttpScheme::Http,
        Some(s) if s.eq_ignore_ascii_case("https") => HttpScheme::Https,
        _ => return Err(bad("must start with http:// or https://")),
    };
    let authority = uri.authority().ok_or_else(|| bad("has no host"))?;
    if authority.as_str().contains('@') {
        return Err(bad("must not contain user information"));
    }
    let raw_host = authority.host();
    let port = authority.port_u16().unwrap_or(scheme.default_port());
    let path = uri
        .path_and_query()
        .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned());
    let ip_text = raw_host.trim_start_matches('[').trim_end_matches(']');
    let (host, literal) = match ip_text.parse::<IpAddr>() {
        Ok(ip) => (ip.to_string(), Some(ip)),
        Err(_) => match DnsName::from_user(raw_host) {
            Ok(name) if !name.is_wildcard() => (name.to_string(), None),
            Ok(_) => return Err(bad("the host cannot be a wildcard")),
            Err(r) => {
                return Ok(Row::Fixed(CheckResult::new(
                    &r.name,
                    CheckKind::Input,
                    Status::Invalid,
                    format!("not a valid host name: {}", r.reason),
                )));
            }
        },
    };
    Ok(Row::Check(Target {
        domain: host.clone(),
        scheme,
        host,
        port,
        path,
        expected: Expected::body(expect),
        literal,
    }))
}
