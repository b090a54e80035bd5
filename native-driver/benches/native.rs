//! Benchmarks of the native driver, run with
//! `cargo bench -p backstage-native-driver --bench native`.
//!
//! Every workload runs on real loop threads ([`Engine`]), measured in wall time from the thread
//! that starts it until the last message has been handled (the actors report completion over a
//! std channel). The single-loop tell workload also runs, in the same process, on the core's
//! [`ManualDriver`], as the baseline the loop is compared with; so do the core benchmark's
//! `ask`, `spawn`, `fan_out` and `skynet` workloads (the same actors on a 1-loop engine and on
//! the `ManualDriver`, see [`run_on`]), each with its native / manual ratio.
//!
//! Each workload runs once to warm up, then 5 measured times; the table shows the best and the
//! median run, and one `BENCH name=... value=... unit=...` line per result is printed for scripts
//! (`value` is the best run, `median` the median one). Targets are judged on the best run.
//! Missing a target is reported, not fatal; a wrong result (a count, a sum, a dead letter)
//! panics.
//!
//! `BACKSTAGE_BENCH_QUICK=1` scales every workload down about 100x and runs it once, without a
//! warm-up: a smoke test that the benchmark still builds and computes the right answers.
//! `cargo test --benches` (which does not pass `--bench`) runs the same quick mode.
//! `BACKSTAGE_BENCH_ONLY=native_tell,scaling` runs only the named workloads (for profiling one
//! of them); the names are those of [`WORKLOADS`]. `native_X` also runs its baseline,
//! `manual_X`, for the ratio; `manual_X` alone runs only the baseline.

// The harness shared with the core's benchmark binary.
#[path = "../../core/benches/harness/mod.rs"]
mod harness;

use std::cell::Cell;
use std::hint::black_box;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use backstage_core::{
    Actor, ActorError, Addr, Context, Handler, ManualDriver, Message, Runtime, SpawnOptions,
    System, SystemMetrics, Topic,
};
use backstage_native_driver::{Engine, Handle};
use harness::*;

// ---------------------------------------------------------------------------------------------
// Actors and messages.
// ---------------------------------------------------------------------------------------------

/// Messages per chunk (= the sink's mailbox capacity, the default one) in the pump workloads.
const CHUNK: u64 = 1024;

/// How long a workload may take before the benchmark gives up (a lost message, a stuck loop).
const PATIENCE: Duration = Duration::from_secs(120);

/// Iterations of [`mix`] per message in the scaling workload.
const WORK: u32 = 256;

/// A fixed, unpredictable amount of integer work: `iters` rounds of a 64-bit mixer.
#[inline]
fn mix(v: u64, iters: u32) -> u64 {
    let mut x = v ^ 0x243F_6A88_85A3_08D3;
    for i in 0..iters {
        x ^= x >> 31;
        x = x
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .wrapping_add(u64::from(i));
    }
    x
}

/// Counts messages and sums their payloads (the sum proves every message was handled once);
/// with `W > 0` it sums `mix(payload, W)` instead, a fixed CPU cost per message.
///
/// Fed by a [`Pump`], it gives the pump credit for the next chunk after every [`CHUNK`]
/// messages, so its mailbox never holds more than one chunk (the in-loop equivalent of the
/// core benchmark's "tell a chunk, run until idle"). It reports `(count, sum)` on `done` when
/// it has handled `expected` messages.
struct Sink<const W: u32> {
    count: u64,
    sum: u64,
    expected: u64,
    pump: Option<Addr<Pump<Sink<W>>>>,
    done: Option<Sender<(u64, u64)>>,
}

impl<const W: u32> Sink<W> {
    fn new(expected: u64, done: Sender<(u64, u64)>) -> Self {
        Sink {
            count: 0,
            sum: 0,
            expected,
            pump: None,
            done: Some(done),
        }
    }
}

impl<const W: u32> Actor for Sink<W> {}

struct Add(u64);
impl Message for Add {
    type Reply = ();
}
impl<const W: u32> Handler<Add> for Sink<W> {
    #[inline]
    fn handle(&mut self, Add(v): Add, ctx: &mut Context<'_, Self>) -> Result<(), ActorError> {
        self.count += 1;
        let v = if W == 0 { v } else { mix(v, W) };
        self.sum = self.sum.wrapping_add(v);
        if self.count % CHUNK == 0 {
            if let Some(pump) = self.pump {
                ctx.tell(&pump, Go)?;
            }
        }
        if self.count == self.expected {
            if let Some(done) = &self.done {
                // The benchmark thread may have given up already; nothing to do then.
                let _ = done.send((self.count, self.sum));
            }
        }
        Ok(())
    }
}

/// Where a [`Sink`] sends its credit.
struct SetPump<const W: u32>(Addr<Pump<Sink<W>>>);
impl<const W: u32> Message for SetPump<W> {
    type Reply = ();
}
impl<const W: u32> Handler<SetPump<W>> for Sink<W> {
    fn handle(
        &mut self,
        SetPump(p): SetPump<W>,
        _: &mut Context<'_, Self>,
    ) -> Result<(), ActorError> {
        self.pump = Some(p);
        Ok(())
    }
}

/// (count, sum) of a [`Sink`].
struct Totals;
impl Message for Totals {
    type Reply = (u64, u64);
}
impl<const W: u32> Handler<Totals> for Sink<W> {
    fn handle(&mut self, _: Totals, _: &mut Context<'_, Self>) -> Result<(u64, u64), ActorError> {
        Ok((self.count, self.sum))
    }
}

