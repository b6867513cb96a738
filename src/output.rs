//! Where output goes and how it looks: the one colour decision, the painter
//! that applies it, and the JSON-or-human switch every report goes through.

use std::io::{self, IsTerminal, Write};

use std::time::Duration;

use serde::Serialize;

use crate::cli::ColorWhen;
use crate::error::{Error, Result};
use crate::report::{CheckReport, CheckResult, ResultStream, Status};

/// The colour decision, made once: `always` and `never` win; `auto` colours
/// only a terminal, only when `NO_COLOR` is unset or empty (no-color.org),
/// and never when `TERM` is `dumb`.
pub fn use_color(
    when: ColorWhen,
    stdout_is_terminal: bool,
    no_color: Option<&str>,
    term: Option<&str>,
) -> bool {
    match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => {
            stdout_is_terminal && no_color.is_none_or(str::is_empty) && term != Some("dumb")
        }
    }
}

/// Applies ANSI styles when colour is on, and is the identity otherwise.
#[derive(Debug, Clone, Copy)]
pub struct Painter {
    enabled: bool,
}

impl Painter {
    pub fn new(enabled: bool) -> Painter {
        Painter { enabled }
    }

    fn paint(self, code: &str, text: &str) -> String {
        if self.enabled {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    pub fn good(self, text: &str) -> String {
        self.paint("32", text)
    }

    pub fn bad(self, text: &str) -> String {
        self.paint("31", text)
    }

    pub fn warn(self, text: &str) -> String {
        self.paint("33", text)
    }

    pub fn bold(self, text: &str) -> String {
        self.paint("1", text)
    }

    pub fn dim(self, text: &str) -> String {
        self.paint("2", text)
    }

    /// A closing summary line: green when all is well, red otherwise.
    pub fn verdict(self, ok: bool, text: &str) -> String {
        if ok { self.good(text) } else { self.bad(text) }
    }
}

/// How a report is drawn for a person: colours, and how much to say.
/// Reports carry data only; these settings come from the command line.
#[derive(Debug, Clone, Copy)]
pub struct Render {
    pub paint: Painter,
    /// `-q`: the short form (one line per CSR for `hash`).
    pub quiet: bool,
    /// `-v`: every detail, even in large reports.
    pub verbose: bool,
}

/// A command's result, printable as human text or as one JSON document.
pub trait Report: Serialize {
    fn human(&self, out: &mut dyn Write, cx: &Render) -> io::Result<()>;
}

/// The output settings of one run.
pub struct Output {
    pub json: bool,
    pub quiet: bool,
    /// `-v`: every detail of every name.
    pub verbose: bool,
    /// `--lab` (or `DCV_LAB=1`): internal names are a lab's; the commands
    /// say so in a note instead of refusing them.
    pub lab: bool,
    pub paint: Painter,
    stdout: io::BufWriter<io::Stdout>,
    /// Stdout's reader went away: nothing more is written.
    closed: bool,
}

impl Output {
    pub fn new(json: bool, quiet: bool, color: ColorWhen) -> Output {
        let no_color = std::env::var("NO_COLOR").ok();
        let term = std::env::var("TERM").ok();
        let enabled = use_color(
            color,
            io::stdout().is_terminal(),
            no_color.as_deref(),
            term.as_deref(),
        );
        Output {
            json,
            quiet,
            verbose: false,
            lab: false,
            paint: Painter::new(enabled && !json),
            stdout: io::BufWriter::new(io::stdout()),
            closed: false,
        }
    }

    /// Prints a report: one JSON document on one line, or its human form.
    /// A reader that went away (`| head`) is not an error: the command's
    /// own exit code stands.
    pub fn emit<R: Report>(&mut self, report: &R) -> Result<()> {
        if self.closed {
            return Ok(());
        }
        let result = if self.json {
            // Written as it is serialized: a 10,000-name report is ~8 MB of
            // JSON, not to be held twice more in memory.
            write_json_document(&mut self.stdout, report).and_then(|()| writeln!(self.stdout))
        } else {
            let cx = Render {
                paint: self.paint,
                quiet: self.quiet,
                verbose: self.verbose,
            };
            report.human(&mut self.stdout, &cx)
        };
        match result {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(())
            }
            other => other.map_err(Error::Output),
        }
    }

    /// Separates consecutive human reports (several CSRs in one `hash`).
    pub fn separator(&mut self) -> Result<()> {
        if self.json || self.quiet {
            return Ok(());
        }
        writeln!(self.stdout).map_err(Error::Output)
    }

    /// A warning or note on stderr, unless `--quiet`.
    pub fn warn(&self, message: &str) {
        if !self.quiet {
            let stderr_color = self.paint.enabled && io::stderr().is_terminal();
            // A closed stderr must not turn a warning into a panic.
            let _ = writeln!(
                io::stderr().lock(),
                "{}",
                Painter::new(stderr_color).warn(&format!("warning: {message}"))
            );
        }
    }

    /// A note on stderr (not a warning: nothing is wrong), unless `--quiet`.
    pub fn note(&self, message: &str) {
        if !self.quiet {
            let _ = writeln!(io::stderr().lock(), "note: {message}");
        }
    }

    /// Text that is not a report (completions, a man page): written as is,
    /// with a closed stdout as quiet as for reports.
    pub fn raw(&mut self, bytes: &[u8]) -> Result<()> {
        if self.closed {
            return Ok(());
        }
        match self.stdout.write_all(bytes) {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(())
            }
            other => other.map_err(Error::Output),
        }
    }

