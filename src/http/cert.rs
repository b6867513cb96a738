//! What is wrong with a server's certificate. The HTTPS check does not verify
//! certificates (a site ordering its first certificate has no valid one), so
//! this only produces notes: self-signed, expired, not yet valid, wrong name,
//! and not trusted by the public roots (a private or local CA).

use std::net::IpAddr;

use x509_parser::extensions::GeneralName;
use x509_parser::prelude::{FromDer, X509Certificate};

/// Where the public roots are read from: `SSL_CERT_FILE`, else the
/// system bundle (Debian, Fedora, Alpine/macOS layouts).
const ROOT_BUNDLES: [&str; 3] = [
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/cert.pem",
];

/// The public roots, read once; `None` when no bundle is found (then no
/// chain is judged: nothing is said rather than something wrong).
pub fn public_roots() -> Option<&'static std::sync::Arc<rustls::RootCertStore>> {
    static ROOTS: std::sync::OnceLock<Option<std::sync::Arc<rustls::RootCertStore>>> =
        std::sync::OnceLock::new();
    ROOTS
        .get_or_init(|| {
            let file = std::env::var_os("SSL_CERT_FILE")
                .map(std::path::PathBuf::from)
                .into_iter()
                .chain(ROOT_BUNDLES.iter().map(std::path::PathBuf::from))
                .find(|p| p.is_file())?;
            let text = std::fs::read(file).ok()?;
            let mut roots = rustls::RootCertStore::empty();
            let ders = pem::parse_many(&text)
                .ok()?
                .into_iter()
                .filter(|p| p.tag() == "CERTIFICATE")
                .map(|p| rustls::pki_types::CertificateDer::from(p.into_contents()));
            roots.add_parsable_certificates(ders);
            (!roots.is_empty()).then(|| std::sync::Arc::new(roots))
        })
        .as_ref()
}

/// A note when the chain the server sent does not lead to a public root
/// (a private or local CA, such as Caddy's internal one): the HTTP file
/// check does not need it, but browsers will not trust the site. Nothing
/// for a self-signed leaf (noted as such) or when no roots are found.
pub fn chain_problem(der: &[u8], intermediates: &[Vec<u8>], host: &str) -> Option<String> {
    use rustls::client::WebPkiServerVerifier;
    use rustls::client::danger::ServerCertVerifier;
    use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
    let (_, cert) = X509Certificate::from_der(der).ok()?;
    if cert.subject() == cert.issuer() {
        return None;
    }
    let roots = public_roots()?;
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let verifier = WebPkiServerVerifier::builder_with_provider(roots.clone(), provider)
        .build()
        .ok()?;
    let leaf = CertificateDer::from(der.to_vec());
    let rest: Vec<CertificateDer> = intermediates
        .iter()
        .map(|c| CertificateDer::from(c.clone()))
        .collect();
    let name = ServerName::try_from(host.to_owned()).ok()?;
    match verifier.verify_server_cert(&leaf, &rest, &name, &[], UnixTime::now()) {
        Err(rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer)) => {
            Some(format!(
                "not trusted by the public roots (issued by {}: a private or local CA)",
                cert.issuer()
            ))
        }
        _ => None,
    }
}

/// One line about a certificate for the evidence bundle: subject, issuer,
/// validity and names.
pub fn certificate_summary(der: &[u8]) -> String {
    let cert = match X509Certificate::from_der(der) {
        Ok((_, cert)) => cert,
        Err(_) => return format!("{} bytes that do not parse as X.509", der.len()),
    };
    let v = cert.validity();
    format!(
        "subject {}; issuer {}; valid {} to {}; names {}",
        cert.subject(),
        cert.issuer(),
        v.not_before.to_datetime().date(),
        v.not_after.to_datetime().date(),
        certificate_names(&cert).listed()
    )
}

/// Problems with the leaf certificate `der` presented for `host` at the Unix
/// time `now`; empty when none of the checked problems applies (the chain to
/// a trusted root is not checked).
pub fn certificate_problems(der: &[u8], host: &str, now: i64) -> Vec<String> {
    let cert = match X509Certificate::from_der(der) {
        Ok((_, cert)) => cert,
        Err(_) => return vec!["the certificate cannot be parsed".into()],
    };
    let mut problems = Vec::new();
    let validity = cert.validity();
    if validity.not_after.timestamp() < now {
        problems.push(format!(
            "expired on {}",
            validity.not_after.to_datetime().date()
        ));
    } else if validity.not_before.timestamp() > now {
        problems.push(format!(
            "not valid before {}",
            validity.not_before.to_datetime().date()
        ));
    }
    if cert.subject() == cert.issuer() && cert.verify_signature(None).is_ok() {
        problems.push("self-signed".into());
    }
    let names = certificate_names(&cert);
    if !names.matches(host) {
        let listed = names.listed();
        problems.push(if listed.is_empty() {
            format!("not valid for {host} (it names no host)")
        } else {
            format!("not valid for {host} (it is for {listed})")
        });
    }
    problems
}

