//! The one report model of the check commands (`check-dns`, `check-http`,
//! `check`): per-name, per-method results with `ok` derived from them, and
//! their human rendering. Everything here is data; how it was obtained is
//! the runner's business.

use std::io::{self, Write};

use serde::Serialize;

use crate::exit_codes::ExitCode;
use crate::names::Rejection;
use crate::output::{Painter, Render, Report};
use crate::reason::Code;
use crate::resolver::Security;
use crate::resolver::recording::Health;
use crate::text;

/// What was checked (SPEC section 4 `check`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckKind {
    Cname,
    Txt,
    Http,
    Https,
    Caa,
    Input,
    /// The persistent DNS TXT record (BR 3.2.2.4.22).
    Persist,
}

impl CheckKind {
    /// The BR 3.2.2.4 method this check is of (none for `caa`, `input`).
    pub fn br_method(self) -> Option<crate::caa::BrMethod> {
        use crate::caa::BrMethod;
        match self {
            CheckKind::Cname | CheckKind::Txt => Some(BrMethod::Dns),
            CheckKind::Http | CheckKind::Https => Some(BrMethod::File),
            CheckKind::Persist => Some(BrMethod::Persist),
            CheckKind::Caa | CheckKind::Input => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CheckKind::Cname => "cname",
            CheckKind::Txt => "txt",
            CheckKind::Http => "http",
            CheckKind::Https => "https",
            CheckKind::Caa => "caa",
            CheckKind::Input => "input",
            CheckKind::Persist => "persist",
        }
    }
}

/// Outcome of one check (SPEC section 4 `status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Fail,
    /// Not applicable (a wildcard name for the HTTP method).
    Skip,
    /// The name itself is invalid; nothing was asked.
    Invalid,
}

/// One question asked of one server: a DNS query to a nameserver or
/// resolver, or an HTTP fetch from one address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Attempt {
    /// The URL fetched (HTTP checks).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The DNS name queried and its type, e.g. `_ABC.example.com. CNAME`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// The server's name (a nameserver host, a resolver) when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    /// The zone the server was asked as authoritative for (authoritative
    /// DNS mode): the closest enclosing zone of the name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    /// The IP address (and port when not the default) actually contacted.
    pub address: String,
    /// HTTP status code, when a response arrived.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// What happened, in words: `pass`, `NXDOMAIN`, `timed out after 5s`, …
    pub outcome: String,
}

/// The result of one check for one name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckResult {
    pub domain: String,
    pub check: CheckKind,
    pub status: Status,
    /// The ADN where the record was found (DNS checks).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adn: Option<String>,
    pub detail: String,
    /// What to do about a failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attempts: Vec<Attempt>,
    /// The DNSSEC status of the answers the result relies on (SPEC section
    /// 6): `secure`, `insecure`, `bogus` or `indeterminate`; absent for
    /// results that rely on no DNS answer, and with `--no-dnssec`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dnssec: Option<&'static str>,
    /// The proof (insecure), cause (bogus) or reason (indeterminate).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dnssec_detail: Option<String>,
    /// The BR 3.2.2.4 label of the method checked (`ca-tbr-7` for the CNAME
    /// and TXT, `ca-tbr-18` for the HTTP file, `ca-tbr-22` for the
    /// persistent TXT), as CAs log it; absent for `caa` and `input`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub br_label: Option<&'static str>,
    /// `caa` results: the BR labels of the methods the CAA lets the CA use
    /// (every one when the CAA does not restrict methods; none when it
    /// forbids the CA).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorizes: Option<Vec<&'static str>>,
    /// `caa` results: the properties that restrict the methods, as shown in
    /// a zone, with their `validationmethods` value (for a hint).
    #[serde(skip)]
    pub caa_restricted_by: Vec<(String, String)>,
    /// Why the result is not `pass`: a stable snake_case reason (SPEC
    /// section 7), chosen by the typed failure that also chose the hint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<Code>,
    /// `--mpic`: what Open MPIC's perspectives said (SPEC section 8).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mpic: Option<Box<crate::mpic::model::MpicReport>>,
}

impl CheckResult {
    pub fn new(
        domain: impl Into<String>,
        check: CheckKind,
        status: Status,
        detail: impl Into<String>,
    ) -> Self {
        CheckResult {
            domain: domain.into(),
            check,
            status,
            adn: None,
            detail: detail.into(),
            hint: None,
            attempts: Vec::new(),
            dnssec: None,
            dnssec_detail: None,
            br_label: check.br_method().map(crate::caa::BrMethod::label),
            authorizes: None,
            caa_restricted_by: Vec::new(),
            code: None,
            mpic: None,
        }
    }

