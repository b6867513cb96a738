//! The plan layer: the only reader of the check commands' arguments. It
//! turns a command line into one [`CheckPlan`] — the subject and its
//! expectations, the names, the DNS questions, the HTTP rows, the method,
//! the timeouts and the engine configuration — so that `check-dns`,
//! `check-http` and `check` are three selections of the same plan, run by
//! [`crate::runner`]. The render commands use its subject resolution too.
//!
//! As ripgrep splits low-level and high-level arguments: the submodules
//! read what each flag means (`subject`: the CSR, the names and the CA;
//! `network`: the engine, the fetch settings, the deadline; `http_rows`: the
//! URLs to fetch), and this file puts them together into the plan of each
//! command.

use std::net::IpAddr;
use std::time::Duration;

use crate::cli::PerspectiveOptions;
use crate::cli::{CheckArgs, CheckDnsArgs, CheckHttpArgs, CheckSource, Method, NetworkOptions};
use crate::dns::{DnsRequest, HostValue};
use crate::error::{Error, Result};
use crate::http::{Settings, Target};
use crate::names::{DnsName, Rejection};
use crate::output::Output;
use crate::persistent_txt::PersistExpect;
use crate::preflight::Severity;
use crate::report::{CheckKind, CheckResult, Status};
use crate::resolver::Config;
use crate::stamp::{About, SubjectKey, default_perspective};

mod http_rows;
mod network;
mod subject;

use http_rows::{file_rows, random_file_rows, url_row, warn_unused_overrides};
pub use network::parse_resolv_conf;
use network::{deadline, engine_config, settings};
pub use subject::{
    Subject, check_subject, domain_arguments, expectation, load_csr, profile, profiles,
    profiles_from, subject, token,
};
use subject::{
    account, caa_issuers, check_host, cname_targets_to_ascii, need_tag, persist_expect,
    portal_subject, txt_form,
};

/// Everything one round of a check command does.
#[derive(Debug, Clone)]
pub struct CheckPlan {
    /// Names refused before any question, reported as `input` results.
    pub rejected: Vec<Rejection>,
    /// `check`: the CSR's preflight findings, reported as `input` results.
    pub preflight: Vec<CheckResult>,
    /// The DNS checks (empty for `check-http`); its `domains` are the valid
    /// names `check` gives a verdict for.
    pub dns: DnsRequest,
    /// Whom the DNS questions go to, and how.
    pub engine: Config,
    /// The HTTP rows, in report order (empty for `check-dns`).
    pub http: Vec<Row>,
    pub http_settings: Settings,
    /// `check`: one verdict per name, where one passing method is enough.
    pub verdicts: Option<Method>,
    /// `--wait`: poll until every name passes or this much time has passed.
    pub wait: Option<Duration>,
    /// Where the check runs from and what it is of (`checked_at` is set per round).
    pub about: About,
    /// `--mpic URL`: Open MPIC corroborates each name's method and CAA.
    pub mpic: Option<crate::mpic::model::Config>,
}

/// A row of an HTTP report: decided before any fetch, or a target to fetch.
#[derive(Debug, Clone)]
pub enum Row {
    Fixed(CheckResult),
    Check(Target),
}

