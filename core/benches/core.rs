//! Single-threaded benchmarks of the core scheduler, run with
//! `cargo bench -p backstage-core --bench core`.
//!
//! Every workload runs on one thread through the core's own scheduling (`System::run`, driven by
//! [`ManualDriver`]). Each one runs once to warm up, then 5 measured times; the table shows the best
//! and the median run, and one `BENCH name=... value=... unit=...` line per result is printed for
//! scripts (`value` is the best run, `median` the median one). Targets are judged on the best
//! run. Missing a target is reported, not fatal; a wrong result (a count, the skynet sum) panics.
//!
//! `BACKSTAGE_BENCH_QUICK=1` scales every workload down about 100x and runs it once, without a
//! warm-up: a smoke test that the benchmark still builds and computes the right answers.
//! `cargo test --benches` (which does not pass `--bench`) runs the same quick mode.
//! `BACKSTAGE_BENCH_ONLY=tell,floor` runs only the named workloads (for profiling one of them);
//! the names are those of [`WORKLOADS`].
//!
//! `proxy` and `proxy_ask` repeat `tell` and `ask` through the proxy of an `#[actor]` (the
//! same counter, `counter.add(i)` / `counter.bump()`), and report their cost against the
//! hand-written message measured in the same run (target: at most 1.2x).
//!
//! `inspector` repeats `tell` on a system no inspector ever attached to, one an inspector
//! attached to and detached from before the sends, and one with an inspector attached
//! throughout, interleaved run by run, and reports each time against the first (inspection
//! must cost nothing measurable when no one is watching).

mod harness;

use std::alloc::{GlobalAlloc, Layout, System as SystemAlloc};
use std::collections::VecDeque;
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering};
use std::time::{Duration, Instant};

use harness::*;

use backstage_core::inspect::{Inspector, InspectorConfig};
use backstage_core::{
    Actor, ActorError, Addr, Context, Handler, ManualDriver, Message, Runtime, SpawnOptions, Topic,
};
use backstage_macros::actor;

// ---------------------------------------------------------------------------------------------
// A counting allocator, for the bytes an idle actor costs.
// ---------------------------------------------------------------------------------------------

/// Wraps the system allocator and, while [`COUNTING`] is on, tracks live bytes and allocations.
///
/// Counting is off outside the memory measurement: two atomic read-modify-writes per message
/// would otherwise add several nanoseconds to every message of the throughput workloads.
struct CountingAlloc;

static COUNTING: AtomicBool = AtomicBool::new(false);
static LIVE_BYTES: AtomicIsize = AtomicIsize::new(0);
static LIVE_ALLOCS: AtomicIsize = AtomicIsize::new(0);

impl CountingAlloc {
    #[inline]
    fn record(bytes: isize, allocs: isize) {
        if COUNTING.load(Ordering::Relaxed) {
            LIVE_BYTES.fetch_add(bytes, Ordering::Relaxed);
            LIVE_ALLOCS.fetch_add(allocs, Ordering::Relaxed);
        }
    }
}

// SAFETY: every call is forwarded unchanged to the system allocator; only counters are added.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let ptr = unsafe { SystemAlloc.alloc(layout) };
        if !ptr.is_null() {
            Self::record(layout.size() as isize, 1);
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let ptr = unsafe { SystemAlloc.alloc_zeroed(layout) };
        if !ptr.is_null() {
            Self::record(layout.size() as isize, 1);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { SystemAlloc.dealloc(ptr, layout) };
        Self::record(-(layout.size() as isize), -1);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let new = unsafe { SystemAlloc.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            Self::record(new_size as isize - layout.size() as isize, 0);
        }
        new
    }
}

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// Live (bytes, allocations) counted since counting was switched on.
fn live() -> (isize, isize) {
    (
        LIVE_BYTES.load(Ordering::Relaxed),
        LIVE_ALLOCS.load(Ordering::Relaxed),
    )
}

// ---------------------------------------------------------------------------------------------
// Actors and messages.
// ---------------------------------------------------------------------------------------------

