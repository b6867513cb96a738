//! The one integration test binary: runs `dcv` as a user would, against the
//! fixtures in tests/fixtures and servers from tests/support.

mod support;

#[path = "cli/causes.rs"]
mod causes;
#[path = "cli/check.rs"]
mod check;
#[path = "cli/check_dns.rs"]
mod check_dns;
#[path = "cli/check_http.rs"]
mod check_http;
#[path = "cli/ci_example.rs"]
mod ci_example;
#[path = "cli/corroborate.rs"]
mod corroborate;
#[path = "cli/daily.rs"]
mod daily;
#[path = "cli/hash.rs"]
mod hash;
#[path = "cli/hostile.rs"]
mod hostile;
#[path = "cli/input.rs"]
mod input;
#[path = "cli/mpic.rs"]
mod mpic;
#[path = "cli/persist.rs"]
mod persist;
#[path = "cli/props.rs"]
mod props;
#[path = "cli/reasons.rs"]
mod reasons;
#[path = "cli/render.rs"]
mod render;
#[path = "cli/resolution.rs"]
mod resolution;
#[path = "cli/rulebook.rs"]
mod rulebook;
#[path = "cli/rulebook_2027.rs"]
mod rulebook_2027;
#[path = "cli/schema.rs"]
mod schema;
