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

    #[error("cannot write output: {0}")]
    Output(std::io::Error),
}

pub type Result<T> = std::result::Result<T, Error>;
