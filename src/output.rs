//! Where output goes and how it looks: the one colour decision, the painter
//! that applies it, and the JSON-or-human switch every report goes through.

use std::io::{self, IsTerminal, Write};

use std::time::Duration;

use serde::Serialize;

use crate::cli::ColorWhen;
use crate::error::{Error, Result};
use crate::report::{CheckReport, Status};
use crate::runner::Progress;

/// The colour decision, made once: `always` and `never` win; `auto` colours
/// only a terminal and only when `NO_COLOR` is unset or empty (no-color.org).
pub fn use_color(when: ColorWhen, stdout_is_terminal: bool, no_color: Option<&str>) -> bool {
    match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => stdout_is_terminal && no_color.is_none_or(str::is_empty),
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
}

/// How a report is drawn for a person: colours, and how much to say.
/// Reports carry data only; these settings come from the command line.
#[derive(Debug, Clone, Copy)]
pub struct Render {
    pub paint: Painter,
    /// `-q`: the short form (one line per CSR for `hash`).
    pub quiet: bool,
}

/// A command's result, printable as human text or as one JSON document.
pub trait Report: Serialize {
    fn human(&self, out: &mut dyn Write, cx: &Render) -> io::Result<()>;
}

/// The output settings of one run.
pub struct Output {
    pub json: bool,
    pub quiet: bool,
    pub paint: Painter,
    stdout: io::BufWriter<io::Stdout>,
    /// Stdout's reader went away: nothing more is written.
    closed: bool,
}

impl Output {
    pub fn new(json: bool, quiet: bool, color: ColorWhen) -> Output {
        let no_color = std::env::var("NO_COLOR").ok();
        let enabled = use_color(color, io::stdout().is_terminal(), no_color.as_deref());
        Output {
            json,
            quiet,
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
            json_document(report).and_then(|doc| writeln!(self.stdout, "{doc}"))
        } else {
            let cx = Render {
                paint: self.paint,
                quiet: self.quiet,
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

    /// The `--wait` progress display: a line on stderr when it is a
    /// terminal (and not `--quiet`), else nothing.
    pub fn progress(&self) -> TerminalProgress {
        TerminalProgress {
            enabled: !self.quiet && io::stderr().is_terminal(),
        }
    }

    pub fn flush(&mut self) -> Result<()> {
        match self.stdout.flush() {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
            other => other.map_err(Error::Output),
        }
    }
}

/// The version of the JSON contract every document carries.
pub const SCHEMA_VERSION: u32 = 1;

/// A report as one JSON object with `schema_version` first.
fn json_document<R: Serialize>(report: &R) -> io::Result<String> {
    let body = serde_json::to_string(report).map_err(io::Error::other)?;
    Ok(match body.strip_prefix('{') {
        Some("}") => format!("{{\"schema_version\":{SCHEMA_VERSION}}}"),
        Some(rest) => format!("{{\"schema_version\":{SCHEMA_VERSION},{rest}"),
        None => body,
    })
}

/// Prints an error that stops a command: one `dcv: error:` line on stderr,
/// and under `--json` also one JSON document on stdout (SPEC section 6), so
/// a pipeline reading stdout gets a document and a person still sees why.
pub fn print_error(e: &Error, json: bool) {
    if json {
        let doc = serde_json::json!({
            "schema_version": SCHEMA_VERSION,
            "error": {"kind": e.kind(), "message": e.to_string()},
        });
        let _ = writeln!(io::stdout().lock(), "{doc}");
    }
    let _ = writeln!(io::stderr().lock(), "dcv: error: {e}");
}

/// `--wait` progress as one self-rewriting line on a terminal's stderr.
pub struct TerminalProgress {
    enabled: bool,
}

impl Progress for TerminalProgress {
    fn waiting(&mut self, round: usize, report: &CheckReport, next_in: Duration, left: Duration) {
        if !self.enabled {
            return;
        }
        let failing = report
            .results
            .iter()
            .filter(|r| r.status == Status::Fail)
            .count();
        let mut err = io::stderr().lock();
        // Progress is a courtesy: a closed stderr must not stop the check.
        let _ = write!(
            err,
            "\r\x1b[Kround {round}: {failing} not passing yet; next try in {}s ({}s left)",
            next_in.as_secs(),
            left.as_secs()
        );
        let _ = err.flush();
    }

    fn done(&mut self) {
        if self.enabled {
            let mut err = io::stderr().lock();
            let _ = write!(err, "\r\x1b[K");
            let _ = err.flush();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_decision() {
        assert!(use_color(ColorWhen::Always, false, Some("1")));
        assert!(!use_color(ColorWhen::Never, true, None));
        assert!(use_color(ColorWhen::Auto, true, None));
        assert!(use_color(ColorWhen::Auto, true, Some("")));
        assert!(!use_color(ColorWhen::Auto, true, Some("1")));
        assert!(!use_color(ColorWhen::Auto, false, None));
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
    }

    #[test]
    fn painter_is_identity_when_off() {
        assert_eq!(Painter::new(false).bad("x"), "x");
        assert_eq!(Painter::new(true).bad("x"), "\x1b[31mx\x1b[0m");
    }
}