/// Tells `Add(next..end)` to its target, one [`CHUNK`] per [`Go`].
struct Pump<T> {
    target: Addr<T>,
    next: u64,
    end: u64,
}
impl<T: Actor> Actor for Pump<T> {}

/// Credit for one more chunk.
struct Go;
impl Message for Go {
    type Reply = ();
}
impl<T: Handler<Add>> Handler<Go> for Pump<T> {
    #[inline]
    fn handle(&mut self, _: Go, ctx: &mut Context<'_, Self>) -> Result<(), ActorError> {
        let end = (self.next + CHUNK).min(self.end);
        for v in self.next..end {
            ctx.tell(&self.target, Add(black_box(v)))?;
        }
        self.next = end;
        Ok(())
    }
}

/// Notes when it handles a [`Ping`] (ns since `epoch`), then reports the sequence number.
struct Stamper {
    epoch: Instant,
    at: Arc<AtomicU64>,
    seen: Sender<u64>,
}
impl Actor for Stamper {}

struct Ping(u64);
impl Message for Ping {
    type Reply = u64;
}
impl Handler<Ping> for Stamper {
    fn handle(&mut self, Ping(seq): Ping, _: &mut Context<'_, Self>) -> Result<u64, ActorError> {
        self.at.store(nanos_since(self.epoch), Ordering::Release);
        let _ = self.seen.send(seq);
        Ok(seq)
    }
}

fn nanos_since(epoch: Instant) -> u64 {
    u64::try_from(epoch.elapsed().as_nanos()).unwrap_or(u64::MAX)
}

/// One side of the ping-pong. With `remote`, it answers through [`Handle::current`] (the way
/// to reach an actor on another loop) instead of its `Context`.
struct Player {
    peer: Option<Addr<Player>>,
    hits: u64,
    remote: bool,
    handle: Option<Handle>,
    done: Sender<u64>,
}

impl Player {
    fn new(remote: bool, done: Sender<u64>) -> Self {
        Player {
            peer: None,
            hits: 0,
            remote,
            handle: None,
            done,
        }
    }
}

impl Actor for Player {
    fn started(&mut self, _: &mut Context<'_, Self>) -> Result<(), ActorError> {
        if self.remote {
            self.handle = Some(Handle::current().ok_or("a remote player off a loop thread")?);
        }
        Ok(())
    }
}

struct SetPeer(Addr<Player>);
impl Message for SetPeer {
    type Reply = ();
}
impl Handler<SetPeer> for Player {
    fn handle(&mut self, SetPeer(p): SetPeer, _: &mut Context<'_, Self>) -> Result<(), ActorError> {
        self.peer = Some(p);
        Ok(())
    }
}

/// The ball, with the number of bounces still to go.
struct Ball(u64);
impl Message for Ball {
    type Reply = ();
}
impl Handler<Ball> for Player {
    #[inline]
    fn handle(&mut self, Ball(left): Ball, ctx: &mut Context<'_, Self>) -> Result<(), ActorError> {
        self.hits += 1;
        if left == 0 {
            let _ = self.done.send(self.hits);
            return Ok(());
        }
        let peer = self.peer.ok_or("ping-pong player without a peer")?;
        match &self.handle {
            Some(handle) => handle
                .tell(&peer, Ball(left - 1))
                .map_err(|e| ActorError::from_error(&e))?,
            None => ctx.tell(&peer, Ball(left - 1))?,
        }
        Ok(())
    }
}

struct Hits;
impl Message for Hits {
    type Reply = u64;
}
impl Handler<Hits> for Player {
    fn handle(&mut self, _: Hits, _: &mut Context<'_, Self>) -> Result<u64, ActorError> {
        Ok(self.hits)
    }
}

// The core benchmark's workloads (`ask`, `spawn`, `fan_out`, `skynet`), like for like: the
// same actors run on a 1-loop engine and on the `ManualDriver` (see [`run_on`]). Each reports
// its result, or what went wrong, on a std channel from the handler that completes it.

/// What a like-for-like workload reports: its result, or what went wrong (reported at once,
/// rather than leaving the benchmark thread waiting for a completion that will not come).
type Outcome<T> = Result<T, String>;

/// Starts a like-for-like workload.
struct Start;
impl Message for Start {
    type Reply = ();
}

/// Answers each [`Bump`] with how many it has had: the target of the ask workload.
#[derive(Default)]
struct Bumps(u64);
impl Actor for Bumps {}

struct Bump;
impl Message for Bump {
    type Reply = u64;
}
impl Handler<Bump> for Bumps {
    #[inline]
    fn handle(&mut self, _: Bump, _: &mut Context<'_, Self>) -> Result<u64, ActorError> {
        self.0 += 1;
        Ok(self.0)
    }
}

/// Asks its target `n` times in sequence, each ask made from the previous one's continuation;
/// reports the number of replies once the last is back.
struct Asker {
    target: Addr<Bumps>,
    n: u64,
    replies: u64,
    done: Sender<Outcome<u64>>,
}
impl Actor for Asker {}

impl Asker {
    fn next(&mut self, ctx: &mut Context<'_, Self>) {
        if self.replies == self.n {
            let _ = self.done.send(Ok(self.replies));
            return;
        }
        ctx.ask(&self.target, Bump, |this: &mut Asker, reply, ctx| {
            this.replies += 1;
            match reply {
                Ok(v) if v == this.replies => {
                    this.next(ctx);
                    Ok(())
                }
                other => {
                    let why = format!("reply {} was {other:?}", this.replies);
                    let _ = this.done.send(Err(why.clone()));
                    Err(why.into())
                }
            }
        });
    }
}

