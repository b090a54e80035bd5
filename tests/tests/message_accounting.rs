//! Property: no message disappears. Under random sends, asks, publications, timers, failures,
//! restarts, stops and poison pills, every message sent is at all times delivered,
//! dead-lettered, rejected or still queued — and once idle, only the first three.

use std::time::Duration;

use backstage_core::*;

/// xorshift64*: a tiny deterministic generator, so a failing seed reproduces exactly.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

struct Flaky {
    peers: Vec<Addr<Flaky>>,
}
impl Actor for Flaky {}

#[derive(Clone)]
struct Msg {
    fail: bool,
    forward: bool,
}
impl Message for Msg {
    type Reply = u8;
}
impl Handler<Msg> for Flaky {
    fn handle(&mut self, msg: Msg, ctx: &mut Context<'_, Self>) -> Result<u8, ActorError> {
        if msg.fail {
            return Err("random failure".into());
        }
        if msg.forward {
            if let Some(peer) = self.peers.first().copied() {
                let _ = ctx.tell(
                    &peer,
                    Msg {
                        fail: false,
                        forward: false,
                    },
                );
            }
        }
        Ok(1)
    }
}

fn check(d: &ManualDriver, seed: u64, step: usize) {
    let m = d.metrics();
    let queued = d.queued() as u64;
    assert_eq!(
        m.sent,
        m.delivered + m.dead_letters + m.rejected + queued,
        "seed {seed}, step {step}: {m:?}, queued {queued}"
    );
}

fn run_one(seed: u64) {
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let mut d = ManualDriver::new(System::with_config(SystemConfig {
        quantum: 1 + rng.below(8) as usize,
        dead_letter_retention: 16,
        root_supervisor: Supervisor::default()
            .max_restarts(2, Duration::from_millis(50))
            .decider(|e| {
                if e.message().is_empty() {
                    Decision::Stop
                } else {
                    Decision::Restart
                }
            }),
        ..SystemConfig::default()
    }));
    let topic = Topic::global("all");
    let mut actors: Vec<Addr<Flaky>> = Vec::new();
    let mut asks = Vec::new();
    for step in 0..300 {
        match rng.below(12) {
            0 | 1 => {
                let overflow = [Overflow::Reject, Overflow::DropOldest, Overflow::DropNewest]
                    [rng.below(3) as usize];
                let options = SpawnOptions::new()
                    .capacity(1 + rng.below(4) as usize)
                    .overflow(overflow);
                let peers: Vec<_> = actors.iter().rev().take(1).copied().collect();
                let a = d
                    .spawn_with(options, move || Flaky {
                        peers: peers.clone(),
                    })
                    .unwrap();
                if rng.below(2) == 0 {
                    let _ = d.subscribe::<Msg, _>(&topic, &a);
                }
                actors.push(a);
            }
            2..=5 if !actors.is_empty() => {
                let a = actors[rng.below(actors.len() as u64) as usize];
                let msg = Msg {
                    fail: rng.below(6) == 0,
                    forward: rng.below(3) == 0,
                };
                let _ = d.tell(&a, msg);
            }
            6 if !actors.is_empty() => {
                let a = actors[rng.below(actors.len() as u64) as usize];
                let timeout = Duration::from_millis(rng.below(20));
                asks.push(d.system.ask_within(
                    &a,
                    Msg {
                        fail: rng.below(4) == 0,
                        forward: false,
                    },
                    timeout,
                ));
            }
            7 => {
                d.publish(
                    &topic,
                    Msg {
                        fail: rng.below(8) == 0,
                        forward: false,
                    },
                );
            }
            8 if !actors.is_empty() => {
                let a = actors[rng.below(actors.len() as u64) as usize];
                d.send_after(
                    &a,
                    Msg {
                        fail: false,
                        forward: true,
                    },
                    Duration::from_millis(rng.below(30)),
                );
            }
            9 if !actors.is_empty() => {
                let a = actors[rng.below(actors.len() as u64) as usize];
                let _ = if rng.below(2) == 0 {
                    d.stop(a.id())
                } else {
                    d.poison(a.id())
                };
            }
            10 => {
                d.run_steps(1 + rng.below(5) as usize);
            }
            _ => {
                d.advance(Duration::from_millis(rng.below(10)));
            }
        }
        if rng.below(3) == 0 {
            asks.retain(|_| rng.below(2) == 0); // drop some futures: their replies become dead letters
        }
        check(&d, seed, step);
    }
    d.advance(Duration::from_secs(1));
    check(&d, seed, 300);
    assert_eq!(d.queued(), 0, "seed {seed}: idle with queued messages");
    for mut ask in asks {
        assert!(
            ask.try_take().is_some(),
            "seed {seed}: an ask never resolved"
        );
    }
    d.shutdown();
    let m = d.metrics();
    assert_eq!(
        m.sent,
        m.delivered + m.dead_letters + m.rejected,
        "seed {seed}: {m:?}"
    );
    assert_eq!(m.live_actors, 0);
}

#[test]
fn every_message_is_delivered_dead_lettered_or_rejected() {
    for seed in 0..300 {
        run_one(seed);
    }
}
