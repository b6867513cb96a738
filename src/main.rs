//! The `dcv` binary: parse the command line, run it, map the result to an
//! exit code. Everything else lives in the library.

use clap::Parser;
use clap::error::ErrorKind as ClapErrorKind;
use dcv::cli::Cli;
use dcv::error::Error;
use dcv::exit_codes::ExitCode;
use dcv::output::print_error;

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
                let mut line = text
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .trim_start_matches("error: ")
                    .to_owned();
                // An enum flag's values belong in the one line.
                if let Some(values) = text
                    .lines()
                    .map(str::trim)
                    .find(|l| l.starts_with("[possible values:"))
                {
                    line = format!("{line} {values}");
                }
                let json = std::env::args().any(|a| a == "--json");
                print_error(&Error::Usage(line), json);
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
    let json = cli.json;
    match dcv::run(cli) {
        Ok(code) => code.into(),
        Err(e) => {
            print_error(&e, json);
            ExitCode::BadInput.into()
        }
    }
}
