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
//! DIR/manifest.json            the run (dcv version, command line without
//!                              secrets, CSR hashes, CA profile, resolvers,
//!                              perspective, start and end) and the SHA-256
//!                              of every other file
//! ```
//!
//! A bundle is sealed: DIR must be empty, new, or hold an earlier dcv
//! bundle, which is replaced whole (runs are never mixed); anything else in
//! DIR is refused before the check runs.

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
/// cannot be written is bad input (exit 2), not a lost bundle afterwards;
/// a DIR with anything but an earlier dcv bundle in it is refused too.
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
    earlier_bundle(dir).map(|_| ())
}

/// The files a bundle holds at its top, and in each `names/<name>/`.
const TOP_FILES: [&str; 5] = [
    "manifest.json",
    "report.json",
    "summary.txt",
    "dns.txt",
    "http.txt",
];
const NAME_FILES: [&str; 4] = ["summary.txt", "dns.txt", "dnssec.txt", "http.txt"];

/// What DIR holds: nothing (`Ok(vec![])`), or an earlier dcv bundle (its
/// top-level entries, to remove). Anything else is refused: a file a
/// bundle does not have, a symbolic link anywhere, a DIR that holds
/// files of a bundle but neither a dcv manifest nor dcv's report and
/// summary.
fn earlier_bundle(dir: &Path) -> Result<Vec<PathBuf>> {
    let foreign = |what: String| {
        flag_error(
            dir,
            format!(
                "{what}: the directory is not empty and is not a dcv evidence bundle (dcv replaces only its own bundles): give a new or empty directory"
            ),
        )
    };
    let entries = |d: &Path| -> Result<Vec<(String, PathBuf, fs::Metadata)>> {
        let rd = fs::read_dir(d).map_err(|e| flag_error(dir, format!("{}: {e}", d.display())))?;
        let mut out = Vec::new();
        for e in rd {
            let e = e.map_err(|e| flag_error(dir, format!("{}: {e}", d.display())))?;
            let path = e.path();
            let meta = fs::symlink_metadata(&path)
                .map_err(|e| flag_error(dir, format!("{}: {e}", path.display())))?;
            if meta.file_type().is_symlink() {
                return Err(flag_error(
                    dir,
                    format!(
                        "{} is a symbolic link: refusing to write through it",
                        path.display()
                    ),
                ));
            }
            out.push((e.file_name().to_string_lossy().into_owned(), path, meta));
        }
        Ok(out)
    };
    let top = entries(dir)?;
    if top.is_empty() {
        return Ok(Vec::new());
    }
    for (name, path, meta) in &top {
        let known_file = meta.is_file() && TOP_FILES.contains(&name.as_str());
        if known_file {
            continue;
        }
        if name != "names" || !meta.is_dir() {
            return Err(foreign(format!("{} found", path.display())));
        }
        for (_, sub, m) in entries(path)? {
            if !m.is_dir() {
                return Err(foreign(format!("{} found", sub.display())));
            }
            for (f, file, m) in entries(&sub)? {
                if !m.is_file() || !NAME_FILES.contains(&f.as_str()) {
                    return Err(foreign(format!("{} found", file.display())));
                }
            }
        }
    }
    let has = |f: &str| top.iter().any(|(n, ..)| n == f);
    let ours = match fs::read(dir.join("manifest.json")) {
        Ok(bytes) => serde_json::from_slice::<serde_json::Value>(&bytes)
            .ok()
            .is_some_and(|v| v.get("dcv_evidence_bundle").is_some()),
        // A bundle of a dcv from before manifests: its report and summary.
        Err(_) => {
            has("report.json")
                && has("summary.txt")
                && fs::read(dir.join("report.json"))
                    .ok()
                    .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
                    .is_some_and(|v| {
                        v.get("schema_version").is_some() && v.get("results").is_some()
                    })
        }
    };
    if !ours {
        return Err(foreign("no dcv manifest.json or report".into()));
    }
    Ok(top.into_iter().map(|(_, p, _)| p).collect())
}

/// Removes an earlier bundle's entries (checked again: nothing but a dcv
/// bundle is ever removed).
fn clear(dir: &Path) -> Result<()> {
    for path in earlier_bundle(dir)? {
        let gone = if path.is_dir() {
            fs::remove_dir_all(&path)
        } else {
            fs::remove_file(&path)
        };
        gone.map_err(|e| flag_error(dir, format!("{}: {e}", path.display())))?;
    }
    Ok(())
}

/// What the manifest says about the run, besides the files.
#[derive(Debug, Clone, Default)]
pub struct Run {
    /// The command line, secrets already taken out ([`redacted_args`]).
    pub command_line: Vec<String>,
    /// The `--ca` profile.
    pub ca_profile: String,
    pub resolvers: Vec<String>,
    pub started_at: String,
}

/// Flags whose value is a secret or an account: never written.
const SECRET_FLAGS: [&str; 5] = ["key", "token", "secret", "password", "account"];

/// The command line as the manifest records it: the value of any flag
/// that names a key, token, secret, password or account is replaced by
/// `<redacted>`, and a URL's user information too. (Environment
/// variables, `DCV_MPIC_API_KEY` and `DCV_TOKEN` among them, are never
/// recorded.)
pub fn redacted_args(args: &[String]) -> Vec<String> {
    let secret = |flag: &str| {
        flag.starts_with("--")
            && SECRET_FLAGS
                .iter()
                .any(|s| flag.to_ascii_lowercase().contains(s))
    };
    let mut out = Vec::with_capacity(args.len());
    let mut hide_next = false;
    for a in args {
        if hide_next {
            out.push("<redacted>".to_owned());
            hide_next = false;
            continue;
        }
        match a.split_once('=') {
            Some((flag, _)) if secret(flag) => out.push(format!("{flag}=<redacted>")),
            _ if secret(a) => {
                out.push(a.clone());
                hide_next = true;
            }
            _ => out.push(strip_userinfo(a)),
        }
    }
    out
}

