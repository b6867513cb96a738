//! Industry-demonstrated weak RSA keys the CA must refuse (BR 6.1.1.3 (4)):
//! moduli that Fermat's method factors within 100 rounds (close primes,
//! <https://fermatattack.secvuln.info/>) and moduli with the ROCA fingerprint
//! (CVE-2017-15361, Infineon RSALib).

use num_bigint::BigUint;

/// The BR's bound: factorable "within 100 rounds using Fermat's method".
pub const FERMAT_ROUNDS: u32 = 100;

/// The round (0-based) in which Fermat's method splits `n`, if it does
/// within `rounds`: a = ⌈√n⌉, a+1, …, until a² − n is a square b², and then
/// n = (a − b)(a + b). Cost: one integer square root, then additions; the
/// square test filters with residues before it takes a root.
pub fn fermat_round(n: &[u8], rounds: u32) -> Option<u32> {
    let n = BigUint::from_bytes_be(n);
    if n.bits() < 2 || !n.bit(0) {
        return None;
    }
    let mut a0 = n.sqrt();
    if &a0 * &a0 < n {
        a0 += 1u32;
    }
    // a and a² − n followed modulo FILTER_M in machine words; the big
    // numbers are computed only for a candidate that passes the filter.
    let small = |x: &BigUint| (x % FILTER_M).iter_u64_digits().next().unwrap_or(0);
    let m = u64::from(FILTER_M);
    let (mut a_m, mut b2_m) = (small(&a0), small(&(&a0 * &a0 - &n)));
    for round in 0..rounds {
        if might_be_square(b2_m) {
            let a = &a0 + round;
            let b2 = &a * &a - &n;
            let root = b2.sqrt();
            if &root * &root == b2 {
                return Some(round);
            }
        }
        // (a + 1)² − n = (a² − n) + 2a + 1
        b2_m = (b2_m + 2 * a_m + 1) % m;
        a_m = (a_m + 1) % m;
    }
    None
}

/// Bit i is set when i is a square modulo m (m ≤ 128).
const fn square_mask(m: u32) -> u128 {
    let mut mask = 0u128;
    let mut i = 0;
    while i < m {
        mask |= 1 << (i * i % m);
        i += 1;
    }
    mask
}

const SQUARE_MODULI: [(u32, u128); 4] = [
    (64, square_mask(64)),
    (63, square_mask(63)),
    (65, square_mask(65)),
    (11, square_mask(11)),
];

const FILTER_M: u32 = 64 * 63 * 65 * 11;

/// Squares modulo 64, 63, 65 and 11 leave few residues: a number whose
/// residue `r` modulo their product passes all four is a square with
/// probability ~1/100 unless it is one.
fn might_be_square(r: u64) -> bool {
    SQUARE_MODULI
        .iter()
        .all(|&(m, mask)| mask & (1 << (r % u64::from(m))) != 0)
}

#[cfg(test)]
fn is_square(x: &BigUint) -> bool {
    let r = (x % FILTER_M).iter_u64_digits().next().unwrap_or(0);
    let root = x.sqrt();
    let square = &root * &root == *x;
    assert!(
        !square || might_be_square(r),
        "the filter never drops a square"
    );
    square
}

/// The primes of the ROCA fingerprint and its generator, as published with
/// the paper (Nemec et al., "The Return of Coppersmith's Attack", ACM CCS
/// 2017; detector `roca/detect.py` in github.com/crocs-muni/roca).
const ROCA_PRIMES: [u32; 38] = [
    3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97,
    101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167,
];
const ROCA_GENERATOR: u32 = 65537;
/// No discrete logarithm: the residue is outside the subgroup.
const NO_LOG: u8 = u8::MAX;

/// For each prime p: log[r] = k with 65537^k ≡ r (mod p), or NO_LOG; and
/// the order of 65537 mod p. Built at compile time.
const ROCA_LOGS: [([u8; 168], u32); ROCA_PRIMES.len()] = {
    let mut tables = [([NO_LOG; 168], 0u32); ROCA_PRIMES.len()];
    let mut i = 0;
    while i < ROCA_PRIMES.len() {
        let p = ROCA_PRIMES[i];
        let g = ROCA_GENERATOR % p;
        let (mut power, mut k) = (1u32, 0u32);
        loop {
            tables[i].0[power as usize] = k as u8;
            power = power * g % p;
            k += 1;
            if power == 1 {
                break;
            }
        }
        tables[i].1 = k;
        i += 1;
    }
    tables
};