impl CheckPlan {
    /// `dcv check-dns`.
    pub fn dns(args: &CheckDnsArgs, out: &Output) -> Result<CheckPlan> {
        let subject = check_subject(&args.source, &args.ca, out)?;
        let key = subject_key(subject.as_ref(), dns_expects(args));
        let mut dns = DnsRequest {
            cnames: cname_targets_to_ascii(&args.cname)?,
            txts: args.txt.clone(),
            caa_issuers: caa_issuers(&args.ca)?,
            account: account(&args.caa, &args.ca)?,
            ..DnsRequest::default()
        };
        let rejected = match subject {
            Some(s) => {
                if args.persist.is_none() && args.random_value.is_none() {
                    need_tag(&s, &args.ca)?;
                }
                dns.expectation = Some(s.expectation);
                dns.domains = s.domains;
                s.rejected
            }
            None => {
                if args.cname.is_empty()
                    && args.txt.is_empty()
                    && args.persist.is_none()
                    && args.random_value.is_none()
                {
                    return Err(Error::Usage(
                        "check-dns needs --csr, --md5 with --sha256, --random-value VALUE, --cname HOST=TARGET, --txt HOST=VALUE or --persist ISSUER=ACCOUNTURI".into(),
                    ));
                }
                let (domains, rejected) = domain_arguments(&args.source.domains);
                dns.domains = domains;
                rejected
            }
        };
        for hv in args.cname.iter().chain(&args.txt) {
            check_host(&hv.host)?;
        }
        dns.deadline = deadline(&args.network);
        if let Some(p) = &args.persist {
            if args.random_value.is_some() {
                return Err(Error::Usage(
                    "--persist and --random-value are two methods: check one at a time".into(),
                ));
            }
            persist_request(&mut dns, &persist_expect(p, &args.ca)?, &args.source)?;
        }
        if let Some(v) = &args.random_value {
            dns.random_txt = Some((txt_form(&args.ca)?, v.clone()));
            if dns.domains.is_empty() {
                return Err(Error::Usage(
                    "no names to check: with --random-value, name the domains (DOMAIN...) or give --csr".into(),
                ));
            }
            // The portal's value replaces the CSR's CNAME (the CSR only names the domains).
            dns.expectation = None;
        }
        let mut plan = CheckPlan {
            rejected,
            preflight: Vec::new(),
            dns,
            engine: engine_config(&args.network, args.recursive, true)?,
            http: Vec::new(),
            http_settings: settings(&args.network, &[]),
            verdicts: None,
            wait: args.network.wait,
            about: about("check-dns", "dns", key, &args.perspective),
            mpic: mpic_config(&args.perspective, &args.network, out)?,
        };
        refuse_internal_names(&mut plan, out);
        Ok(plan)
    }

    /// `dcv check-http`.
    pub fn http(args: &CheckHttpArgs, out: &Output) -> Result<CheckPlan> {
        let mut key = SubjectKey::default();
        let mut dns = DnsRequest::default();
        let (rejected, rows) = if let Some(value) = &args.random_value {
            if !args.url.is_empty() {
                return Err(Error::Usage(
                    "--url and --random-value: give one (--url URL --expect VALUE checks any file)"
                        .into(),
                ));
            }
            let profile = profile(&args.ca)?;
            let Some(path) = profile.random_file_path() else {
                return Err(Error::Flag {
                    flag: "--random-value",
                    value: value.clone(),
                    problem: format!(
                        "{} has no random-value file method (dcv profiles lists each CA's methods); check the value with check-dns",
                        profile.ca
                    ),
                });
            };
            let (domains, rejected) = match check_subject(&args.source, &args.ca, out)? {
                Some(s) => (s.domains, s.rejected),
                None => domain_arguments(&args.source.domains),
            };
            if domains.is_empty() && rejected.is_empty() {
                return Err(Error::Usage(
                    "no names to check: with --random-value, name the domains (DOMAIN...) or give --csr".into(),
                ));
            }
            key.expect = vec![format!("file {path} {value:?}")];
            let rows = random_file_rows(&domains, &args.http, path, value);
            let subject = Subject::portal(domains, Vec::new());
            dns = http_caa_request(&subject, args)?;
            (rejected, rows)
        } else if !args.url.is_empty() {
            if !args.source.domains.is_empty() {
                return Err(Error::Usage(
                    "DOMAIN arguments do not apply to --url (the URL names its host)".into(),
                ));
            }
            let expect = args.expect.as_deref().unwrap_or_default();
            key.expect = args
                .url
                .iter()
                .map(|u| format!("url {u} {expect:?}"))
                .collect();
            let rows = args
                .url
                .iter()
                .map(|u| url_row(u, expect))
                .collect::<Result<Vec<Row>>>()?;
            (Vec::new(), rows)
        } else {
            let Some(subject) = check_subject(&args.source, &args.ca, out)? else {
                return Err(Error::Usage(
                    "give --csr CSR (or --md5 and --sha256 with DOMAIN names), or --url URL --expect BODY"
                        .into(),
                ));
            };
            need_tag(&subject, &args.ca)?;
            let rows = file_rows(&subject, &args.http);
            key = subject_key(Some(&subject), Vec::new());
            dns = http_caa_request(&subject, args)?;
            (subject.rejected, rows)
        };
        let mut plan = CheckPlan {
            rejected,
            preflight: Vec::new(),
            dns,
            // Names pinned with --resolve or IP URLs need no resolver: a
            // missing one is reported by the lookups that need it.
            engine: engine_config(&args.network, false, false)?,
            http_settings: settings(&args.network, &args.http.resolve),
            http: rows,
            verdicts: None,
            wait: args.network.wait,
            about: about("check-http", "http", key, &args.perspective),
            mpic: mpic_config(&args.perspective, &args.network, out)?,
        };
        refuse_internal_names(&mut plan, out);
        warn_unused_overrides(&args.http, &plan.targets(), out);
        Ok(plan)
    }

