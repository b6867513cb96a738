//! Multi-perspective issuance corroboration (BR 3.2.2.9), pure: how
//! reports from several perspectives (each stamped with
//! [`crate::stamp::About`]) combine into per-name, per-method quorums
//! ([`corroborate`]), and the BR's perspective minimum by date. Reading the
//! files and printing are `commands::corroborate`'s job.

use std::io::{self, Write};

use serde::{Deserialize, Serialize};

pub use crate::stamp::{About, SubjectKey, default_perspective};

use crate::clock::{self, Date};
use crate::exit_codes::ExitCode;
use crate::output::{Render, Report};
use crate::text;

/// The BR 3.2.2.9 phase-in: from each date, the minimum number of remote
/// perspectives (the one table; `--mpic-perspectives` defaults to it too).
const PHASE_IN: [((i64, u32, u32), usize); 4] = [
    ((2026, 12, 15), 5),
    ((2026, 6, 15), 4),
    ((2026, 3, 15), 3),
    ((2025, 3, 15), 2),
];

/// The Regional Internet Registries (`--rir`), as Open MPIC spells them.
pub const RIRS: [&str; 5] = ["ARIN", "RIPE NCC", "APNIC", "LACNIC", "AFRINIC"];

/// The minimum number of remote perspectives a CA uses on a date (BR
/// 3.2.2.9 phase-in); before 2025-03-15 one vantage point was enough.
pub fn required_perspectives(date: Date) -> usize {
    PHASE_IN
        .iter()
        .find(|((y, m, d), _)| {
            date >= Date {
                year: *y,
                month: *m,
                day: *d,
            }
        })
        .map_or(1, |(_, n)| *n)
}

/// How many perspectives may fail to corroborate: one with up to five,
/// two with six or more (BR 3.2.2.9 quorum table).
pub fn allowed_failures(perspectives: usize) -> usize {
    if perspectives <= 5 { 1 } else { 2 }
}

/// One result of a report, as read back.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ReadResult {
    pub domain: String,
    pub check: String,
    pub status: String,
    #[serde(default)]
    pub detail: String,
    /// The reason code (`dnssec_bogus` alone: failed only on DNSSEC).
    #[serde(default)]
    pub code: Option<String>,
}

/// One report as read back: its provenance and its results.
#[derive(Debug, Clone)]
pub struct ReadReport {
    pub file: String,
    pub about: About,
    pub results: Vec<ReadResult>,
}

/// Why reports cannot be combined (exit 2); `file` is the one at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    pub file: String,
    pub problem: String,
}

/// A perspective that took part.
#[derive(Debug, Clone, Serialize)]
pub struct Seen {
    pub perspective: String,
    pub file: String,
    pub checked_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rir: Option<String>,
}

/// A perspective that did not corroborate a method for a name.
#[derive(Debug, Clone, Serialize)]
pub struct Disagreement {
    pub perspective: String,
    /// `fail`, `skip`, `invalid`, or `absent` (the report has no such result).
    pub status: String,
    pub detail: String,
}

/// One method of one name across the perspectives.
#[derive(Debug, Clone, Serialize)]
pub struct MethodQuorum {
    /// The report's `check`: `cname`, `http`, `https`, `txt`, `persist`, `caa`.
    pub method: String,
    pub passed: Vec<String>,
    pub failed: Vec<Disagreement>,
    pub quorum: bool,
    pub detail: String,
}

/// One name: can the CA corroborate it?
#[derive(Debug, Clone, Serialize)]
pub struct NameQuorum {
    pub domain: String,
    pub ok: bool,
    pub detail: String,
    pub methods: Vec<MethodQuorum>,
}

