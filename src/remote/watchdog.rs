//! A bound on each remote operation as a whole.
//!
//! libgit2's timeouts bound the connection and each single read, so a server that never
//! answers fails in `[remote] timeout`. One that sends a byte every few seconds passes
//! both for ever. So each operation runs on a thread of its own ([`run`]), and the
//! caller waits only while the operation either ends or keeps moving:
//!
//! - it has twice the timeout (and a second) from its start: connect, then the server's
//!   list of branches, each bounded by libgit2 already;
//! - each [`MIN_BYTES`] transferred, and each step of wol's own packing and indexing,
//!   give it the timeout again from then;
//! - messages from the server ("Counting objects…") do too, but only up to
//!   [`SERVER_TALK`] timeouts after the start: a server could send them for ever;
//! - once a push has sent its pack, the server has [`SERVER_TALK`] timeouts to take it in
//!   and answer (a large pack takes a while to index).
//!
//! libgit2 cannot be interrupted while it waits on the socket, so a stalled operation is
//! left behind: marked cancelled (its callbacks then stop it at the next chance, before
//! it updates a local ref) and ended with the process. The caller goes on: the other
//! partners are published, the other logs pulled.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

/// Bytes a transfer must move within the timeout for it to count as moving.
pub const MIN_BYTES: usize = 16 * 1024;

/// How many timeouts the server may talk without moving data, and may take to answer a
/// pushed pack.
pub const SERVER_TALK: u32 = 10;

/// What an operation's callbacks report to the watch.
pub struct Watch {
    limit: Duration,
    state: Mutex<State>,
    cancelled: AtomicBool,
}

struct State {
    deadline: Instant,
    /// Server messages extend the deadline up to here.
    talk_until: Instant,
    /// Bytes transferred when the deadline was last moved for bytes.
    bytes_mark: usize,
}

impl Watch {
    fn new(limit: Duration) -> Watch {
        let now = Instant::now();
        Watch {
            limit,
            state: Mutex::new(State {
                deadline: now + limit * 2 + Duration::from_secs(1),
                talk_until: now + limit * SERVER_TALK,
                bytes_mark: 0,
            }),
            cancelled: AtomicBool::new(false),
        }
    }

    /// `bytes` (a running total) have been transferred.
    pub fn bytes(&self, bytes: usize) {
        let limit = self.limit;
        self.update(|s, now| {
            if bytes >= s.bytes_mark.saturating_add(MIN_BYTES) {
                s.bytes_mark = bytes;
                s.deadline = s.deadline.max(now + limit);
            }
        });
    }

    /// wol's own work moved on (packing objects to push, indexing what was fetched).
    pub fn working(&self) {
        let limit = self.limit;
        self.update(|s, now| s.deadline = s.deadline.max(now + limit));
    }

    /// The server sent a message.
    pub fn server_talked(&self) {
        let limit = self.limit;
        self.update(|s, now| s.deadline = s.deadline.max((now + limit).min(s.talk_until)));
    }

    /// A push has sent everything: the server now takes the pack in and answers.
    pub fn sent_all(&self) {
        let limit = self.limit;
        self.update(|s, now| s.deadline = s.deadline.max(now + limit * SERVER_TALK));
    }

    /// True once the caller gave up: the operation must stop at the next chance.
    pub fn cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }

    fn update(&self, f: impl FnOnce(&mut State, Instant)) {
        if let Ok(mut s) = self.state.lock() {
            f(&mut s, Instant::now());
        }
    }

    /// How long until the deadline; `None` when it has passed.
    fn left(&self) -> Option<Duration> {
        let deadline = self
            .state
            .lock()
            .map_or_else(|_| Instant::now(), |s| s.deadline);
        deadline
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
    }
}

/// The operation stalled: nothing moved for `secs` seconds.
#[derive(Debug)]
pub struct Stalled {
    pub secs: u64,
}

/// Run `op` on a thread of its own and wait for it while it keeps moving (see the
/// module's rules, `limit` being the timeout). `Ok(None)` when the thread died (a
/// panic, already reported on stderr).
pub fn run<T: Send + 'static>(
    limit: Duration,
    op: impl FnOnce(&Watch) -> T + Send + 'static,
) -> Result<Option<T>, Stalled> {
    let watch = Arc::new(Watch::new(limit));
    let (tx, rx) = mpsc::channel();
    let theirs = Arc::clone(&watch);
    let spawned = std::thread::Builder::new()
        .name("wol-remote".into())
        .spawn(move || {
            let _ = tx.send(op(&theirs));
        });
    if spawned.is_err() {
        return Ok(None);
    }
    loop {
        let Some(left) = watch.left() else {
            watch.cancelled.store(true, Ordering::Relaxed);
            return Err(Stalled {
                secs: limit.as_secs().max(1),
            });
        };
        match rx.recv_timeout(left.min(Duration::from_millis(250))) {
            Ok(done) => return Ok(Some(done)),
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => return Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_operation_that_ends_in_time_gives_its_result() {
        let r = run(Duration::from_secs(5), |_| 42);
        assert_eq!(r.unwrap(), Some(42));
    }

    #[test]
    fn an_operation_that_moves_nothing_is_given_up_and_told_so() {
        let (tx, rx) = mpsc::channel();
        let started = Instant::now();
        let r = run(Duration::from_millis(200), move |w| {
            // A server that drips: a few bytes now and then, never MIN_BYTES.
            for n in 0..40 {
                w.bytes(n * 10);
                std::thread::sleep(Duration::from_millis(100));
                if w.cancelled() {
                    let _ = tx.send(());
                    return;
                }
            }
        });
        assert!(r.is_err());
        assert!(started.elapsed() < Duration::from_secs(3));
        rx.recv_timeout(Duration::from_secs(2))
            .expect("the operation sees it was cancelled");
    }

    #[test]
    fn an_operation_that_keeps_moving_is_left_to_finish() {
        let r = run(Duration::from_millis(300), |w| {
            for n in 1..=15 {
                w.bytes(n * MIN_BYTES);
                std::thread::sleep(Duration::from_millis(100));
            }
            "done"
        });
        assert_eq!(r.unwrap(), Some("done"));
    }
}