    /// `dcv check`: input, CAA, the CNAME and the HTTP file of every name.
    pub fn all(args: &CheckArgs, out: &Output) -> Result<CheckPlan> {
        let from_csr = args.source.csr.is_some() || args.source.md5.is_some();
        let subject = match check_subject(&args.source, &args.ca, out)? {
            Some(subject) => subject,
            // The portal's random value needs no CSR (SPEC section 8), as
            // with check-dns: the names are the DOMAIN arguments.
            None if args.method == Method::Txt && args.random_value.is_some() => {
                portal_subject(&args.source, &args.ca)?
            }
            None if args.method == Method::Txt => {
                return Err(Error::Usage(
                    "--method txt checks the CA portal's random value: give --random-value VALUE"
                        .into(),
                ));
            }
            None => {
                return Err(Error::Usage(
                    "give --csr CSR, or --md5 and --sha256 with DOMAIN names (or --method txt --random-value VALUE with DOMAIN names)".into(),
                ));
            }
        };
        // A CA without the CSR-hash methods (DigiCert) is checked by its
        // random-value methods only: --method txt, or any with --random-value.
        let hashless = subject.expectation.tag.is_empty();
        if args.method != Method::Txt && (args.random_value.is_none() || args.method != Method::Any)
        {
            need_tag(&subject, &args.ca)?;
        }
        if args.method == Method::Txt && args.random_value.is_none() {
            return Err(Error::Usage(
                "--method txt checks the CA portal's random value: give --random-value VALUE"
                    .into(),
            ));
        }
        let random_txt = match (&args.random_value, args.method.txt()) {
            (Some(v), true) => Some((txt_form(&args.ca)?, v.clone())),
            _ => None,
        };
        let dns = DnsRequest {
            random_txt,
            expectation: (args.method.cname() && !hashless).then(|| subject.expectation.clone()),
            domains: subject.domains.clone(),
            caa_issuers: caa_issuers(&args.ca)?,
            account: account(&args.caa, &args.ca)?,
            deadline: deadline(&args.network),
            ..DnsRequest::default()
        };
        // The random value is part of what the report is of (corroborate matches it).
        let expect = args
            .random_value
            .iter()
            .filter(|_| args.method.txt())
            .map(|v| format!("txt random-value {v}"))
            .collect();
        let key = subject_key(from_csr.then_some(&subject), expect);
        let http = match (&args.random_value, args.method.http()) {
            (_, false) => Vec::new(),
            (Some(value), true) if hashless => {
                let p = profile(&args.ca)?;
                match p.random_file_path() {
                    Some(path) => random_file_rows(&subject.domains, &args.http, path, value),
                    None => Vec::new(),
                }
            }
            (_, true) => file_rows(&subject, &args.http),
        };
        let mut plan = CheckPlan {
            preflight: preflight_results(&subject),
            rejected: subject.rejected,
            dns,
            engine: engine_config(&args.network, args.recursive, true)?,
            http,
            http_settings: settings(&args.network, &args.http.resolve),
            verdicts: Some(args.method),
            wait: args.network.wait,
            about: about("check", method_name(args.method), key, &args.perspective),
            mpic: mpic_config(&args.perspective, &args.network, out)?,
        };
        refuse_internal_names(&mut plan, out);
        warn_unused_overrides(&args.http, &plan.targets(), out);
        Ok(plan)
    }

