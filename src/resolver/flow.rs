//! How many questions go to each server at once: a window per server
//! address that starts at the ceiling (`--max-in-flight`), halves when the
//! server loses questions (a timeout, or a question the transport had to
//! send again: overload, a full queue, or rate limiting that drops
//! queries), and grows back as answers return: by one
//! per answer up to where it last failed, then by one per window's worth of
//! answers, as TCP's congestion control does (RFC 5681).
//!
//! Why per server: the questions of a large run go to a few servers (the
//! resolver, each zone's nameservers), and one that drops what it cannot
//! take would otherwise turn a run into a series of timeouts, which read as
//! failed checks. A global bound alone could not tell a slow server from a
//! fast one.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{Duration, Instant};

use super::lock;

/// The smallest window: a server that times out is still asked, one
/// question at a time.
const MIN_WINDOW: usize = 1;
/// The shortest time between two shrinks: the losses of one episode are
/// seen over a while (each question's retransmission timeout), and must
/// halve the window once, not once per question that saw them.
const SHRINK_INTERVAL: Duration = Duration::from_millis(500);

/// The windows of a round, one per server address asked.
pub struct Windows {
    ceiling: usize,
    servers: Mutex<HashMap<SocketAddr, Arc<Window>>>,
}

/// One server's window.
pub struct Window {
    permits: Arc<Semaphore>,
    state: Mutex<State>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct State {
    ceiling: usize,
    /// Questions allowed in flight now.
    limit: usize,
    /// Where the window last failed: below it, it grows by one per answer.
    threshold: usize,
    /// Permits to withdraw as questions end, after a shrink (the semaphore
    /// cannot take back permits that are in use).
    debt: usize,
    /// Answers since the window last grew (above the threshold).
    answered: usize,
    /// Bumped at each shrink, so that the timeouts of one burst (questions
    /// sent before the window shrank) halve it once, not once each.
    epoch: u64,
    /// When the window last shrank.
    shrunk_at: Option<Instant>,
}

/// How an exchange ended, for the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Answered,
    TimedOut,
    /// Anything else (refused, malformed, unreachable): no signal of load.
    Other,
}

impl Windows {
    pub fn new(ceiling: usize) -> Windows {
        Windows {
            ceiling: ceiling.max(MIN_WINDOW),
            servers: Mutex::new(HashMap::new()),
        }
    }

    /// The window of `server`.
    pub fn of(&self, server: SocketAddr) -> Arc<Window> {
        lock(&self.servers)
            .entry(server)
            .or_insert_with(|| Arc::new(Window::new(self.ceiling)))
            .clone()
    }
}

impl Window {
    fn new(ceiling: usize) -> Window {
        Window {
            permits: Arc::new(Semaphore::new(ceiling)),
            state: Mutex::new(State {
                ceiling,
                limit: ceiling,
                threshold: ceiling,
                debt: 0,
                answered: 0,
                epoch: 0,
                shrunk_at: None,
            }),
        }
    }

    /// Waits for room in the window.
    pub async fn enter(self: &Arc<Self>) -> Slot {
        let permit = self.permits.clone().acquire_owned().await.ok();
        let epoch = lock(&self.state).epoch;
        Slot {
            window: self.clone(),
            permit,
            epoch,
        }
    }

    /// The questions allowed in flight now.
    #[cfg(test)]
    pub fn limit(&self) -> usize {
        lock(&self.state).limit
    }
}

/// A question's place in its server's window; [`Slot::done`] says how the
/// exchange went. Dropped without it (the question was abandoned), the
/// place is simply given back.
pub struct Slot {
    window: Arc<Window>,
    permit: Option<OwnedSemaphorePermit>,
    epoch: u64,
}

impl Slot {
    pub fn done(mut self, outcome: Outcome) {
        let mut state = lock(&self.window.state);
        let grew = state.observe(outcome, self.epoch, Instant::now());
        if grew {
            self.window.permits.add_permits(1);
        }
        if state.debt > 0
            && let Some(p) = self.permit.take()
        {
            p.forget();
            state.debt -= 1;
        }
    }
}

