//! `dcv check`: input, CAA, the DNS CNAME and the HTTP file in one round
//! (repeated by `--wait`), and one verdict per name: the CA can validate a
//! name when its CAA allows the CA and one selected method passes.

use std::sync::Arc;

use crate::check::{self, CheckKind, CheckReport, CheckResult, NameVerdict, Status};
use crate::cli::{CheckArgs, Method};
use crate::commands::check_http::{self, Row};
use crate::commands::{check_dns, check_subject};
use crate::dns::DnsTransport;
use crate::dns::checks::{self, Request};
use crate::dns::engine::Engine;
use crate::dns::wire::WireTransport;
use crate::error::{Error, Result};
use crate::exit_codes::ExitCode;
use crate::names::DnsName;
use crate::output::Output;

pub fn run(args: &CheckArgs, out: &mut Output) -> Result<ExitCode> {
    let Some(subject) = check_subject(&args.source, &args.ca, out)? else {
        return Err(Error::Usage(
            "give --csr CSR, or --md5 and --sha256 with DOMAIN names".into(),
        ));
    };
    let inputs: Vec<CheckResult> = subject
        .rejected
        .iter()
        .map(CheckResult::invalid_name)
        .collect();
    let dns_request = Request {
        expectation: args.method.cname().then(|| subject.expectation.clone()),
        domains: subject.domains.clone(),
        caa_issuers: check_dns::caa_issuers(&args.ca),
        ..Request::default()
    };
    let dns_config = check_dns::engine_config(&args.network, args.recursive)?;
    let rows: Vec<Row> = if args.method.http() {
        check_http::file_rows(&subject, &args.http)
    } else {
        Vec::new()
    };
    let targets = check_http::targets(&rows);
    check_http::warn_unused_overrides(&args.http, &targets, out);

    let runtime = super::runtime()?;
    let quiet = out.quiet;
    let report = runtime.block_on(async {
        let transport: Arc<dyn DnsTransport> = Arc::new(WireTransport::new(dns_config.timeout));
        let checker = check_http::checker(&args.http, &args.network);
        let (checker, rows, targets) = (&checker, &rows, &targets);
        let (dns_request, dns_config, inputs) = (&dns_request, &dns_config, &inputs);
        let domains = &subject.domains;
        check::poll(args.network.wait, quiet, || {
            let transport = transport.clone();
            async move {
                // A fresh engine per round: nothing cached from the last one.
                let engine = Engine::new(transport, dns_config.clone());
                let (dns, http) = futures::join!(
                    checks::run(&engine, dns_request),
                    check_http::round(checker, rows, targets)
                );
                let results = by_name(inputs, domains, dns.into_iter().chain(http).collect());
                let verdicts = verdicts(domains, &results, args.method);
                CheckReport::with_verdicts(results, verdicts)
            }
        })
        .await
    });
    out.emit(&report)?;
    Ok(report.exit_code())
}

/// Orders results as a reader wants them: invalid input first, then each
/// name's CAA, CNAME and HTTP results together.
fn by_name(
    inputs: &[CheckResult],
    domains: &[DnsName],
    mut rest: Vec<CheckResult>,
) -> Vec<CheckResult> {
    let rank = |k: CheckKind| match k {
        CheckKind::Input => 0,
        CheckKind::Caa => 1,
        CheckKind::Cname | CheckKind::Txt => 2,
        CheckKind::Http => 3,
        CheckKind::Https => 4,
    };
    let position = |r: &CheckResult| domains.iter().position(|d| d.as_str() == r.domain);
    rest.sort_by_key(|r| (position(r), rank(r.check)));
    inputs.iter().cloned().chain(rest).collect()
}

