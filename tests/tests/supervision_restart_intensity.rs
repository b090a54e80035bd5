//! Supervision: restarts, restart intensity and escalation, strategies, deciders, panics.
//!
//! Promises:
//! - a failing child is restarted from its factory (fresh state, same address, `restarted`
//!   hook run with the cause, `restarts` counted, [`SystemEvent::Restarted`] observed);
//! - more than `max_restarts` restarts within `within` escalate: the child is stopped and the
//!   parent fails with [`FailureKind::Escalated`], and the parent's own supervisor (the root's
//!   default: restart) restarts the parent; failures spread beyond the window do not escalate;
//! - `OneForAll` restarts every sibling, `RestForOne` the failing child and later siblings;
//! - a decider can choose `Resume` (state kept), `Stop` (the child only) or `Escalate`;
//! - a panicking handler is a failure of kind [`FailureKind::Panic`] (with the `std` feature;
//!   natively only, as wasm32 aborts on panic).
//!
//! [`SystemEvent::Restarted`]: backstage_core::SystemEvent::Restarted

use std::time::Duration;

use backstage_core::{
    Actor, ActorError, ActorId, Addr, AskError, Context, DeadLetterReason, Decision, FailureKind,
    Handler, ManualDriver, Message, Runtime, SendError, SpawnOptions, StopReason, Strategy,
    Supervisor,
};
use backstage_tests::{ask, record_events, settle, Event, Log, Record};
#[cfg(not(target_arch = "wasm32"))]
use backstage_tests::{silence_expected_panics, EXPECTED_PANIC};

// ---- the child -----------------------------------------------------------------------------

struct Child {
    label: &'static str,
    count: u32,
    log: Log,
}

impl Actor for Child {
    fn started(&mut self, _: &mut Context<'_, Self>) -> Result<(), ActorError> {
        self.log.push(format!("{} started", self.label));
        Ok(())
    }

    fn restarted(
        &mut self,
        cause: &ActorError,
        _: &mut Context<'_, Self>,
    ) -> Result<(), ActorError> {
        self.log
            .push(format!("{} restarted after {cause}", self.label));
        Ok(())
    }

    fn stopped(&mut self, _: &mut Context<'_, Self>) {
        self.log.push(format!("{} stopped", self.label));
    }
}

/// Counts up; replies the new count.
struct Bump;
impl Message for Bump {
    type Reply = u32;
}

struct Count;
impl Message for Count {
    type Reply = u32;
}