impl State {
    /// Adjusts the window; true when it grows by a permit.
    fn observe(&mut self, outcome: Outcome, epoch: u64, now: Instant) -> bool {
        let settled = self
            .shrunk_at
            .is_none_or(|t| now.saturating_duration_since(t) >= SHRINK_INTERVAL);
        match outcome {
            Outcome::TimedOut if epoch == self.epoch && settled => {
                self.shrunk_at = Some(now);
                let smaller = (self.limit / 2).max(MIN_WINDOW);
                self.debt += self.limit - smaller;
                self.limit = smaller;
                self.threshold = smaller;
                self.answered = 0;
                self.epoch += 1;
                false
            }
            Outcome::Answered if self.limit < self.ceiling => {
                if self.limit >= self.threshold {
                    self.answered += 1;
                    if self.answered < self.limit {
                        return false;
                    }
                    self.answered = 0;
                }
                self.limit += 1;
                // Growing first pays back what a shrink still owes.
                if self.debt > 0 {
                    self.debt -= 1;
                    false
                } else {
                    true
                }
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(ceiling: usize) -> State {
        Window::new(ceiling).state.into_inner().unwrap()
    }

    /// A moment `ms` milliseconds into a test.
    fn at(ms: u64) -> Instant {
        static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
        *START.get_or_init(Instant::now) + Duration::from_millis(ms)
    }

    #[test]
    fn a_burst_of_timeouts_halves_the_window_once() {
        let mut s = state(512);
        assert!(!s.observe(Outcome::TimedOut, 0, at(0)));
        assert_eq!(s.limit, 256);
        // The other questions of the same burst were sent at epoch 0.
        for _ in 0..100 {
            s.observe(Outcome::TimedOut, 0, at(10));
        }
        assert_eq!(s.limit, 256);
        assert_eq!(s.debt, 256);
        // Nor does a loss seen by a later question soon after.
        s.observe(Outcome::TimedOut, 1, at(100));
        assert_eq!(s.limit, 256);
        // A timeout of a question sent after the shrink, once the episode
        // has settled, halves it again.
        s.observe(Outcome::TimedOut, 1, at(600));
        assert_eq!((s.limit, s.debt), (128, 384));
    }

    #[test]
    fn the_window_recovers_one_per_answer_then_one_per_window() {
        let mut s = state(8);
        s.observe(Outcome::TimedOut, 0, at(0));
        s.observe(Outcome::TimedOut, 1, at(1000));
        assert_eq!((s.limit, s.threshold), (2, 2));
        // At the threshold: one more per window's worth of answers.
        s.observe(Outcome::Answered, 2, at(2000));
        assert_eq!(s.limit, 2);
        s.observe(Outcome::Answered, 2, at(2000));
        assert_eq!(s.limit, 3);
        for _ in 0..3 {
            s.observe(Outcome::Answered, 2, at(2000));
        }
        assert_eq!(s.limit, 4);
        // Never beyond the ceiling.
        for _ in 0..100 {
            s.observe(Outcome::Answered, 2, at(2000));
        }
        assert_eq!(s.limit, 8);
        // What a shrink owed was paid back by the growth, not added twice.
        assert_eq!(s.debt, 0);
    }

    #[test]
    fn other_failures_leave_the_window_alone() {
        let mut s = state(16);
        s.observe(Outcome::Other, 0, at(0));
        assert_eq!(s, state(16));
        // Nor does a timeout ever take it below one question.
        let mut s = state(1);
        s.observe(Outcome::TimedOut, 0, at(0));
        assert_eq!(s.limit, 1);
    }

    #[tokio::test]
    async fn a_shrunk_window_admits_fewer_questions() {
        let windows = Windows::new(4);
        let w = windows.of("127.0.0.1:53".parse().unwrap());
        let slots: Vec<Slot> = futures::future::join_all((0..4).map(|_| w.enter())).await;
        assert_eq!(w.permits.available_permits(), 0);
        let mut slots = slots.into_iter();
        slots.next().unwrap().done(Outcome::TimedOut);
        // Limit 2: the timed-out question's permit was withdrawn, and so is
        // the next one to end.
        assert_eq!(w.limit(), 2);
        slots.next().unwrap().done(Outcome::TimedOut);
        assert_eq!(w.permits.available_permits(), 0);
        drop(slots);
        // Two questions ended without a verdict: their permits came back.
        assert_eq!(w.permits.available_permits(), 2);
    }
}
