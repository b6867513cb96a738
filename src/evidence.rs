//! The evidence bundle (`--evidence DIR`, SPEC section 7): what a CA's
//! support desk asks for when a validation fails, written into DIR and
//! never outside it. The transcripts come from the recording decorators
//! around the DNS transport and the HTTP fetcher
//! ([`crate::resolver::recording`], [`crate::http::recording`]); this module
//! only sorts them per name and writes the files:
//!
//! ```text
//! DIR/report.json              the JSON report (as --json prints it)
//! DIR/summary.txt              per name: validated name, ADN, method, BR label, verdict, time
//! DIR/dns.txt                  every DNS question and answer, per server, in order
//! DIR/http.txt                 every HTTP exchange
//! DIR/names/<name>/summary.txt that name's part of summary.txt
//! DIR/names/<name>/dns.txt     the questions about the name, its ADNs and their parents
//! DIR/names/<name>/dnssec.txt  the DS, DNSKEY and RRSIG records those answers carried
//! DIR/names/<name>/http.txt    the fetches with Host: <name>
//! ```

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::http::recording::HttpLog;
use crate::report::{CheckKind, CheckReport, CheckResult, Status};
use crate::resolver::recording::{DnsLog, Exchange};

/// The Baseline Requirements method a check stands for, as CAs log it
/// (and as RFC 8657 `validationmethods` names it).
fn br_label(kind: CheckKind) -> Option<(&'static str, &'static str)> {
    let method = match kind {
        CheckKind::Cname => "DNS CNAME (BR 3.2.2.4.7)",
        CheckKind::Txt => "DNS TXT (BR 3.2.2.4.7)",
        CheckKind::Http => "HTTP file, http:// (BR 3.2.2.4.18)",
        CheckKind::Https => "HTTP file, https:// (BR 3.2.2.4.18)",
        CheckKind::Persist => "persistent DNS TXT (BR 3.2.2.4.22)",
        CheckKind::Caa | CheckKind::Input => return None,
    };
    // The label is the one the results carry (`br_label`).
    Some((method, kind.br_method()?.label()))
}

fn flag_error(dir: &Path, problem: impl Into<String>) -> Error {
    Error::Flag {
        flag: "--evidence",
        value: dir.display().to_string(),
        problem: problem.into(),
    }
}

/// Creates DIR (and its parents) before the check runs, so a DIR that
/// cannot be written is bad input (exit 2), not a lost bundle afterwards.
pub fn prepare(dir: &Path) -> Result<()> {
    if let Ok(m) = fs::symlink_metadata(dir)
        && !m.is_dir()
        && !m.file_type().is_symlink()
    {
        return Err(flag_error(dir, "exists and is not a directory"));
    }
    fs::create_dir_all(dir)
        .map_err(|e| flag_error(dir, crate::error::plain_message(&e.to_string())))?;
    if !dir.is_dir() {
        return Err(flag_error(dir, "is not a directory"));
    }
    Ok(())
}

/// A directory under DIR, created; a symbolic link there is refused, so
/// nothing is ever written outside DIR.
fn subdir(dir: &Path, parts: &[&str]) -> Result<PathBuf> {
    let mut path = dir.to_path_buf();
    for p in parts {
        path.push(p);
        match fs::symlink_metadata(&path) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(flag_error(
                    dir,
                    format!(
                        "{} is a symbolic link: refusing to write through it",
                        path.display()
                    ),
                ));
            }
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                return Err(flag_error(
                    dir,
                    format!("{} is not a directory", path.display()),
                ));
            }
            Err(_) => fs::create_dir(&path)
                .map_err(|e| flag_error(dir, format!("{}: {e}", path.display())))?,
        }
    }
    Ok(path)
}

/// Writes one file; an existing symbolic link at its place is refused
/// (O_NOFOLLOW), an existing regular file replaced.
fn write_file(dir: &Path, path: &Path, text: &str) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let fail = |e: std::io::Error| flag_error(dir, format!("{}: {e}", path.display()));
    if let Ok(m) = fs::symlink_metadata(path)
        && m.file_type().is_symlink()
    {
        return Err(flag_error(
            dir,
            format!(
                "{} is a symbolic link: refusing to write through it",
                path.display()
            ),
        ));
    }
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
        .map_err(fail)?;
    f.write_all(text.as_bytes()).map_err(fail)
}