impl Handler<Start> for Asker {
    fn handle(&mut self, _: Start, ctx: &mut Context<'_, Self>) -> Result<(), ActorError> {
        self.next(ctx);
        Ok(())
    }
}

/// Children spawned per [`Start`] in the spawn workload (the spawner then tells itself the
/// next batch).
const SPAWN_BATCH: u64 = 1024;

/// What the children of a [`Spawner`] share: how many have started; the last one reports.
struct Started {
    count: Cell<u64>,
    expected: u64,
    done: Sender<Outcome<u64>>,
}

/// A spawned child: it only counts itself started.
struct Child(Rc<Started>);
impl Actor for Child {
    fn started(&mut self, _: &mut Context<'_, Self>) -> Result<(), ActorError> {
        let count = self.0.count.get() + 1;
        self.0.count.set(count);
        if count == self.0.expected {
            let _ = self.0.done.send(Ok(count));
        }
        Ok(())
    }
}

/// Spawns `left` children, [`SPAWN_BATCH`] per [`Start`].
struct Spawner {
    left: u64,
    started: Rc<Started>,
}
impl Actor for Spawner {}

impl Handler<Start> for Spawner {
    fn handle(&mut self, _: Start, ctx: &mut Context<'_, Self>) -> Result<(), ActorError> {
        let batch = SPAWN_BATCH.min(self.left);
        for _ in 0..batch {
            let started = self.started.clone();
            black_box(ctx.spawn_child(move || Child(started.clone())));
        }
        self.left -= batch;
        if self.left > 0 {
            let me = ctx.me();
            ctx.tell(&me, Start)?;
        }
        Ok(())
    }
}

/// What the subscribers of the fan-out share: the totals of those that have seen every
/// publication; the last one reports `(deliveries, payload sum)`.
struct FanIn {
    finished: Cell<u64>,
    subscribers: u64,
    deliveries: Cell<u64>,
    sum: Cell<u64>,
    done: Sender<Outcome<(u64, u64)>>,
}

/// A fan-out subscriber: counts and sums the [`Tick`]s it gets, `expected` in all.
struct Subscriber {
    count: u64,
    sum: u64,
    expected: u64,
    fan_in: Rc<FanIn>,
}
impl Actor for Subscriber {}

#[derive(Clone)]
struct Tick(u64);
impl Message for Tick {
    type Reply = ();
}
impl Handler<Tick> for Subscriber {
    #[inline]
    fn handle(&mut self, Tick(v): Tick, _: &mut Context<'_, Self>) -> Result<(), ActorError> {
        self.count += 1;
        self.sum = self.sum.wrapping_add(v);
        if self.count == self.expected {
            let f = &self.fan_in;
            f.deliveries.set(f.deliveries.get() + self.count);
            f.sum.set(f.sum.get().wrapping_add(self.sum));
            f.finished.set(f.finished.get() + 1);
            if f.finished.get() == f.subscribers {
                let _ = f.done.send(Ok((f.deliveries.get(), f.sum.get())));
            }
        }
        Ok(())
    }
}

/// Publishes `Tick(0..n)` on its topic, all in one handler (as the core benchmark publishes
/// them all before running the system).
struct Publisher {
    topic: Topic,
    n: u64,
    subscribers: usize,
    done: Sender<Outcome<(u64, u64)>>,
}
impl Actor for Publisher {}