/// One verdict per valid name from its results.
fn verdicts(domains: &[DnsName], results: &[CheckResult], method: Method) -> Vec<NameVerdict> {
    domains
        .iter()
        .map(|d| {
            let mine: Vec<&CheckResult> =
                results.iter().filter(|r| r.domain == d.as_str()).collect();
            let of = |kinds: &[CheckKind]| -> Vec<&CheckResult> {
                mine.iter()
                    .copied()
                    .filter(|r| kinds.contains(&r.check))
                    .collect()
            };
            let caa = of(&[CheckKind::Caa]);
            let cname = of(&[CheckKind::Cname]);
            let http = of(&[CheckKind::Http, CheckKind::Https]);
            let all_pass =
                |rs: &[&CheckResult]| !rs.is_empty() && rs.iter().all(|r| r.status == Status::Pass);

            let mut validated_by = Vec::new();
            if method.cname() && all_pass(&cname) {
                validated_by.push("cname");
            }
            if method.http() && all_pass(&http) {
                validated_by.push("http");
            }
            let caa_blocks = caa.iter().find(|r| r.status != Status::Pass);
            let detail = match (caa_blocks, validated_by.as_slice()) {
                (Some(c), _) => format!("CAA: {}", c.detail),
                (None, []) => {
                    let why: Vec<String> = cname
                        .iter()
                        .chain(&http)
                        .filter(|r| r.status != Status::Pass)
                        .map(|r| format!("{}: {}", r.check.label(), r.detail))
                        .collect();
                    format!("no selected method passes ({})", why.join("; "))
                }
                (None, methods) => {
                    let words: Vec<&str> = methods
                        .iter()
                        .map(|m| {
                            if *m == "cname" {
                                "the DNS CNAME"
                            } else {
                                "the HTTP file"
                            }
                        })
                        .collect();
                    format!("the CA can validate it by {}", words.join(" and by "))
                }
            };
            NameVerdict {
                domain: d.to_string(),
                ok: caa_blocks.is_none() && !validated_by.is_empty(),
                validated_by,
                detail,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> DnsName {
        DnsName::from_csr(s).unwrap()
    }

    fn result(domain: &str, check: CheckKind, status: Status) -> CheckResult {
        CheckResult::new(
            domain,
            check,
            status,
            format!("{} {status:?}", check.label()),
        )
    }

    #[test]
    fn one_passing_method_is_enough() {
        let domains = [name("www.example.com"), name("*.example.com")];
        let results = vec![
            result("www.example.com", CheckKind::Caa, Status::Pass),
            result("www.example.com", CheckKind::Cname, Status::Fail),
            result("www.example.com", CheckKind::Http, Status::Pass),
            result("*.example.com", CheckKind::Caa, Status::Pass),
            result("*.example.com", CheckKind::Cname, Status::Pass),
            result("*.example.com", CheckKind::Http, Status::Skip),
        ];
        let v = verdicts(&domains, &results, Method::Any);
        assert!(v[0].ok && v[1].ok);
        assert_eq!(v[0].validated_by, ["http"]);
        assert_eq!(v[1].validated_by, ["cname"]);
        // With --method http the wildcard cannot pass (the file cannot validate it).
        let v = verdicts(&domains, &results, Method::Http);
        assert!(v[0].ok && !v[1].ok);
        let v = verdicts(&domains, &results, Method::Cname);
        assert!(!v[0].ok && v[1].ok);
        assert!(v[0].detail.contains("cname Fail"), "{}", v[0].detail);
    }

    #[test]
    fn caa_can_block_a_validated_name() {
        let domains = [name("example.com")];
        let results = vec![
            result("example.com", CheckKind::Caa, Status::Fail),
            result("example.com", CheckKind::Cname, Status::Pass),
        ];
        let v = verdicts(&domains, &results, Method::Any);
        assert!(!v[0].ok);
        assert!(v[0].detail.starts_with("CAA:"));
    }

    #[test]
    fn every_scheme_must_pass_for_http() {
        let domains = [name("example.com")];
        let results = vec![
            result("example.com", CheckKind::Caa, Status::Pass),
            result("example.com", CheckKind::Http, Status::Pass),
            result("example.com", CheckKind::Https, Status::Fail),
        ];
        assert!(!verdicts(&domains, &results, Method::Http)[0].ok);
    }

    #[test]
    fn results_are_grouped_by_name() {
        let domains = [name("a.example.com"), name("b.example.com")];
        let rest = vec![
            result("b.example.com", CheckKind::Http, Status::Pass),
            result("a.example.com", CheckKind::Http, Status::Pass),
            result("b.example.com", CheckKind::Cname, Status::Pass),
            result("a.example.com", CheckKind::Caa, Status::Pass),
        ];
        let inputs = [result("a b", CheckKind::Input, Status::Invalid)];
        let ordered = by_name(&inputs, &domains, rest);
        let keys: Vec<(&str, &str)> = ordered
            .iter()
            .map(|r| (r.domain.as_str(), r.check.label()))
            .collect();
        assert_eq!(
            keys,
            [
                ("a b", "input"),
                ("a.example.com", "caa"),
                ("a.example.com", "http"),
                ("b.example.com", "cname"),
                ("b.example.com", "http"),
            ]
        );
    }
}
