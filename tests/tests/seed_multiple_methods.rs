//! Seed "multiple methods": one actor with several message types, each with its own reply
//! type.
//!
//! Promise: each message reaches its own handler and each ask gets a reply of its own type;
//! tells and asks of different types share one mailbox and are handled in the order sent.

use backstage_core::{Actor, ActorError, Context, Handler, ManualDriver, Message, Runtime};
use backstage_tests::{ask, settle, Log};

/// A running total.
struct Calculator {
    total: u64,
    adds: u32,
    trace: Log,
}
impl Actor for Calculator {}

/// `add(n): void`
struct Add(u64);
impl Message for Add {
    type Reply = ();
}

/// `get(): number`
struct Get;
impl Message for Get {
    type Reply = u64;
}

/// `describe(): string`
struct Describe;
impl Message for Describe {
    type Reply = String;
}

/// `reset(): number` (the old total)
struct Reset;
impl Message for Reset {
    type Reply = u64;
}

/// `isAbove(n): boolean`
struct IsAbove(u64);
impl Message for IsAbove {
    type Reply = bool;
}

impl Handler<Add> for Calculator {
    fn handle(&mut self, Add(n): Add, _: &mut Context<'_, Self>) -> Result<(), ActorError> {
        self.trace.push(format!("add {n}"));
        self.total += n;
        self.adds += 1;
        Ok(())
    }
}

impl Handler<Get> for Calculator {
    fn handle(&mut self, _: Get, _: &mut Context<'_, Self>) -> Result<u64, ActorError> {
        self.trace.push("get");
        Ok(self.total)
    }
}

impl Handler<Describe> for Calculator {
    fn handle(&mut self, _: Describe, _: &mut Context<'_, Self>) -> Result<String, ActorError> {
        self.trace.push("describe");
        Ok(format!("total {} after {} adds", self.total, self.adds))
    }
}

impl Handler<Reset> for Calculator {
    fn handle(&mut self, _: Reset, _: &mut Context<'_, Self>) -> Result<u64, ActorError> {
        self.trace.push("reset");
        self.adds = 0;
        Ok(std::mem::take(&mut self.total))
    }
}

impl Handler<IsAbove> for Calculator {
    fn handle(
        &mut self,
        IsAbove(n): IsAbove,
        _: &mut Context<'_, Self>,
    ) -> Result<bool, ActorError> {
        self.trace.push(format!("above {n}"));
        Ok(self.total > n)
    }
}

fn calculator(driver: &mut ManualDriver, trace: &Log) -> backstage_core::Addr<Calculator> {
    let trace = trace.clone();
    driver.spawn(move || Calculator {
        total: 0,
        adds: 0,
        trace: trace.clone(),
    })
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn interleaved_tells_and_asks_get_replies_of_their_own_types() {
    let mut driver = ManualDriver::default();
    let trace = Log::default();
    let calc = calculator(&mut driver, &trace);

    driver.tell(&calc, Add(5)).unwrap();
    assert_eq!(ask(&mut driver, &calc, Get), Ok(5));
    driver.tell(&calc, Add(7)).unwrap();
    driver.tell(&calc, Add(8)).unwrap();
    assert_eq!(ask(&mut driver, &calc, IsAbove(19)), Ok(true));
    assert_eq!(ask(&mut driver, &calc, IsAbove(20)), Ok(false));
    assert_eq!(
        ask(&mut driver, &calc, Describe),
        Ok("total 20 after 3 adds".to_string())
    );
    assert_eq!(ask(&mut driver, &calc, Reset), Ok(20));
    assert_eq!(ask(&mut driver, &calc, Get), Ok(0));
    assert_eq!(ask(&mut driver, &calc, Add(1)), Ok(()));
    assert_eq!(
        ask(&mut driver, &calc, Describe),
        Ok("total 1 after 1 adds".to_string())
    );
    settle(&mut driver);
    let m = driver.metrics();
    assert_eq!((m.sent, m.delivered), (11, 11), "3 tells and 8 asks");
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn outstanding_asks_of_different_types_resolve_in_mailbox_order() {
    let mut driver = ManualDriver::default();
    let trace = Log::default();
    let calc = calculator(&mut driver, &trace);

    // Everything is queued before the actor runs once.
    driver.tell(&calc, Add(2)).unwrap();
    let mut get1 = driver.system.ask(&calc, Get);
    driver.tell(&calc, Add(3)).unwrap();
    let mut describe = driver.system.ask(&calc, Describe);
    let mut above = driver.system.ask(&calc, IsAbove(4));
    let mut reset = driver.system.ask(&calc, Reset);
    let mut get2 = driver.system.ask(&calc, Get);
    assert_eq!(get1.try_take(), None, "nothing runs before the driver does");

    driver.run_until_idle();
    assert_eq!(get1.try_take(), Some(Ok(2)));
    assert_eq!(
        describe.try_take(),
        Some(Ok("total 5 after 2 adds".to_string()))
    );
    assert_eq!(above.try_take(), Some(Ok(true)));
    assert_eq!(reset.try_take(), Some(Ok(5)));
    assert_eq!(get2.try_take(), Some(Ok(0)));
    assert_eq!(
        trace.lines(),
        ["add 2", "get", "add 3", "describe", "above 4", "reset", "get"]
    );
    settle(&mut driver);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn two_instances_of_the_same_actor_keep_separate_state() {
    let mut driver = ManualDriver::default();
    let trace = Log::default();
    let a = calculator(&mut driver, &trace);
    let b = calculator(&mut driver, &trace);
    driver.tell(&a, Add(1)).unwrap();
    driver.tell(&b, Add(100)).unwrap();
    driver.tell(&a, Add(2)).unwrap();
    assert_eq!(ask(&mut driver, &a, Get), Ok(3));
    assert_eq!(ask(&mut driver, &b, Reset), Ok(100));
    assert_eq!(
        ask(&mut driver, &a, Describe),
        Ok("total 3 after 2 adds".to_string())
    );
    settle(&mut driver);
}