impl Handler<Start> for Publisher {
    fn handle(&mut self, _: Start, ctx: &mut Context<'_, Self>) -> Result<(), ActorError> {
        for i in 0..self.n {
            let reached = ctx.publish(&self.topic, Tick(black_box(i)));
            if reached != self.subscribers {
                let why = format!("publication {i} reached {reached} subscribers");
                let _ = self.done.send(Err(why.clone()));
                return Err(why.into());
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers.
// ---------------------------------------------------------------------------------------------

fn expected_sum(n: u64) -> u64 {
    n * n.saturating_sub(1) / 2
}

/// The sum a `Sink<W>` reaches after `Add(0..n)`.
fn expected_mix_sum(n: u64, w: u32) -> u64 {
    (0..n).fold(0u64, |s, v| s.wrapping_add(mix(v, w)))
}

fn engine(loops: usize) -> Engine {
    Engine::builder()
        .loops(loops)
        .start()
        .expect("start the engine")
}

/// Shuts `engine` down and checks that no message was lost, rejected or failed on any loop.
fn finish(engine: Engine, what: &str) {
    let metrics = engine.shutdown_and_join();
    assert_clean(&metrics, what);
}

fn assert_clean(metrics: &[SystemMetrics], what: &str) {
    for (i, m) in metrics.iter().enumerate() {
        assert_eq!(m.failures, 0, "{what}: handler failures on loop {i}");
        assert_eq!(m.dead_letters, 0, "{what}: dead letters on loop {i}");
        assert_eq!(m.rejected, 0, "{what}: rejected sends on loop {i}");
    }
}

fn recv<T>(rx: &Receiver<T>, what: &str) -> T {
    rx.recv_timeout(PATIENCE)
        .unwrap_or_else(|e| panic!("{what}: no completion within {PATIENCE:?} ({e})"))
}

/// Spawns a `Sink<W>` and its pump on loop `index`, wired together, and waits until both exist.
fn spawn_pair<const W: u32>(
    handle: &Handle,
    index: usize,
    n: u64,
    done: &Sender<(u64, u64)>,
) -> (Addr<Sink<W>>, Addr<Pump<Sink<W>>>) {
    let done = done.clone();
    let sink = handle
        .spawn_on(index, SpawnOptions::new(), move || {
            Sink::<W>::new(n, done.clone())
        })
        .wait()
        .expect("spawn the sink");
    let pump = handle
        .spawn_on(index, SpawnOptions::new(), move || Pump {
            target: sink,
            next: 0,
            end: n,
        })
        .wait()
        .expect("spawn the pump");
    handle.tell(&sink, SetPump(pump)).expect("wire the pump");
    // Commands run in order on the loop: once this is answered, the sink knows its pump.
    let (count, _) = handle.ask(&sink, Totals).wait().expect("ask the sink");
    assert_eq!(count, 0);
    (sink, pump)
}

// ---------------------------------------------------------------------------------------------
// Workloads. Each returns the wall time of the measured part; setup and checks are outside it.
// ---------------------------------------------------------------------------------------------

/// Workload 1: `n` tells from a pump actor to a sink on the same loop of a 1-loop engine.
fn native_tell(n: u64) -> Duration {
    let engine = engine(1);
    let handle = engine.handle();
    let (tx, rx) = mpsc::channel();
    let (sink, pump) = spawn_pair::<0>(&handle, 0, n, &tx);

    let start = Instant::now();
    handle.tell(&pump, Go).expect("start the pump");
    let (count, sum) = recv(&rx, "native_tell");
    let elapsed = start.elapsed();

    assert_eq!(count, n, "native_tell: messages handled");
    assert_eq!(sum, expected_sum(n), "native_tell: payload sum");
    let totals = handle.ask(&sink, Totals).wait().expect("ask the totals");
    assert_eq!(totals, (n, expected_sum(n)), "native_tell: final totals");
    finish(engine, "native_tell");
    elapsed
}

/// Workload 1b: The same pump workload on the core's `ManualDriver`: the baseline.
fn manual_tell(n: u64) -> Duration {
    let mut driver = ManualDriver::default();
    let (tx, rx) = mpsc::channel();
    let sink = driver.spawn(move || Sink::<0>::new(n, tx.clone()));
    let pump = driver.spawn(move || Pump {
        target: sink,
        next: 0,
        end: n,
    });
    driver.tell(&sink, SetPump(pump)).expect("wire the pump");
    driver.run_until_idle();

    let start = Instant::now();
    driver.tell(&pump, Go).expect("start the pump");
    driver.run_until_idle();
    let (count, sum) = rx.try_recv().expect("manual_tell: the sink did not finish");
    let elapsed = start.elapsed();

    assert_eq!(count, n, "manual_tell: messages handled");
    assert_eq!(sum, expected_sum(n), "manual_tell: payload sum");
    let m = driver.metrics();
    assert_eq!(
        (m.failures, m.dead_letters, m.rejected),
        (0, 0, 0),
        "manual_tell: failures, dead letters, rejections"
    );
    elapsed
}

/// Workload 2: `threads` plain threads each `Handle::tell` `per` messages to one actor on a
/// 1-loop engine; time from their common start until the actor has handled all.
fn cross_thread_tell(threads: usize, per: u64) -> Duration {
    let engine = engine(1);
    let handle = engine.handle();
    let total = threads as u64 * per;
    let (tx, rx) = mpsc::channel();
    // A tell from another thread has no back pressure: it is checked when the loop runs the
    // command, and a full mailbox turns it into a dead letter. The loop moves a whole inbox
    // batch into the mailbox before running the actor, so the mailbox must hold the backlog.
    let capacity = usize::try_from(total).expect("fits");
    let sink = handle
        .spawn_on(0, SpawnOptions::new().capacity(capacity), move || {
            Sink::<0>::new(total, tx.clone())
        })
        .wait()
        .expect("spawn the sink");

    let barrier = Arc::new(Barrier::new(threads + 1));
    let producers: Vec<_> = (0..threads as u64)
        .map(|t| {
            let (handle, barrier) = (handle.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                for v in t * per..(t + 1) * per {
                    handle.tell(&sink, Add(black_box(v))).expect("tell");
                }
            })
        })
        .collect();

    barrier.wait();
    let start = Instant::now();
    let (count, sum) = recv(&rx, "cross_thread_tell");
    let elapsed = start.elapsed();

    for p in producers {
        p.join().expect("a producer panicked");
    }
    assert_eq!(count, total, "cross_thread_tell: messages handled");
    assert_eq!(sum, expected_sum(total), "cross_thread_tell: payload sum");
    finish(engine, "cross_thread_tell");
    elapsed
}

/// How a latency sample is taken.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Probe {
    /// `Handle::tell`; latency = from just before the tell to the handler's clock reading.
    Tell,
    /// `Handle::ask(..).wait()`; latency = the whole round trip, back on the calling thread.
    Ask,
}

/// The loop sleeps before every sample for this long (it is in `Poller::wait` by then).
const IDLE_GAP: Duration = Duration::from_micros(75);

/// Workload 3: `samples` wake-ups of an idle 1-loop engine by a plain thread; the latencies
/// in µs, sorted.
fn wakeup(samples: usize, probe: Probe) -> Vec<f64> {
    let engine = engine(1);
    let handle = engine.handle();
    let epoch = Instant::now();
    let at = Arc::new(AtomicU64::new(0));
    let (tx, seen) = mpsc::channel();
    let stamper = {
        let at = at.clone();
        handle
            .spawn_on(0, SpawnOptions::new(), move || Stamper {
                epoch,
                at: at.clone(),
                seen: tx.clone(),
            })
            .wait()
            .expect("spawn the stamper")
    };

    // The waiter blocks rather than spins: on 2 cores the loop thread is often woken onto the
    // sender's CPU, and a spinning sender would delay it by however long it spins.
    let mut latencies = Vec::with_capacity(samples);
    for seq in 1..=samples as u64 {
        std::thread::sleep(IDLE_GAP);
        match probe {
            Probe::Tell => {
                let sent = nanos_since(epoch);
                handle.tell(&stamper, Ping(seq)).expect("tell");
                assert_eq!(recv(&seen, "wakeup"), seq, "wakeup: ping order");
                let handled = at.load(Ordering::Acquire);
                latencies.push(handled.saturating_sub(sent) as f64 / 1e3);
            }
            Probe::Ask => {
                let sent = Instant::now();
                let reply = handle.ask(&stamper, Ping(seq)).wait().expect("ask");
                latencies.push(sent.elapsed().as_secs_f64() * 1e6);
                assert_eq!(reply, seq, "wakeup: ask reply");
                assert_eq!(recv(&seen, "wakeup"), seq, "wakeup: ping order");
            }
        }
    }
    finish(engine, "wakeup");
    latencies.sort_by(f64::total_cmp);
    latencies
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

/// Workload 4: `pairs` independent pump → sink pairs, `per` messages each with [`WORK`]
/// rounds of [`mix`] per message, spread evenly over `loops` loops.
fn scaling(loops: usize, pairs: usize, per: u64, expected: u64) -> Duration {
    let engine = engine(loops);
    let handle = engine.handle();
    let (tx, rx) = mpsc::channel();
    let pumps: Vec<_> = (0..pairs)
        .map(|k| spawn_pair::<WORK>(&handle, k % loops, per, &tx).1)
        .collect();

    let start = Instant::now();
    for pump in &pumps {
        handle.tell(pump, Go).expect("start a pump");
    }
    for _ in 0..pairs {
        let (count, sum) = recv(&rx, "scaling");
        assert_eq!(count, per, "scaling: messages handled");
        assert_eq!(sum, expected, "scaling: work sum");
    }
    let elapsed = start.elapsed();

    finish(engine, "scaling");
    elapsed
}

/// Workload 5: `n` bounces between two players: on one loop (`Context::tell`), or on two
/// loops (`Handle::tell` across them).
fn ping_pong(n: u64, cross: bool) -> Duration {
    let loops = if cross { 2 } else { 1 };
    let engine = engine(loops);
    let handle = engine.handle();
    let (tx, rx) = mpsc::channel();
    let spawn = |index: usize| {
        let tx = tx.clone();
        handle
            .spawn_on(index, SpawnOptions::new(), move || {
                Player::new(cross, tx.clone())
            })
            .wait()
            .expect("spawn a player")
    };
    let a = spawn(0);
    let b = spawn(loops - 1);
    handle.tell(&a, SetPeer(b)).expect("tell");
    handle.tell(&b, SetPeer(a)).expect("tell");
    for p in [&a, &b] {
        assert_eq!(handle.ask(p, Hits).wait(), Ok(0), "ping_pong: setup");
    }

    let start = Instant::now();
    handle.tell(&a, Ball(n - 1)).expect("serve");
    recv(&rx, "ping_pong");
    let elapsed = start.elapsed();

    let hits =
        handle.ask(&a, Hits).wait().expect("ask") + handle.ask(&b, Hits).wait().expect("ask");
    assert_eq!(hits, n, "ping_pong: messages handled");
    finish(engine, "ping_pong");
    elapsed
}

/// Where a like-for-like workload runs.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Driver {
    /// On a 1-loop [`Engine`], started by a command from the benchmark thread.
    Native,
    /// On the core's [`ManualDriver`], in the benchmark thread, with `run_until_idle`.
    Manual,
}

/// Runs one like-for-like workload on `driver`.
///
/// `setup` builds the workload's actors on a fresh system (the loop's, or the `ManualDriver`'s)
/// and returns `start`, which starts it. The time is measured from `start` until the actors'
/// completion reaches the benchmark thread (on the `ManualDriver`, until `run_until_idle`
/// returns with it). Returns that time, the result the actors reported, and the system's
/// counters at completion; panics if they reported a problem or lost a message.
fn run_on<T, S>(
    driver: Driver,
    what: &str,
    setup: impl FnOnce(&mut System, Sender<Outcome<T>>) -> S + Send + 'static,
) -> (Duration, T, SystemMetrics)
where
    T: Send + 'static,
    S: FnOnce(&mut System) + Send + 'static,
{
    let (tx, rx) = mpsc::channel();
    let (elapsed, outcome, metrics) = match driver {
        Driver::Native => {
            let engine = engine(1);
            let handle = engine.handle();
            let start = handle
                .with_system(0, move |system| setup(system, tx))
                .wait()
                .unwrap_or_else(|e| panic!("{what}: setup ({e})"));

            let t0 = Instant::now();
            // The reply (nothing) is not waited for: the completion comes on `rx`.
            drop(handle.with_system(0, start));
            let outcome = recv(&rx, what);
            let elapsed = t0.elapsed();

            let metrics = handle
                .metrics(0)
                .wait()
                .unwrap_or_else(|e| panic!("{what}: metrics ({e})"));
            // Stopping what may be a million actors is not part of the benchmark.
            finish(engine, what);
            (elapsed, outcome, metrics)
        }
        Driver::Manual => {
            let mut driver = ManualDriver::default();
            let start = setup(&mut driver.system, tx);
            driver.run_until_idle();

            let t0 = Instant::now();
            start(&mut driver.system);
            driver.run_until_idle();
            let outcome = rx
                .try_recv()
                .unwrap_or_else(|e| panic!("{what}: the system went idle unfinished ({e})"));
            let elapsed = t0.elapsed();

            let metrics = driver.metrics().clone();
            // Dropping what may be a million actors is not part of the benchmark either.
            drop(driver);
            (elapsed, outcome, metrics)
        }
    };
    assert_clean(std::slice::from_ref(&metrics), what);
    let result = outcome.unwrap_or_else(|e| panic!("{what} on {driver:?}: {e}"));
    (elapsed, result, metrics)
}

/// Workload 6: `n` sequential asks by an actor, each made from the previous reply's
/// [`Context::ask`] continuation; time until the last reply.
fn ask_chain(driver: Driver, n: u64) -> Duration {
    let (elapsed, replies, _) = run_on(driver, "ask", move |system, done| {
        let target = system.spawn(Bumps::default);
        let asker = system.spawn(move || Asker {
            target,
            n,
            replies: 0,
            done: done.clone(),
        });
        move |system: &mut System| system.tell(&asker, Start).expect("start the asker")
    });
    assert_eq!(replies, n, "ask: replies");
    elapsed
}

/// Workload 7: an actor spawns `n` children ([`Context::spawn_child`]) in batches; time until
/// every child has started.
fn spawn_children(driver: Driver, n: u64) -> Duration {
    let (elapsed, started, metrics) = run_on(driver, "spawn", move |system, done| {
        let started = Rc::new(Started {
            count: Cell::new(0),
            expected: n,
            done,
        });
        let spawner = system.spawn(move || Spawner {
            left: n,
            started: started.clone(),
        });
        move |system: &mut System| system.tell(&spawner, Start).expect("start the spawner")
    });
    assert_eq!(started, n, "spawn: children started");
    assert_eq!(metrics.live_actors, n + 1, "spawn: live actors");
    elapsed
}

/// Workload 8: an actor publishes `publishes` messages on a topic with `subscribers`
/// subscribers; time until every subscriber has seen every message.
fn fan_out(driver: Driver, subscribers: u64, publishes: u64) -> Duration {
    let (elapsed, (deliveries, sum), _) = run_on(driver, "fan_out", move |system, done| {
        let topic = Topic::global("bench.fan-out");
        let fan_in = Rc::new(FanIn {
            finished: Cell::new(0),
            subscribers,
            deliveries: Cell::new(0),
            sum: Cell::new(0),
            done: done.clone(),
        });
        for _ in 0..subscribers {
            let fan_in = fan_in.clone();
            let s = system.spawn(move || Subscriber {
                count: 0,
                sum: 0,
                expected: publishes,
                fan_in: fan_in.clone(),
            });
            system.subscribe::<Tick, _>(&topic, &s).expect("subscribe");
        }
        let publisher = system.spawn(move || Publisher {
            topic: topic.clone(),
            n: publishes,
            subscribers: subscribers as usize,
            done: done.clone(),
        });
        move |system: &mut System| system.tell(&publisher, Start).expect("start the publisher")
    });
    assert_eq!(deliveries, subscribers * publishes, "fan_out: deliveries");
    assert_eq!(
        sum,
        subscribers.wrapping_mul(expected_sum(publishes)),
        "fan_out: payload sum"
    );
    elapsed
}

/// Workload 9: skynet with `levels` levels below the root (10^levels leaves), started by
/// spawning the root; time until the root has the sum.
fn skynet(driver: Driver, levels: u32) -> Duration {
    let leaves = 10u64.pow(levels);
    let (elapsed, total, metrics) = run_on(driver, "skynet", move |_, done| {
        move |system: &mut System| {
            system.spawn(move || {
                let done = done.clone();
                skynet::Node::root(leaves, move |sum| {
                    let _ = done.send(Ok(sum));
                })
            });
        }
    });
    assert_eq!(total, expected_sum(leaves), "skynet: sum");
    let actors: u64 = (0..=levels).map(|l| 10u64.pow(l)).sum();
    assert_eq!(metrics.spawned, actors, "skynet: actors spawned");
    elapsed
}

// ---------------------------------------------------------------------------------------------
// Measurement and reporting.
// ---------------------------------------------------------------------------------------------

/// Latency percentiles over `iters` runs of `samples` samples (after a short warm-up unless
/// quick): for p50 and p99, the best run's and the median run's value.
struct Latency {
    p50: (f64, f64),
    p99: (f64, f64),
    max: f64,
}

fn measure_latency(config: &Config, label: &str, samples: usize, probe: Probe) -> Latency {
    if !config.quick {
        wakeup(samples / 10, probe);
    }
    let runs: Vec<Vec<f64>> = (0..config.iters).map(|_| wakeup(samples, probe)).collect();
    let pick = |p: f64| {
        let mut v: Vec<f64> = runs.iter().map(|r| percentile(r, p)).collect();
        v.sort_by(f64::total_cmp);
        (v[0], v[v.len() / 2])
    };
    let latency = Latency {
        p50: pick(0.50),
        p99: pick(0.99),
        max: runs.iter().map(|r| r[r.len() - 1]).fold(0.0, f64::max),
    };
    println!(
        "  {label:<30} p50 {:>8.1} us  p99 {:>8.1} us  max {:>8.1} us  ({} runs x {samples}, best)",
        latency.p50.0,
        latency.p99.0,
        latency.max,
        runs.len()
    );
    latency
}

/// The workload names `BACKSTAGE_BENCH_ONLY` accepts. `native_X` also runs its baseline,
/// `manual_X`, for the ratio; `manual_X` alone runs only the baseline.
const WORKLOADS: [&str; 14] = [
    "native_tell",
    "manual_tell",
    "cross_thread_tell",
    "wakeup_latency",
    "scaling",
    "ping_pong",
    "native_ask",
    "manual_ask",
    "native_spawn",
    "manual_spawn",
    "native_fan_out",
    "manual_fan_out",
    "native_skynet",
    "manual_skynet",
];

/// How a like-for-like workload is reported.
#[derive(Clone, Copy)]
enum Report {
    /// `count` items per run, as a rate in `unit`.
    Rate(u64, &'static str),
    /// The wall time of a run.
    Millis,
}

/// Runs a like-for-like workload on the native loop (if `native` is wanted) and on the
/// `ManualDriver` (if either is), adding a row for each and, when both ran, the native /
/// manual throughput ratio (for a time, manual time / native time). `names` are the native,
/// manual and ratio rows' names; `what` names the workload and `sizes` describes a run, for
/// the labels.
fn compare(
    config: &Config,
    rows: &mut Vec<Row>,
    names: [&'static str; 3],
    what: &str,
    sizes: &str,
    report: Report,
    mut run: impl FnMut(Driver) -> Duration,
) {
    let [native, manual, ratio] = names;
    let mut timings = Vec::new();
    for (driver, name, wanted, label) in [
        (
            Driver::Native,
            native,
            config.wants(native),
            format!("native {what}, 1 loop ({sizes})"),
        ),
        (
            Driver::Manual,
            manual,
            config.wants(native) || config.wants(manual),
            format!("ManualDriver {what} ({sizes})"),
        ),
    ] {
        if !wanted {
            continue;
        }
        let short = match report {
            Report::Rate(count, _) => format!("{name} x{count}"),
            Report::Millis => format!("{name} ({sizes})"),
        };
        let t = measure(config, &short, || run(driver));
        let (best, median, unit) = match report {
            Report::Rate(count, unit) => {
                let (best, median) = rate(count, &t);
                (best, median, unit)
            }
            Report::Millis => (ms(t.best), ms(t.median), "ms"),
        };
        rows.push(Row {
            name,
            label,
            best,
            median,
            unit,
            target: None,
        });
        timings.push(t);
    }
    if let [n, m] = &timings[..] {
        let speed =
            |native: Duration, manual: Duration| manual.as_secs_f64() / native.as_secs_f64();
        rows.push(Row {
            name: ratio,
            label: format!("native / manual {what} throughput"),
            best: speed(n.best, m.best),
            median: speed(n.median, m.median),
            unit: "ratio",
            target: None,
        });
    }
}

fn main() {
    let config = Config::from_env();
    if let Some(only) = &config.only {
        for w in only {
            assert!(
                WORKLOADS.contains(&w.as_str()),
                "BACKSTAGE_BENCH_ONLY: unknown workload {w:?} (known: {WORKLOADS:?})"
            );
        }
    }
    let quick = config.quick;
    QUICK.store(quick, Ordering::Relaxed);
    let s = config.scale as u64;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let started = Instant::now();
    println!(
        "backstage-native-driver benchmarks ({} mode: {} measured run(s){}, sizes / {}; \
         available parallelism: {cores})",
        if quick { "quick" } else { "full" },
        config.iters,
        if quick { "" } else { " after a warm-up" },
        s
    );

    let mut rows = vec![Row {
        name: "available_parallelism",
        label: "available parallelism (cores)".into(),
        best: cores as f64,
        median: cores as f64,
        unit: "threads",
        target: None,
    }];

    // 1. Single-loop tell from inside the loop, next to the same workload on the ManualDriver.
    let n_tell = 1_000_000 / s;
    let mut native_rate = None;
    let mut manual_rate = None;
    if config.wants("native_tell") {
        let t = measure(&config, &format!("native_tell x{n_tell}"), || {
            native_tell(n_tell)
        });
        let (best, median) = rate(n_tell, &t);
        native_rate = Some((best, median));
        rows.push(Row {
            name: "native_tell",
            label: format!("native tell, 1 loop ({n_tell} msgs, pump)"),
            best,
            median,
            unit: "msgs/s",
            target: None,
        });
    }
    // The baseline runs with `native_tell` too: the ratio is the point of the comparison.
    if config.wants("manual_tell") || config.wants("native_tell") {
        let t = measure(&config, &format!("manual_tell x{n_tell}"), || {
            manual_tell(n_tell)
        });
        let (best, median) = rate(n_tell, &t);
        manual_rate = Some((best, median));
        rows.push(Row {
            name: "manual_tell",
            label: format!("baseline: ManualDriver ({n_tell} msgs, pump)"),
            best,
            median,
            unit: "msgs/s",
            target: None,
        });
    }
    if let (Some((nb, nm)), Some((mb, mm))) = (native_rate, manual_rate) {
        rows.push(Row {
            name: "native_over_manual",
            label: "native / manual throughput".into(),
            best: nb / mb,
            median: nm / mm,
            unit: "ratio",
            target: Some(Target::AtLeast(1.0 / 1.5)),
        });
    }

    // 2. Tells from plain threads.
    if config.wants("cross_thread_tell") {
        let per = 250_000 / s;
        for (threads, name) in [(1, "cross_thread_tell_1"), (4, "cross_thread_tell_4")] {
            let t = measure(&config, &format!("cross-thread {threads}x{per}"), || {
                cross_thread_tell(threads, per)
            });
            let (best, median) = rate(threads as u64 * per, &t);
            rows.push(Row {
                name,
                label: format!("Handle::tell from {threads} thread(s) x {per} msgs"),
                best,
                median,
                unit: "msgs/s",
                target: None,
            });
        }
    }

    // 3. Wake-up latency of an idle loop.
    if config.wants("wakeup_latency") {
        let samples = 10_000 / config.scale;
        let tell = measure_latency(
            &config,
            &format!("wakeup tell x{samples}"),
            samples,
            Probe::Tell,
        );
        rows.push(Row {
            name: "wakeup_latency_p50",
            label: format!("wake-up: tell -> handled, p50 ({samples} samples)"),
            best: tell.p50.0,
            median: tell.p50.1,
            unit: "us",
            target: None,
        });
        rows.push(Row {
            name: "wakeup_latency_p99",
            label: "wake-up: tell -> handled, p99".into(),
            best: tell.p99.0,
            median: tell.p99.1,
            unit: "us",
            target: Some(Target::AtMost(100.0)),
        });
        let ask_samples = 2_000 / config.scale;
        let ask = measure_latency(
            &config,
            &format!("wakeup ask x{ask_samples}"),
            ask_samples,
            Probe::Ask,
        );
        rows.push(Row {
            name: "wakeup_ask_rtt_p50",
            label: format!("wake-up: ask().wait() round trip, p50 ({ask_samples})"),
            best: ask.p50.0,
            median: ask.p50.1,
            unit: "us",
            target: None,
        });
        rows.push(Row {
            name: "wakeup_ask_rtt_p99",
            label: "wake-up: ask().wait() round trip, p99".into(),
            best: ask.p99.0,
            median: ask.p99.1,
            unit: "us",
            target: None,
        });
    }

    // 4. Scaling from 1 to 2 loops.
    if config.wants("scaling") {
        let pairs = 8;
        let per = 400_000 / s / pairs as u64;
        let total = per * pairs as u64;
        let expected = expected_mix_sum(per, WORK);
        let mut rates = Vec::new();
        for (loops, name) in [(1, "scaling_1_loop"), (2, "scaling_2_loops")] {
            let t = measure(&config, &format!("scaling {loops} loop(s)"), || {
                scaling(loops, pairs, per, expected)
            });
            let (best, median) = rate(total, &t);
            rates.push((best, median));
            rows.push(Row {
                name,
                label: format!("{pairs} pairs x {per} msgs x {WORK} mix, {loops} loop(s)"),
                best,
                median,
                unit: "msgs/s",
                target: None,
            });
        }
        rows.push(Row {
            name: "scaling_ratio",
            label: "2 loops / 1 loop throughput".into(),
            best: rates[1].0 / rates[0].0,
            median: rates[1].1 / rates[0].1,
            unit: "ratio",
            target: Some(Target::AtLeast(1.7)),
        });
    }

    // 5. Ping-pong on one loop and across two.
    if config.wants("ping_pong") {
        for (cross, n, name, label) in [
            (
                false,
                1_000_000 / s,
                "ping_pong_same_loop",
                "same loop, Context::tell",
            ),
            (
                true,
                20_000 / s,
                "ping_pong_cross_loop",
                "2 loops, Handle::tell",
            ),
        ] {
            let t = measure(&config, &format!("ping-pong {label} x{n}"), || {
                ping_pong(n, cross)
            });
            let (best, median) = rate(n, &t);
            rows.push(Row {
                name,
                label: format!("ping-pong, {label} ({n} msgs)"),
                best,
                median,
                unit: "msgs/s",
                target: None,
            });
        }
    }

    // 6-9. The core benchmark's other workloads, each on the loop and on the ManualDriver.
    let n_ask = 100_000 / s;
    compare(
        &config,
        &mut rows,
        ["native_ask", "manual_ask", "native_over_manual_ask"],
        "ask",
        &format!("{n_ask} sequential ctx.ask"),
        Report::Rate(n_ask, "round trips/s"),
        |driver| ask_chain(driver, n_ask),
    );
    let n_spawn = 100_000 / s;
    compare(
        &config,
        &mut rows,
        ["native_spawn", "manual_spawn", "native_over_manual_spawn"],
        "spawn",
        &format!("{n_spawn} children started"),
        Report::Rate(n_spawn, "actors/s"),
        |driver| spawn_children(driver, n_spawn),
    );
    let (n_subs, n_pubs) = if quick { (100, 100) } else { (1_000, 1_000) };
    compare(
        &config,
        &mut rows,
        [
            "native_fan_out",
            "manual_fan_out",
            "native_over_manual_fan_out",
        ],
        "fan-out",
        &format!("{n_subs} subs x {n_pubs} pubs"),
        Report::Rate(n_subs * n_pubs, "deliveries/s"),
        |driver| fan_out(driver, n_subs, n_pubs),
    );
    let levels = if quick { 4 } else { 6 };
    let actors: u64 = (0..=levels).map(|l| 10u64.pow(l)).sum();
    compare(
        &config,
        &mut rows,
        [
            "native_skynet",
            "manual_skynet",
            "native_over_manual_skynet",
        ],
        "skynet",
        &format!("{actors} actors"),
        Report::Millis,
        |driver| skynet(driver, levels),
    );

    report(
        &rows,
        quick,
        &format!("available parallelism {cores}; "),
        started.elapsed(),
    );
}
