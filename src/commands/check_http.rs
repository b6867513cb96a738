//! `dcv check-http`: turns the arguments into HTTP check targets (the CSR's
//! file on every name and scheme, or `--url` with `--expect`), runs rounds
//! through [`crate::http::Checker`] (repeated by `--wait`) and prints the report.

use std::collections::HashMap;
use std::net::IpAddr;

use crate::check::{self, CheckReport, CheckResult, Status};
use crate::cli::{CheckHttpArgs, HttpOptions, NetworkOptions, Scheme};
use crate::commands::{Subject, check_subject};
use crate::error::{Error, Result};
use crate::exit_codes::ExitCode;
use crate::http::{
    AddressLookup, Checker, DEFAULT_DNS_TIMEOUT, DEFAULT_TIMEOUT, Expected, Fetcher, HickoryLookup,
    HttpScheme, HyperFetcher, MAX_IN_FLIGHT, Settings, Target,
};
use crate::names::DnsName;
use crate::output::Output;

/// A row of the report: decided before any fetch, or a target to check.
pub(crate) enum Row {
    Fixed(CheckResult),
    Check(Target),
}

/// The targets among `rows`, in order.
pub(crate) fn targets(rows: &[Row]) -> Vec<Target> {
    rows.iter()
        .filter_map(|r| match r {
            Row::Check(t) => Some(t.clone()),
            Row::Fixed(_) => None,
        })
        .collect()
}

/// A `--resolve` that matches no name is usually a typo; say so once.
pub(crate) fn warn_unused_overrides(http: &HttpOptions, targets: &[Target], out: &Output) {
    let mut unused: Vec<&str> = Vec::new();
    for host in http.resolve.iter().map(|o| o.host.trim_end_matches('.')) {
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
}

/// The fetch settings the HTTP and network options ask for.
pub(crate) fn settings(http: &HttpOptions, net: &NetworkOptions) -> Settings {
    Settings {
        timeout: net.timeout.unwrap_or(DEFAULT_TIMEOUT),
        // -4 and -6 restrict; neither means both.
        ipv4: !net.ipv6,
        ipv6: !net.ipv4,
        overrides: overrides(http),
        max_in_flight: MAX_IN_FLIGHT,
    }
}

/// The real checker: lookups through the configured resolvers, hyper fetches.
pub(crate) fn checker(
    http: &HttpOptions,
    net: &NetworkOptions,
) -> Checker<HickoryLookup, HyperFetcher> {
    let lookup = HickoryLookup::new(&net.resolver, net.timeout.unwrap_or(DEFAULT_DNS_TIMEOUT));
    Checker::new(lookup, HyperFetcher::new(), settings(http, net))
}

/// One round: fetch every target, and put the results in the rows' order.
pub(crate) async fn round<L, F>(
    checker: &Checker<L, F>,
    rows: &[Row],
    targets: &[Target],
) -> Vec<CheckResult>
where
    L: AddressLookup,
    F: Fetcher,
{
    let mut checked = checker.check(targets).await.into_iter();
    rows.iter()
        .filter_map(|row| match row {
            Row::Fixed(r) => Some(r.clone()),
            Row::Check(_) => checked.next(),
        })
        .collect()
}

pub fn run(args: &CheckHttpArgs, out: &mut Output) -> Result<ExitCode> {
    let rows = plan(args, out)?;
    let targets = targets(&rows);
    warn_unused_overrides(&args.http, &targets, out);
    let runtime = super::runtime()?;
    let quiet = out.quiet;
    let report = runtime.block_on(async {
        let checker = checker(&args.http, &args.network);
        let (checker, rows, targets) = (&checker, &rows, &targets);
        check::poll(args.network.wait, quiet, || async move {
            CheckReport::new(round(checker, rows, targets).await)
        })
        .await
    });
    out.emit(&report)?;
    Ok(report.exit_code())
}

fn overrides(http: &HttpOptions) -> HashMap<String, Vec<IpAddr>> {
    let mut map: HashMap<String, Vec<IpAddr>> = HashMap::new();
    for o in &http.resolve {
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
    let mut rows: Vec<Row> = subject
        .rejected
        .iter()
        .map(|r| Row::Fixed(CheckResult::invalid_name(r)))
        .collect();
    rows.extend(file_rows(&subject, &args.http));
    Ok(rows)
}

/// The CSR's file on every valid name and selected scheme.
pub(crate) fn file_rows(subject: &Subject, http: &HttpOptions) -> Vec<Row> {
    let exp = &subject.expectation;
    let expected = Expected::file(
        &exp.hashes.md5,
        &exp.hashes.sha256,
        &exp.tag,
        exp.token.as_ref().map(|t| t.as_str()),
    );
    let mut rows = Vec::new();
    for name in &subject.domains {
        for &scheme in schemes(http.scheme) {
            rows.push(name_row(name, scheme, http, &expected, exp.file_path()));
        }
    }
    rows
}

fn name_row(
    name: &DnsName,
    scheme: HttpScheme,
    http: &HttpOptions,
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
        HttpScheme::Http => http.http_port,
        HttpScheme::Https => http.https_port,
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

/// Rewrites a URL's host from U-labels to A-labels (`http://bücher.example/x`
/// → `http://xn--bcher-kva.example/x`); the path is left as typed.
fn url_host_to_ascii(raw: &str) -> std::result::Result<String, String> {
    let Some((scheme, rest)) = raw.split_once("://") else {
        return Ok(raw.to_owned());
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    if authority.is_ascii() {
        return Ok(raw.to_owned());
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if p.bytes().all(|b| b.is_ascii_digit()) => (h, Some(p)),
        _ => (authority, None),
    };
    let host = crate::names::host_to_ascii(host)?;
    Ok(match port {
        Some(p) => format!("{scheme}://{host}:{p}{tail}"),
        None => format!("{scheme}://{host}{tail}"),
    })
}

fn url_row(raw: &str, expect: &str) -> Result<Row> {
    let bad = |problem: &str| Error::Flag {
        flag: "--url",
        value: raw.to_owned(),
        problem: problem.to_owned(),
    };
    let ascii = url_host_to_ascii(raw).map_err(|p| bad(&p))?;
    let uri: http::Uri = ascii
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
                return Ok(Row::Fixed(CheckResult::invalid_name(&r)));
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
