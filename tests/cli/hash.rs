//! `dcv hash`: hashes match what openssl recorded, for every key type and
//! every input shape; names, keys and batch output.

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
        // bad_names.pem exits 1 for its rejected names; the hashes still stand.
        let expected_code = if file == "bad_names.pem" { 1 } else { 0 };
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
    assert!(out.status.success());
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
        lines[1]["error"]
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
