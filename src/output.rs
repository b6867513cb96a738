//! Where output goes and how it looks: the one colour decision, the painter
//! that applies it, and the JSON-or-human switch every report goes through.

use std::io::{self, IsTerminal, Write};

use serde::Serialize;

use crate::cli::ColorWhen;
use crate::error::{Error, Result};

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

/// A command's result, printable as human text or as one JSON document.
pub trait Report: Serialize {
    fn human(&self, out: &mut dyn Write, paint: Painter) -> io::Result<()>;
}

/// The output settings of one run.
pub struct Output {
    pub json: bool,
    pub quiet: bool,
    pub paint: Painter,
    stdout: io::BufWriter<io::Stdout>,
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
        }
    }

    /// Prints a report: one JSON document on one line, or its human form.
    pub fn emit<R: Report>(&mut self, report: &R) -> Result<()> {
        let result = if self.json {
            serde_json::to_writer(&mut self.stdout, report)
                .map_err(io::Error::other)
                .and_then(|()| writeln!(self.stdout))
        } else {
            report.human(&mut self.stdout, self.paint)
        };
        result.map_err(Error::Output)
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
            eprintln!(
                "{}",
                Painter::new(stderr_color).warn(&format!("warning: {message}"))
            );
        }
    }

    pub fn flush(&mut self) -> Result<()> {
        self.stdout.flush().map_err(Error::Output)
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
    fn painter_is_identity_when_off() {
        assert_eq!(Painter::new(false).bad("x"), "x");
        assert_eq!(Painter::new(true).bad("x"), "\x1b[31mx\x1b[0m");
    }
}
