//! Internal and reserved names: the special-use and reserved top-level
//! domains, and bare single labels, that no public CA may issue for (BR
//! 4.2.2, 7.1.4.2). The list is SPEC section 8's, each entry with the
//! document that reserves it. `--lab` (or `DCV_LAB=1`) says such names are a
//! lab's: the refusal then becomes a note. Pure: no I/O.

use psl::{List, Psl};

/// A reserved suffix and the document that reserves it.
pub const RESERVED_SUFFIXES: &[(&str, &str)] = &[
    ("test", "RFC 6761 6.2: reserved for testing"),
    ("example", "RFC 6761 6.5: reserved for documentation"),
    ("invalid", "RFC 6761 6.4: guaranteed not to exist"),
    ("localhost", "RFC 6761 6.3: the local host"),
    ("local", "RFC 6762: multicast DNS, the local link"),
    ("onion", "RFC 7686: Tor onion services"),
    ("alt", "RFC 9476: non-DNS resolution contexts"),
    (
        "internal",
        "ICANN Board, July 2024, after SAC113: reserved for private use, never delegated",
    ),
    ("home.arpa", "RFC 8375: home networks"),
    (
        "corp",
        "ICANN Board, February 2018: never to be delegated (name collisions)",
    ),
    (
        "home",
        "ICANN Board, February 2018: never to be delegated (name collisions)",
    ),
    (
        "mail",
        "ICANN Board, February 2018: never to be delegated (name collisions)",
    ),
];

/// Why `name` is an internal name a public CA refuses, or `None`. `name`
/// is a host name as a CSR or a person wrote it (a leading `*.` and a
/// trailing dot are ignored; case does not matter).
pub fn why_internal(name: &str) -> Option<String> {
    let lower = name.trim_end_matches('.').to_ascii_lowercase();
    let base = lower.strip_prefix("*.").unwrap_or(&lower);
    if base.is_empty() {
        return None;
    }
    for (suffix, source) in RESERVED_SUFFIXES {
        let under = base
            .strip_suffix(suffix)
            .is_some_and(|head| head.is_empty() || head.ends_with('.'));
        if under {
            return Some(format!("under .{suffix} ({source})"));
        }
    }
    // A single label that is not a public TLD (`intranet`, `printer`): a
    // name only a local search domain can complete. `com` alone is a
    // public suffix, refused as such elsewhere, not an internal name.
    let host_label = base.len() <= 63
        && base.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !base.bytes().all(|b| b.is_ascii_digit())
        && !base.starts_with('-')
        && !base.ends_with('-');
    if host_label {
        let public_tld = List.find(std::iter::once(base.as_bytes())).typ.is_some();
        if !public_tld {
            return Some("a bare single label (no public top-level domain)".into());
        }
    }
    None
}

/// The one-line note of `--lab`: which names a public CA would refuse.
pub fn lab_note(names: &[String]) -> Option<String> {
    if names.is_empty() {
        return None;
    }
    let more = names.len().saturating_sub(5);
    let mut list = names[..names.len().min(5)].join(", ");
    if more > 0 {
        list.push_str(&format!(" and {more} more"));
    }
    Some(format!(
        "lab names (--lab): {list}: a public CA refuses internal and reserved names (internal_name)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_tlds_and_single_labels() {
        for name in [
            "printer.local",
            "shop.example.test",
            "intranet.internal",
            "x.example",
            "a.invalid",
            "localhost",
            "db.localhost",
            "abc.onion",
            "x.alt",
            "router.home.arpa",
            "dc1.corp",
            "nas.home",
            "mx.mail",
            "*.lab.test",
            "WWW.TEST.",
            "intranet",
            "printer",
        ] {
            assert!(why_internal(name).is_some(), "{name}");
        }
        for name in [
            "www.example.com",
            "example.org",
            "test.com",
            "local.example.com",
            "home.arpa.example.com",
            "arpa",
            "mymail.com",
            "com",
            "*.example.com",
            "a b",
            "192",
            "*",
            "-x",
        ] {
            assert_eq!(why_internal(name), None, "{name}");
        }
        // A single label, internal, but not because it ends in `corp`.
        assert!(why_internal("notcorp").unwrap().contains("single label"));
        assert!(why_internal("x.home.arpa").unwrap().contains("RFC 8375"));
        assert!(why_internal("printer.local").unwrap().contains("RFC 6762"));
    }

    #[test]
    fn the_note_is_one_line() {
        assert_eq!(lab_note(&[]), None);
        let names: Vec<String> = (0..7).map(|i| format!("h{i}.test")).collect();
        let note = lab_note(&names).unwrap();
        assert!(!note.contains('\n'));
        assert!(note.contains("and 2 more"), "{note}");
    }
}
