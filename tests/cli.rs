//! The one integration test binary: runs `dcv` as a user would, against the
//! fixtures in tests/fixtures and servers from tests/support.

mod support;

#[path = "cli/hash.rs"]
mod hash;
#[path = "cli/input.rs"]
mod input;
#[path = "cli/render.rs"]
mod render;
#[path = "cli/props.rs"]
mod props;
#[path = "cli/check_dns.rs"]
mod check_dns;
