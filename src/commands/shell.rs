//! `dcv completions SHELL` and `dcv man`: generated from the command line
//! definition itself (clap_complete, clap_mangen), so they cannot drift.
//! Not reports: printed as they are, `--json` or not.

use clap::CommandFactory;

use crate::cli::Cli;
use crate::error::{Error, Result};
use crate::exit_codes::ExitCode;
use crate::output::Output;

pub fn completions(shell: clap_complete::Shell, out: &mut Output) -> Result<ExitCode> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "dcv", &mut script);
    out.raw(&script)?;
    Ok(ExitCode::Success)
}

pub fn man(out: &mut Output) -> Result<ExitCode> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut page)
        .map_err(Error::Output)?;
    out.raw(&page)?;
    Ok(ExitCode::Success)
}
