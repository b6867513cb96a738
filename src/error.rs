//! Errors that stop a command with exit code 2, each rendered as one line
//! that names the file or flag at fault.

use std::path::PathBuf;

use thiserror::Error;

use crate::csr::CsrError;

#[derive(Debug, Error)]
pub enum Error {
    #[error("{file}: {source}")]
    Csr { file: String, source: CsrError },

    #[error("{file}: {source}")]
    Read {
        file: String,
        source: std::io::Error,
    },

    #[error("--write {}: {problem}", webroot.display())]
    Write { webroot: PathBuf, problem: String },

    #[error("{flag} {value}: {problem}")]
    Flag {
        flag: &'static str,
        value: String,
        problem: String,
    },

    #[error("{0}")]
    Usage(String),

    #[error("no resolver: /etc/resolv.conf lists none; give --resolver IP")]
    NoResolver,

    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),

    #[error("the OS random number generator failed: {0}")]
    Random(String),

    #[error("cannot write output: {0}")]
    Output(std::io::Error),

    /// `dcv corroborate`: a file that is not a usable check report.
    #[error("{file}: {problem}")]
    Report { file: String, problem: String },
    #[error("interrupted before the first round completed: nothing to report")]
    Interrupted,
}

/// An error message as a person reads it: "No such file or directory",
/// without Rust's " (os error 2)" tails (wherever an I/O error was quoted).
pub fn plain_message(text: &str) -> String {
    const TAIL: &str = " (os error ";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(TAIL) {
        let after = &rest[i + TAIL.len()..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && after[digits..].starts_with(')') {
            out.push_str(&rest[..i]);
            rest = &after[digits + 1..];
        } else {
            out.push_str(&rest[..i + TAIL.len()]);
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

impl Error {
    /// A stable name for the kind of error (`--json` error documents).
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Csr { .. } => "csr",
            Error::Read { .. } => "read",
            Error::Write { .. } => "write",
            Error::Flag { .. } => "flag",
            Error::Usage(_) => "usage",
            Error::NoResolver => "resolver",
            Error::Runtime(_) => "runtime",
            Error::Random(_) => "random",
            Error::Output(_) => "output",
            Error::Interrupted => "interrupted",
            Error::Report { .. } => "report",
        }
    }
}

pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    #[test]
    fn os_error_tails_are_dropped() {
        assert_eq!(
            super::plain_message("x.pem: No such file or directory (os error 2)"),
            "x.pem: No such file or directory"
        );
        assert_eq!(
            super::plain_message("a (os error 13): b (os error x)"),
            "a: b (os error x)"
        );
    }
}
