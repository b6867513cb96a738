//! `dcv hash`: hashes match what openssl recorded, for every key type and
//! every input shape; names, keys and batch output.

use std::collections::BTreeSet;

use crate::support::{dcv, example, fixture, json, recorded, recorded_hashes, recorded_keys};

#[test]
fn every_fixture_hashes_as_openssl_recorded() {
    let all = recorded_hashes();
    assert!(all.len() >= 18, "hashes.tsv has {} rows", all.len());
    for (file, want) in all {
        let out = dcv()
            .args(["hash", "--json"])
            .arg(fixture(&file))
            .output()
            .unwrap();
        // bad_names.pem exits 1 for its rejected names, ed25519.pem for its
        // key type (public CAs issue for RSA and ECDSA only); the hashes
        // still stand.
        let expected_code = if file == "bad_names.pem" || file == "ed25519.pem" {
            1
        } else {
            0
        };
        assert_eq!(
            out.status.code(),
            Some(expected_code),
            "{file}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let doc = json(&out);
        assert_eq!(doc["md5"], want.md5, "{file}");
        assert_eq!(doc["sha256"], want.sha256, "{file}");
        assert_eq!(doc["signature_valid"], true, "{file}");
        assert_eq!(doc["signature"], "valid", "{file}");
    }
}

#[test]
fn examples_hash_as_recorded() {
    let text = std::fs::read_to_string(example("hashes.tsv")).unwrap();
    for line in text.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let out = dcv()
            .args(["hash", "--json"])
            .arg(example(cols[0]))
            .output()
            .unwrap();
        let doc = json(&out);
        assert_eq!(doc["md5"], cols[1]);
        assert_eq!(doc["sha256"], cols[2]);
    }
}

#[test]
fn key_type_size_and_common_name() {
    for row in recorded_keys() {
        let out = dcv()
            .args(["hash", "--json"])
            .arg(fixture(&row[0]))
            .output()
            .unwrap();
        let doc = json(&out);
        assert_eq!(doc["key"]["algorithm"], row[1].as_str(), "{}", row[0]);
        assert_eq!(
            doc["key"]["bits"],
            row[2].parse::<u64>().unwrap(),
            "{}",
            row[0]
        );
        let cn = row.get(3).map(String::as_str).unwrap_or("");
        if cn.is_empty() {
            assert!(doc["common_name"].is_null(), "{}", row[0]);
        } else {
            assert_eq!(doc["common_name"], cn.to_lowercase(), "{}", row[0]);
        }
    }
}

#[test]
fn names_are_cn_first_lowercased_deduplicated() {
    let out = dcv()
        .args(["hash", "--json"])
        .arg(fixture("mixed_case_dupes.pem"))
        .output()
        .unwrap();
    let doc = json(&out);
    assert_eq!(
        doc["domains"],
        serde_json::json!(["www.example.com", "example.com"])
    );

    let out = dcv()
        .args(["hash", "--json"])
        .arg(fixture("rsa2048_multi.pem"))
        .output()
        .unwrap();
    assert_eq!(
        json(&out)["domains"],
        serde_json::json!([
            "www.example.com",
            "example.com",
            "shop.example.com",
            "api.example.co.uk"
        ])
    );

    let out = dcv()
        .args(["hash", "--json"])
        .arg(fixture("many_sans.pem"))
        .output()
        .unwrap();
    assert_eq!(json(&out)["domains"].as_array().unwrap().len(), 120);

    let out = dcv()
        .args(["hash", "--json"])
        .arg(fixture("no_cn.pem"))
        .output()
        .unwrap();
    assert_eq!(
        json(&out)["domains"],
        serde_json::json!(["nocn.example.com"])
    );
}

#[test]
fn reads_standard_input() {
    let want = recorded("rsa2048_multi.der");
    let der = std::fs::read(fixture("rsa2048_multi.der")).unwrap();
    let out = dcv()
        .args(["hash", "--json", "-"])
        .write_stdin(der)
        .output()
        .unwrap();
    assert!(out.status.success());
    let doc = json(&out);
    assert_eq!(doc["md5"], want.md5);
    assert_eq!(doc["file"], "-", "JSON names the argument as given");
}