    /// A `caa` result's authorized methods.
    pub fn with_authorizes(mut self, labels: &[&'static str]) -> Self {
        self.authorizes = Some(labels.to_vec());
        self
    }

    /// The `input` result of a name that failed validation: reported, never
    /// queried or fetched.
    pub fn invalid_name(rejection: &Rejection) -> Self {
        CheckResult::new(
            &rejection.name,
            CheckKind::Input,
            Status::Invalid,
            format!("not a valid host name: {}", rejection.reason),
        )
        .with_hint("the CA refuses an order with an invalid name: leave it out of the CSR and make a new one")
        // A bare single label is an internal name (SPEC section 8).
        .with_code(match crate::reserved::why_internal(&rejection.name) {
            Some(_) => Code::InternalName,
            None => Code::InvalidName,
        })
    }

    pub fn with_code(mut self, code: Code) -> Self {
        self.code = Some(code);
        self
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn with_adn(mut self, adn: impl Into<String>) -> Self {
        self.adn = Some(adn.into());
        self
    }

    pub fn with_attempts(mut self, attempts: Vec<Attempt>) -> Self {
        self.attempts = attempts;
        self
    }

    /// A validation method passed (not CAA, not input).
    pub fn validates(&self) -> bool {
        self.status == Status::Pass
            && matches!(
                self.check,
                CheckKind::Cname
                    | CheckKind::Txt
                    | CheckKind::Http
                    | CheckKind::Https
                    | CheckKind::Persist
            )
    }

    /// Records the DNSSEC verdict on the answers behind this result. A bogus
    /// answer is what the CA's validating resolver turns into SERVFAIL: the
    /// result fails, naming the cause and what to fix.
    pub fn with_dnssec(mut self, security: Option<Security>) -> Self {
        let Some(security) = security else {
            return self;
        };
        self.dnssec = Some(security.label());
        self.dnssec_detail = security.detail();
        if let Security::Bogus(b) = &security {
            if self.status == Status::Pass {
                let consequence = if b.servfail() {
                    "the CA's validating resolver answers SERVFAIL"
                } else {
                    "the CA's validating resolver rejects those answers and fails when it asks those servers"
                };
                self.detail = format!(
                    "DNSSEC validation fails: {b}; {consequence} (without validation: {})",
                    self.detail
                );
                self.hint = Some(b.hint());
                self.code = Some(Code::DnssecBogus);
            } else {
                self.detail
                    .push_str(&format!("; DNSSEC validation fails too: {b}"));
                self.hint = Some(match self.hint.take() {
                    Some(h) => format!("{h}. Also: {}", b.hint()),
                    None => b.hint(),
                });
                self.code.get_or_insert(Code::DnssecBogus);
            }
            self.status = Status::Fail;
        }
        self
    }
}

/// `dcv check`'s conclusion for one name: can the CA validate it?
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NameVerdict {
    pub domain: String,
    pub ok: bool,
    /// The selected methods that passed (`cname`, `http`).
    pub validated_by: Vec<&'static str>,
    /// Why the name passes or fails, in words.
    pub detail: String,
}

/// How `--wait` went: present only with `--wait`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct WaitSummary {
    /// Rounds that completed.
    pub rounds: usize,
    /// Seconds from the first round's start to the end of the last one.
    pub waited_s: f64,
    /// The time ran out before every name passed.
    pub gave_up: bool,
    /// Ctrl-C stopped the polling; the report is the last complete round's.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub interrupted: bool,
}

/// A resolver dcv was given that could not be used at all (exit 3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnusableResolver {
    /// `IP:PORT`.
    pub address: String,
    /// `refused`, `unreachable` or `timed_out`.
    pub problem: &'static str,
    /// What happened, in words.
    pub detail: String,
}

/// The report of a check command. `ok` is true exactly when it exits 0.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    pub ok: bool,
    pub results: Vec<CheckResult>,
    /// Per-name verdicts (`dcv check` only), where one passing method is enough.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<NameVerdict>,
    /// Names refused before any question (also reported as `input`
    /// results), in the shape every command uses: `{name, reason}`.
    pub rejected: Vec<Rejection>,
    /// `--wait`: `rounds`, `waited_s`, `gave_up` (and `interrupted`) at the top level.
    #[serde(flatten)]
    pub wait: Option<WaitSummary>,
    /// `--no-dnssec`: the answers were not validated (SPEC section 6).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub dnssec_off: bool,
    /// Where, when and of what the round was made (top-level `perspective`,
    /// `checked_at`, `command`, `method`, `subject`; `dcv corroborate` reads them).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub about: Option<crate::stamp::About>,
    /// Every resolver dcv was given, when none of them could be used: the
    /// check was not carried out (exit 3, SPEC section 7).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unusable_resolvers: Vec<UnusableResolver>,
    /// `--mpic`: the Open MPIC API could not be used (`URL: what happened`);
    /// the results it should have corroborated are NOT CHECKED (exit 3).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mpic_errors: Vec<String>,
}