/// A name as one safe path component: host-name characters kept, `*`
/// spelled out, anything else `_`; never empty, `.` or `..`.
pub fn component(name: &str) -> String {
    let mut s: String = name
        .trim_end_matches('.')
        .to_ascii_lowercase()
        .replace('*', "_wildcard")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(200)
        .collect();
    if s.is_empty() || s.starts_with('.') {
        s.insert(0, '_');
    }
    s
}

/// The names the report is about, in order (not the CSR file of `input`).
fn names(report: &CheckReport) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let from_results = report
        .results
        .iter()
        .filter(|r| r.check != CheckKind::Input || r.status == Status::Invalid)
        .map(|r| r.domain.clone());
    for d in report
        .names
        .iter()
        .map(|n| n.domain.clone())
        .chain(from_results)
    {
        if !out.contains(&d) {
            out.push(d);
        }
    }
    out
}

/// A DNS question is about `name` when it asks the name itself or one of
/// its parents (its ADNs, CAA climb, zone cuts, DS and DNSKEY), or a
/// `_label` under one of them (the validation records).
fn about(q: &str, name: &str) -> bool {
    let base = name.trim_start_matches("*.").to_ascii_lowercase();
    let mut at = base.as_str();
    let mut ancestors = vec![at];
    while let Some((_, rest)) = at.split_once('.') {
        ancestors.push(rest);
        at = rest;
    }
    ancestors.iter().any(|a| {
        if q == *a {
            return true;
        }
        q.strip_suffix(a)
            .and_then(|head| head.strip_suffix('.'))
            .is_some_and(|head| head.split('.').all(|l| l.starts_with('_')))
    })
}

fn exchange_text(e: &Exchange) -> String {
    format!(
        ";; {} {} {}. {} {} ({} ms)\n{}\n",
        e.at,
        e.server,
        e.name,
        e.rtype,
        if e.recursion_desired {
            "+rd"
        } else {
            "-rd (authoritative)"
        },
        e.elapsed.as_millis(),
        e.text
    )
}

/// `summary.txt` lines for one name.
fn summary(report: &CheckReport, name: &str) -> String {
    let when = report
        .about
        .as_ref()
        .map(|a| format!("{} from {}", a.checked_at, a.perspective))
        .unwrap_or_default();
    let mine: Vec<&CheckResult> = report.results.iter().filter(|r| r.domain == name).collect();
    let verdict = match report.names.iter().find(|n| n.domain == name) {
        Some(v) if v.ok => format!("ready: {}", v.detail),
        Some(v) => format!("NOT ready: {}", v.detail),
        None if !mine.is_empty()
            && mine
                .iter()
                .all(|r| matches!(r.status, Status::Pass | Status::Skip))
            && mine.iter().any(|r| r.validates()) =>
        {
            "ready".to_owned()
        }
        None => "NOT ready".to_owned(),
    };
    let mut out = format!(
        "name: {name}\n  validated name: {}\n  verdict: {verdict}\n  time: {when}\n",
        name.trim_start_matches("*.")
    );
    for r in &mine {
        let status = match (r.status, r.code) {
            (Status::Pass, _) => "pass".to_owned(),
            (s, Some(c)) => format!("{} ({c})", format!("{s:?}").to_ascii_lowercase()),
            (s, None) => format!("{s:?}").to_ascii_lowercase(),
        };
        // The HTTP file validates the name it is served at.
        let adn = match (&r.adn, r.check) {
            (Some(a), _) => format!(", ADN {a}"),
            (None, CheckKind::Http | CheckKind::Https) => {
                format!(", ADN {}", name.trim_start_matches("*."))
            }
            _ => String::new(),
        };
        let dnssec = r
            .dnssec
            .map(|d| format!(", DNSSEC {d}"))
            .unwrap_or_default();
        let what = match br_label(r.check) {
            Some((method, label)) => format!("method {method} [{label}]"),
            None => r.check.label().to_uppercase(),
        };
        out.push_str(&format!(
            "  {what}: {status}{adn}{dnssec}\n    {}\n",
            crate::text::printable(&r.detail)
        ));
    }
    out
}

