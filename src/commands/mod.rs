//! One module per command: each turns parsed arguments into a report and an
//! exit code. Arguments become work in [`crate::plan`]; the check commands
//! share one module, since they are one plan run three ways.

pub mod check;
pub mod cname;
pub mod corroborate;
pub mod emails;
pub mod file;
pub mod hash;
pub mod persist;
pub mod profiles;
pub mod shell;
pub mod token;
pub mod txt;

use crate::error::{Error, Result};

/// The async runtime the check commands run on.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(Error::Runtime)
}

// The render commands resolve their subject the way the checks do.
pub use crate::plan::{Subject, expectation, load_csr, subject, token};