impl CheckReport {
    /// `ok` when nothing failed, no name was invalid and something was
    /// validated; a skip alone does not fail (the name is outside what this
    /// method can validate), but a check where every name was skipped does.
    pub fn new(results: Vec<CheckResult>) -> CheckReport {
        let mut summary = Streamed::default();
        summary.add(&results);
        let ok = summary.ok();
        CheckReport {
            ok,
            results,
            names: Vec::new(),
            rejected: Vec::new(),
            wait: None,
            dnssec_off: false,
            about: None,
            unusable_resolvers: Vec::new(),
            mpic_errors: Vec::new(),
        }
    }

    /// `ok` when every name's verdict is and no name was invalid: a failed
    /// method does not fail a name that another method validates.
    pub fn with_verdicts(results: Vec<CheckResult>, names: Vec<NameVerdict>) -> CheckReport {
        // A failed input (a CSR the CA will refuse) fails whatever the names say.
        let ok = !names.is_empty()
            && names.iter().all(|n| n.ok)
            && !results.iter().any(|r| {
                r.status == Status::Invalid
                    || (r.check == CheckKind::Input && r.status == Status::Fail)
            });
        CheckReport {
            ok,
            results,
            names,
            rejected: Vec::new(),
            wait: None,
            dnssec_off: false,
            about: None,
            unusable_resolvers: Vec::new(),
            mpic_errors: Vec::new(),
        }
    }

    /// Nothing failed, yet nothing was validated either: every name was
    /// skipped (or there was none). Such a check does not pass.
    pub fn nothing_validated(&self) -> bool {
        !self.results.iter().any(CheckResult::validates)
            && self
                .results
                .iter()
                .all(|r| matches!(r.status, Status::Pass | Status::Skip))
    }

    pub fn exit_code(&self) -> ExitCode {
        if self.ok {
            ExitCode::Success
        } else if !self.unusable_resolvers.is_empty() || !self.mpic_errors.is_empty() {
            ExitCode::ResolversUnusable
        } else {
            ExitCode::CheckFailed
        }
    }

    /// Records that none of the resolvers could be used: the check was not
    /// carried out, and the results that failed for want of DNS say so in
    /// their code (their details keep what each query got).
    pub fn resolvers_unusable(&mut self, dead: &[(std::net::SocketAddr, Health)]) {
        self.unusable_resolvers = dead
            .iter()
            .map(|(addr, h)| UnusableResolver {
                address: addr.to_string(),
                problem: h.problem(),
                detail: h.describe(),
            })
            .collect();
        for r in &mut self.results {
            let for_want_of_dns = matches!(
                r.code,
                Some(
                    Code::ServerTimeout
                        | Code::ServerUnreachable
                        | Code::ServerError
                        | Code::ZoneNotFound
                        | Code::NoNameserver
                        | Code::CheckDeadline
                        | Code::CaaLookupFailed
                        | Code::HttpNoAddress
                )
            );
            if r.status == Status::Fail && for_want_of_dns {
                r.code = Some(Code::ResolverUnreachable);
            }
        }
    }

    fn count(&self, status: Status) -> usize {
        self.results.iter().filter(|r| r.status == status).count()
    }
}

/// Up to this many names, a report shows every result in full; beyond,
/// one line per name and each shared cause once (`-v` shows everything).
pub const FULL_FORM_MAX_NAMES: usize = 5;

/// Above this many names, the grouped form leaves out the names that pass
/// (their count is printed instead): a CI log of 10,000 names gets the
/// failures, the causes and the summary. `-v` prints every line.
pub const LARGE_REPORT_NAMES: usize = 40;

/// Where a round writes each name's results as soon as the name is done
/// (`check-dns --json`: the output layer), instead of holding them all.
pub trait ResultStream {
    fn results(&mut self, results: &[CheckResult]);
}

/// What results add up to, for a report's `ok` and its warnings: for
/// streamed results, all that is kept of them.
#[derive(Debug, Clone)]
pub struct Streamed {
    pub count: usize,
    /// Every streamed result passed or was skipped.
    pub all_pass_or_skip: bool,
    /// Some streamed result validated a name.
    pub validates: bool,
    /// Why DNSSEC could not be validated, from the first result that says.
    pub indeterminate: Option<String>,
}

impl Default for Streamed {
    fn default() -> Streamed {
        Streamed {
            count: 0,
            all_pass_or_skip: true,
            validates: false,
            indeterminate: None,
        }
    }
}

impl Streamed {
    /// What a report's `ok` says of these results: nothing failed, no name
    /// was invalid, and something was validated.
    pub fn ok(&self) -> bool {
        self.all_pass_or_skip && self.validates
    }