/// Writes the bundle into `dir` (made by [`prepare`]); returns the files.
pub fn write(
    dir: &Path,
    report: &CheckReport,
    dns: &DnsLog,
    http: &HttpLog,
) -> Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    let mut put = |path: PathBuf, text: String| -> Result<()> {
        write_file(dir, &path, &text)?;
        written.push(path);
        Ok(())
    };
    let json = crate::output::json_document(report).map_err(|e| flag_error(dir, e.to_string()))?;
    put(dir.join("report.json"), json + "\n")?;
    let dropped = |n: usize, what: &str| {
        if n > 0 {
            format!(";; {n} later {what} not kept (the transcript is bounded)\n")
        } else {
            String::new()
        }
    };
    let all_dns: String = dns.exchanges.iter().map(exchange_text).collect::<String>()
        + &dropped(dns.dropped, "exchanges");
    put(dir.join("dns.txt"), all_dns)?;
    let all_http: String = http
        .fetches
        .iter()
        .map(|f| format!("== {} {} @ {}\n{}\n", f.at, f.url, f.address, f.text))
        .collect::<String>()
        + &dropped(http.dropped, "fetches");
    put(dir.join("http.txt"), all_http)?;
    let mut summaries = String::new();
    for name in names(report) {
        let sub = subdir(dir, &["names", &component(&name)])?;
        let text = summary(report, &name);
        summaries.push_str(&text);
        put(sub.join("summary.txt"), text)?;
        let mine: Vec<&Exchange> = dns
            .exchanges
            .iter()
            .filter(|e| about(&e.name, &name))
            .collect();
        put(
            sub.join("dns.txt"),
            mine.iter().map(|e| exchange_text(e)).collect(),
        )?;
        let mut keys: Vec<&str> = Vec::new();
        for line in mine.iter().flat_map(|e| e.dnssec.iter()) {
            if !keys.contains(&line.as_str()) {
                keys.push(line);
            }
        }
        let dnssec = if keys.is_empty() {
            ";; no DS, DNSKEY or RRSIG records were received (unsigned zones, or --no-dnssec)\n"
                .to_owned()
        } else {
            keys.join("\n") + "\n"
        };
        put(sub.join("dnssec.txt"), dnssec)?;
        let host = name.trim_start_matches("*.");
        let fetches: String = http
            .fetches
            .iter()
            .filter(|f| f.host.eq_ignore_ascii_case(host))
            .map(|f| format!("== {} {} @ {}\n{}\n", f.at, f.url, f.address, f.text))
            .collect();
        put(sub.join("http.txt"), fetches)?;
    }
    put(dir.join("summary.txt"), summaries)?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn questions_are_sorted_to_the_names_they_are_about() {
        let n = "www.shop.example.com";
        for q in [
            "www.shop.example.com",
            "_abc.www.shop.example.com",
            "_abc.example.com",
            "_validation-persist.shop.example.com",
            "example.com",
            "com",
        ] {
            assert!(about(q, n), "{q}");
        }
        for q in [
            "other.example.com",
            "_abc.other.example.com",
            "ns1.example.net",
            "x.www.shop.example.com",
        ] {
            assert!(!about(q, n), "{q}");
        }
        assert!(about("_abc.example.com", "*.example.com"));
    }

    #[test]
    fn components_stay_inside_the_directory() {
        assert_eq!(component("*.example.com"), "_wildcard.example.com");
        assert_eq!(component(".."), "_");
        assert_eq!(component("."), "_");
        assert_eq!(component("../../etc"), "_.._.._etc");
        assert_eq!(component(""), "_");
        assert_eq!(component("a/b\\c"), "a_b_c");
    }

    #[test]
    fn a_symbolic_link_in_the_bundle_is_refused() {
        let outside = tempfile::tempdir().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let target = outside.path().join("victim");
        fs::write(&target, "keep").unwrap();
        std::os::unix::fs::symlink(&target, dir.path().join("report.json")).unwrap();
        let err = write_file(dir.path(), &dir.path().join("report.json"), "x").unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        std::os::unix::fs::symlink(outside.path(), dir.path().join("names")).unwrap();
        let err = subdir(dir.path(), &["names", "a"]).unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        assert_eq!(fs::read_to_string(&target).unwrap(), "keep");
        assert_eq!(fs::read_dir(outside.path()).unwrap().count(), 1);
    }
}