    /// The `--wait` progress display on stderr: one self-rewriting line on
    /// a terminal, one plain line per round otherwise, nothing with `-q`.
    pub fn progress(&self) -> WaitProgress {
        let style = if self.quiet {
            ProgressStyle::Off
        } else if io::stderr().is_terminal() {
            ProgressStyle::Terminal
        } else {
            ProgressStyle::Lines
        };
        WaitProgress { style }
    }

    pub fn flush(&mut self) -> Result<()> {
        match self.stdout.flush() {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
            other => other.map_err(Error::Output),
        }
    }
}

/// A `--json` check report written as names complete: the document opens
/// with the first results, each result goes out as it is serialized, and
/// the rest of the report (`ok`, `rejected`, the stamp, …) closes it, so a
/// run over 10,000 names does not hold its results. The document is the
/// one [`Output::emit`] writes, with `results` before `ok`.
pub struct JsonStream<'a> {
    out: &'a mut Output,
    opened: bool,
    failed: Option<io::Error>,
}

impl<'a> JsonStream<'a> {
    pub fn new(out: &'a mut Output) -> JsonStream<'a> {
        JsonStream {
            out,
            opened: false,
            failed: None,
        }
    }

    fn write_results(&mut self, results: &[CheckResult]) -> io::Result<()> {
        let stdout = &mut self.out.stdout;
        for r in results {
            if self.opened {
                stdout.write_all(b",")?;
            } else {
                write!(
                    stdout,
                    "{{\"schema_version\":{SCHEMA_VERSION},\"results\":["
                )?;
                self.opened = true;
            }
            serde_json::to_writer(&mut *stdout, r).map_err(io::Error::other)?;
        }
        Ok(())
    }

    /// Closes the document with the rest of the report (or, when nothing
    /// was streamed, emits the report whole).
    pub fn finish(mut self, report: &mut CheckReport) -> Result<()> {
        if let Some(e) = self.failed.take() {
            return Err(Error::Output(e));
        }
        if !self.opened {
            return self.out.emit(report);
        }
        if self.out.closed {
            return Ok(());
        }
        let held = std::mem::take(&mut report.results);
        let closing = self.write_results(&held).and_then(|()| {
            let rest = serde_json::to_string(&*report).map_err(io::Error::other)?;
            // `results` (written above) is left out of the rest; `rejected`
            // always follows it, hence the comma.
            let rest = rest.replacen("\"results\":[],", "", 1);
            let fields = rest.strip_prefix('{').unwrap_or(&rest);
            writeln!(self.out.stdout, "],{fields}")
        });
        report.results = held;
        match closing {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                self.out.closed = true;
                Ok(())
            }
            other => other.map_err(Error::Output),
        }
    }
}

impl ResultStream for JsonStream<'_> {
    fn results(&mut self, results: &[CheckResult]) {
        if self.out.closed || self.failed.is_some() {
            return;
        }
        match self.write_results(results) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => self.out.closed = true,
            Err(e) => self.failed = Some(e),
        }
    }
}

/// The version of the JSON contract every document carries.
pub const SCHEMA_VERSION: u32 = 1;

/// A report as one JSON object with `schema_version` first.
pub(crate) fn json_document<R: Serialize>(report: &R) -> io::Result<String> {
    let mut doc = Vec::new();
    write_json_document(&mut doc, report)?;
    String::from_utf8(doc).map_err(io::Error::other)
}

/// Writes a report as one JSON object with `schema_version` first, as
/// serde writes it (nothing is held whole).
pub(crate) fn write_json_document<R: Serialize>(out: &mut dyn Write, report: &R) -> io::Result<()> {
    let mut w = SchemaVersionFirst { out, seen: 0 };
    serde_json::to_writer(&mut w, report).map_err(io::Error::other)
}

/// Puts `"schema_version":N` after the opening brace of the object that
/// passes through it (a document that is not an object passes unchanged).
struct SchemaVersionFirst<'a> {
    out: &'a mut dyn Write,
    /// Bytes of the document seen so far, up to the two that matter.
    seen: usize,
}