    pub fn add(&mut self, results: &[CheckResult]) {
        self.count += results.len();
        for r in results {
            self.all_pass_or_skip &= matches!(r.status, Status::Pass | Status::Skip);
            self.validates |= r.validates();
            if self.indeterminate.is_none() && r.dnssec == Some("indeterminate") {
                self.indeterminate = r.dnssec_detail.clone();
            }
        }
    }
}

impl Report for CheckReport {
    fn human(&self, out: &mut dyn Write, cx: &Render) -> io::Result<()> {
        if !self.unusable_resolvers.is_empty() && !cx.verbose {
            // Nothing was learned about the records: one line saying why,
            // not a FAIL block per check (-v shows them).
            self.resolver_lines(out, cx)?;
        } else if cx.quiet {
            self.failing_names(out, cx)?;
        } else if cx.verbose || self.domains().len() <= FULL_FORM_MAX_NAMES {
            self.full_form(out, cx)?;
        } else {
            self.grouped_form(out, cx)?;
        }
        self.footer(out, cx)
    }
}

/// Distinct failures shared by several names, numbered in order of
/// appearance: `[1] cname FAIL, 120 names: ...`.
struct Cause<'a> {
    first: &'a CheckResult,
    /// The detail and hint with the name replaced by `<name>`.
    detail: String,
    hint: Option<String>,
    names: usize,
}

/// A text about `domain` made general: the name (without `*.`) becomes
/// `<name>`, so one cause reads the same for every name it hits.
fn generalize(text: &str, domain: &str) -> String {
    let base = domain.strip_prefix("*.").unwrap_or(domain);
    if base.is_empty() {
        text.to_owned()
    } else {
        text.replace(base, "<name>")
    }
}

/// One name of a report: its results and its verdict, as indices.
struct NameRows<'a> {
    domain: &'a str,
    results: Vec<usize>,
    verdict: Option<usize>,
}

impl CheckReport {
    /// The names the report is about, in order of first appearance.
    fn domains(&self) -> Vec<&str> {
        // A set beside the list: 10,000 names are not compared pairwise.
        let mut known = std::collections::HashSet::new();
        self.results
            .iter()
            .map(|r| r.domain.as_str())
            .chain(self.names.iter().map(|n| n.domain.as_str()))
            .filter(|d| known.insert(*d))
            .collect()
    }

