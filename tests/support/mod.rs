//! Shared test helpers: the `dcv` binary under test and the fixtures with
//! the hashes openssl recorded for them (tests/fixtures/hashes.tsv).

#![allow(dead_code)]

pub mod dns_server;
pub mod http_server;

use std::collections::HashMap;
use std::path::PathBuf;

use assert_cmd::Command;

/// The `dcv` binary, with colour off, no token from the environment, and
/// `DCV_LAB=1`: the tests' names (`.test`, `.example`) are lab names, which
/// dcv otherwise refuses as a public CA does ([`dcv_public`] checks that).
pub fn dcv() -> Command {
    let mut cmd = dcv_public();
    cmd.env("DCV_LAB", "1");
    cmd
}

/// The `dcv` binary without `DCV_LAB`: internal names are refused.
pub fn dcv_public() -> Command {
    let mut cmd = Command::cargo_bin("dcv").expect("dcv binary");
    cmd.env_remove("DCV_TOKEN")
        .env_remove("DCV_LAB")
        .env_remove("DCV_MPIC_URL")
        .env_remove("DCV_MPIC_API_KEY")
        .env("NO_COLOR", "1");
    cmd
}

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub fn example(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name)
}

/// MD5 and SHA-256 of a fixture's DER, as openssl computed them.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub md5: String,
    pub sha256: String,
}

fn read_tsv(path: PathBuf) -> Vec<Vec<String>> {
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split('\t').map(str::to_owned).collect())
        .collect()
}

/// Every row of tests/fixtures/hashes.tsv.
pub fn recorded_hashes() -> HashMap<String, Recorded> {
    read_tsv(fixture("hashes.tsv"))
        .into_iter()
        .map(|row| {
            (
                row[0].clone(),
                Recorded {
                    md5: row[1].clone(),
                    sha256: row[2].clone(),
                },
            )
        })
        .collect()
}

/// openssl's record for a fixture, from hashes.tsv or extra.tsv.
pub fn recorded(name: &str) -> Recorded {
    let mut all = recorded_hashes();
    for row in read_tsv(fixture("extra.tsv")) {
        all.insert(
            row[0].clone(),
            Recorded {
                md5: row[1].clone(),
                sha256: row[2].clone(),
            },
        );
    }
    all.remove(name)
        .unwrap_or_else(|| panic!("{name} not in hashes.tsv or extra.tsv"))
}

/// Rows of tests/fixtures/keys.tsv: file, algorithm, bits, common name.
pub fn recorded_keys() -> Vec<Vec<String>> {
    read_tsv(fixture("keys.tsv"))
}

/// Parses stdout as one JSON document.
pub fn json(output: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

/// The string field `key` of every object in a JSON array.
pub fn pluck(array: &serde_json::Value, key: &str) -> Vec<String> {
    array
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {array}"))
        .iter()
        .map(|item| {
            item[key]
                .as_str()
                .unwrap_or_else(|| panic!("no string {key:?} in {item}"))
                .to_owned()
        })
        .collect()
}
