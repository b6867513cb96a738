//! dcv: Domain Control Validation for TLS certificate orders.
//!
//! The pure core (`csr`, `names`, `ca`, `caa`, `artifacts`, `text`) turns a
//! certificate signing request into the exact artifacts a CA checks. For the
//! live checks, `plan` turns arguments into a `CheckPlan`, `runner` runs it
//! over the one network seam (`net`: `dns` and `http`) into a `report`;
//! `commands` wires each command, `output` renders, `input` and `webroot` do
//! the file I/O. `main.rs` only parses, calls [`run`] and maps the exit code.

pub mod artifacts;
pub mod authorize;
pub mod ca;
pub mod caa;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod csr;
pub mod dns;
pub mod error;
pub mod evidence;
pub mod exit_codes;
pub mod http;
pub mod input;
pub mod mpic;
pub mod names;
pub mod net;
pub mod output;
pub mod persistent_txt;
pub mod perspective;
pub mod plan;
pub mod preflight;
pub mod profile;
pub mod reason;
pub mod report;
pub mod reserved;
pub mod resolver;
pub mod runner;
pub mod stamp;
pub mod text;
pub mod webroot;

use cli::{Cli, Command};
use error::Result;
use exit_codes::ExitCode;
use output::Output;

/// Runs one parsed command line.
pub fn run(mut cli: Cli) -> Result<ExitCode> {
    let mut out = Output::new(cli.json, cli.quiet, cli.color);
    out.verbose = cli.verbose;
    out.lab = cli.lab;
    for warning in cli.normalize().map_err(error::Error::Usage)? {
        out.warn(&warning);
    }
    let code = match &cli.command {
        Command::Hash(args) => commands::hash::run(args, &mut out),
        Command::Token => commands::token::run(&mut out),
        Command::File(args) => commands::file::run(args, &mut out),
        Command::Cname(args) => commands::cname::run(args, &mut out),
        Command::Emails(args) => commands::emails::run(args, &mut out),
        Command::Txt(args) => commands::txt::run(args, &mut out),
        Command::Profiles(args) => commands::profiles::run(args, &mut out),
        Command::CheckDns(args) => commands::check::run_dns(args, &mut out),
        Command::CheckHttp(args) => commands::check::run_http(args, &mut out),
        Command::Check(args) => commands::check::run_all(args, &mut out),
        Command::Completions { shell } => commands::shell::completions(*shell, &mut out),
        Command::Man => commands::shell::man(&mut out),
        Command::Persist(args) => commands::persist::run(args, &mut out),
        Command::Corroborate(args) => commands::corroborate::run(args, &mut out),
    };
    // Flush what was printed even when the command failed half-way.
    let flushed = out.flush();
    let code = code?;
    flushed?;
    Ok(code)
}
