//! An idle engine sleeps in its pollers: it uses (almost) no CPU.
//!
//! Alone in its own test binary so that no other test's threads add CPU time.

use std::time::Duration;

use backstage_core::{Actor, ActorError, Context, Handler, Message, Runtime};
use backstage_native_driver::Engine;

/// User plus system CPU time of this process, in clock ticks (from /proc).
fn cpu_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("procfs");
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let rest = &stat[stat.rfind(')').expect("stat format") + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

struct Idle;
impl Actor for Idle {}

#[derive(Clone)]
struct Tick;
impl Message for Tick {
    type Reply = ();
}
impl Handler<Tick> for Idle {
    fn handle(&mut self, _: Tick, _: &mut Context<'_, Self>) -> Result<(), ActorError> {
        Ok(())
    }
}

#[test]
fn an_idle_engine_uses_no_cpu() {
    let engine = Engine::builder().loops(2).start().unwrap();
    let handle = engine.handle();
    for _ in 0..100 {
        handle.spawn(|| Idle).wait().unwrap();
    }
    // A slow timer keeps one loop's poller waking rarely, which must not turn into spinning.
    let ticker = handle
        .spawn_on(0, Default::default(), || Idle)
        .wait()
        .unwrap();
    handle
        .with_system(0, move |sys| {
            sys.send_every(&ticker, Tick, Duration::from_millis(500));
        })
        .wait()
        .unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let before = cpu_ticks();
    std::thread::sleep(Duration::from_secs(2));
    let used = cpu_ticks() - before;
    // Clock ticks are 10 ms; a spinning loop would burn ~200 per core over two seconds.
    assert!(used <= 3, "an idle engine used {used} ticks of CPU in 2 s");
    engine.shutdown_and_join();
}