    /// The names in order of first appearance, each with its results and
    /// its verdict (indices), found in one pass: renderers go name by name
    /// over 10,000 names.
    fn by_domain(&self) -> Vec<NameRows<'_>> {
        let mut rows: Vec<NameRows> = Vec::new();
        let mut index: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        let results = self.results.iter().map(|r| (r.domain.as_str(), true));
        let verdicts = self.names.iter().map(|v| (v.domain.as_str(), false));
        let mut counts = (0, 0);
        for (d, is_result) in results.chain(verdicts) {
            let at = *index.entry(d).or_insert_with(|| {
                rows.push(NameRows {
                    domain: d,
                    results: Vec::new(),
                    verdict: None,
                });
                rows.len() - 1
            });
            if is_result {
                rows[at].results.push(counts.0);
                counts.0 += 1;
            } else {
                rows[at].verdict.get_or_insert(counts.1);
                counts.1 += 1;
            }
        }
        rows
    }

    /// A name's overall tag: its verdict (`check`), else its worst result.
    fn name_status(&self, name: &NameRows, cx: &Render) -> (bool, String) {
        let p = cx.paint;
        if let Some(v) = name.verdict.map(|i| &self.names[i]) {
            return if v.ok {
                (true, p.good("OK    "))
            } else {
                (false, p.bad("NOT OK"))
            };
        }
        let mine = || name.results.iter().map(|&i| &self.results[i]);
        if mine().any(|r| r.status == Status::Invalid) {
            (false, p.bad("INVALID"))
        } else if mine().any(|r| r.status == Status::Fail) {
            (false, p.bad("FAIL  "))
        } else if mine().all(|r| r.status == Status::Skip) {
            (true, p.dim("SKIP  "))
        } else {
            (true, p.good("PASS  "))
        }
    }

    /// `-q`: only the names that do not pass, each with the reason codes
    /// of its failed checks (then the verdict).
    fn failing_names(&self, out: &mut dyn Write, cx: &Render) -> io::Result<()> {
        for name in self.by_domain() {
            let d = name.domain;
            let (ok, tag) = self.name_status(&name, cx);
            if !ok {
                let why: Vec<String> = name
                    .results
                    .iter()
                    .map(|&i| &self.results[i])
                    .filter(|r| matches!(r.status, Status::Fail | Status::Invalid))
                    .map(|r| match r.code {
                        Some(c) => format!("{} {c}", r.check.label()),
                        None => r.check.label().to_owned(),
                    })
                    .collect();
                let why = if why.is_empty() {
                    String::new()
                } else {
                    format!(": {}", why.join(", "))
                };
                writeln!(out, "{tag} {}{why}", text::printable(d))?;
            }
        }
        Ok(())
    }

    /// Every result with its attempts and hint, then the verdicts.
    fn full_form(&self, out: &mut dyn Write, cx: &Render) -> io::Result<()> {
        let p = cx.paint;
        // Details quote what servers, certificates and CSRs said: every
        // string is escaped here, on its one way to the terminal.
        let safe = text::printable;
        // A hint shared by several results is printed once.
        let mut hinted: Vec<&str> = Vec::new();
        for r in &self.results {
            let tag = match r.status {
                Status::Pass => p.good("PASS"),
                Status::Fail => p.bad("FAIL"),
                Status::Skip => p.dim("SKIP"),
                Status::Invalid => p.bad("INVALID"),
            };
            let at = r
                .adn
                .as_ref()
                .map(|a| format!(" (at {})", safe(a)))
                .unwrap_or_default();
            // -v names the method's BR label, as the CA logs it.
            let br = match (cx.verbose, r.br_label) {
                (true, Some(l)) => format!(" [{l}]"),
                _ => String::new(),
            };
            writeln!(
                out,
                "{tag} {:<5} {}{at}{br}: {}",
                r.check.label(),
                p.bold(&safe(&r.domain)),
                safe(&r.detail)
            )?;
            if r.status != Status::Pass {
                for a in &r.attempts {
                    let target = a.url.as_deref().or(a.query.as_deref()).unwrap_or("");
                    let server = a
                        .server
                        .as_ref()
                        .map(|s| format!("{s} "))
                        .unwrap_or_default();
                    // One attempt that says what the detail says: no repeat.
                    let outcome = if r.attempts.len() == 1 && a.outcome == r.detail {
                        String::new()
                    } else {
                        format!(": {}", safe(&a.outcome))
                    };
                    writeln!(
                        out,
                        "      {} @ {}{}{outcome}",
                        safe(target),
                        safe(&server),
                        safe(&a.address),
                    )?;
                }
            }
            if let Some(h) = &r.hint {
                if hinted.contains(&h.as_str()) {
                    writeln!(out, "      {} as above", p.warn("hint:"))?;
                } else {
                    hinted.push(h);
                    writeln!(out, "      {} {}", p.warn("hint:"), safe(h))?;
                }
            }
            if cx.verbose
                && let Some(state) = r.dnssec
            {
                let why = r
                    .dnssec_detail
                    .as_deref()
                    .map(|d| format!(": {}", safe(d)))
                    .unwrap_or_default();
                writeln!(out, "      dnssec: {state}{why}")?;
            }
        }
        for n in &self.names {
            write_name_verdict(out, p, n.ok, &n.domain, &n.detail)?;
        }
        Ok(())
    }

    /// One line per name (its tag and each method's status, where it
    /// passed or which cause it failed by), then each cause once.
    fn grouped_form(&self, out: &mut dyn Write, cx: &Render) -> io::Result<()> {
        let p = cx.paint;
        let safe = text::printable;
        let mut causes: Vec<Cause> = Vec::new();
        let mut cause_of = Vec::with_capacity(self.results.len());
        // A ready name (`check`) does not need its failed methods: they are
        // left out of its line and of the causes (JSON keeps them).
        let ready = |d: &str| self.names.iter().any(|n| n.domain == d && n.ok);
        let unneeded = |r: &CheckResult| {
            r.status != Status::Pass
                && matches!(
                    r.check,
                    CheckKind::Cname | CheckKind::Txt | CheckKind::Http | CheckKind::Https
                )
                && ready(&r.domain)
        };
        for r in &self.results {
            if r.status == Status::Pass || unneeded(r) {
                cause_of.push(None);
                continue;
            }
            let detail = generalize(&r.detail, &r.domain);
            let hint = r.hint.as_deref().map(|h| generalize(h, &r.domain));
            let found = causes.iter().position(|c| {
                c.first.check == r.check
                    && c.first.status == r.status
                    && c.detail == detail
                    && c.hint == hint
            });
            let i = found.unwrap_or_else(|| {
                causes.push(Cause {
                    first: r,
                    detail,
                    hint,
                    names: 0,
                });
                causes.len() - 1
            });
            causes[i].names += 1;
            cause_of.push(Some(i));
        }
        let domains = self.by_domain();
        let width = domains
            .iter()
            .map(|d| safe(d.domain).chars().count())
            .max()
            .unwrap_or(0)
            .min(40);
        let large = domains.len() > LARGE_REPORT_NAMES;
        let mut not_listed = 0;
        for name in &domains {
            let d = &name.domain;
            let (ok, tag) = self.name_status(name, cx);
            if large && ok {
                not_listed += 1;
                continue;
            }
            let parts: Vec<String> = name
                .results
                .iter()
                .map(|&i| (&self.results[i], &cause_of[i]))
                .filter(|(r, _)| !unneeded(r))
                .map(|(r, cause)| match cause {
                    None => match &r.adn {
                        Some(adn) => format!("{} pass at {}", r.check.label(), safe(adn)),
                        None => format!("{} pass", r.check.label()),
                    },
                    Some(i) => {
                        let status = match r.status {
                            Status::Fail => p.bad("FAIL"),
                            Status::Invalid => p.bad("INVALID"),
                            _ => p.dim("skip"),
                        };
                        format!("{} {status} [{}]", r.check.label(), i + 1)
                    }
                })
                .collect();
            let name = format!("{:<width$}", safe(d));
            writeln!(out, "{tag} {}  {}", p.bold(&name), parts.join(", "))?;
        }
        if not_listed > 0 {
            writeln!(
                out,
                "{}",
                p.dim(&format!(
                    "({not_listed} of {} names pass and are not listed; -v lists every name)",
                    domains.len()
                ))
            )?;
        }
        for (i, c) in causes.iter().enumerate() {
            let status = match c.first.status {
                Status::Fail => "FAIL",
                Status::Invalid => "INVALID",
                _ => "skip",
            };
            let (detail, hint) = if c.names == 1 {
                (c.first.detail.clone(), c.first.hint.clone())
            } else {
                (c.detail.clone(), c.hint.clone())
            };
            let count = if c.names == 1 {
                format!("1 name ({})", safe(&c.first.domain))
            } else {
                format!("{} names", c.names)
            };
            writeln!(
                out,
                "[{}] {} {status}, {count}: {}",
                i + 1,
                c.first.check.label(),
                safe(&detail)
            )?;
            if let Some(h) = hint {
                writeln!(out, "    {} {}", p.warn("hint:"), safe(&h))?;
            }
        }
        if !causes.is_empty() {
            writeln!(
                out,
                "{}",
                p.dim("(<name> stands for each name; -v shows every name's queries and fetches)")
            )?;
        }
        Ok(())
    }

    /// How `--wait` went, a check that validated nothing, and the counts.
    fn footer(&self, out: &mut dyn Write, cx: &Render) -> io::Result<()> {
        let p = cx.paint;
        if let Some(w) = &self.wait {
            let waited = text::duration(std::time::Duration::from_secs_f64(w.waited_s));
            let rounds = if w.rounds == 1 { "round" } else { "rounds" };
            let line = if w.interrupted {
                p.warn(&format!(
                    "interrupted after {} {rounds} ({waited}): this is the last complete round",
                    w.rounds
                ))
            } else if w.gave_up {
                p.bad(&format!(
                    "gave up: the --wait time ran out after {} {rounds} ({waited})",
                    w.rounds
                ))
            } else if self.ok {
                p.good(&format!("passed in round {} ({waited})", w.rounds))
            } else if !self.unusable_resolvers.is_empty() {
                p.bad(&format!(
                    "stopped after {} {rounds} ({waited}): the resolvers cannot be used, and waiting would not change that",
                    w.rounds
                ))
            } else {
                format!("stopped after {} {rounds} ({waited})", w.rounds)
            };
            writeln!(out, "{line}")?;
        }
        if !cx.quiet
            && let Some(line) = self.dnssec_line()
        {
            writeln!(out, "{line}")?;
        }
        if self.dnssec_off && !cx.quiet {
            writeln!(out, "{}", p.warn("DNSSEC not validated (--no-dnssec)"))?;
        }
        for e in &self.mpic_errors {
            writeln!(
                out,
                "{}",
                p.bad(&format!(
                    "NOT CHECKED: the Open MPIC API could not be used: {}",
                    text::printable(e)
                ))
            )?;
        }
        if self.nothing_validated() {
            writeln!(
                out,
                "{}",
                p.bad(
                    "nothing was validated: every name was skipped, so the CA could validate none"
                )
            )?;
        }
        let summary = format!(
            "{}; checks: {} passed, {} failed, {} skipped, {} invalid",
            self.names_line(),
            self.count(Status::Pass),
            self.count(Status::Fail),
            self.count(Status::Skip),
            self.count(Status::Invalid)
        );
        writeln!(out, "{}", p.verdict(self.ok, &summary))
    }

    /// The DNSSEC state of the answers behind the results, in one line:
    /// `DNSSEC: 3 secure, 1 insecure`; `None` when validation was off or
    /// no result relied on DNS.
    pub fn dnssec_line(&self) -> Option<String> {
        let mut counts: Vec<(&str, usize)> = Vec::new();
        for label in self.results.iter().filter_map(|r| r.dnssec) {
            match counts.iter_mut().find(|(l, _)| *l == label) {
                Some((_, n)) => *n += 1,
                None => counts.push((label, 1)),
            }
        }
        if counts.is_empty() {
            return None;
        }
        let order = ["secure", "insecure", "indeterminate", "bogus"];
        counts.sort_by_key(|(l, _)| order.iter().position(|o| o == l));
        let words: Vec<String> = counts.iter().map(|(l, n)| format!("{n} {l}")).collect();
        Some(format!(
            "DNSSEC: {} (of the results that rely on DNS answers)",
            words.join(", ")
        ))
    }

    /// The resolvers that could not be used, on one line, and what to do.
    fn resolver_lines(&self, out: &mut dyn Write, cx: &Render) -> io::Result<()> {
        let p = cx.paint;
        let each: Vec<String> = self
            .unusable_resolvers
            .iter()
            .map(|r| format!("{}: {}", r.address, r.detail))
            .collect();
        let what = if each.len() == 1 {
            "the resolver could not be used"
        } else {
            "no resolver could be used"
        };
        writeln!(
            out,
            "{} {what}: {}",
            p.bad("NOT CHECKED"),
            text::printable(&each.join("; "))
        )?;
        writeln!(
            out,
            "      {} dcv asks this resolver to find each zone's servers: give a working one with --resolver IP[:PORT] (else /etc/resolv.conf); nothing was learned about the records (-v shows every result)",
            p.warn("hint:")
        )
    }

    /// Names first (SPEC section 7): `N of M names ready (METHOD)`. A name
    /// is ready when the CA can validate it: its verdict (`check`), else
    /// every result of it passing with a method among them.
    pub fn names_line(&self) -> String {
        let method = |k: CheckKind| match k {
            CheckKind::Cname => "CNAME",
            CheckKind::Txt => "TXT",
            CheckKind::Http => "HTTP",
            CheckKind::Https => "HTTPS",
            CheckKind::Persist => "persistent TXT",
            CheckKind::Caa | CheckKind::Input => "",
        };
        // (name, ready, the methods it is ready by)
        let names: Vec<(bool, Vec<&'static str>)> = if self.names.is_empty() {
            self.by_domain()
                .into_iter()
                .filter_map(|name| {
                    let mine: Vec<&CheckResult> =
                        name.results.iter().map(|&i| &self.results[i]).collect();
                    let is_name = mine
                        .iter()
                        .any(|r| r.check != CheckKind::Input || r.status == Status::Invalid);
                    if !is_name {
                        return None;
                    }
                    let ready = mine
                        .iter()
                        .all(|r| matches!(r.status, Status::Pass | Status::Skip))
                        && mine.iter().any(|r| r.validates());
                    let by = mine
                        .iter()
                        .filter(|r| r.validates())
                        .map(|r| method(r.check))
                        .collect();
                    Some((ready, by))
                })
                .collect()
        } else {
            self.names
                .iter()
                .map(|n| {
                    let by = n
                        .validated_by
                        .iter()
                        .map(|m| match *m {
                            "cname" => "CNAME",
                            "http" => "HTTP",
                            "txt" => "TXT",
                            other => other,
                        })
                        .collect();
                    (n.ok, by)
                })
                .collect()
        };
        let total = names.len();
        let ready: Vec<&Vec<&str>> = names
            .iter()
            .filter(|(ok, _)| *ok)
            .map(|(_, by)| by)
            .collect();
        let mut methods: Vec<(&str, usize)> = Vec::new();
        for m in ready.iter().flat_map(|by| by.iter()) {
            match methods.iter_mut().find(|(x, _)| x == m) {
                Some((_, n)) => *n += 1,
                None => methods.push((m, 1)),
            }
        }
        let by = if methods.is_empty() {
            String::new()
        } else {
            let words: Vec<String> = methods
                .iter()
                .map(|(m, n)| {
                    if *n == ready.len() {
                        (*m).to_owned()
                    } else {
                        format!("{m} for {n}")
                    }
                })
                .collect();
            format!(" ({})", words.join(", "))
        };
        format!(
            "{} of {total} name{} ready{by}",
            ready.len(),
            if total == 1 { "" } else { "s" }
        )
    }
}