#[test]
fn batch_prints_one_json_object_per_line() {
    let files = ["rsa2048_multi.pem", "ec384.pem", "ed25519.pem"];
    let out = dcv()
        .args(["hash", "--json"])
        .args(files.iter().map(|f| fixture(f)))
        .output()
        .unwrap();
    // Exit 1: the Ed25519 key is a preflight error (no public CA issues for it).
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3);
    for (line, file) in lines.iter().zip(files) {
        let doc: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(doc["md5"], recorded(file).md5);
    }
}

#[test]
fn batch_goes_on_past_a_bad_file_and_exits_2() {
    let out = dcv()
        .args(["hash", "--json"])
        .arg(fixture("rsa2048_multi.pem"))
        .arg(fixture("certificate.pem"))
        .arg(fixture("ec384.pem"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    // One line per argument: the failure keeps its place.
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert!(lines[0]["md5"].is_string() && lines[2]["md5"].is_string());
    assert!(
        lines[1]["file"]
            .as_str()
            .unwrap()
            .ends_with("certificate.pem")
    );
    assert!(
        lines[1]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("this is a certificate")
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("certificate.pem") && err.contains("this is a certificate"),
        "{err}"
    );
}

#[test]
fn quiet_prints_md5sum_style_lines() {
    let want = recorded("ec384.pem");
    let out = dcv()
        .args(["hash", "-q"])
        .arg(fixture("ec384.pem"))
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with(&format!("{}  {}  ", want.md5, want.sha256)),
        "{text}"
    );
}

/// The human output, colour off, against a golden file whose hashes are
/// filled in from openssl's record.
#[test]
fn human_output_matches_golden() {
    for (file, golden) in [
        ("rsa2048_multi.pem", "hash_rsa2048_multi.txt"),
        ("ec256_wildcard.pem", "hash_ec256_wildcard.txt"),
    ] {
        let want = recorded(file);
        let path = fixture(file);
        let expected = std::fs::read_to_string(fixture(&format!("golden/{golden}")))
            .unwrap()
            .replace("{FILE}", &path.display().to_string())
            .replace("{MD5}", &want.md5)
            .replace("{SHA256}", &want.sha256)
            .replace("{SHA256_A}", &want.sha256[..32])
            .replace("{SHA256_B}", &want.sha256[32..]);
        let out = dcv()
            .args(["--color", "never", "hash"])
            .arg(&path)
            .output()
            .unwrap();
        assert_eq!(String::from_utf8(out.stdout).unwrap(), expected, "{file}");
    }
}

#[test]
fn color_always_paints_and_never_does_not() {
    let out = dcv()
        .args(["hash", "--color", "always"])
        .arg(fixture("ec384.pem"))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("\x1b["));
    let out = dcv()
        .args(["hash", "--color", "auto"])
        .arg(fixture("ec384.pem"))
        .output()
        .unwrap();
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("\x1b["),
        "not a terminal"
    );
}

/// A preflight fixture (tests/fixtures/preflight/, made by its regenerate.sh).
fn preflight(name: &str) -> std::path::PathBuf {
    fixture(&format!("preflight/{name}"))
}