struct Names {
    dns: Vec<String>,
    ips: Vec<IpAddr>,
}

impl Names {
    fn matches(&self, host: &str) -> bool {
        if let Ok(ip) = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
        {
            return self.ips.contains(&ip);
        }
        let host = host.to_ascii_lowercase();
        self.dns.iter().any(|pattern| name_matches(pattern, &host))
    }

    fn listed(&self) -> String {
        let mut all: Vec<String> = self.dns.clone();
        all.extend(self.ips.iter().map(IpAddr::to_string));
        let more = all.len().saturating_sub(4);
        all.truncate(4);
        let mut s = all.join(", ");
        if more > 0 {
            s.push_str(&format!(" and {more} more"));
        }
        s
    }
}

/// The SAN names, or the subject CN when there is no SAN (as old clients do).
fn certificate_names(cert: &X509Certificate<'_>) -> Names {
    let mut names = Names {
        dns: Vec::new(),
        ips: Vec::new(),
    };
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for gn in &san.value.general_names {
            match gn {
                GeneralName::DNSName(d) => names.dns.push(d.to_ascii_lowercase()),
                GeneralName::IPAddress(b) => {
                    if let Ok(v4) = <[u8; 4]>::try_from(*b) {
                        names.ips.push(IpAddr::from(v4));
                    } else if let Ok(v6) = <[u8; 16]>::try_from(*b) {
                        names.ips.push(IpAddr::from(v6));
                    }
                }
                _ => {}
            }
        }
        return names;
    }
    names.dns.extend(
        cert.subject()
            .iter_common_name()
            .filter_map(|cn| cn.as_str().ok())
            .map(str::to_ascii_lowercase),
    );
    names
}

/// RFC 6125 matching: exact, or a `*` that stands for exactly one whole leftmost label.
fn name_matches(pattern: &str, host: &str) -> bool {
    let pattern = pattern.trim_end_matches('.');
    let host = host.trim_end_matches('.');
    match pattern.strip_prefix("*.") {
        Some(parent) => host
            .split_once('.')
            .is_some_and(|(first, rest)| !first.is_empty() && rest == parent),
        None => pattern == host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::{CertificateParams, KeyPair, date_time_ymd};

    const NOW_2026: i64 = 1_780_000_000;

    fn cert(names: &[&str], not_after: Option<(i32, u8, u8)>) -> Vec<u8> {
        let mut params =
            CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .unwrap();
        params.not_before = date_time_ymd(2020, 1, 1);
        params.not_after = match not_after {
            Some((y, m, d)) => date_time_ymd(y, m, d),
            None => date_time_ymd(2099, 1, 1),
        };
        let key = KeyPair::generate().unwrap();
        params.self_signed(&key).unwrap().der().to_vec()
    }

    #[test]
    fn self_signed_is_noted() {
        let der = cert(&["www.example.com"], None);
        assert_eq!(
            certificate_problems(&der, "www.example.com", NOW_2026),
            ["self-signed"]
        );
    }

    #[test]
    fn expired_and_wrong_name() {
        let der = cert(&["other.example.net"], Some((2021, 6, 30)));
        assert_eq!(
            certificate_problems(&der, "www.example.com", NOW_2026),
            [
                "expired on 2021-06-30",
                "self-signed",
                "not valid for www.example.com (it is for other.example.net)"
            ]
        );
    }

    #[test]
    fn not_yet_valid() {
        let der = cert(&["a.example"], None);
        let problems = certificate_problems(&der, "a.example", 1_000_000_000);
        assert_eq!(problems[0], "not valid before 2020-01-01");
    }

    #[test]
    fn wildcards_match_one_label() {
        assert!(name_matches("*.example.com", "www.example.com"));
        assert!(!name_matches("*.example.com", "example.com"));
        assert!(!name_matches("*.example.com", "a.b.example.com"));
        assert!(name_matches("example.com", "example.com."));
        let der = cert(&["*.example.com", "127.0.0.1"], None);
        assert_eq!(
            certificate_problems(&der, "shop.example.com", NOW_2026),
            ["self-signed"]
        );
        assert_eq!(
            certificate_problems(&der, "127.0.0.1", NOW_2026),
            ["self-signed"]
        );
    }

    #[test]
    fn garbage_is_reported_not_panicked() {
        assert_eq!(
            certificate_problems(b"\x30\x03\x02\x01", "x", 0),
            ["the certificate cannot be parsed"]
        );
        assert_eq!(
            certificate_problems(&[], "x", 0),
            ["the certificate cannot be parsed"]
        );
    }
}
