//! The questions asked when the CNAME is missing everywhere, looking for a
//! record published almost right: without the leading underscore, under
//! the www name instead of the bare name, or the hash as a TXT value at the
//! name itself; for `--txt HOST=VALUE`, the value at the bare name, without
//! the underscore, or at the base domain; and, for `--cname HOST=TARGET`, addresses at HOST that a
//! provider synthesized from the CNAME (ALIAS / CNAME flattening).
//! Self-contained (the engine in, typed findings out); the words are
//! `diagnose`'s.

use futures::future::join_all;

use super::diagnose::{Flattened, NearMiss, TxtNearMiss};
use crate::artifacts::Expectation;
use crate::resolver::{Data, Engine, Lookup, RType};

/// The first record of the kind wanted in any server's answer.
fn first_data(l: &Lookup, pick: impl Fn(&Data) -> Option<String>) -> Option<String> {
    l.observations.iter().find_map(|o| {
        o.result
            .as_ref()
            .ok()
            .and_then(|a| a.answers.iter().find_map(|r| pick(&r.data)))
    })
}

/// A near-miss record for the CNAME of `candidates` (the name first, then
/// its parents up to the base domain), with the candidate it was meant for.
pub async fn cname_near_miss(
    engine: &Engine,
    exp: &Expectation,
    candidates: &[String],
) -> Option<(NearMiss, String)> {
    let md5 = &exp.hashes.md5;
    let sha = exp.hashes.sha256.to_ascii_lowercase();
    let cname = |d: &Data| match d {
        Data::Cname(t) => Some(format!("CNAME {t}")),
        _ => None,
    };
    // Without the underscore: `<MD5>.<adn>`.
    let bare: Vec<String> = candidates.iter().map(|c| format!("{md5}.{c}")).collect();
    let found = join_all(bare.iter().map(|q| engine.lookup(q, RType::Cname))).await;
    for ((owner, l), c) in bare.iter().zip(&found).zip(candidates) {
        if let Some(found) = first_data(l, cname) {
            let miss = NearMiss::NoUnderscore {
                owner: owner.clone(),
                found,
            };
            return Some((miss, c.clone()));
        }
    }
    // Under www for the bare name.
    if let Some(name) = candidates.first()
        && !name.starts_with("www.")
    {
        let owner = format!("_{md5}.www.{name}");
        if let Some(found) = first_data(&engine.lookup(&owner, RType::Cname).await, cname) {
            return Some((NearMiss::UnderWww { owner, found }, name.clone()));
        }
    }
    // The hash as a TXT value at the name (or a parent) itself.
    let txts = join_all(candidates.iter().map(|c| engine.lookup(c, RType::Txt))).await;
    for (c, l) in candidates.iter().zip(&txts) {
        let holds = |d: &Data| match d {
            Data::Txt(t) => {
                let flat: String = t
                    .chars()
                    .filter(|ch| ch.is_ascii_hexdigit())
                    .collect::<String>()
                    .to_ascii_lowercase();
                flat.contains(&sha[..32]).then(|| t.clone())
            }
            _ => None,
        };
        if let Some(found) = first_data(l, holds) {
            let miss = NearMiss::TxtAtBareName {
                owner: c.clone(),
                found,
            };
            return Some((miss, c.clone()));
        }
    }
    None
}

/// The addresses (A and AAAA) of `name` in any server's answer.
async fn addresses(engine: &Engine, name: &str) -> Vec<String> {
    let (a, aaaa) = futures::join!(
        engine.lookup(name, RType::A),
        engine.lookup(name, RType::Aaaa)
    );
    let mut out: Vec<String> = Vec::new();
    for l in [&a, &aaaa] {
        for o in &l.observations {
            if let Ok(ans) = &o.result {
                for r in &ans.answers {
                    if let Data::Addr(ip) = &r.data
                        && !out.contains(&ip.to_string())
                    {
                        out.push(ip.to_string());
                    }
                }
            }
        }
    }
    out
}

/// A missing CNAME at `host` whose name has addresses of its own: the
/// provider answers with the target's addresses in its place (ALIAS,
/// ANAME, CNAME flattening) when they are the target's.
pub async fn flattened(engine: &Engine, host: &str, target: &str) -> Option<Flattened> {
    let (at_host, at_target) = futures::join!(addresses(engine, host), addresses(engine, target));
    if at_host.is_empty() {
        return None;
    }
    let same = !at_target.is_empty() && at_host.iter().all(|a| at_target.contains(a));
    Some(Flattened {
        addresses: at_host,
        the_targets: same,
    })
}

/// A `--txt HOST=VALUE` missing at HOST but found at an owner people mix it
/// up with: the name without its `_label.` prefix, the prefix without its
/// underscore, or the prefix at the base domain.
pub async fn txt_near_miss(engine: &Engine, host: &str, value: &str) -> Option<TxtNearMiss> {
    let (first, rest) = host.split_once('.')?;
    let label = first.strip_prefix('_')?;
    let mut candidates = vec![
        TxtNearMiss::AtBareName {
            owner: rest.to_owned(),
        },
        TxtNearMiss::NoUnderscore {
            owner: format!("{label}.{rest}"),
        },
    ];
    if let Ok(name) = crate::names::DnsName::from_user(rest) {
        let base = name.registrable_domain();
        if base != rest {
            candidates.push(TxtNearMiss::AtBaseDomain {
                owner: format!("{first}.{base}"),
            });
        }
    }
    let found = join_all(
        candidates
            .iter()
            .map(|c| engine.lookup(c.owner(), RType::Txt)),
    )
    .await;
    let holds = |d: &Data| match d {
        Data::Txt(t) if t.contains(value) => Some(t.clone()),
        _ => None,
    };
    candidates
        .into_iter()
        .zip(&found)
        .find_map(|(c, l)| first_data(l, holds).map(|_| c))
}
