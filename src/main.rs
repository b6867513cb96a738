//! The `dcv` binary: parse the command line, run it, map the result to an
//! exit code. Everything else lives in the library.

use std::io::ErrorKind;

use clap::Parser;
use clap::error::ErrorKind as ClapErrorKind;
use dcv::cli::Cli;
use dcv::error::Error;
use dcv::exit_codes::ExitCode;

fn main() -> std::process::ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            if matches!(
                e.kind(),
                ClapErrorKind::ValueValidation | ClapErrorKind::InvalidValue
            ) {
                // A bad value deserves one line, not clap's usage block.
                let text = e.render().to_string();
                eprintln!(
                    "dcv: {}",
                    text.lines()
                        .next()
                        .unwrap_or_default()
                        .trim_start_matches("error: ")
                );
                return ExitCode::BadInput.into();
            }
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::BadInput
            } else {
                ExitCode::Success
            }
            .into();
        }
    };
    match dcv::run(cli) {
        Ok(code) => code.into(),
        // A closed pipe (`dcv hash … | head`) is the reader's choice, not an error.
        Err(Error::Output(e)) if e.kind() == ErrorKind::BrokenPipe => ExitCode::Success.into(),
        Err(e) => {
            eprintln!("dcv: error: {e}");
            ExitCode::BadInput.into()
        }
    }
}
