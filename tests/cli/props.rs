//! Property tests: no mutation of a valid CSR makes dcv panic; the process
//! exits 0 or 2 and says why in one line.

use proptest::prelude::*;

use crate::support::{dcv, fixture};

#[derive(Debug, Clone)]
enum Mutation {
    Flip { at: usize, mask: u8 },
    Truncate { at: usize },
    Insert { at: usize, byte: u8 },
    Remove { at: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1u8..).prop_map(|(at, mask)| Mutation::Flip { at, mask }),
        any::<usize>().prop_map(|at| Mutation::Truncate { at }),
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Insert { at, byte }),
        any::<usize>().prop_map(|at| Mutation::Remove { at }),
    ]
}

fn apply(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        let len = bytes.len().max(1);
        match *m {
            Mutation::Flip { at, mask } => {
                if !bytes.is_empty() {
                    bytes[at % len] ^= mask;
                }
            }
            Mutation::Truncate { at } => bytes.truncate(at % len),
            Mutation::Insert { at, byte } => bytes.insert(at % (bytes.len() + 1), byte),
            Mutation::Remove { at } => {
                if !bytes.is_empty() {
                    bytes.remove(at % len);
                }
            }
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// The parser itself, in process: thousands of mutations of DER and PEM.
    #[test]
    fn parser_never_panics(
        der in any::<bool>(),
        mutations in proptest::collection::vec(mutation(), 1..6),
    ) {
        let file = if der { "rsa2048_multi.der" } else { "ec256_wildcard.pem" };
        let bytes = apply(std::fs::read(fixture(file)).unwrap(), &mutations);
        let _ = dcv::csr::parse(&bytes);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// The whole process: exit 0 or 2, never a panic, one-line errors.
    #[test]
    fn process_exits_0_or_2(
        der in any::<bool>(),
        mutations in proptest::collection::vec(mutation(), 1..4),
    ) {
        let file = if der { "rsa2048_multi.der" } else { "ec384.pem" };
        let bytes = apply(std::fs::read(fixture(file)).unwrap(), &mutations);
        let out = dcv().args(["hash", "--json", "-"]).write_stdin(bytes).output().unwrap();
        let code = out.status.code();
        prop_assert!(code == Some(0) || code == Some(2), "exit {:?}", code);
        let stderr = String::from_utf8_lossy(&out.stderr);
        prop_assert!(!stderr.contains("panicked"), "{}", stderr);
        if code == Some(2) {
            prop_assert_eq!(stderr.lines().count(), 1, "{}", stderr);
        }
    }
}