    /// The HTTP targets among the rows, in order.
    pub fn targets(&self) -> Vec<Target> {
        self.http
            .iter()
            .filter_map(|r| match r {
                Row::Check(t) => Some(t.clone()),
                Row::Fixed(_) => None,
            })
            .collect()
    }
}

/// The CSR's preflight findings as `input` results of the CSR file: an
/// error fails the check (the CA will refuse the CSR), a warning passes
/// with what to watch for.
fn preflight_results(subject: &Subject) -> Vec<CheckResult> {
    let file = subject.csr_file.as_deref().unwrap_or("CSR");
    subject
        .findings
        .iter()
        // Internal names are reported per name (refuse_internal_names).
        .filter(|f| f.code != "internal_name")
        .map(|f| {
            let (status, level) = match f.severity {
                Severity::Error => (Status::Fail, "error"),
                Severity::Warning => (Status::Pass, "warning"),
            };
            let r = CheckResult::new(
                file,
                CheckKind::Input,
                status,
                format!("{level} {}: {}", f.code, f.message),
            );
            match status {
                Status::Pass => r,
                _ => r.with_code(crate::reason::Code::CsrRefused),
            }
        })
        .collect()
}

/// Internal and reserved names among the names checked (SPEC section 8): a
/// failing `input` result each, with code `internal_name`, so the name is
/// not ready whatever its records say; with `--lab`, one note instead.
fn refuse_internal_names(plan: &mut CheckPlan, out: &Output) {
    let mut names: Vec<(String, String)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let rows = plan.http.iter().map(|r| match r {
        Row::Fixed(r) => r.domain.as_str(),
        Row::Check(t) => t.domain.as_str(),
    });
    for name in plan.dns.domains.iter().map(DnsName::as_str).chain(rows) {
        // Each name once, in a set: a run of thousands of lab names made
        // this scan quadratic (issue 24).
        if !seen.insert(name) {
            continue;
        }
        if let Some(why) = crate::reserved::why_internal(name) {
            names.push((name.to_owned(), why));
        }
    }
    if out.lab {
        let list: Vec<String> = names.into_iter().map(|(n, _)| n).collect();
        if let Some(note) = crate::reserved::lab_note(&list) {
            out.note(&note);
        }
        return;
    }
    for (name, why) in names {
        plan.preflight.push(
            CheckResult::new(
                &name,
                CheckKind::Input,
                Status::Fail,
                format!("an internal name, {why}: a public CA refuses it (BR 4.2.2, 7.1.4.2)"),
            )
            .with_hint("order it under a registered domain, or use a private CA; in a lab, say so with --lab or DCV_LAB=1")
            .with_code(crate::reason::Code::InternalName),
        );
    }
}

/// `check-http`'s CAA questions: the CA may use the file only where the
/// CAA authorizes it (RFC 8657). Names pinned with `--resolve` are checked
/// without DNS, so their CAA is left to `check`/`check-dns`; wildcards are
/// skipped by the file method anyway.
fn http_caa_request(subject: &Subject, args: &CheckHttpArgs) -> Result<DnsRequest> {
    let pinned = |name: &DnsName| {
        args.http
            .resolve
            .iter()
            .any(|o| o.host == "*" || o.host.trim_end_matches('.') == name.as_str())
    };
    Ok(DnsRequest {
        domains: subject
            .domains
            .iter()
            .filter(|d| !d.is_wildcard() && !pinned(d))
            .cloned()
            .collect(),
        caa_issuers: caa_issuers(&args.ca)?,
        account: account(&args.caa, &args.ca)?,
        deadline: deadline(&args.network),
        ..DnsRequest::default()
    })
}

