//! A bound on each remote operation as a whole.
//!
//! libgit2's timeouts bound the connection and each single read, so a server that never
//! answers fails in `[remote] timeout`. One that sends a byte every few seconds passes
//! both for ever. So each operation runs on a thread of its own ([`run`]), and the
//! caller waits only while the operation either ends or keeps moving:
//!
//! - it has twice the timeout (and a second) from its start: connect, then the server's
//!   list of branches, each bounded by libgit2 already; and the same again when it starts
//!   over on a new connection (a push made again with deltas, once at most);
//! - each [`MIN_BYTES`] transferred, and each step of wol's own packing and indexing,
//!   give it the timeout again from then;
//! - messages from the server ("Counting objects…") do too, but only up to
//!   [`SERVER_TALK`] timeouts after the start: a server could send them for ever;
//! - once a push has sent its pack, the server has [`SERVER_TALK`] timeouts to take it in
//!   and answer (a large pack takes a while to index);
//! - the operation's own thread working on the CPU gives it the timeout again too, up to
//!   [`SERVER_TALK`] timeouts after anything else moved: libgit2 packs and indexes without
//!   a callback for long stretches (a push to a folder indexes the pack in this process,
//!   6 s at 10,000 entries, over a minute at 100,000 on a loaded machine), while an
//!   operation that waits on a stalled peer uses no CPU.
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
    /// When data or wol's own work last moved: CPU work extends the deadline up to
    /// [`SERVER_TALK`] timeouts after it.
    moved_at: Instant,
}

impl Watch {
    fn new(limit: Duration) -> Watch {
        let now = Instant::now();
        Watch {
            limit,
            state: Mutex::new(State {
                deadline: now + start_allowance(limit),
                talk_until: now + limit * SERVER_TALK,
                bytes_mark: 0,
                moved_at: now,
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
                s.moved_at = now;
            }
        });
    }

    /// wol's own work moved on (packing objects to push, indexing what was fetched).
    pub fn working(&self) {
        let limit = self.limit;
        self.update(|s, now| {
            s.deadline = s.deadline.max(now + limit);
            s.moved_at = now;
        });
    }

    /// The operation's thread has been working on the CPU since the last look: packing
    /// or indexing between callbacks, not waiting on the peer.
    fn computing(&self) {
        let limit = self.limit;
        self.update(|s, now| {
            s.deadline = s
                .deadline
                .max((now + limit).min(s.moved_at + limit * SERVER_TALK));
        });
    }

    /// The operation starts over on a new connection (a push made again with deltas, see
    /// `remote::Pack`): it has the allowance of a start again, from now.
    pub fn started_again(&self) {
        let limit = self.limit;
        self.update(|s, now| {
            s.deadline = s.deadline.max(now + start_allowance(limit));
            s.moved_at = now;
        });
    }

    /// The server sent a message.
    pub fn server_talked(&self) {
        let limit = self.limit;
        self.update(|s, now| s.deadline = s.deadline.max((now + limit).min(s.talk_until)));
    }

    /// A push has sent everything: the server now takes the pack in and answers.
    pub fn sent_all(&self) {
        let limit = self.limit;
        self.update(|s, now| {
            s.deadline = s.deadline.max(now + limit * SERVER_TALK);
            s.moved_at = now;
        });
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

/// What an operation has from its start, for connecting and the server's list of
/// branches: twice the timeout, and a second.
fn start_allowance(limit: Duration) -> Duration {
    limit * 2 + Duration::from_secs(1)
}

/// The CPU-time clock of `thread` (while it runs), where the system has one.
#[cfg(target_os = "linux")]
fn cpu_clock<T>(thread: &std::thread::JoinHandle<T>) -> Option<libc::clockid_t> {
    use std::os::unix::thread::JoinHandleExt as _;
    let mut clock: libc::clockid_t = 0;
    // SAFETY: the thread is neither joined nor detached while its handle is held, so its
    // pthread_t is valid; `clock` is a valid place for the answer.
    #[allow(unsafe_code)]
    let status = unsafe { libc::pthread_getcpuclockid(thread.as_pthread_t(), &mut clock) };
    (status == 0).then_some(clock)
}

#[cfg(not(target_os = "linux"))]
fn cpu_clock<T>(_thread: &std::thread::JoinHandle<T>) -> Option<i32> {
    None
}

/// The CPU time used so far on `clock`; `None` once its thread has ended.
#[cfg(target_os = "linux")]
fn cpu_time(clock: libc::clockid_t) -> Option<Duration> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid place for the answer; a clock whose thread ended is an
    // error, not undefined behaviour.
    #[allow(unsafe_code)]
    let status = unsafe { libc::clock_gettime(clock, &mut ts) };
    let secs = u64::try_from(ts.tv_sec).ok()?;
    let nanos = u32::try_from(ts.tv_nsec).ok()?;
    (status == 0).then(|| Duration::new(secs, nanos))
}

#[cfg(not(target_os = "linux"))]
fn cpu_time(_clock: i32) -> Option<Duration> {
    None
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
    let Ok(thread) = spawned else {
        return Ok(None);
    };
    let clock = cpu_clock(&thread);
    let mut looked = (Instant::now(), clock.and_then(cpu_time));
    loop {
        // Working on the CPU for a tenth of the time since the last look or more.
        if let (Some(clock), (at, Some(before))) = (clock, looked) {
            let used = cpu_time(clock);
            if let Some(used) = used
                && used.saturating_sub(before) >= at.elapsed() / 10
            {
                watch.computing();
            }
            looked = (Instant::now(), used);
        }
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

    /// Work on the CPU for `d`, reporting nothing.
    fn busy_for(d: Duration) -> u64 {
        let started = Instant::now();
        let mut n = 0u64;
        while started.elapsed() < d {
            n = std::hint::black_box(n.wrapping_mul(31).wrapping_add(7));
        }
        n
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn an_operation_working_on_the_cpu_between_callbacks_is_left_to_finish() {
        // libgit2 indexing a pushed pack in this process: no callback for a while.
        let r = run(Duration::from_millis(300), |w| {
            w.working();
            // Longer than the first deadline (twice the timeout and a second).
            busy_for(Duration::from_millis(2500));
            "done"
        });
        assert_eq!(r.unwrap(), Some("done"));
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn cpu_work_alone_does_not_hold_an_operation_for_ever() {
        let (tx, rx) = mpsc::channel();
        let started = Instant::now();
        let limit = Duration::from_millis(100);
        let r = run(limit, move |w| {
            let started = Instant::now();
            while !w.cancelled() && started.elapsed() < Duration::from_secs(5) {
                busy_for(Duration::from_millis(20));
            }
            let _ = tx.send(());
        });
        assert!(r.is_err());
        let took = started.elapsed();
        assert!(took >= limit * (SERVER_TALK - 1), "given up after {took:?}");
        assert!(took < limit * (SERVER_TALK + 10), "given up after {took:?}");
        rx.recv_timeout(Duration::from_secs(2))
            .expect("the operation sees it was cancelled");
    }

    /// A push that starts over on a new connection, after its first one used most of the
    /// start's allowance, has that allowance again.
    #[test]
    fn an_operation_started_again_has_the_start_allowance_again() {
        let limit = Duration::from_millis(300);
        let r = run(limit, move |w| {
            // Waiting on the peer: no CPU, no callback.
            std::thread::sleep(start_allowance(limit) * 3 / 4);
            w.started_again();
            std::thread::sleep(start_allowance(limit) * 3 / 4);
            "done"
        });
        assert_eq!(r.unwrap(), Some("done"));
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