/// `scheme://user:pass@host/...` → `scheme://<redacted>@host/...`.
fn strip_userinfo(arg: &str) -> String {
    let Some((scheme, rest)) = arg.split_once("://") else {
        return arg.to_owned();
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..end].rfind('@') {
        Some(at) => format!("{scheme}://<redacted>{}", &rest[at..]),
        None => arg.to_owned(),
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// The manifest's facts as `summary.txt`'s header lines.
fn header(run: &Run, report: &CheckReport, ended_at: &str) -> String {
    let about = report.about.as_ref();
    let subject = about.map(|a| &a.subject);
    let csr = match (
        subject.and_then(|s| s.md5.as_deref()),
        subject.and_then(|s| s.sha256.as_deref()),
    ) {
        (Some(m), Some(s)) if !m.is_empty() => format!("MD5 {m}, SHA-256 {s}"),
        _ => "(none)".to_owned(),
    };
    format!(
        "dcv evidence bundle
  dcv: {}
  command: {}
  CSR: {csr}
  CA profile: {}
  resolvers: {}
  perspective: {}
  started: {}
  ended: {ended_at}
  files: manifest.json lists each with its SHA-256

",
        crate::cli::VERSION,
        crate::text::printable(&run.command_line.join(" ")),
        run.ca_profile,
        if run.resolvers.is_empty() {
            "(none)".to_owned()
        } else {
            run.resolvers.join(", ")
        },
        about.map_or("", |a| a.perspective.as_str()),
        run.started_at,
    )
}

/// `manifest.json`: the run and the SHA-256 of every other file.
fn manifest(run: &Run, report: &CheckReport, ended_at: &str, files: &[(String, String)]) -> String {
    let about = report.about.as_ref();
    let subject = about.map(|a| &a.subject);
    let doc = serde_json::json!({
        "dcv_evidence_bundle": 1,
        "dcv_version": crate::cli::VERSION,
        "command_line": run.command_line,
        "command": about.map(|a| a.command.clone()),
        "csr": {
            "md5": subject.and_then(|s| s.md5.clone()).filter(|m| !m.is_empty()),
            "sha256": subject.and_then(|s| s.sha256.clone()).filter(|m| !m.is_empty()),
        },
        "ca_profile": run.ca_profile,
        "resolvers": run.resolvers,
        "perspective": about.map(|a| a.perspective.clone()),
        "started_at": run.started_at,
        "ended_at": ended_at,
        "files": files
            .iter()
            .map(|(path, sha)| serde_json::json!({"path": path, "sha256": sha}))
            .collect::<Vec<_>>(),
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
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

/// Writes the bundle into `dir` (made by [`prepare`]), replacing an
/// earlier bundle whole; returns the files.
pub fn write(
    dir: &Path,
    run: &Run,
    report: &CheckReport,
    dns: &DnsLog,
    http: &HttpLog,
) -> Result<Vec<PathBuf>> {
    clear(dir)?;
    let ended_at = crate::clock::rfc3339(crate::clock::now());
    let mut written = Vec::new();
    // (path relative to DIR, SHA-256) of every file but the manifest.
    let mut sums: Vec<(String, String)> = Vec::new();
    let mut put = |path: PathBuf, text: String| -> Result<()> {
        write_file(dir, &path, &text)?;
        let relative = path
            .strip_prefix(dir)
            .unwrap_or(&path)
            .to_string_lossy()
            .into_owned();
        sums.push((relative, sha256_hex(text.as_bytes())));
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
        // --mpic: what Open MPIC was asked about the name and answered.
        if let Some(text) = crate::mpic::evidence_text(report, &name) {
            put(sub.join("mpic.txt"), text)?;
        }
    }
    put(
        dir.join("summary.txt"),
        header(run, report, &ended_at) + &summaries,
    )?;
    let manifest_path = dir.join("manifest.json");
    write_file(
        dir,
        &manifest_path,
        &manifest(run, report, &ended_at, &sums),
    )?;
    written.push(manifest_path);
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
    fn only_a_dcv_bundle_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        assert!(earlier_bundle(d).unwrap().is_empty());
        // A bundle of a dcv from before manifests: report and summary.
        fs::write(
            d.join("report.json"),
            r#"{"schema_version":1,"ok":true,"results":[]}"#,
        )
        .unwrap();
        fs::write(d.join("summary.txt"), "name: x\n").unwrap();
        fs::create_dir_all(d.join("names/x.example.com")).unwrap();
        fs::write(d.join("names/x.example.com/dns.txt"), "").unwrap();
        assert_eq!(earlier_bundle(d).unwrap().len(), 3);
        clear(d).unwrap();
        assert_eq!(fs::read_dir(d).unwrap().count(), 0);
        // Someone else's JSON under our file name is not ours.
        fs::write(d.join("report.json"), "{}").unwrap();
        fs::write(d.join("summary.txt"), "").unwrap();
        assert!(earlier_bundle(d).is_err());
        // A manifest makes it ours; a stray file in a name folder does not.
        fs::write(d.join("manifest.json"), r#"{"dcv_evidence_bundle":1}"#).unwrap();
        assert!(earlier_bundle(d).is_ok());
        fs::create_dir_all(d.join("names/y")).unwrap();
        fs::write(d.join("names/y/photo.jpg"), "").unwrap();
        let err = earlier_bundle(d).unwrap_err().to_string();
        assert!(err.contains("photo.jpg"), "{err}");
        assert!(clear(d).is_err());
        assert!(d.join("names/y/photo.jpg").exists());
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
