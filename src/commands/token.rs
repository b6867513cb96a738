//! `dcv token`: a fresh uniqueValue from the operating system's CSPRNG.

use std::io::{self, Write};

use serde::Serialize;

use crate::ca::token_from_random;
use crate::error::{Error, Result};
use crate::exit_codes::ExitCode;
use crate::output::{Output, Render, Report};

#[derive(Serialize)]
pub struct TokenReport {
    ok: bool,
    token: String,
}

impl Report for TokenReport {
    fn human(&self, out: &mut dyn Write, _cx: &Render) -> io::Result<()> {
        // Bare, so that `TOKEN=$(dcv token)` works.
        writeln!(out, "{}", self.token)
    }
}

pub fn run(out: &mut Output) -> Result<ExitCode> {
    let mut failure = None;
    let token = token_from_random(|buf| {
        if let Err(e) = getrandom::fill(buf) {
            failure = Some(e);
        }
    });
    if let Some(e) = failure {
        return Err(Error::Random(e.to_string()));
    }
    out.emit(&TokenReport {
        ok: true,
        token: token.to_string(),
    })?;
    Ok(ExitCode::Success)
}