/// `dcv corroborate`'s report. `ok` is true exactly when it exits 0.
#[derive(Debug, Clone, Serialize)]
pub struct Corroboration {
    pub ok: bool,
    /// The date whose rules apply (`--date`, default today, UTC).
    pub date: String,
    /// The CA's minimum number of remote perspectives on that date.
    pub required_perspectives: usize,
    /// How many perspectives may disagree with this many reports.
    pub allowed_failures: usize,
    pub perspectives: Vec<Seen>,
    pub command: String,
    pub method: String,
    pub subject: SubjectKey,
    pub names: Vec<NameQuorum>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// Methods that validate a name (CAA only permits, `input` is the same everywhere).
fn validates(method: &str) -> bool {
    !matches!(method, "caa" | "input")
}

/// What differs between two reports' subjects, in words.
fn subject_difference(a: &About, b: &About) -> Option<String> {
    let (x, y) = (&a.subject, &b.subject);
    let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "none".into());
    if a.command != b.command {
        return Some(format!(
            "another command ({} here, {} there)",
            b.command, a.command
        ));
    }
    if a.method != b.method {
        return Some(format!(
            "another method ({} here, {} there)",
            b.method, a.method
        ));
    }
    if x.md5 != y.md5 || x.sha256 != y.sha256 {
        return Some(format!(
            "another CSR (MD5 {} here, {} there)",
            show(&y.md5),
            show(&x.md5)
        ));
    }
    if x.token != y.token {
        return Some(format!(
            "another token ({} here, {} there)",
            show(&y.token),
            show(&x.token)
        ));
    }
    if x.tag != y.tag {
        return Some(format!(
            "another CA tag ({} here, {} there)",
            show(&y.tag),
            show(&x.tag)
        ));
    }
    if x.expect != y.expect {
        return Some(format!(
            "other expected values ({} here, {} there)",
            y.expect.join(", "),
            x.expect.join(", ")
        ));
    }
    None
}

/// Combines reports of one subject made from different perspectives,
/// judged by the rules in force on `date`. Reports of another subject,
/// command or method, and two reports of one perspective, are refused.
pub fn corroborate(reports: &[ReadReport], date: Date) -> Result<Corroboration, Mismatch> {
    let Some(first) = reports.first() else {
        return Err(Mismatch {
            file: "-".into(),
            problem: "no reports given".into(),
        });
    };
    for (i, r) in reports.iter().enumerate() {
        if let Some(problem) = subject_difference(&first.about, &r.about) {
            return Err(Mismatch {
                file: r.file.clone(),
                problem: format!("{problem} than {}", first.file),
            });
        }
        if let Some(twin) = reports[..i]
            .iter()
            .find(|o| o.about.perspective == r.about.perspective)
        {
            return Err(Mismatch {
                file: r.file.clone(),
                problem: format!(
                    "perspective {:?} is also the one of {}: give each place its own --perspective (counting one place twice would overstate the quorum)",
                    r.about.perspective, twin.file
                ),
            });
        }
    }
    let n = reports.len();
    let required = required_perspectives(date);
    let allowed = allowed_failures(n);
    // Names and methods in the order they first appear.
    let mut keys: Vec<(String, Vec<String>)> = Vec::new();
    for r in reports {
        for res in r.results.iter().filter(|x| x.check != "input") {
            match keys.iter_mut().find(|(d, _)| *d == res.domain) {
                Some((_, methods)) if !methods.contains(&res.check) => {
                    methods.push(res.check.clone())
                }
                Some(_) => {}
                None => keys.push((res.domain.clone(), vec![res.check.clone()])),
            }
        }
    }
    let short = n < required;
    let too_few = short.then(|| {
        format!(
            "too few perspectives: {n} given, {required} needed from {}",
            date_in_force(date)
        )
    });
    let names: Vec<NameQuorum> = keys
        .iter()
        .map(|(domain, methods)| {
            let methods: Vec<MethodQuorum> = methods
                .iter()
                .map(|m| method_quorum(reports, domain, m, allowed, too_few.as_deref()))
                .map(|m| two_rirs(m, reports))
                .collect();
            name_quorum(domain, methods, too_few.as_deref())
        })
        .collect();
    let mut notes = Vec::new();
    if short {
        notes.push(format!(
            "{n} perspective{} given; from {} a CA uses at least {required}: add {} more (the quorum cannot hold with fewer)",
            if n == 1 { "" } else { "s" },
            date_in_force(date),
            required - n
        ));
    }
    let without_rir: Vec<&str> = reports
        .iter()
        .filter(|r| r.about.rir.is_none())
        .map(|r| r.file.as_str())
        .collect();
    if !without_rir.is_empty() {
        notes.push(format!(
            "the 2-RIR rule (BR 3.2.2.9: the corroborating perspectives span at least two Regional Internet Registries) was not checked: {} of {n} reports carry no RIR ({}); make each with --perspective NAME --rir RIR",
            without_rir.len(),
            without_rir.join(", ")
        ));
    }
    let times: Vec<i64> = reports
        .iter()
        .filter_map(|r| clock::parse_rfc3339(&r.about.checked_at))
        .collect();
    if let (Some(lo), Some(hi)) = (times.iter().min(), times.iter().max())
        && hi - lo > 3600
    {
        notes.push(format!(
                "the reports were made {} apart (from {} to {}): a CA asks its perspectives within minutes, so run them together",
                text::seconds(std::time::Duration::from_secs((hi - lo) as u64)),
                clock::rfc3339(*lo),
                clock::rfc3339(*hi)
            ));
    }
    let ok = !short && !names.is_empty() && names.iter().all(|n| n.ok);
    Ok(Corroboration {
        ok,
        date: date.to_string(),
        required_perspectives: required,
        allowed_failures: allowed,
        perspectives: reports
            .iter()
            .map(|r| Seen {
                perspective: r.about.perspective.clone(),
                file: r.file.clone(),
                checked_at: r.about.checked_at.clone(),
                rir: r.about.rir.clone(),
            })
            .collect(),
        command: first.about.command.clone(),
        method: first.about.method.clone(),
        subject: first.about.subject.clone(),
        names,
        notes,
    })
}

