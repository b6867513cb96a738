//! SPEC section 2: every bad input fails with exit 2 and one line naming the
//! file and the problem; bad names are rejected and never used.

use std::io::Write;

use crate::support::{dcv, fixture, json, pluck, recorded};

/// Runs `dcv hash FILE` and returns (exit code, stdout, stderr).
fn hash(file: &std::path::Path, extra: &[&str]) -> (Option<i32>, String, String) {
    let out = dcv().arg("hash").args(extra).arg(file).output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn assert_one_line_error(file: &str, needle: &str) {
    let path = fixture(file);
    let (code, stdout, stderr) = hash(&path, &[]);
    assert_eq!(code, Some(2), "{file}: {stderr}");
    assert!(stdout.is_empty(), "{file}: nothing on stdout, got {stdout}");
    assert_eq!(
        stderr.lines().count(),
        1,
        "{file}: one line, got {stderr:?}"
    );
    assert!(
        stderr.contains(&path.display().to_string()),
        "{file}: names the file: {stderr}"
    );
    assert!(
        stderr.contains(needle),
        "{file}: expected {needle:?} in {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{file}: {stderr}");
}

#[test]
fn bad_inputs_fail_with_one_line_and_exit_2() {
    for (file, needle) in [
        ("empty.pem", "empty input"),
        ("certificate.pem", "this is a certificate"),
        ("certificate.der", "this is a certificate"),
        ("private_key.pem", "this is a private key"),
        ("rsa_private_key.pem", "this is a private key"),
        ("broken_base64.pem", "not valid base64"),
        ("not_pkcs10.pem", "not a PKCS#10"),
        ("truncated.pem", "truncated"),
        ("truncated.der", "truncated"),
        ("two_csrs.pem", "more than one certificate request"),
        ("bad_signature.pem", "does not verify"),
        ("garbage.txt", "neither PEM"),
    ] {
        assert_one_line_error(file, needle);
    }
}

#[test]
fn missing_file_and_directory_are_errors() {
    let (code, _, stderr) = hash(&fixture("does-not-exist.pem"), &[]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("does-not-exist.pem"), "{stderr}");
    let (code, _, stderr) = hash(&fixture(""), &[]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("directory"), "{stderr}");
}

#[test]
fn oversized_input_is_refused_without_reading_it_all() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.pem");
    let mut f = std::fs::File::create(&path).unwrap();
    let csr = std::fs::read(fixture("rsa2048_multi.pem")).unwrap();
    f.write_all(&csr).unwrap();
    f.write_all(&vec![b'#'; 2 * 1024 * 1024]).unwrap();
    drop(f);
    let (code, _, stderr) = hash(&path, &[]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("larger than 1 MiB"), "{stderr}");

    // Standard input too: 8 MiB piped in, refused after the first MiB.
    let out = dcv()
        .args(["hash", "-"])
        .write_stdin(vec![b'A'; 8 * 1024 * 1024])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("standard input: larger than 1 MiB"));
}

#[test]
fn bad_signature_is_a_warning_with_no_verify_signature() {
    let row = std::fs::read_to_string(fixture("bad_signature.tsv")).unwrap();
    let cols: Vec<&str> = row.lines().nth(1).unwrap().split('\t').collect();
    let (code, stdout, stderr) = hash(
        &fixture("bad_signature.pem"),
        &["--json", "--no-verify-signature"],
    );
    assert_eq!(code, Some(0), "{stderr}");
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(doc["signature_valid"], false);
    assert_eq!(doc["md5"], cols[1]);
    assert_eq!(doc["sha256"], cols[2]);
    assert!(stderr.contains("does not verify"), "{stderr}");
}

