//! The HTTP rows of a plan, low level: the file's URL on every name and
//! scheme, a random-value file, `--url` rows, and the `--resolve` overrides
//! that match none.

use std::net::IpAddr;

use crate::cli::{HttpOptions, Scheme};
use crate::error::{Error, Result};
use crate::http::{Expected, HttpScheme, Target};
use crate::names::DnsName;
use crate::output::Output;
use crate::report::{CheckResult, Status};

use super::{Row, Subject};

/// A `--resolve` that matches no name is usually a typo; say so once.
pub(super) fn warn_unused_overrides(http: &HttpOptions, targets: &[Target], out: &Output) {
    let mut unused: Vec<&str> = Vec::new();
    for host in http.resolve.iter().map(|o| o.host.trim_end_matches('.')) {
        // `*` stands for every host.
        if host != "*" && !targets.iter().any(|t| t.host == host) && !unused.contains(&host) {
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

fn schemes(scheme: Scheme) -> &'static [HttpScheme] {
    match scheme {
        Scheme::Http => &[HttpScheme::Http],
        Scheme::Https => &[HttpScheme::Https],
        Scheme::Both => &[HttpScheme::Http, HttpScheme::Https],
    }
}

/// The CSR's file on every valid name and selected scheme.
pub(super) fn file_rows(subject: &Subject, http: &HttpOptions) -> Vec<Row> {
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

/// A CA's random-value file (its profile's path, the value as the body) on
/// every name and selected scheme.
pub(super) fn random_file_rows(
    domains: &[DnsName],
    http: &HttpOptions,
    path: &str,
    value: &str,
) -> Vec<Row> {
    let expected = Expected::body(value);
    let mut rows = Vec::new();
    for name in domains {
        for &scheme in schemes(http.scheme) {
            rows.push(name_row(
                name,
                scheme,
                http,
                &expected,
                path.trim_start_matches('/').to_owned(),
            ));
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
            ))
            .with_code(crate::reason::Code::NotApplicable),
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

pub(super) fn url_row(raw: &str, expect: &str) -> Result<Row> {
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
    // `http::Uri` accepts any digits as a port and `port_u16` then says
    // None, which would silently mean the default port.
    let port = match authority.as_str().rsplit_once(':') {
        Some((_, p)) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => p
            .parse::<u16>()
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(|| bad("the port must be a number from 1 to 65535"))?,
        _ => authority.port_u16().unwrap_or(scheme.default_port()),
    };
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