/// One name's verdict line (`OK` or `NOT OK`, the name, why), escaped:
/// shared by `dcv check` and `dcv corroborate`.
pub fn write_name_verdict(
    out: &mut dyn Write,
    p: Painter,
    ok: bool,
    domain: &str,
    detail: &str,
) -> io::Result<()> {
    let tag = if ok { p.good("OK  ") } else { p.bad("NOT OK") };
    writeln!(
        out,
        "{tag} {}: {}",
        p.bold(&text::printable(domain)),
        text::printable(detail)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn human(report: &CheckReport, quiet: bool, verbose: bool) -> String {
        let mut out = Vec::new();
        let cx = Render {
            paint: Painter::new(false),
            quiet,
            verbose,
        };
        report.human(&mut out, &cx).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn large_reports_list_failures_causes_and_the_summary_only() {
        let mut results = Vec::new();
        for i in 0..100 {
            let d = format!("n{i}.example");
            results.push(if i % 50 == 7 {
                CheckResult::new(&d, CheckKind::Cname, Status::Fail, "no record")
                    .with_code(Code::RecordMissing)
            } else {
                CheckResult::new(&d, CheckKind::Cname, Status::Pass, "ok")
            });
        }
        let report = CheckReport::new(results);
        let text = human(&report, false, false);
        assert!(!text.contains("n0.example"), "{text}");
        assert!(
            text.contains("n7.example") && text.contains("n57.example"),
            "{text}"
        );
        assert!(
            text.contains("(98 of 100 names pass and are not listed"),
            "{text}"
        );
        assert!(
            text.contains("[1] cname FAIL, 2 names: no record"),
            "{text}"
        );
        assert!(text.lines().count() < 10, "{text}");
        let all = human(&report, false, true);
        assert!(
            all.lines().filter(|l| l.starts_with("PASS")).count() == 98,
            "{all}"
        );
    }

    #[test]
    fn ready_names_do_not_list_unneeded_failures_and_hints_are_said_once() {
        let mut results = Vec::new();
        let mut names = Vec::new();
        for i in 0..6 {
            let d = format!("host{i}.example.com");
            results.push(CheckResult::new(
                &d,
                CheckKind::Cname,
                Status::Pass,
                "there",
            ));
            results.push(
                CheckResult::new(&d, CheckKind::Http, Status::Fail, "not found (404)")
                    .with_hint("publish the file"),
            );
            names.push(NameVerdict {
                domain: d,
                ok: true,
                validated_by: vec!["cname"],
                detail: "the CA can validate it by the DNS CNAME".into(),
            });
        }
        let report = CheckReport::with_verdicts(results.clone(), names);
        let grouped = human(&report, false, false);
        assert!(!grouped.contains("FAIL"), "{grouped}");
        assert!(
            grouped.contains("OK     host0.example.com  cname pass"),
            "{grouped}"
        );
        // Five names or fewer: full form, the shared hint printed once.
        let small = CheckReport::new(results[..4].to_vec());
        let full = human(&small, false, false);
        assert_eq!(full.matches("publish the file").count(), 1, "{full}");
        assert_eq!(full.matches("hint: as above").count(), 1, "{full}");
    }

    #[test]
    fn the_dnssec_state_is_shown_in_text() {
        let mut secure = CheckResult::new("a.example", CheckKind::Cname, Status::Pass, "found");
        secure.dnssec = Some("secure");
        let mut caa = CheckResult::new("a.example", CheckKind::Caa, Status::Pass, "none");
        caa.dnssec = Some("indeterminate");
        caa.dnssec_detail = Some("no DNSKEY for the lab root".into());
        let report = CheckReport::new(vec![secure, caa]);
        let text = human(&report, false, false);
        assert!(text.contains("DNSSEC: 1 secure, 1 indeterminate"), "{text}");
        let verbose = human(&report, false, true);
        assert!(
            verbose.contains("dnssec: indeterminate: no DNSKEY for the lab root"),
            "{verbose}"
        );
        assert!(!human(&report, true, false).contains("DNSSEC"));
        // --no-dnssec: no verdicts, no line (the footer says validation is off).
        let off = CheckReport::new(vec![CheckResult::new(
            "a.example",
            CheckKind::Cname,
            Status::Pass,
            "found",
        )]);
        assert_eq!(off.dnssec_line(), None);
    }

    #[test]
    fn ok_follows_statuses() {
        let pass = CheckResult::new("a.example", CheckKind::Cname, Status::Pass, "found");
        let skip = CheckResult::new("*.a.example", CheckKind::Http, Status::Skip, "wildcard");
        let fail = CheckResult::new("b.example", CheckKind::Http, Status::Fail, "404");
        assert!(CheckReport::new(vec![pass.clone(), skip.clone()]).ok);
        assert!(!CheckReport::new(vec![pass, skip, fail]).ok);
        let invalid = CheckResult::new("a b", CheckKind::Input, Status::Invalid, "space");
        assert_eq!(
            CheckReport::new(vec![invalid]).exit_code(),
            ExitCode::CheckFailed
        );
    }
}