#[test]
fn invalid_names_are_rejected_with_reasons() {
    let out = dcv()
        .args(["hash", "--json"])
        .arg(fixture("bad_names.pem"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "a rejected name fails the command"
    );
    let doc = json(&out);
    assert_eq!(doc["domains"], serde_json::json!(["good.example.com"]));
    let rejected = doc["rejected"].as_array().unwrap();
    let reason_of = |name: &str| -> String {
        rejected
            .iter()
            .find(|r| r["name"] == name)
            .unwrap_or_else(|| panic!("{name} not rejected: {rejected:?}"))["reason"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert!(reason_of("a b.example.com").contains("space"));
    assert!(reason_of("evil/../x.example.com").contains('/'));
    assert!(reason_of("example.com:8443").contains(':'));
    assert!(reason_of("192.0.2.1").contains("IP address"));
    assert!(reason_of(&format!("{}.example.com", "a".repeat(64))).contains("63"));
    assert!(reason_of("co.uk").contains("public suffix"));
    assert!(reason_of("com").contains("public suffix"));
    assert!(reason_of("foo.*.example.com").contains('*'));
    assert!(reason_of("-lead.example.com").contains("hyphen"));
    assert!(reason_of("trail-.example.com").contains("hyphen"));
    assert!(reason_of("a..b.example.com").contains("empty label"));
    assert!(reason_of("user@example.com").contains('@'));
    assert!(reason_of("bücher.example.com").contains("non-ASCII"));
    assert_eq!(rejected.len(), 13);
}

#[test]
fn rejected_names_never_reach_urls_records_or_paths() {
    let dir = tempfile::tempdir().unwrap();
    let out = dcv()
        .args(["file", "--json", "--write"])
        .arg(dir.path())
        .arg(fixture("bad_names.pem"))
        .output()
        .unwrap();
    let doc = json(&out);
    let urls = pluck(&doc["files"], "url");
    assert_eq!(urls.len(), 1);
    assert!(urls[0].starts_with("http://good.example.com/"));
    // Only the one validation file was written, nowhere else.
    let written: Vec<_> = walk(dir.path());
    assert_eq!(written.len(), 1, "{written:?}");
    assert_eq!(written[0].extension().unwrap(), "txt");
    assert!(
        written[0]
            .parent()
            .unwrap()
            .ends_with(".well-known/pki-validation")
    );

    let out = dcv()
        .args(["cname", "--json", "--at", "fqdn"])
        .arg(fixture("bad_names.pem"))
        .output()
        .unwrap();
    let doc = json(&out);
    let names = pluck(&doc["records"], "name");
    assert_eq!(names.len(), 1);
    assert!(names[0].ends_with(".good.example.com."));
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[test]
fn invalid_token_is_bad_usage() {
    for token in ["has-dash", "ÄÖÜ", "abcdefghijklmnopqrstu"] {
        let out = dcv()
            .args(["file"])
            .arg(fixture("ec384.pem"))
            .env("DCV_TOKEN", token)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{token}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("--token"), "{err}");
    }
    let out = dcv()
        .args(["cname", "--token", "x y"])
        .arg(fixture("ec384.pem"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn rsa_pss_signatures_verify() {
    let want = recorded("extra_rsa_pss.pem");
    let out = dcv()
        .args(["hash", "--json"])
        .arg(fixture("extra_rsa_pss.pem"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = json(&out);
    assert_eq!(doc["md5"], want.md5);
    assert_eq!(doc["signature_valid"], true);
    assert_eq!(doc["signature_algorithm"], "rsassa-pss");
}

/// Issue 11: a 1024-bit key's signature is verified (openssl verifies it);
/// the refusal is the key size, a preflight error (exit 1), not "cannot be
/// checked" (exit 2).
#[test]
fn weak_rsa_key_is_verified_and_refused_for_its_size() {
    let (code, stdout, stderr) = hash(&fixture("extra_rsa1024.pem"), &["--json"]);
    assert_eq!(code, Some(1), "{stderr}");
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(doc["key"]["bits"], 1024);
    assert_eq!(doc["signature"], "valid");
    assert_eq!(doc["md5"], recorded("extra_rsa1024.pem").md5);
    assert_eq!(doc["findings"][0]["code"], "rsa-key-too-small");
    assert_eq!(doc["findings"][0]["severity"], "error");
}

#[test]
fn der_keys_are_named() {
    assert_one_line_error("extra_private_key.der", "this is a private key");
    assert_one_line_error("extra_public_key.der", "this is a public key");
}

#[test]
fn bmpstring_common_name_is_decoded() {
    let out = dcv()
        .args(["hash", "--json"])
        .arg(fixture("extra_bmp_cn.pem"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc = json(&out);
    assert_eq!(doc["common_name"], "bmp.example.com");
    assert_eq!(doc["domains"], serde_json::json!(["bmp.example.com"]));
}

#[test]
fn der_quoting_a_pem_header_and_der_with_a_newline_are_der() {
    let want = recorded("extra_begin_in_subject.der");
    let (code, stdout, stderr) = hash(&fixture("extra_begin_in_subject.der"), &["--json"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains(&want.md5));
    let mut der = std::fs::read(fixture("rsa2048_multi.der")).unwrap();
    der.push(b'\n');
    let out = dcv()
        .args(["hash", "--json", "-"])
        .write_stdin(der)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(json(&out)["md5"], recorded("rsa2048_multi.der").md5);
}

#[test]
fn escape_sequences_in_the_cn_never_reach_the_terminal() {
    let (code, stdout, _) = hash(&fixture("extra_escape_cn.pem"), &[]);
    assert_eq!(code, Some(1), "the CN is not a valid name");
    assert!(!stdout.contains('\x1b'), "{stdout:?}");
    assert!(stdout.contains("\\u{1b}"), "{stdout}");
}

#[test]
fn a_csr_without_names_cannot_be_rendered_or_checked() {
    for cmd in [&["file"][..], &["cname"], &["emails", "--csr"]] {
        let out = dcv()
            .args(cmd)
            .arg(fixture("extra_no_names.pem"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{cmd:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("names no host"));
    }
    let out = dcv()
        .args(["check-http", "--csr"])
        .arg(fixture("extra_no_names.pem"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    // hash still tells what the CSR is, and (issue 11) fails it: the
    // no-dns-name finding is an error, so exit 1 (a failed check), not 2.
    let (code, stdout, _) = hash(&fixture("extra_no_names.pem"), &["--json"]);
    assert_eq!(code, Some(1));
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(doc["findings"][0]["code"], "no-dns-name");
}

#[test]
fn empty_dcv_token_means_no_token_and_a_bad_one_names_the_variable() {
    let out = dcv()
        .args(["file", "--json"])
        .arg(fixture("ec384.pem"))
        .env("DCV_TOKEN", "")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        json(&out)["files"][0]["body"]
            .as_str()
            .unwrap()
            .lines()
            .count(),
        2
    );
    let out = dcv()
        .args(["hash"])
        .arg(fixture("ec384.pem"))
        .env("DCV_TOKEN", "bad-token")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("DCV_TOKEN") && err.lines().count() == 1,
        "{err}"
    );
}
