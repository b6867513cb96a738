//! `dcv check-dns`: under construction (issue in progress on a branch).

use crate::cli::CheckDnsArgs;
use crate::error::{Error, Result};
use crate::exit_codes::ExitCode;
use crate::output::Output;

pub fn run(_args: &CheckDnsArgs, _out: &mut Output) -> Result<ExitCode> {
    Err(Error::Usage("check-dns is not built yet".into()))
}
