//! `dcv check-http`: under construction (issue in progress on a branch).

use crate::cli::CheckHttpArgs;
use crate::error::{Error, Result};
use crate::exit_codes::ExitCode;
use crate::output::Output;

pub fn run(_args: &CheckHttpArgs, _out: &mut Output) -> Result<ExitCode> {
    Err(Error::Usage("check-http is not built yet".into()))
}