impl Write for SchemaVersionFirst<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut rest = buf;
        while self.seen < 2 {
            let Some((&b, tail)) = rest.split_first() else {
                return Ok(buf.len());
            };
            match (self.seen, b) {
                (0, b'{') => write!(self.out, "{{\"schema_version\":{SCHEMA_VERSION}")?,
                (0, _) => {
                    // Not an object: nothing to insert.
                    self.seen = 2;
                    break;
                }
                (_, b'}') => self.out.write_all(b"}")?,
                (_, b) => self.out.write_all(&[b',', b])?,
            }
            self.seen += 1;
            rest = tail;
        }
        self.out.write_all(rest)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// Prints an error that stops a command: one `dcv: error:` line on stderr,
/// and under `--json` also one JSON document on stdout (SPEC section 6), so
/// a pipeline reading stdout gets a document and a person still sees why.
pub fn print_error(e: &Error, json: bool) {
    #[derive(Serialize)]
    struct Body<'a> {
        kind: &'a str,
        message: &'a str,
    }
    #[derive(Serialize)]
    struct ErrorDocument<'a> {
        error: Body<'a>,
    }
    let message = crate::error::plain_message(&e.to_string());
    if json {
        let doc = ErrorDocument {
            error: Body {
                kind: e.kind(),
                message: &message,
            },
        };
        if let Ok(doc) = json_document(&doc) {
            let _ = writeln!(io::stdout().lock(), "{doc}");
        }
    }
    let _ = writeln!(io::stderr().lock(), "dcv: error: {message}");
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressStyle {
    /// `-q`: nothing.
    Off,
    /// stderr is a terminal: one line, rewritten in place and cut to the
    /// terminal's width (a wrapped line could not be rewritten).
    Terminal,
    /// stderr is a file or a pipe (CI): one plain line per round.
    Lines,
}

/// `--wait` progress on stderr, in the style the terminal allows.
pub struct WaitProgress {
    style: ProgressStyle,
}