/// Fails with this message.
struct Fail(&'static str);
impl Message for Fail {
    type Reply = ();
}

impl Handler<Bump> for Child {
    fn handle(&mut self, _: Bump, _: &mut Context<'_, Self>) -> Result<u32, ActorError> {
        self.count += 1;
        Ok(self.count)
    }
}

impl Handler<Count> for Child {
    fn handle(&mut self, _: Count, _: &mut Context<'_, Self>) -> Result<u32, ActorError> {
        Ok(self.count)
    }
}

impl Handler<Fail> for Child {
    fn handle(&mut self, Fail(why): Fail, _: &mut Context<'_, Self>) -> Result<(), ActorError> {
        Err(ActorError::new(why))
    }
}

// ---- the parent ----------------------------------------------------------------------------

/// Spawns one child per label when it starts (and again when it restarts).
struct Parent {
    labels: Vec<&'static str>,
    children: Vec<Addr<Child>>,
    log: Log,
}

impl Actor for Parent {
    fn started(&mut self, ctx: &mut Context<'_, Self>) -> Result<(), ActorError> {
        self.log.push("parent started");
        for &label in &self.labels {
            let log = self.log.clone();
            let child = ctx.spawn_child(move || Child {
                label,
                count: 0,
                log: log.clone(),
            });
            self.children.push(child);
        }
        Ok(())
    }

    fn restarted(
        &mut self,
        cause: &ActorError,
        ctx: &mut Context<'_, Self>,
    ) -> Result<(), ActorError> {
        self.log
            .push(format!("parent restarted after {:?}", cause.kind()));
        self.started(ctx)
    }
}

struct Children;
impl Message for Children {
    type Reply = Vec<Addr<Child>>;
}

impl Handler<Children> for Parent {
    fn handle(
        &mut self,
        _: Children,
        _: &mut Context<'_, Self>,
    ) -> Result<Vec<Addr<Child>>, ActorError> {
        Ok(self.children.clone())
    }
}

struct Family {
    driver: ManualDriver,
    events: Record<Event>,
    log: Log,
    parent: Addr<Parent>,
    children: Vec<Addr<Child>>,
}

fn family(supervisor: Supervisor, labels: &[&'static str]) -> Family {
    let mut driver = ManualDriver::default();
    let events = record_events(&mut driver.system);
    let log = Log::default();
    let parent = driver
        .spawn_with(SpawnOptions::new().supervisor(supervisor), {
            let (labels, log) = (labels.to_vec(), log.clone());
            move || Parent {
                labels: labels.clone(),
                children: Vec::new(),
                log: log.clone(),
            }
        })
        .unwrap();
    let children = ask(&mut driver, &parent, Children).unwrap();
    driver.run_until_idle();
    assert_eq!(children.len(), labels.len());
    assert_eq!(
        driver.actor_info(parent.id()).unwrap().children,
        children.iter().map(|c| c.id()).collect::<Vec<_>>()
    );
    log.clear();
    Family {
        driver,
        events,
        log,
        parent,
        children,
    }
}

fn bump(driver: &mut ManualDriver, child: &Addr<Child>, times: u32) {
    for _ in 0..times {
        ask(driver, child, Bump).unwrap();
    }
}

fn restarts(driver: &ManualDriver, id: ActorId) -> u32 {
    driver.actor_info(id).expect("alive").restarts
}

/// The supervision events (no spawns or dead letters) from `start` on.
fn supervision(events: &Record<Event>, start: usize) -> Vec<Event> {
    events
        .since(start)
        .into_iter()
        .filter(|e| {
            matches!(
                e,
                Event::Failed { .. } | Event::Restarted { .. } | Event::Stopped { .. }
            )
        })
        .collect()
}

fn sorted(mut lines: Vec<String>) -> Vec<String> {
    lines.sort();
    lines
}

// ---- restart intensity ---------------------------------------------------------------------

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn a_child_is_restarted_fresh_three_times_and_the_fourth_failure_escalates_to_the_parent() {
    let Family {
        mut driver,
        events,
        log,
        parent,
        children,
    } = family(
        Supervisor::new(Strategy::OneForOne).max_restarts(3, Duration::from_secs(10)),
        &["child"],
    );
    let child = children[0];
    let boom = ActorError::new("boom");

    for round in 1..=3 {
        assert_eq!(ask(&mut driver, &child, Bump), Ok(1));
        assert_eq!(ask(&mut driver, &child, Bump), Ok(2));
        let mark = events.len();
        driver.tell(&child, Fail("boom")).unwrap();
        driver.run_until_idle();

        assert!(driver.is_alive(child.id()), "round {round}");
        assert_eq!(restarts(&driver, child.id()), round);
        assert_eq!(ask(&mut driver, &child, Count), Ok(0), "a fresh instance");
        assert_eq!(log.lines(), ["child restarted after boom"]);
        assert_eq!(
            supervision(&events, mark),
            [
                Event::Failed {
                    id: child.id(),
                    error: boom.clone()
                },
                Event::Restarted {
                    id: child.id(),
                    cause: boom.clone()
                },
            ]
        );
        log.clear();
        // Time passes, but all four failures stay within the 10 s window.
        driver.advance(Duration::from_secs(2));
    }
    assert_eq!(restarts(&driver, parent.id()), 0);

    // The fourth failure exceeds the intensity.
    let mark = events.len();
    driver.tell(&child, Fail("boom")).unwrap();
    driver.run_until_idle();

    assert!(!driver.is_alive(child.id()), "the child is stopped");
    assert_eq!(
        driver.tell(&child, Bump),
        Err(SendError::Stopped(child.id()))
    );
    assert!(driver.is_alive(parent.id()));
    assert_eq!(
        restarts(&driver, parent.id()),
        1,
        "the root restarted the parent"
    );

    let seen = supervision(&events, mark);
    assert_eq!(seen.len(), 4, "{seen:#?}");
    assert_eq!(
        seen[..2],
        [
            Event::Failed {
                id: child.id(),
                error: boom.clone()
            },
            Event::Stopped {
                id: child.id(),
                reason: StopReason::Failed(boom.clone())
            },
        ]
    );
    let Event::Failed { id, error } = &seen[2] else {
        panic!("expected the parent to fail, got {:?}", seen[2]);
    };
    assert_eq!(*id, parent.id());
    assert_eq!(error.kind(), FailureKind::Escalated);
    assert!(error.message().contains("boom"), "{error}");
    assert!(error.message().contains(&child.id().to_string()), "{error}");
    assert_eq!(
        seen[3],
        Event::Restarted {
            id: parent.id(),
            cause: error.clone()
        }
    );

    // The restarted parent started a new child.
    let new_children = ask(&mut driver, &parent, Children).unwrap();
    assert_eq!(new_children.len(), 1);
    let new_child = new_children[0];
    assert_ne!(new_child, child);
    assert_eq!(ask(&mut driver, &new_child, Count), Ok(0));
    assert_eq!(restarts(&driver, new_child.id()), 0);
    assert_eq!(
        driver.actor_info(new_child.id()).unwrap().parent,
        Some(parent.id())
    );
    assert_eq!(
        log.lines(),
        [
            "child stopped",
            "parent restarted after Escalated",
            "parent started",
            "child started"
        ]
    );
    assert_eq!(driver.metrics().restarts, 4);
    settle(&mut driver);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn failures_spread_beyond_the_window_do_not_escalate() {
    let Family {
        mut driver,
        parent,
        children,
        ..
    } = family(
        Supervisor::new(Strategy::OneForOne).max_restarts(3, Duration::from_secs(10)),
        &["child"],
    );
    let child = children[0];
    for _ in 0..3 {
        driver.tell(&child, Fail("boom")).unwrap();
    }
    driver.run_until_idle();
    assert_eq!(restarts(&driver, child.id()), 3);

    // 11 s later the three old restarts have left the window.
    driver.advance(Duration::from_secs(11));
    for _ in 0..3 {
        driver.tell(&child, Fail("boom")).unwrap();
    }
    driver.run_until_idle();
    assert!(driver.is_alive(child.id()));
    assert_eq!(restarts(&driver, child.id()), 6);
    assert_eq!(restarts(&driver, parent.id()), 0);

    // But a fourth within this window escalates.
    driver.tell(&child, Fail("boom")).unwrap();
    driver.run_until_idle();
    assert!(!driver.is_alive(child.id()));
    assert_eq!(restarts(&driver, parent.id()), 1);
    settle(&mut driver);
}

// ---- strategies ----------------------------------------------------------------------------

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn one_for_all_restarts_every_sibling() {
    let Family {
        mut driver,
        events,
        log,
        parent,
        children,
    } = family(Supervisor::new(Strategy::OneForAll), &["a", "b", "c"]);
    let [a, b, c] = children[..] else {
        unreachable!()
    };
    bump(&mut driver, &a, 1);
    bump(&mut driver, &b, 2);
    bump(&mut driver, &c, 3);

    let mark = events.len();
    driver.tell(&b, Fail("boom")).unwrap();
    driver.run_until_idle();

    for child in [a, b, c] {
        assert!(driver.is_alive(child.id()));
        assert_eq!(ask(&mut driver, &child, Count), Ok(0));
        assert_eq!(restarts(&driver, child.id()), 1);
    }
    assert_eq!(
        sorted(log.lines()),
        [
            "a restarted after boom",
            "b restarted after boom",
            "c restarted after boom"
        ]
    );
    let mut restarted: Vec<ActorId> = events
        .since(mark)
        .into_iter()
        .filter_map(|e| match e {
            Event::Restarted { id, .. } => Some(id),
            _ => None,
        })
        .collect();
    restarted.sort();
    let mut expected = vec![a.id(), b.id(), c.id()];
    expected.sort();
    assert_eq!(restarted, expected);
    assert_eq!(restarts(&driver, parent.id()), 0);
    assert_eq!(
        driver.actor_info(parent.id()).unwrap().children,
        [a.id(), b.id(), c.id()]
    );
    settle(&mut driver);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn rest_for_one_restarts_the_failing_child_and_the_siblings_spawned_after_it() {
    let Family {
        mut driver,
        log,
        parent,
        children,
        ..
    } = family(Supervisor::new(Strategy::RestForOne), &["a", "b", "c"]);
    let [a, b, c] = children[..] else {
        unreachable!()
    };
    bump(&mut driver, &a, 1);
    bump(&mut driver, &b, 2);
    bump(&mut driver, &c, 3);

    driver.tell(&b, Fail("boom")).unwrap();
    driver.run_until_idle();

    assert_eq!(
        ask(&mut driver, &a, Count),
        Ok(1),
        "an earlier sibling keeps its state"
    );
    assert_eq!(restarts(&driver, a.id()), 0);
    for later in [b, c] {
        assert_eq!(ask(&mut driver, &later, Count), Ok(0));
        assert_eq!(restarts(&driver, later.id()), 1);
    }
    assert_eq!(
        sorted(log.lines()),
        ["b restarted after boom", "c restarted after boom"]
    );

    // The last child failing restarts only itself.
    log.clear();
    bump(&mut driver, &b, 1);
    driver.tell(&c, Fail("boom")).unwrap();
    driver.run_until_idle();
    assert_eq!(log.lines(), ["c restarted after boom"]);
    assert_eq!(ask(&mut driver, &b, Count), Ok(1));
    assert_eq!(restarts(&driver, parent.id()), 0);
    settle(&mut driver);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn one_for_one_leaves_the_siblings_alone() {
    let Family {
        mut driver,
        log,
        children,
        ..
    } = family(Supervisor::new(Strategy::OneForOne), &["a", "b", "c"]);
    let [a, b, c] = children[..] else {
        unreachable!()
    };
    for child in [a, b, c] {
        bump(&mut driver, &child, 2);
    }
    driver.tell(&b, Fail("boom")).unwrap();
    driver.run_until_idle();
    assert_eq!(log.lines(), ["b restarted after boom"]);
    assert_eq!(ask(&mut driver, &a, Count), Ok(2));
    assert_eq!(ask(&mut driver, &b, Count), Ok(0));
    assert_eq!(ask(&mut driver, &c, Count), Ok(2));
    settle(&mut driver);
}

// ---- deciders ------------------------------------------------------------------------------

fn by_message(error: &ActorError) -> Decision {
    match error.message() {
        "resume" => Decision::Resume,
        "stop" => Decision::Stop,
        "escalate" => Decision::Escalate,
        _ => Decision::Restart,
    }
}

fn deciding(labels: &[&'static str]) -> Family {
    family(
        Supervisor::new(Strategy::OneForOne).decider(by_message),
        labels,
    )
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn resume_keeps_the_instance_and_its_state() {
    let Family {
        mut driver,
        events,
        log,
        children,
        ..
    } = deciding(&["child"]);
    let child = children[0];
    bump(&mut driver, &child, 2);

    let mark = events.len();
    driver.tell(&child, Fail("resume")).unwrap();
    driver.tell(&child, Bump).unwrap();
    driver.run_until_idle();
    assert_eq!(
        ask(&mut driver, &child, Count),
        Ok(3),
        "state kept, next message handled"
    );

    assert_eq!(
        ask(&mut driver, &child, Fail("resume")),
        Err(AskError::Failed(ActorError::new("resume")))
    );
    assert_eq!(ask(&mut driver, &child, Bump), Ok(4));

    let info = driver.actor_info(child.id()).unwrap();
    assert_eq!((info.restarts, info.errors), (0, 2));
    assert!(
        log.lines().is_empty(),
        "no restart, no stop: {:?}",
        log.lines()
    );
    assert!(supervision(&events, mark)
        .iter()
        .all(|e| matches!(e, Event::Failed { .. })));
    settle(&mut driver);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn stop_stops_only_the_failing_child_and_its_queue_becomes_dead_letters() {
    let Family {
        mut driver,
        events,
        log,
        parent,
        children,
    } = deciding(&["a", "b"]);
    let [a, b] = children[..] else { unreachable!() };

    let mark = events.len();
    driver.tell(&a, Bump).unwrap();
    driver.tell(&a, Fail("stop")).unwrap();
    driver.tell(&a, Bump).unwrap();
    driver.tell(&a, Bump).unwrap();
    driver.run_until_idle();

    assert!(!driver.is_alive(a.id()));
    assert!(driver.is_alive(b.id()));
    assert!(driver.is_alive(parent.id()));
    assert_eq!(restarts(&driver, parent.id()), 0);
    assert_eq!(driver.actor_info(parent.id()).unwrap().children, [b.id()]);
    assert_eq!(log.lines(), ["a stopped"]);
    assert_eq!(
        supervision(&events, mark),
        [
            Event::Failed {
                id: a.id(),
                error: ActorError::new("stop")
            },
            Event::Stopped {
                id: a.id(),
                reason: StopReason::Failed(ActorError::new("stop"))
            },
        ]
    );
    assert_eq!(
        driver
            .metrics()
            .dead_letters_for(DeadLetterReason::ActorStopped),
        2
    );
    assert_eq!(
        driver
            .dead_letters()
            .filter(|d| d.to == Some(a.id()) && d.downcast_ref::<Bump>().is_some())
            .count(),
        2
    );
    settle(&mut driver);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn escalate_stops_the_child_and_fails_the_parent_at_once() {
    let Family {
        mut driver,
        events,
        parent,
        children,
        ..
    } = deciding(&["child"]);
    let child = children[0];

    let mark = events.len();
    driver.tell(&child, Fail("escalate")).unwrap();
    driver.run_until_idle();

    assert!(!driver.is_alive(child.id()));
    assert_eq!(restarts(&driver, parent.id()), 1);
    let parent_failures: Vec<FailureKind> = supervision(&events, mark)
        .into_iter()
        .filter_map(|e| match e {
            Event::Failed { id, error } if id == parent.id() => Some(error.kind()),
            _ => None,
        })
        .collect();
    assert_eq!(parent_failures, [FailureKind::Escalated]);
    let new_children = ask(&mut driver, &parent, Children).unwrap();
    assert_eq!(new_children.len(), 1);
    assert_ne!(new_children[0], child);
    settle(&mut driver);
}

// ---- panics --------------------------------------------------------------------------------
//
// Not on wasm32: a handler panic is only turned into a failure where the `std` feature can
// catch it (`catch_unwind`), and wasm32-unknown-unknown aborts on panic, so these tests (and
// the `Panic` message they use) are compiled natively only.

/// Panics.
#[cfg(not(target_arch = "wasm32"))]
struct Panic;
#[cfg(not(target_arch = "wasm32"))]
impl Message for Panic {
    type Reply = ();
}

#[cfg(not(target_arch = "wasm32"))]
impl Handler<Panic> for Child {
    fn handle(&mut self, _: Panic, _: &mut Context<'_, Self>) -> Result<(), ActorError> {
        panic!("{EXPECTED_PANIC}: kaboom");
    }
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn a_panicking_handler_is_a_failure_of_kind_panic_and_is_restarted() {
    silence_expected_panics();
    let Family {
        mut driver,
        events,
        log,
        children,
        ..
    } = family(Supervisor::new(Strategy::OneForOne), &["child"]);
    let child = children[0];
    bump(&mut driver, &child, 2);

    let mark = events.len();
    driver.tell(&child, Panic).unwrap();
    driver.tell(&child, Bump).unwrap();
    driver.run_until_idle();

    let seen = supervision(&events, mark);
    let Some(Event::Failed { id, error }) = seen.first() else {
        panic!("expected a failure, got {seen:?}");
    };
    assert_eq!(*id, child.id());
    assert_eq!(error.kind(), FailureKind::Panic);
    assert_eq!(error.message(), format!("{EXPECTED_PANIC}: kaboom"));
    assert!(matches!(&seen[1], Event::Restarted { id, .. } if *id == child.id()));

    assert!(driver.is_alive(child.id()));
    assert_eq!(restarts(&driver, child.id()), 1);
    assert_eq!(
        ask(&mut driver, &child, Count),
        Ok(1),
        "fresh instance, and the message after the panic was handled"
    );
    assert_eq!(
        log.lines(),
        [format!(
            "child restarted after panicked: {EXPECTED_PANIC}: kaboom"
        )]
    );
    settle(&mut driver);
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn an_ask_whose_handler_panics_fails_with_the_panic() {
    silence_expected_panics();
    let Family {
        mut driver,
        events,
        children,
        ..
    } = family(Supervisor::new(Strategy::OneForOne), &["child"]);
    let child = children[0];

    let mark = events.len();
    let reply = ask(&mut driver, &child, Panic);
    driver.run_until_idle();
    let supervised = supervision(&events, mark)
        .into_iter()
        .find_map(|e| match e {
            Event::Failed { id, error } if id == child.id() => Some(error),
            _ => None,
        })
        .expect("the panic is a supervised failure");
    assert_eq!(supervised.message(), format!("{EXPECTED_PANIC}: kaboom"));
    // One failure, one error: the asker gets what the supervisor got.
    assert_eq!(reply, Err(AskError::Failed(supervised)));
    settle(&mut driver);
}