/// verdicts.tsv: file, openssl's `req -verify` verdict, key bits as openssl
/// printed them, MD5 and SHA-256 of the DER as given.
fn verdicts() -> Vec<Vec<String>> {
    std::fs::read_to_string(preflight("verdicts.tsv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split('\t').map(str::to_owned).collect())
        .collect()
}

fn hash_json(path: &std::path::Path, extra: &[&str]) -> (Option<i32>, serde_json::Value, String) {
    let out = dcv()
        .args(["hash", "--json"])
        .args(extra)
        .arg(path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let doc = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{}: {e}: {stderr}", path.display()));
    (out.status.code(), doc, stderr)
}

/// No CSR openssl verifies is reported invalid or unreadable; none it
/// rejects is reported valid; the hashes and key sizes are openssl's.
#[test]
fn signatures_and_keys_agree_with_openssl() {
    let rows = verdicts();
    assert!(rows.len() >= 30, "{} rows", rows.len());
    for row in rows {
        let (file, verdict, bits) = (&row[0], row[1].as_str(), &row[2]);
        let (code, doc, stderr) = hash_json(&preflight(file), &["--no-verify-signature"]);
        assert_ne!(code, Some(2), "{file}: {stderr}");
        assert_eq!(
            (&doc["md5"], &doc["sha256"]),
            (&row[3].clone().into(), &row[4].clone().into()),
            "{file}"
        );
        if !bits.is_empty() {
            assert_eq!(doc["key"]["bits"].to_string(), *bits, "{file}");
        }
        match verdict {
            "OK" if file == "sm2.pem" => {
                assert_eq!(doc["signature"], "unchecked", "{file}");
                assert!(doc["signature_valid"].is_null(), "{file}");
                assert!(
                    doc["signature_note"].as_str().unwrap().contains("SM2"),
                    "{file}"
                );
            }
            "OK" => {
                assert_eq!(doc["signature"], "valid", "{file}: {stderr}");
                assert_eq!(doc["signature_valid"], true, "{file}");
                assert!(doc.get("signature_note").is_none(), "{file}");
            }
            "failure" => {
                assert_eq!(doc["signature"], "invalid", "{file}");
                assert_eq!(doc["signature_valid"], false, "{file}");
            }
            other => panic!("{file}: openssl verdict {other}"),
        }
    }
}

/// Each fixture is made to show the findings listed (and no others); the
/// exit code is 1 exactly when one of them is an error.
#[test]
fn findings_per_fixture() {
    let cases: &[(&str, &[&str])] = &[
        ("clean_p256.pem", &[]),
        ("ec256_sha512.pem", &[]),
        ("ec384_sha256.pem", &[]),
        ("ec521.pem", &[]),
        ("rsa2048_pss.pem", &[]),
        ("empty_attribute_set.pem", &[]),
        ("long_form_lengths.pem", &[]),
        ("new_armour.pem", &[]),
        ("rsa512.pem", &["rsa-key-too-small"]),
        ("rsa1024.pem", &["rsa-key-too-small"]),
        ("rsa1024_pss_sha512.pem", &["rsa-key-too-small"]),
        ("rsa2049.pem", &["rsa-modulus-not-multiple-of-8"]),
        ("rsa_exponent3.pem", &["rsa-exponent-out-of-range"]),
        ("rsa_exponent_even.pem", &["rsa-exponent-invalid"]),
        ("fermat_close_primes.pem", &["rsa-fermat-close-primes"]),
        (
            "roca_crocs_csr05.pem",
            &["rsa-modulus-not-multiple-of-8", "rsa-roca", "cn-not-in-san"],
        ),
        ("secp256k1.pem", &["ec-curve-not-allowed"]),
        ("ed25519.pem", &["key-type-not-allowed"]),
        ("dsa2048.pem", &["key-type-not-allowed"]),
        ("sm2.pem", &["key-type-not-allowed"]),
        ("rsapss_key.pem", &["key-type-not-allowed"]),
        ("rsa2048_md5.pem", &["signature-hash-weak"]),
        ("rsa2048_sha1.pem", &["signature-hash-weak"]),
        ("ec256_sha1.pem", &["signature-hash-weak"]),
        ("cn_too_long.pem", &["cn-too-long"]),
        ("cn_not_in_san.pem", &["cn-not-in-san"]),
        ("ip_private.pem", &["ip-address-reserved"]),
        ("ip_public.pem", &["ip-address-public"]),
        ("no_dns_name.pem", &["ip-address-public", "no-dns-name"]),
        ("ct_poison.pem", &["ct-poison"]),
        ("unknown_critical.pem", &["unknown-critical-extension"]),
        ("duplicate_extension.pem", &["duplicate-extension"]),
    ];
    let warnings = [
        "rsa-exponent-out-of-range",
        "cn-not-in-san",
        "ip-address-public",
        "unknown-critical-extension",
    ];
    for (file, want) in cases {
        let (code, doc, stderr) = hash_json(&preflight(file), &["--no-verify-signature"]);
        let findings = doc["findings"]
            .as_array()
            .unwrap_or_else(|| panic!("{file}: {doc}"));
        let got: BTreeSet<&str> = findings
            .iter()
            .map(|f| f["code"].as_str().unwrap())
            .collect();
        assert_eq!(got, want.iter().copied().collect(), "{file}");
        for f in findings {
            let code = f["code"].as_str().unwrap();
            let severity = if warnings.contains(&code) {
                "warning"
            } else {
                "error"
            };
            assert_eq!(f["severity"], severity, "{file}: {code}");
            let message = f["message"].as_str().unwrap();
            assert!(
                message.len() > 40 && !message.contains('\n'),
                "{file}: {message}"
            );
        }
        let has_error = want.iter().any(|c| !warnings.contains(c));
        let valid_sig = doc["signature"] == "valid";
        let expected = if has_error { 1 } else { 0 };
        if valid_sig || doc["signature"] == "unchecked" {
            assert_eq!(code, Some(expected), "{file}: {stderr}");
        }
    }
}

/// `dcv --color never hash EXTRA… FILE`: (exit code, stdout, stderr).
fn hash_human(path: &std::path::Path, extra: &[&str]) -> (Option<i32>, String, String) {
    let out = dcv()
        .args(["--color", "never", "hash"])
        .args(extra)
        .arg(path)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `dcv hash FILE` must exit 2 with one line on stderr naming the file;
/// returns that line.
fn fails_with_one_line(path: &std::path::Path) -> String {
    let (code, stdout, stderr) = hash_human(path, &[]);
    let name = path.file_name().unwrap().to_string_lossy();
    assert_eq!(code, Some(2), "{name}: {stderr}");
    assert!(stdout.is_empty(), "{name}: {stdout}");
    assert_eq!(stderr.lines().count(), 1, "{name}: {stderr}");
    assert!(stderr.contains(name.as_ref()), "{name}: {stderr}");
    stderr
}

#[test]
fn weak_rsa_key_fails_for_its_size_not_as_unchecked() {
    let (code, stdout, stderr) = hash_human(&preflight("rsa1024.pem"), &[]);
    assert_eq!(code, Some(1), "a failed check, not unreadable input");
    assert!(!stderr.contains("cannot be checked"), "{stderr}");
    assert!(
        stdout.contains("Signature  valid (sha256WithRSAEncryption)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Findings   error    rsa-key-too-small: an RSA key of 1024 bits: CAs refuse RSA keys under 2048 bits"),
        "{stdout}"
    );
}

#[test]
fn unchecked_is_never_shown_as_invalid() {
    let (_, stdout, _) = hash_human(&preflight("sm2.pem"), &["--no-verify-signature"]);
    assert!(
        stdout.contains(
            "Signature  unchecked (SM2 with SM3 signatures: no library here verifies them)"
        ),
        "{stdout}"
    );
    assert!(!stdout.contains("NOT VALID"), "{stdout}");
    // Without the flag, an unchecked signature is still refused (exit 2).
    let stderr = fails_with_one_line(&preflight("sm2.pem"));
    assert!(
        stderr.contains("sm2.pem: the self-signature cannot be checked (SM2 with SM3"),
        "{stderr}"
    );

    // A signature that was checked and failed is the only NOT VALID.
    let (_, stdout, _) = hash_human(&preflight("bad_rsa1024.pem"), &["--no-verify-signature"]);
    assert!(
        stdout.contains("Signature  NOT VALID (sha256WithRSAEncryption: signature mismatch)"),
        "{stdout}"
    );
}

#[test]
fn invalid_signature_is_exit_2_and_named() {
    for file in [
        "bad_rsa2048_pss.pem",
        "bad_ec521.pem",
        "bad_ed25519.pem",
        "bad_dsa2048.pem",
        "bad_rsa2048_md5.pem",
    ] {
        let stderr = fails_with_one_line(&preflight(file));
        assert!(stderr.contains("does not verify"), "{stderr}");
    }
}

#[test]
fn input_errors_are_sentences_not_parser_internals() {
    for file in [
        "not_pkcs10.pem",
        "truncated.pem",
        "truncated.der",
        "certificate.der",
        "broken_base64.pem",
        "garbage.txt",
        "extra_public_key.der",
        "extra_private_key.der",
    ] {
        let stderr = fails_with_one_line(&fixture(file));
        for internal in ["nom", "BER", "Eof", "Unexpected Tag", "Error("] {
            assert!(!stderr.contains(internal), "{file}: {stderr}");
        }
        // No bare OID: a dotted number only ever follows the word "OID".
        let bare_oid = stderr
            .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
            .any(|w| {
                w.split('.').count() >= 4
                    && w.split('.')
                        .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
            });
        assert!(!bare_oid, "{file}: {stderr}");
    }
}

#[test]
fn findings_in_human_output_name_code_severity_and_what_to_do() {
    let (code, stdout, _) = hash_human(&preflight("no_dns_name.pem"), &[]);
    assert_eq!(code, Some(1));
    let lines: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains("ip-address-public") || l.contains("no-dns-name"))
        .collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(
        lines[0].starts_with("  Findings   warning  ip-address-public: the IP address 8.8.4.4"),
        "{stdout}"
    );
    assert!(
        lines[1].starts_with("             error    no-dns-name: "),
        "{stdout}"
    );
}