/// What a round left to do, in words: the names not ready yet, each with a
/// few words of why: `2 not ready: a.example (cname: record missing),
/// b.example (http: http not found); next try in 8s (52s left)`. With
/// `dcv check`'s verdicts a name is ready when one method validates it,
/// whatever its other methods say.
pub fn progress_line(
    round: usize,
    report: &CheckReport,
    next_in: Duration,
    left: Duration,
) -> String {
    const SHOWN: usize = 3;
    let mut waiting: Vec<&str> = Vec::new();
    if report.names.is_empty() {
        for r in &report.results {
            if matches!(r.status, Status::Fail | Status::Invalid)
                && !waiting.contains(&r.domain.as_str())
            {
                waiting.push(&r.domain);
            }
        }
    } else {
        for n in &report.names {
            if !n.ok && !waiting.contains(&n.domain.as_str()) {
                waiting.push(&n.domain);
            }
        }
    }
    let mut names = waiting
        .iter()
        .take(SHOWN)
        .map(|d| {
            format!(
                "{}{}",
                crate::text::printable(d),
                not_ready_because(report, d)
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    if waiting.len() > SHOWN {
        names.push_str(&format!(" and {} more", waiting.len() - SHOWN));
    }
    format!(
        "round {round}: {} not ready: {names}; next try in {} ({} left)",
        waiting.len(),
        crate::text::duration(next_in),
        crate::text::duration(left)
    )
}

/// ` (cname: record missing, http: http not found)`: a name's failed
/// checks by their reason codes in words (two at most).
fn not_ready_because(report: &CheckReport, domain: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    for r in report
        .results
        .iter()
        .filter(|r| r.domain == domain && matches!(r.status, Status::Fail | Status::Invalid))
    {
        let why = match r.code {
            Some(c) => c.as_str().replace('_', " "),
            None => crate::text::printable_max(&r.detail, 40),
        };
        let w = format!("{}: {why}", r.check.label());
        if !words.contains(&w) {
            words.push(w);
        }
    }
    words.truncate(2);
    if words.is_empty() {
        String::new()
    } else {
        format!(" ({})", words.join(", "))
    }
}

/// The width of the terminal on stderr, when it has one.
fn stderr_width() -> Option<usize> {
    // SAFETY: TIOCGWINSZ fills a winsize; a failure leaves it zeroed.
    let mut size: libc::winsize = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::ioctl(libc::STDERR_FILENO, libc::TIOCGWINSZ, &mut size) };
    (rc == 0 && size.ws_col > 0).then_some(usize::from(size.ws_col))
}

/// Cuts a line to `width` characters, marking the cut.
fn fit(line: &str, width: usize) -> String {
    if line.chars().count() < width {
        return line.to_owned();
    }
    let mut cut: String = line.chars().take(width.saturating_sub(2)).collect();
    cut.push('…');
    cut
}

impl Progress for WaitProgress {
    fn waiting(&mut self, round: usize, report: &CheckReport, next_in: Duration, left: Duration) {
        let line = progress_line(round, report, next_in, left);
        let mut err = io::stderr().lock();
        // Progress is a courtesy: a closed stderr must not stop the check.
        let _ = match self.style {
            ProgressStyle::Off => return,
            ProgressStyle::Terminal => {
                let width = stderr_width().unwrap_or(80);
                write!(err, "\r\x1b[K{}", fit(&line, width))
            }
            ProgressStyle::Lines => writeln!(err, "dcv: {line}"),
        };
        let _ = err.flush();
    }

    fn done(&mut self) {
        if self.style == ProgressStyle::Terminal {
            let mut err = io::stderr().lock();
            let _ = write!(err, "\r\x1b[K");
            let _ = err.flush();
        }
    }
}

/// Where `--wait` reports how it is going (a terminal line, or nothing).
pub trait Progress {
    /// A round failed and the next one starts after `next_in`.
    fn waiting(&mut self, round: usize, report: &CheckReport, next_in: Duration, left: Duration);
    /// Polling is over (the last report is about to be printed).
    fn done(&mut self);
}

/// No progress display.
pub struct Silent;

impl Progress for Silent {
    fn waiting(&mut self, _: usize, _: &CheckReport, _: Duration, _: Duration) {}
    fn done(&mut self) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_decision() {
        assert!(use_color(ColorWhen::Always, false, Some("1"), Some("dumb")));
        assert!(!use_color(ColorWhen::Never, true, None, None));
        assert!(use_color(
            ColorWhen::Auto,
            true,
            None,
            Some("xterm-256color")
        ));
        assert!(use_color(ColorWhen::Auto, true, Some(""), None));
        assert!(!use_color(ColorWhen::Auto, true, Some("1"), None));
        assert!(!use_color(ColorWhen::Auto, false, None, None));
        assert!(!use_color(ColorWhen::Auto, true, None, Some("dumb")));
    }

    #[test]
    fn json_documents_carry_the_schema_version_first() {
        #[derive(Serialize)]
        struct Doc {
            ok: bool,
        }
        #[derive(Serialize)]
        struct Empty {}
        assert_eq!(
            json_document(&Doc { ok: true }).unwrap(),
            r#"{"schema_version":1,"ok":true}"#
        );
        assert_eq!(json_document(&Empty {}).unwrap(), r#"{"schema_version":1}"#);
        // Not an object: unchanged.
        assert_eq!(json_document(&[1, 2]).unwrap(), "[1,2]");
    }

    #[test]
    fn progress_names_only_the_names_not_ready_and_why() {
        use crate::reason::Code;
        use crate::report::{CheckKind, CheckResult, NameVerdict};
        let fail =
            |d: &str, k: CheckKind, c: Code| CheckResult::new(d, k, Status::Fail, "x").with_code(c);
        let pass = |d: &str, k: CheckKind| CheckResult::new(d, k, Status::Pass, "");
        // shop and www validate by the CNAME (their HTTP fails); api by nothing.
        let results = vec![
            pass("shop.example", CheckKind::Cname),
            fail("shop.example", CheckKind::Http, Code::HttpNotFound),
            pass("www.example", CheckKind::Cname),
            fail("www.example", CheckKind::Http, Code::HttpNotFound),
            fail("api.example", CheckKind::Cname, Code::RecordMissing),
            fail("api.example", CheckKind::Http, Code::HttpNotFound),
        ];
        let verdict = |d: &str, ok| NameVerdict {
            domain: d.into(),
            ok,
            validated_by: Vec::new(),
            detail: String::new(),
        };
        let report = CheckReport::with_verdicts(
            results,
            vec![
                verdict("shop.example", true),
                verdict("www.example", true),
                verdict("api.example", false),
            ],
        );
        let line = progress_line(1, &report, Duration::from_secs(2), Duration::from_secs(60));
        assert!(
            line.starts_with(
                "round 1: 1 not ready: api.example (cname: record missing, http: http not found); next try in "
            ),
            "{line}"
        );
    }

    #[test]
    fn long_progress_lines_are_cut_to_the_terminal() {
        assert_eq!(fit("abcdef", 10), "abcdef");
        assert_eq!(fit("abcdefghijkl", 6), "abcd…");
        assert_eq!(fit("abcdefghijkl", 6).chars().count(), 5);
    }

    #[test]
    fn painter_is_identity_when_off() {
        assert_eq!(Painter::new(false).bad("x"), "x");
        assert_eq!(Painter::new(true).bad("x"), "\x1b[31mx\x1b[0m");
    }
}