/// The phase-in date whose minimum applies on `date`.
fn date_in_force(date: Date) -> String {
    PHASE_IN
        .iter()
        .map(|((year, month, day), _)| Date {
            year: *year,
            month: *month,
            day: *day,
        })
        .find(|d| date >= *d)
        .map_or_else(|| "before 2025-03-15".to_owned(), |d| d.to_string())
}

fn method_quorum(
    reports: &[ReadReport],
    domain: &str,
    method: &str,
    allowed: usize,
    too_few: Option<&str>,
) -> MethodQuorum {
    let mut passed = Vec::new();
    let mut failed = Vec::new();
    let mut dnssec_notes: Vec<String> = Vec::new();
    for r in reports {
        let mine: Vec<&ReadResult> = r
            .results
            .iter()
            .filter(|x| x.domain == domain && x.check == method)
            .collect();
        let perspective = r.about.perspective.clone();
        // Ballot SC-100: DNSSEC binds the primary perspective only; a remote
        // one that failed on DNSSEC alone still corroborates.
        let dnssec_only = |x: &&&ReadResult| x.code.as_deref() == Some("dnssec_bogus");
        if !mine.is_empty() && mine.iter().all(|x| x.status == "pass" || dnssec_only(&x)) {
            if mine.iter().any(|x| x.status != "pass") {
                dnssec_notes.push(perspective.clone());
            }
            passed.push(perspective);
            continue;
        }
        match mine.iter().find(|x| x.status != "pass") {
            _ if mine.is_empty() => failed.push(Disagreement {
                perspective,
                status: "absent".into(),
                detail: format!("{} has no {method} result for {domain}", r.file),
            }),
            None => passed.push(perspective),
            Some(x) => failed.push(Disagreement {
                perspective,
                status: x.status.clone(),
                detail: x.detail.clone(),
            }),
        }
    }
    let n = reports.len();
    let quorum = too_few.is_none() && !passed.is_empty() && failed.len() <= allowed;
    let mut detail = if passed.len() == n {
        format!("passed at all {n} perspectives")
    } else {
        let who: Vec<&str> = failed.iter().map(|f| f.perspective.as_str()).collect();
        format!(
            "passed at {} of {n} perspectives, not at {}; {allowed} may disagree",
            passed.len(),
            who.join(", ")
        )
    };
    if !dnssec_notes.is_empty() {
        detail = format!(
            "{detail} ({} failed only on DNSSEC: counted, as DNSSEC binds the CA's primary perspective only, ballot SC-100)",
            dnssec_notes.join(", ")
        );
    }
    if let Some(why) = too_few {
        detail = format!("{detail}; {why}");
    }
    MethodQuorum {
        method: method.to_owned(),
        passed,
        failed,
        quorum,
        detail,
    }
}

