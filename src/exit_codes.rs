//! The process exit codes, named in one place (SPEC section 4).

/// What the process tells its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// Everything checked passed.
    Success,
    /// A check failed, or a name was invalid.
    CheckFailed,
    /// Bad usage, or unreadable or invalid input.
    BadInput,
    /// The check could not be carried out: none of the resolvers dcv was
    /// given (or the system's) could be used at all (SPEC section 7).
    ResolversUnusable,
    /// Ctrl-C stopped `--wait` (128 + SIGINT, as shells report it).
    Interrupted,
}

impl ExitCode {
    pub fn code(self) -> u8 {
        match self {
            ExitCode::Success => 0,
            ExitCode::CheckFailed => 1,
            ExitCode::BadInput => 2,
            ExitCode::ResolversUnusable => 3,
            ExitCode::Interrupted => 130,
        }
    }

    /// The worse of two outcomes: bad input beats a failed check beats success.
    pub fn worst(self, other: ExitCode) -> ExitCode {
        if other.code() > self.code() {
            other
        } else {
            self
        }
    }
}

impl From<ExitCode> for std::process::ExitCode {
    fn from(code: ExitCode) -> Self {
        std::process::ExitCode::from(code.code())
    }
}