/// `--persist`: the persistent TXT replaces the CNAME check (a CSR only
/// names the domains), and CAA must allow the record's issuer.
fn persist_request(dns: &mut DnsRequest, p: &PersistExpect, source: &CheckSource) -> Result<()> {
    if dns.domains.is_empty() && source.domains.is_empty() {
        return Err(Error::Usage(
            "no names to check: with --persist, name the domains (DOMAIN...) or give --csr".into(),
        ));
    }
    dns.expectation = None;
    dns.persist = Some(p.clone());
    dns.caa_issuers = vec![p.issuer.clone()];
    // The record names the account: a CAA accounturi is compared with it
    // unless --account says otherwise.
    if dns.account.is_none() {
        dns.account = Some(p.accounturi.clone());
    }
    Ok(())
}

/// `check-dns`'s portal-issued values, as the report's subject lists them.
fn dns_expects(args: &CheckDnsArgs) -> Vec<String> {
    let pairs = |kind: &str, list: &[HostValue]| -> Vec<String> {
        list.iter()
            .map(|hv| format!("{kind} {}={}", hv.host, hv.value))
            .collect()
    };
    let mut out = pairs("cname", &args.cname);
    out.extend(pairs("txt", &args.txt));
    if let Some(p) = &args.persist {
        out.push(format!("persist {}={}", p.issuer, p.accounturi));
    }
    if let Some(v) = &args.random_value {
        out.push(format!("txt random-value {v}"));
    }
    out
}

/// What a report is of: the CSR's expectation (if any) and other values.
fn subject_key(subject: Option<&Subject>, expect: Vec<String>) -> SubjectKey {
    let exp = subject.map(|s| &s.expectation);
    SubjectKey {
        md5: exp.map(|e| e.hashes.md5.clone()),
        sha256: exp.map(|e| e.hashes.sha256.clone()),
        tag: exp.map(|e| e.tag.clone()),
        token: exp
            .and_then(|e| e.token.as_ref())
            .map(|t| t.as_str().to_owned()),
        expect,
    }
}

fn method_name(method: Method) -> &'static str {
    match method {
        Method::Cname => "cname",
        Method::Http => "http",
        Method::Txt => "txt",
        Method::Any => "any",
    }
}

/// The report's provenance; `checked_at` is stamped when a round starts.
fn about(command: &str, method: &str, subject: SubjectKey, p: &PerspectiveOptions) -> About {
    About {
        perspective: p.perspective.clone().unwrap_or_else(default_perspective),
        checked_at: String::new(),
        command: command.to_owned(),
        method: method.to_owned(),
        subject,
        rir: p.rir.clone(),
    }
}

/// `--mpic URL` (or `DCV_MPIC_URL`), the key from `DCV_MPIC_API_KEY`,
/// `--mpic-perspectives N` (default: the BR minimum for today), and the
/// check's deadline as the most one request may take.
fn mpic_config(
    p: &PerspectiveOptions,
    network: &NetworkOptions,
    out: &Output,
) -> Result<Option<crate::mpic::model::Config>> {
    let Some(raw) = &p.mpic else {
        return Ok(None);
    };
    let endpoint = crate::mpic::client::Endpoint::parse(raw).map_err(|problem| Error::Flag {
        flag: "--mpic",
        value: raw.clone(),
        problem,
    })?;
    let key = std::env::var("DCV_MPIC_API_KEY")
        .ok()
        .filter(|k| !k.trim().is_empty());
    let loopback = endpoint
        .host
        .parse::<IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
        || endpoint.host.eq_ignore_ascii_case("localhost");
    if key.is_some() && !endpoint.https && !loopback {
        out.warn(&format!(
            "DCV_MPIC_API_KEY travels in clear to {} (http://): use the API's https:// URL",
            endpoint.host
        ));
    }
    let today = crate::clock::Date::today();
    let perspectives = p.mpic_perspectives.map_or_else(
        || crate::corroboration::required_perspectives(today).max(2),
        |n| n as usize,
    );
    Ok(Some(crate::mpic::model::Config {
        endpoint,
        key,
        perspectives,
        timeout: deadline(network),
    }))
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