/// BR 3.2.2.9's 2-RIR rule, when every report carries its RIR: the
/// perspectives that corroborate must span at least two registries.
fn two_rirs(mut m: MethodQuorum, reports: &[ReadReport]) -> MethodQuorum {
    if !m.quorum || reports.iter().any(|r| r.about.rir.is_none()) {
        return m;
    }
    let mut rirs: Vec<&str> = m
        .passed
        .iter()
        .filter_map(|p| reports.iter().find(|r| r.about.perspective == *p))
        .filter_map(|r| r.about.rir.as_deref())
        .collect();
    rirs.sort_unstable();
    rirs.dedup();
    if rirs.len() < 2 {
        m.quorum = false;
        m.detail = format!(
            "{}; but the perspectives that pass span one RIR ({}): a CA needs two (BR 3.2.2.9)",
            m.detail,
            rirs.join(", ")
        );
    }
    m
}

fn name_quorum(domain: &str, methods: Vec<MethodQuorum>, too_few: Option<&str>) -> NameQuorum {
    let caa_block = methods.iter().find(|m| m.method == "caa" && !m.quorum);
    let holding: Vec<&str> = methods
        .iter()
        .filter(|m| validates(&m.method) && m.quorum)
        .map(|m| m.method.as_str())
        .collect();
    let summary = |filter: &dyn Fn(&MethodQuorum) -> bool| -> String {
        methods
            .iter()
            .filter(|m| filter(m))
            .map(|m| format!("{}: {}", m.method, m.detail))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let (ok, detail) = match (too_few, caa_block, holding.as_slice()) {
        (Some(why), _, _) => (false, why.to_owned()),
        (None, Some(c), _) => (false, format!("CAA quorum fails: {}", c.detail)),
        (None, None, []) => (
            false,
            format!(
                "no method holds the quorum ({})",
                summary(&|m| validates(&m.method))
            ),
        ),
        (None, None, ms) => (true, format!("quorum holds by {}", ms.join(" and by "))),
    };
    NameQuorum {
        domain: domain.to_owned(),
        ok,
        detail,
        methods,
    }
}

impl Corroboration {
    pub fn exit_code(&self) -> ExitCode {
        if self.ok {
            ExitCode::Success
        } else {
            ExitCode::CheckFailed
        }
    }
}

impl Report for Corroboration {
    fn human(&self, out: &mut dyn Write, cx: &Render) -> io::Result<()> {
        let p = cx.paint;
        let safe = text::printable;
        let list: Vec<String> = self
            .perspectives
            .iter()
            .map(|s| format!("{} ({})", safe(&s.perspective), safe(&s.checked_at)))
            .collect();
        writeln!(
            out,
            "{} perspective{}: {}",
            self.perspectives.len(),
            if self.perspectives.len() == 1 {
                ""
            } else {
                "s"
            },
            list.join(", ")
        )?;
        writeln!(
            out,
            "rules of {}: at least {} perspectives, {} may disagree",
            self.date, self.required_perspectives, self.allowed_failures
        )?;
        for n in &self.names {
            for m in &n.methods {
                let tag = if m.quorum {
                    p.good("PASS")
                } else {
                    p.bad("FAIL")
                };
                writeln!(
                    out,
                    "{tag} {:<7} {}: {}",
                    m.method,
                    p.bold(&safe(&n.domain)),
                    safe(&m.detail)
                )?;
                for f in &m.failed {
                    writeln!(
                        out,
                        "      {} {}: {}",
                        safe(&f.perspective),
                        f.status,
                        safe(&f.detail)
                    )?;
                }
            }
            crate::report::write_name_verdict(out, p, n.ok, &n.domain, &n.detail)?;
        }
        for note in &self.notes {
            writeln!(out, "{} {}", p.warn("note:"), safe(note))?;
        }
        let held = self.names.iter().filter(|n| n.ok).count();
        let summary = format!("quorum holds for {held} of {} names", self.names.len());
        writeln!(out, "{}", p.verdict(self.ok, &summary))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> Date {
        s.parse().unwrap()
    }

    fn about(perspective: &str) -> About {
        About {
            perspective: perspective.into(),
            checked_at: "2026-07-01T10:00:00Z".into(),
            command: "check-dns".into(),
            method: "dns".into(),
            subject: SubjectKey {
                md5: Some("AA".into()),
                sha256: Some("BB".into()),
                tag: Some("sectigo.com".into()),
                ..SubjectKey::default()
            },
            rir: None,
        }
    }

    fn report(perspective: &str, results: &[(&str, &str, &str)]) -> ReadReport {
        ReadReport {
            file: format!("{perspective}.json"),
            about: about(perspective),
            results: results
                .iter()
                .map(|(d, c, s)| ReadResult {
                    domain: (*d).into(),
                    check: (*c).into(),
                    status: (*s).into(),
                    detail: format!("{c} {s}"),
                    code: None,
                })
                .collect(),
        }
    }

    fn with_rir(mut r: ReadReport, rir: &str) -> ReadReport {
        r.about.rir = Some(rir.into());
        r
    }

    #[test]
    fn the_corroborating_perspectives_must_span_two_rirs_when_reports_say() {
        let pass = [
            ("example.com", "cname", "pass"),
            ("example.com", "caa", "pass"),
        ];
        let one_rir: Vec<ReadReport> = ["a", "b", "c", "d", "e"]
            .iter()
            .map(|p| with_rir(report(p, &pass), "ARIN"))
            .collect();
        let c = corroborate(&one_rir, date("2026-12-20")).unwrap();
        assert!(!c.ok, "{c:#?}");
        assert!(
            c.names[0].methods[0].detail.contains("span one RIR (ARIN)"),
            "{c:#?}"
        );
        let mut two = one_rir.clone();
        two[4] = with_rir(report("e", &pass), "APNIC");
        assert!(corroborate(&two, date("2026-12-20")).unwrap().ok);
        // Without RIRs the rule cannot be applied: said in a note.
        let none: Vec<ReadReport> = ["a", "b", "c", "d", "e"]
            .iter()
            .map(|p| report(p, &pass))
            .collect();
        let c = corroborate(&none, date("2026-12-20")).unwrap();
        assert!(c.ok);
        assert!(
            c.notes
                .iter()
                .any(|n| n.contains("2-RIR rule") && n.contains("5 of 5")),
            "{:?}",
            c.notes
        );
    }

    #[test]
    fn a_remote_failure_on_dnssec_alone_still_corroborates() {
        let pass = [("example.com", "cname", "pass")];
        let mut bogus = report("d", &[("example.com", "cname", "fail")]);
        bogus.results[0].code = Some("dnssec_bogus".into());
        let mut wrong = report("e", &[("example.com", "cname", "fail")]);
        wrong.results[0].code = Some("wrong_target".into());
        let reports = [
            report("a", &pass),
            report("b", &pass),
            report("c", &pass),
            bogus,
            wrong,
        ];
        let c = corroborate(&reports, date("2026-12-20")).unwrap();
        let m = &c.names[0].methods[0];
        assert_eq!(m.passed, ["a", "b", "c", "d"]);
        assert!(m.quorum, "{m:#?}");
        assert!(m.detail.contains("d failed only on DNSSEC"), "{}", m.detail);
    }

    #[test]
    fn the_phase_in_table() {
        assert_eq!(required_perspectives(date("2025-03-14")), 1);
        assert_eq!(required_perspectives(date("2025-03-15")), 2);
        assert_eq!(required_perspectives(date("2026-03-14")), 2);
        assert_eq!(required_perspectives(date("2026-03-15")), 3);
        assert_eq!(required_perspectives(date("2026-06-15")), 4);
        assert_eq!(required_perspectives(date("2026-12-14")), 4);
        assert_eq!(required_perspectives(date("2026-12-15")), 5);
        assert_eq!(required_perspectives(date("2030-01-01")), 5);
        assert_eq!(allowed_failures(2), 1);
        assert_eq!(allowed_failures(5), 1);
        assert_eq!(allowed_failures(6), 2);
    }

    #[test]
    fn one_disagreement_of_four_is_allowed_two_are_not() {
        let pass = [("example.com", "cname", "pass")];
        let fail = [("example.com", "cname", "fail")];
        let reports = [
            report("a", &pass),
            report("b", &pass),
            report("c", &pass),
            report("d", &fail),
        ];
        let c = corroborate(&reports, date("2026-07-01")).unwrap();
        assert!(c.ok, "{c:#?}");
        assert_eq!(c.names[0].methods[0].passed, ["a", "b", "c"]);
        let reports = [
            report("a", &pass),
            report("b", &pass),
            report("c", &fail),
            report("d", &fail),
        ];
        let c = corroborate(&reports, date("2026-07-01")).unwrap();
        assert!(!c.ok);
        assert!(
            c.names[0].detail.contains("2 of 4"),
            "{}",
            c.names[0].detail
        );
    }

    #[test]
    fn too_few_perspectives_say_how_many_more() {
        let pass = [("example.com", "cname", "pass")];
        let reports = [report("a", &pass), report("b", &pass)];
        let c = corroborate(&reports, date("2026-12-15")).unwrap();
        assert!(!c.ok);
        assert_eq!(c.required_perspectives, 5);
        assert!(c.notes[0].contains("add 3 more"), "{:?}", c.notes);
        // The same two on 2025-06-01 are enough.
        assert!(corroborate(&reports, date("2025-06-01")).unwrap().ok);
    }

    #[test]
    fn a_name_absent_from_a_report_does_not_corroborate_there() {
        let both = [
            ("a.example.com", "cname", "pass"),
            ("b.example.com", "cname", "pass"),
        ];
        let only_a = [("a.example.com", "cname", "pass")];
        let reports = [
            report("p1", &both),
            report("p2", &both),
            report("p3", &only_a),
            report("p4", &only_a),
        ];
        let c = corroborate(&reports, date("2026-07-01")).unwrap();
        assert!(c.names[0].ok);
        let b = &c.names[1];
        assert!(!b.ok);
        assert_eq!(b.methods[0].failed[0].status, "absent");
    }

    #[test]
    fn caa_must_hold_and_one_method_is_enough() {
        let r = |perspective: &str, caa: &str| {
            report(
                perspective,
                &[
                    ("example.com", "cname", "fail"),
                    ("example.com", "http", "pass"),
                    ("example.com", "caa", caa),
                ],
            )
        };
        let c = corroborate(&[r("p1", "pass"), r("p2", "pass")], date("2025-06-01")).unwrap();
        assert!(c.ok, "{c:#?}");
        assert_eq!(c.names[0].detail, "quorum holds by http");
        let c = corroborate(&[r("p1", "fail"), r("p2", "fail")], date("2025-06-01")).unwrap();
        assert!(!c.ok);
        assert!(c.names[0].detail.starts_with("CAA quorum fails"));
    }

    #[test]
    fn mismatched_reports_and_twins_are_refused_naming_the_file() {
        let pass = [("example.com", "cname", "pass")];
        let mut other = report("b", &pass);
        other.about.subject.md5 = Some("CC".into());
        let e = corroborate(&[report("a", &pass), other], date("2026-07-01")).unwrap_err();
        assert_eq!(e.file, "b.json");
        assert!(e.problem.contains("another CSR"), "{}", e.problem);
        let mut other = report("b", &pass);
        other.about.subject.token = Some("tok".into());
        let e = corroborate(&[report("a", &pass), other], date("2026-07-01")).unwrap_err();
        assert!(e.problem.contains("another token"), "{}", e.problem);
        let mut other = report("b", &pass);
        other.about.method = "http".into();
        let e = corroborate(&[report("a", &pass), other], date("2026-07-01")).unwrap_err();
        assert!(e.problem.contains("another method"), "{}", e.problem);
        let mut twin = report("a", &pass);
        twin.file = "again.json".into();
        let e = corroborate(&[report("a", &pass), twin], date("2026-07-01")).unwrap_err();
        assert_eq!(e.file, "again.json");
        assert!(e.problem.contains("a.json"), "{}", e.problem);
    }

    #[test]
    fn far_apart_reports_are_noted() {
        let pass = [("example.com", "cname", "pass")];
        let mut b = report("b", &pass);
        b.about.checked_at = "2026-07-01T13:00:00Z".into();
        let c = corroborate(&[report("a", &pass), b], date("2026-01-01")).unwrap();
        assert!(c.ok);
        assert!(c.notes.iter().any(|n| n.contains("apart")), "{:?}", c.notes);
    }
}