/// The published discrete-logarithm test: RSALib primes are
/// `k·M + (65537^a mod M)`, so `n mod M` lies in the subgroup that 65537
/// generates in (Z/MZ)*, M the product of the primes above. That holds
/// exactly when for each prime p there is an exponent k_p with
/// 65537^k_p ≡ n (mod p), and the k_p agree on a common k, i.e.
/// k_p ≡ k_q (mod gcd(ord_p, ord_q)) for every pair (generalised CRT).
pub fn roca_fingerprint(n: &[u8]) -> bool {
    let mut logs: Vec<(u32, u32)> = Vec::with_capacity(ROCA_PRIMES.len());
    // n mod (a product of primes that fits in 64 bits), eight bytes a step.
    let head = n.len() % 8;
    let words = std::iter::once(&n[..head]).chain(n[head..].chunks(8));
    let mut residues = [0u32; ROCA_PRIMES.len()];
    let mut start = 0;
    while start < ROCA_PRIMES.len() {
        let (mut product, mut end) = (1u64, start);
        while let Some(next) = ROCA_PRIMES
            .get(end)
            .and_then(|p| product.checked_mul(u64::from(*p)))
        {
            product = next;
            end += 1;
        }
        let r = words.clone().fold(0u128, |acc, word| {
            let w = word.iter().fold(0u128, |x, b| (x << 8) | u128::from(*b));
            ((acc << (8 * word.len())) | w) % u128::from(product)
        });
        for i in start..end {
            residues[i] = (r % u128::from(ROCA_PRIMES[i])) as u32;
        }
        start = end;
    }
    for ((table, order), r) in ROCA_LOGS.iter().zip(residues) {
        match table[r as usize] {
            NO_LOG => return false,
            log => logs.push((u32::from(log), *order)),
        }
    }
    logs.iter().enumerate().all(|(i, &(ki, oi))| {
        logs[i + 1..]
            .iter()
            .all(|&(kj, oj)| ki % gcd(oi, oj) == kj % gcd(oi, oj))
    })
}

fn gcd(mut a: u32, mut b: u32) -> u32 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    fn big(decimal: &str) -> Vec<u8> {
        BigUint::parse_bytes(decimal.as_bytes(), 10)
            .unwrap()
            .to_bytes_be()
    }

    #[test]
    fn fermat_finds_close_primes_and_only_them() {
        // 1000003 and 1000033 are primes 30 apart: round 0.
        let close = BigUint::from(1_000_003u64 * 1_000_033u64).to_bytes_be();
        assert_eq!(fermat_round(&close, FERMAT_ROUNDS), Some(0));
        // 101 and 1000003: a − √n ≈ 4,000, far past 100 rounds.
        let far = BigUint::from(101u64 * 1_000_003u64).to_bytes_be();
        assert_eq!(fermat_round(&far, FERMAT_ROUNDS), None);
        // q − p = 800,000: Fermat reaches a = (p + q)/2 from ⌈√(pq)⌉ in
        // about (q − p)² / (8√n) ≈ 76 rounds, and not one round sooner.
        let (p, q) = (1_000_000_007u64, 1_000_000_007u64 + 2 * 400_000);
        let n = BigUint::from(p) * BigUint::from(q);
        let start = {
            let s = n.sqrt();
            if &s * &s < n { s + 1u32 } else { s }
        };
        let expected = BigUint::from((p + q) / 2) - start;
        let expected = expected.iter_u32_digits().next().unwrap_or(0);
        assert!(
            expected > 0 && expected < 100,
            "test vector in range: {expected}"
        );
        assert_eq!(
            fermat_round(&n.to_bytes_be(), FERMAT_ROUNDS),
            Some(expected)
        );
        assert_eq!(fermat_round(&n.to_bytes_be(), expected), None, "bounded");
    }

    #[test]
    fn square_test() {
        for v in [0u64, 1, 4, 144, 1 << 40, 999_999_999 * 999_999_999] {
            assert!(is_square(&BigUint::from(v)), "{v}");
        }
        for v in [2u64, 3, 145, (1 << 40) + 1, 999_999_999 * 999_999_998] {
            assert!(!is_square(&BigUint::from(v)), "{v}");
        }
    }

    /// Moduli from the ROCA authors' tests (github.com/crocs-muni/roca,
    /// roca/tests/test_fingerprint.py, `test_fake_mods`): they pass the older
    /// residue-table detector but not the discrete-log test, which marks
    /// them as not vulnerable.
    #[test]
    fn roca_rejects_the_published_fake_moduli() {
        for m in [
            "72414128973967872688332736535017614208620368242015797102796086827882754006260204061799547004983731426777596445658889886861027045033760014948048067467947960318205453778973975867532910489227970143091184725760290172935872752222320334100097730483600892686353719855397381316384244147860260153198611313067061116317",
            "138345973265163614694352477004469191286459111070564516299381495188624946671065451924677704628892476011773201612117597303315530745738015579159106259811204610647347662150159814774894784524366138220226431598991937057442020694466365850170057813627445465881816985939192840583168136876337135351417253708364245923133",
        ] {
            assert!(!roca_fingerprint(&big(m)));
        }
    }

    #[test]
    fn roca_marks_a_modulus_built_like_rsalib() {
        // p, q ≡ 65537^a (mod M) for every prime of M, as RSALib makes them:
        // take a product of two powers of 65537 modulo each prime (checked
        // prime by prime, which is what the test reads).
        let m: BigUint = ROCA_PRIMES.iter().map(|&p| BigUint::from(p)).product();
        let g = BigUint::from(ROCA_GENERATOR);
        let n = g.modpow(&BigUint::from(1234u32), &m) + &m * BigUint::from(7_777_777u32);
        assert!(roca_fingerprint(&n.to_bytes_be()));
        // One off: 65537^a + 1 is (almost surely) outside the subgroup.
        let n1 = &n + 1u32;
        assert!(!roca_fingerprint(&n1.to_bytes_be()));
        // A random-looking odd number is not marked.
        assert!(!roca_fingerprint(&big(
            "1000000000000000000000000000000000000000000000000000000000000000007"
        )));
    }
}
