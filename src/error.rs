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
            Error::Report { .. } => "report",
        }
    }
}

pub type Result<T> = std::result::Result<T, Error>;
