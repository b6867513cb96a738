//! A bounded memory of what a round learnt, in two generations: entries go
//! into the newer one, a full newer generation replaces the older, and an
//! entry found in the older one moves back into the newer. What is in use
//! stays; what is not is forgotten two generations later, so memory does
//! not grow with the names of a run. The engine's answers and zones and the
//! remembered signature checks are kept this way.

use std::collections::HashMap;
use std::hash::Hash;

pub(crate) struct Generations<K, V> {
    current: HashMap<K, V>,
    previous: HashMap<K, V>,
    /// Entries of the newer generation that make it full.
    capacity: usize,
}

impl<K: Eq + Hash, V> Generations<K, V> {
    pub(crate) fn new(capacity: usize) -> Generations<K, V> {
        Generations {
            current: HashMap::new(),
            previous: HashMap::new(),
            capacity: capacity.max(1),
        }
    }

    /// Takes the entry out, whichever generation holds it.
    pub(crate) fn take(&mut self, key: &K) -> Option<V> {
        self.current
            .remove(key)
            .or_else(|| self.previous.remove(key))
    }

    /// Puts an entry into the newer generation.
    pub(crate) fn put(&mut self, key: K, value: V) {
        self.current.insert(key, value);
        if self.current.len() >= self.capacity {
            self.previous = std::mem::take(&mut self.current);
        }
    }

    /// A copy of the entry, which is moved into the newer generation if
    /// the older one held it.
    pub(crate) fn get(&mut self, key: &K) -> Option<V>
    where
        K: Clone,
        V: Clone,
    {
        if let Some(v) = self.current.get(key) {
            return Some(v.clone());
        }
        let v = self.previous.remove(key)?;
        self.put(key.clone(), v.clone());
        Some(v)
    }

    /// Entries remembered.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.current.len() + self.previous.len()
    }

    /// Entries in the newer and in the older generation.
    #[cfg(test)]
    pub(crate) fn sizes(&self) -> (usize, usize) {
        (self.current.len(), self.previous.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_used_stays_and_the_rest_is_forgotten_two_generations_later() {
        let mut g = Generations::new(4);
        for i in 0..100 {
            g.put(i, i);
            // Used all along: kept, however many other entries go by.
            if i > 0 {
                assert_eq!(g.get(&0), Some(0));
            }
            assert!(g.len() <= 8);
        }
        assert_eq!(g.get(&99), Some(99));
        assert_eq!(g.get(&3), None);
        assert_eq!(g.take(&0), Some(0));
        assert_eq!(g.get(&0), None);
    }
}