/// Counts messages and sums their payloads (the sum proves every message was handled once).
#[derive(Default)]
struct Counter {
    count: u64,
    sum: u64,
}
impl Actor for Counter {}

struct Add(u64);
impl Message for Add {
    type Reply = ();
}
impl Handler<Add> for Counter {
    #[inline]
    fn handle(&mut self, Add(v): Add, _: &mut Context<'_, Self>) -> Result<(), ActorError> {
        self.count += 1;
        self.sum = self.sum.wrapping_add(v);
        Ok(())
    }
}

/// Bumps the count and answers the new value (the ask workload).
struct Bump;
impl Message for Bump {
    type Reply = u64;
}
impl Handler<Bump> for Counter {
    #[inline]
    fn handle(&mut self, _: Bump, _: &mut Context<'_, Self>) -> Result<u64, ActorError> {
        self.count += 1;
        Ok(self.count)
    }
}

/// (count, sum) of a [`Counter`] or a [`Subscriber`].
struct Totals;
impl Message for Totals {
    type Reply = (u64, u64);
}
impl Handler<Totals> for Counter {
    fn handle(&mut self, _: Totals, _: &mut Context<'_, Self>) -> Result<(u64, u64), ActorError> {
        Ok((self.count, self.sum))
    }
}

/// One side of the ping-pong.
#[derive(Default)]
struct Player {
    peer: Option<Addr<Player>>,
    hits: u64,
}
impl Actor for Player {}

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
        if left > 0 {
            let peer = self.peer.ok_or("ping-pong player without a peer")?;
            ctx.tell(&peer, Ball(left - 1))?;
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

/// [`Counter`] written as a proxy actor: the same state and work, its methods as messages.
#[derive(Default)]
struct ProxyCounter {
    count: u64,
    sum: u64,
}
impl Actor for ProxyCounter {}

#[actor(local)]
impl ProxyCounter {
    pub fn add(&mut self, v: u64) {
        self.count += 1;
        self.sum = self.sum.wrapping_add(v);
    }

    pub fn bump(&mut self) -> u64 {
        self.count += 1;
        self.count
    }

    pub fn totals(&self) -> (u64, u64) {
        (self.count, self.sum)
    }
}

/// The smallest useful actor: one word of state.
struct Tiny(#[allow(dead_code)] u64);
impl Actor for Tiny {}

/// A fan-out subscriber.
#[derive(Default)]
struct Subscriber {
    count: u64,
    sum: u64,
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
        Ok(())
    }
}
impl Handler<Totals> for Subscriber {
    fn handle(&mut self, _: Totals, _: &mut Context<'_, Self>) -> Result<(u64, u64), ActorError> {
        Ok((self.count, self.sum))
    }
}

// ---------------------------------------------------------------------------------------------
// Workloads. Each returns the wall time of the measured part; setup and checks are outside it.
// ---------------------------------------------------------------------------------------------

/// Messages per chunk (= the counter's mailbox capacity, the default one) in `tell` and `floor`.
const CHUNK: usize = 1024;

/// Asks `to` for a reply and runs the system until it arrives.
fn ask<A: Handler<M>, M: Message>(driver: &mut ManualDriver, to: &Addr<A>, msg: M) -> M::Reply {
    let reply = driver.system.ask(to, msg);
    driver
        .block_on(reply)
        .expect("the system went idle without answering")
        .expect("the ask failed")
}

/// No message was lost, rejected or failed.
fn assert_clean(driver: &ManualDriver, what: &str) {
    let m = driver.metrics();
    assert_eq!(m.failures, 0, "{what}: handler failures");
    assert_eq!(m.dead_letters, 0, "{what}: dead letters");
    assert_eq!(m.rejected, 0, "{what}: rejected sends");
}

fn expected_sum(n: u64) -> u64 {
    n * n.saturating_sub(1) / 2
}

/// `n` tells to one counter, in chunks of its mailbox capacity, running the system after each.
fn tell(n: usize) -> Duration {
    let mut driver = ManualDriver::default();
    let counter = driver
        .spawn_with(SpawnOptions::new().capacity(CHUNK), Counter::default)
        .expect("spawn");
    driver.run_until_idle();

    let start = Instant::now();
    let mut sent = 0;
    while sent < n {
        let end = (sent + CHUNK).min(n);
        for i in sent..end {
            driver
                .tell(&counter, Add(black_box(i as u64)))
                .expect("tell");
        }
        sent = end;
        driver.run_until_idle();
    }
    let elapsed = start.elapsed();

    let (count, sum) = ask(&mut driver, &counter, Totals);
    assert_eq!(count, n as u64, "tell: messages handled");
    assert_eq!(sum, expected_sum(n as u64), "tell: payload sum");
    assert_clean(&driver, "tell");
    elapsed
}

/// [`tell`] through a proxy: `counter.add(i)` instead of `driver.tell(&counter, Add(i))`.
fn proxy_tell(n: usize) -> Duration {
    let mut driver = ManualDriver::default();
    let addr = driver
        .spawn_with(SpawnOptions::new().capacity(CHUNK), ProxyCounter::default)
        .expect("spawn");
    let counter = driver.proxy(&addr);
    driver.run_until_idle();

    let start = Instant::now();
    let mut sent = 0;
    while sent < n {
        let end = (sent + CHUNK).min(n);
        for i in sent..end {
            counter.add(black_box(i as u64));
        }
        sent = end;
        driver.run_until_idle();
    }
    let elapsed = start.elapsed();

    let totals = driver
        .block_on(counter.totals())
        .expect("idle")
        .expect("ask");
    assert_eq!(totals.0, n as u64, "proxy: messages handled");
    assert_eq!(totals.1, expected_sum(n as u64), "proxy: payload sum");
    assert_clean(&driver, "proxy");
    elapsed
}

/// [`ask_round_trips`] through a proxy: `counter.bump()`.
fn proxy_ask_round_trips(n: usize) -> Duration {
    let mut driver = ManualDriver::default();
    let addr = driver.spawn(ProxyCounter::default);
    let counter = driver.proxy(&addr);
    driver.run_until_idle();

    let start = Instant::now();
    for i in 1..=n as u64 {
        let value = driver.block_on(counter.bump());
        assert_eq!(value, Some(Ok(i)), "proxy ask: reply {i}");
    }
    let elapsed = start.elapsed();

    assert_clean(&driver, "proxy ask");
    elapsed
}

/// The floor: what a boxed-closure queue costs for the same counter and the same chunks.
fn floor(n: usize) -> Duration {
    #[derive(Default)]
    struct State {
        count: u64,
        sum: u64,
    }
    type Job = Box<dyn FnOnce(&mut State)>;

    let mut state = State::default();
    let mut queue: VecDeque<Job> = VecDeque::with_capacity(CHUNK);

    let start = Instant::now();
    let mut sent = 0;
    while sent < n {
        let end = (sent + CHUNK).min(n);
        for i in sent..end {
            let v = black_box(i as u64);
            let job: Job = Box::new(move |s: &mut State| {
                s.count += 1;
                s.sum = s.sum.wrapping_add(v);
            });
            queue.push_back(black_box(job));
        }
        sent = end;
        while let Some(job) = queue.pop_front() {
            job(&mut state);
        }
    }
    let elapsed = start.elapsed();

    let state = black_box(state);
    assert_eq!(state.count, n as u64, "floor: messages handled");
    assert_eq!(state.sum, expected_sum(n as u64), "floor: payload sum");
    elapsed
}

/// `n` sequential asks from outside the system, each run until answered.
fn ask_round_trips(n: usize) -> Duration {
    let mut driver = ManualDriver::default();
    let counter = driver.spawn(Counter::default);
    driver.run_until_idle();

    let start = Instant::now();
    for i in 1..=n as u64 {
        let reply = driver.system.ask(&counter, Bump);
        let value = driver.block_on(reply);
        assert_eq!(value, Some(Ok(i)), "ask: reply {i}");
    }
    let elapsed = start.elapsed();

    assert_clean(&driver, "ask");
    elapsed
}

/// `n` messages bouncing between two actors, started by one tell.
fn ping_pong(n: usize) -> Duration {
    let mut driver = ManualDriver::default();
    let a = driver.spawn(Player::default);
    let b = driver.spawn(Player::default);
    driver.tell(&a, SetPeer(b)).expect("tell");
    driver.tell(&b, SetPeer(a)).expect("tell");
    driver.run_until_idle();

    let start = Instant::now();
    driver.tell(&a, Ball(n as u64 - 1)).expect("tell");
    driver.run_until_idle();
    let elapsed = start.elapsed();

    let hits = ask(&mut driver, &a, Hits) + ask(&mut driver, &b, Hits);
    assert_eq!(hits, n as u64, "ping-pong: messages handled");
    assert_clean(&driver, "ping-pong");
    elapsed
}

/// Spawns `n` idle actors and runs until all have started.
fn spawn(n: usize) -> Duration {
    let mut driver = ManualDriver::default();
    let start = Instant::now();
    for _ in 0..n {
        black_box(driver.spawn(|| Tiny(0)));
    }
    let steps = driver.run_until_idle();
    let elapsed = start.elapsed();

    assert_eq!(steps, n, "spawn: start steps");
    assert_eq!(driver.metrics().live_actors, n as u64, "spawn: live actors");
    assert_clean(&driver, "spawn");
    elapsed
}

/// Net live heap (bytes, allocations) per idle actor, for `n` spawned and started actors.
fn idle_actor_footprint(n: usize) -> (f64, f64) {
    COUNTING.store(true, Ordering::SeqCst);
    let (bytes_before, allocs_before) = live();
    let mut driver = ManualDriver::default();
    for _ in 0..n {
        black_box(driver.spawn(|| Tiny(0)));
    }
    assert_eq!(driver.run_until_idle(), n, "footprint: start steps");
    let (bytes_after, allocs_after) = live();
    COUNTING.store(false, Ordering::SeqCst);

    assert_eq!(driver.metrics().live_actors, n as u64);
    drop(black_box(driver));
    (
        (bytes_after - bytes_before) as f64 / n as f64,
        (allocs_after - allocs_before) as f64 / n as f64,
    )
}

/// `publishes` publications on one topic with `subscribers` subscribers; time until delivered.
fn fan_out(subscribers: usize, publishes: usize) -> Duration {
    let mut driver = ManualDriver::default();
    let topic = Topic::global("bench.fan-out");
    let subs: Vec<Addr<Subscriber>> = (0..subscribers)
        .map(|_| driver.spawn(Subscriber::default))
        .collect();
    for s in &subs {
        driver.subscribe::<Tick, _>(&topic, s).expect("subscribe");
    }
    driver.run_until_idle();

    let start = Instant::now();
    for i in 0..publishes as u64 {
        let reached = driver.publish(&topic, Tick(black_box(i)));
        debug_assert_eq!(reached, subscribers);
    }
    driver.run_until_idle();
    let elapsed = start.elapsed();

    for s in &subs {
        let (count, sum) = ask(&mut driver, s, Totals);
        assert_eq!(
            count, publishes as u64,
            "fan-out: deliveries per subscriber"
        );
        assert_eq!(sum, expected_sum(publishes as u64), "fan-out: payload sum");
    }
    assert_clean(&driver, "fan-out");
    elapsed
}

/// Skynet with `levels` levels below the root (10^levels leaves).
fn skynet(levels: u32) -> Duration {
    let leaves = 10u64.pow(levels);
    let mut driver = ManualDriver::default();

    let total = std::rc::Rc::new(std::cell::Cell::new(None));
    let slot = total.clone();
    let start = Instant::now();
    driver.spawn(move || {
        let slot = slot.clone();
        skynet::Node::root(leaves, move |sum| slot.set(Some(sum)))
    });
    driver.run_until_idle();
    let elapsed = start.elapsed();

    assert_eq!(total.get(), Some(expected_sum(leaves)), "skynet: sum");
    let actors: u64 = (0..=levels).map(|l| 10u64.pow(l)).sum();
    assert_eq!(driver.metrics().spawned, actors, "skynet: actors spawned");
    assert_clean(&driver, "skynet");
    // Dropping 1.1M actors is not part of the benchmark.
    drop(driver);
    elapsed
}

/// Whether an inspector watches the system during [`tell_inspected`].
#[derive(Clone, Copy, PartialEq, Eq)]
enum Watching {
    /// No inspector was ever attached.
    Never,
    /// One attached (and took a snapshot), then detached, before the sends.
    Detached,
    /// One is attached during the sends (and takes a snapshot after them).
    Attached,
}

/// [`tell`], on a system an inspector watched as `watching` says.
fn tell_inspected(n: usize, watching: Watching) -> Duration {
    let mut driver = ManualDriver::default();
    let counter = driver
        .spawn_with(SpawnOptions::new().capacity(CHUNK), Counter::default)
        .expect("spawn");
    driver.run_until_idle();
    let mut inspector = match watching {
        Watching::Never => None,
        Watching::Detached | Watching::Attached => {
            let mut inspector = Inspector::new(InspectorConfig::new());
            assert!(inspector.attach(&mut driver.system));
            inspector.snapshot(&driver.system, driver.now());
            if watching == Watching::Detached {
                assert!(inspector.detach(&mut driver.system));
            }
            Some(inspector)
        }
    };

    let start = Instant::now();
    let mut sent = 0;
    while sent < n {
        let end = (sent + CHUNK).min(n);
        for i in sent..end {
            driver
                .tell(&counter, Add(black_box(i as u64)))
                .expect("tell");
        }
        sent = end;
        driver.run_until_idle();
    }
    let elapsed = start.elapsed();

    if let Some(inspector) = &mut inspector {
        let snapshot = inspector.snapshot(&driver.system, driver.now());
        assert_eq!(
            snapshot.actors[0].processed, n as u64,
            "inspector: processed"
        );
        inspector.detach(&mut driver.system);
        assert_eq!(
            inspector.take_events().events.len(),
            0,
            "tells are not events"
        );
    }
    let (count, sum) = ask(&mut driver, &counter, Totals);
    assert_eq!(count, n as u64, "inspector: messages handled");
    assert_eq!(sum, expected_sum(n as u64), "inspector: payload sum");
    assert_clean(&driver, "inspector");
    elapsed
}

/// The three [`Watching`] cases of [`tell_inspected`], interleaved run by run and in a
/// rotating order (so that drift of the machine affects them alike): a warm-up round, then
/// three times `config.iters` measured rounds (the differences sought are far below this VM's
/// run-to-run spread, so each case gets more runs than the other workloads).
fn inspector_runs(config: &Config, n: usize) -> Vec<Timing> {
    let modes = [Watching::Never, Watching::Detached, Watching::Attached];
    if !config.quick {
        for mode in modes {
            tell_inspected(n, mode);
        }
    }
    let mut times = vec![Vec::new(); modes.len()];
    for round in 0..3 * config.iters {
        for k in 0..modes.len() {
            let i = (round + k) % modes.len();
            times[i].push(tell_inspected(n, modes[i]));
        }
    }
    let labels = [
        "tell, never inspected",
        "tell, inspected then detached",
        "tell, inspector attached",
    ];
    times
        .into_iter()
        .zip(labels)
        .map(|(mut t, label)| {
            t.sort();
            let timing = Timing {
                best: t[0],
                median: t[t.len() / 2],
                runs: t.len(),
            };
            println!(
                "  {label:<30} best {:>10.3} ms   median {:>10.3} ms   ({} runs)",
                ms(timing.best),
                ms(timing.median),
                timing.runs
            );
            timing
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Measurement and reporting.
// ---------------------------------------------------------------------------------------------

/// The workload names `BACKSTAGE_BENCH_ONLY` accepts.
const WORKLOADS: [&str; 10] = [
    "tell",
    "floor",
    "inspector",
    "proxy",
    "ask",
    "proxy_ask",
    "ping_pong",
    "spawn",
    "fan_out",
    "skynet",
];

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
    let s = config.scale;
    let started = Instant::now();
    println!(
        "backstage-core benchmarks ({} mode: {} measured run(s){}, sizes / {})",
        if quick { "quick" } else { "full" },
        config.iters,
        if quick { "" } else { " after a warm-up" },
        s
    );

    let mut rows = Vec::new();

    // 1. tell, and 7. its floor (measured next to it, for the ratio).
    let n_tell = 1_000_000 / s;
    let mut tell_rate = None;
    if config.wants("tell") {
        let t = measure(&config, &format!("tell x{n_tell}"), || tell(n_tell));
        let (best, median) = rate(n_tell as u64, &t);
        tell_rate = Some((best, median));
        rows.push(Row {
            name: "tell",
            label: format!("tell ({n_tell} msgs, chunks of {CHUNK})"),
            best,
            median,
            unit: "msgs/s",
            target: Some(Target::AtLeast(30e6)),
        });
    }
    if config.wants("floor") {
        let t = measure(&config, &format!("floor x{n_tell}"), || floor(n_tell));
        let (best, median) = rate(n_tell as u64, &t);
        rows.push(Row {
            name: "floor",
            label: format!("floor: VecDeque<Box<dyn FnOnce>> ({n_tell} msgs)"),
            best,
            median,
            unit: "msgs/s",
            target: None,
        });
        if let Some((tell_best, tell_median)) = tell_rate {
            rows.push(Row {
                name: "floor_over_tell",
                label: "floor / tell".into(),
                best: best / tell_best,
                median: median / tell_median,
                unit: "ratio",
                target: Some(Target::AtMost(3.0)),
            });
        }
    }

    // 1a. the same tells with an inspector never attached, attached then detached, attached.
    if config.wants("inspector") {
        let timings = inspector_runs(&config, n_tell);
        let rates: Vec<(f64, f64)> = timings.iter().map(|t| rate(n_tell as u64, t)).collect();
        let cases = [
            ("inspect_never", "tell, no inspector ever attached", None),
            (
                "inspect_detached",
                "tell, inspector attached then detached",
                Some(1.05),
            ),
            ("inspect_attached", "tell, inspector attached", None),
        ];
        for (i, (name, label, _)) in cases.iter().enumerate() {
            rows.push(Row {
                name,
                label: format!("{label} ({n_tell} msgs)"),
                best: rates[i].0,
                median: rates[i].1,
                unit: "msgs/s",
                target: None,
            });
        }
        for (i, (name, _, target)) in cases.iter().enumerate().skip(1) {
            rows.push(Row {
                name: if *name == "inspect_detached" {
                    "inspect_detached_cost"
                } else {
                    "inspect_attached_cost"
                },
                label: format!("{} / never (time)", cases[i].1.trim_start_matches("tell, ")),
                best: rates[0].0 / rates[i].0,
                median: rates[0].1 / rates[i].1,
                unit: "ratio",
                target: target.map(Target::AtMost),
            });
        }
    }

    // 1b. the same tells through a proxy (`counter.add(i)`), against hand-written messages.
    if config.wants("proxy") {
        let t = measure(&config, &format!("proxy tell x{n_tell}"), || {
            proxy_tell(n_tell)
        });
        let (best, median) = rate(n_tell as u64, &t);
        rows.push(Row {
            name: "proxy_tell",
            label: format!("proxy tell ({n_tell} msgs, chunks of {CHUNK})"),
            best,
            median,
            unit: "msgs/s",
            target: None,
        });
        if let Some((tell_best, tell_median)) = tell_rate {
            rows.push(Row {
                name: "proxy_cost",
                label: "proxy call / typed message (time)".into(),
                best: tell_best / best,
                median: tell_median / median,
                unit: "ratio",
                target: Some(Target::AtMost(1.2)),
            });
        }
    }

    // 2. ask round trips
    let mut ask_rate = None;
    if config.wants("ask") {
        let n_ask = 100_000 / s;
        let t = measure(&config, &format!("ask x{n_ask}"), || ask_round_trips(n_ask));
        let (best, median) = rate(n_ask as u64, &t);
        ask_rate = Some((best, median));
        rows.push(Row {
            name: "ask",
            label: format!("ask round trips ({n_ask} sequential)"),
            best,
            median,
            unit: "round trips/s",
            target: None,
        });
        rows.push(Row {
            name: "ask_latency",
            label: "ask round trip".into(),
            best: 1e9 / best,
            median: 1e9 / median,
            unit: "ns",
            target: None,
        });
    }
    if config.wants("proxy_ask") {
        let n_ask = 100_000 / s;
        let t = measure(&config, &format!("proxy ask x{n_ask}"), || {
            proxy_ask_round_trips(n_ask)
        });
        let (best, median) = rate(n_ask as u64, &t);
        rows.push(Row {
            name: "proxy_ask",
            label: format!("proxy ask round trips ({n_ask} sequential)"),
            best,
            median,
            unit: "round trips/s",
            target: None,
        });
        if let Some((ask_best, ask_median)) = ask_rate {
            rows.push(Row {
                name: "proxy_ask_cost",
                label: "proxy ask / typed ask (time)".into(),
                best: ask_best / best,
                median: ask_median / median,
                unit: "ratio",
                target: Some(Target::AtMost(1.2)),
            });
        }
    }

    // 3. ping-pong
    if config.wants("ping_pong") {
        let n_pp = 1_000_000 / s;
        let t = measure(&config, &format!("ping-pong x{n_pp}"), || ping_pong(n_pp));
        let (best, median) = rate(n_pp as u64, &t);
        rows.push(Row {
            name: "ping_pong",
            label: format!("ping-pong ({n_pp} msgs, 2 actors)"),
            best,
            median,
            unit: "msgs/s",
            target: None,
        });
    }

    // 4. spawn, and the footprint of an idle actor
    if config.wants("spawn") {
        let n_spawn = 100_000 / s;
        let t = measure(&config, &format!("spawn x{n_spawn}"), || spawn(n_spawn));
        let (best, median) = rate(n_spawn as u64, &t);
        rows.push(Row {
            name: "spawn",
            label: format!("spawn + start ({n_spawn} actors)"),
            best,
            median,
            unit: "actors/s",
            target: Some(Target::AtLeast(2e6)),
        });
        let (bytes, allocs) = idle_actor_footprint(n_spawn);
        println!(
            "  {:<28} {bytes:.1} bytes, {allocs:.2} allocations per idle actor",
            format!("footprint x{n_spawn}")
        );
        rows.push(Row {
            name: "idle_actor_bytes",
            label: format!("heap per idle actor ({n_spawn} actors)"),
            best: bytes,
            median: bytes,
            unit: "bytes",
            target: Some(Target::AtMost(256.0)),
        });
        rows.push(Row {
            name: "idle_actor_allocs",
            label: "allocations per idle actor".into(),
            best: allocs,
            median: allocs,
            unit: "allocs",
            target: None,
        });
    }

    // 5. fan-out
    if config.wants("fan_out") {
        let (n_subs, n_pubs) = if quick { (100, 100) } else { (1_000, 1_000) };
        let t = measure(&config, &format!("fan-out {n_subs}x{n_pubs}"), || {
            fan_out(n_subs, n_pubs)
        });
        let (best, median) = rate((n_subs * n_pubs) as u64, &t);
        rows.push(Row {
            name: "fan_out",
            label: format!("fan-out ({n_subs} subscribers x {n_pubs} publishes)"),
            best,
            median,
            unit: "deliveries/s",
            target: None,
        });
    }

    // 6. skynet
    if config.wants("skynet") {
        let levels = if quick { 4 } else { 6 };
        let t = measure(&config, &format!("skynet 10^{levels}"), || skynet(levels));
        let actors: u64 = (0..=levels).map(|l| 10u64.pow(l)).sum();
        rows.push(Row {
            name: "skynet",
            label: format!("skynet ({actors} actors, 10^{levels} leaves)"),
            best: ms(t.best),
            median: ms(t.median),
            unit: "ms",
            target: None,
        });
    }

    report(&rows, quick, "", started.elapsed());
}
