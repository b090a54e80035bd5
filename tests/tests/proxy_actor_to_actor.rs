//! Seed 000 "actor to actor" in the proxy style: a sender gets the receiver with
//! `ctx.actor::<Receiver>("receiver")` and calls its methods.
//!
//! Promises: the receiver is created by the sender's first call and found by later ones;
//! a call made through a proxy obtained in a handler comes from that actor
//! (`ctx.sender()`); an ask from inside a handler does not block it: the reply reaches a
//! continuation (`Ask::then`) as a later message; proxies can be kept in actor state.

use backstage_core::{actor, ActorError, AskError, Context, ManualDriver, Runtime};
use backstage_tests::{reply, settle};

#[derive(Default)]
struct Receiver {
    /// (sender, message), as text.
    received: Vec<(String, String)>,
}
impl backstage_core::Actor for Receiver {}

#[actor]
impl Receiver {
    pub fn process_message(&mut self, message: String, ctx: &mut Context<'_, Self>) {
        let from = ctx
            .sender()
            .map_or("outside".to_string(), |id| id.to_string());
        self.received.push((from, message));
    }

    pub fn count(&self) -> usize {
        self.received.len()
    }

    pub fn received(&self) -> Vec<(String, String)> {
        self.received.clone()
    }
}

#[derive(Default)]
struct Sender {
    receiver: Option<ReceiverProxy>,
    /// What the asks it made came back with, in the order the continuations ran.
    replies: Vec<String>,
    trace: Vec<String>,
}
impl backstage_core::Actor for Sender {}

#[actor]
impl Sender {
    /// Seed 000's `sendMessage`: the receiver by id, each time.
    pub fn send_message(
        &mut self,
        message: String,
        ctx: &mut Context<'_, Self>,
    ) -> Result<(), ActorError> {
        let receiver = ctx.actor::<Receiver>("receiver")?;
        receiver.process_message(message);
        Ok(())
    }

    /// The same through a proxy kept in the actor's state.
    pub fn send_kept(
        &mut self,
        message: String,
        ctx: &mut Context<'_, Self>,
    ) -> Result<(), ActorError> {
        if self.receiver.is_none() {
            self.receiver = Some(ctx.actor::<Receiver>("receiver")?);
        }
        if let Some(receiver) = &self.receiver {
            receiver.process_message(message);
        }
        Ok(())
    }

    /// Asks the receiver how many messages it has; the handler returns at once.
    pub fn ask_count(&mut self, tag: u32, ctx: &mut Context<'_, Self>) -> Result<(), ActorError> {
        let receiver = ctx.actor::<Receiver>("receiver")?;
        self.trace.push(format!("asked {tag}"));
        receiver
            .count()
            .then(ctx, move |this: &mut Sender, count, _| {
                this.replies.push(format!("{tag}: {count:?}"));
                this.trace.push(format!("reply {tag}"));
                Ok(())
            });
        self.trace.push(format!("returned {tag}"));
        Ok(())
    }

    pub fn replies(&self) -> Vec<String> {
        self.replies.clone()
    }

    pub fn trace(&self) -> Vec<String> {
        self.trace.clone()
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn the_receiver_is_created_on_first_use_and_sees_the_sender() {
    let mut driver = ManualDriver::default();
    let sender = driver.actor::<Sender>("sender").unwrap();
    driver.run_until_idle();
    assert_eq!(driver.lookup("receiver"), None, "not created before use");

    sender.send_message("one".into());
    sender.send_message("two".into());
    sender.send_kept("three".into());
    driver.run_until_idle();
    let receiver = driver.actor::<Receiver>("receiver").unwrap();
    assert_eq!(
        driver.metrics().spawned,
        2,
        "one receiver, found by later calls"
    );

    let me = sender.id().to_string();
    assert_eq!(
        reply(&mut driver, receiver.received()),
        Ok(vec![
            (me.clone(), "one".to_string()),
            (me.clone(), "two".to_string()),
            (me, "three".to_string()),
        ])
    );
    // From outside any actor, there is no sender.
    receiver.process_message("four".into());
    let received = reply(&mut driver, receiver.received()).unwrap();
    assert_eq!(received[3], ("outside".to_string(), "four".to_string()));
    settle(&mut driver);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn an_ask_from_a_handler_does_not_block_and_the_reply_reaches_the_continuation() {
    let mut driver = ManualDriver::default();
    let sender = driver.actor::<Sender>("sender").unwrap();
    sender.send_message("a".into());
    sender.ask_count(1);
    sender.send_message("b".into());
    sender.ask_count(2);
    driver.run_until_idle();

    let trace = reply(&mut driver, sender.trace()).unwrap();
    // Both handlers returned before any reply came.
    assert_eq!(
        trace,
        [
            "asked 1",
            "returned 1",
            "asked 2",
            "returned 2",
            "reply 1",
            "reply 2"
        ]
    );
    assert_eq!(
        reply(&mut driver, sender.replies()),
        Ok(vec!["1: Ok(1)".to_string(), "2: Ok(2)".to_string()])
    );
    settle(&mut driver);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn an_ask_to_a_stopped_receiver_reaches_the_continuation_as_an_error() {
    let mut driver = ManualDriver::default();
    let sender = driver.actor::<Sender>("sender").unwrap();
    sender.send_kept("kept".into());
    driver.run_until_idle();
    let receiver = driver.actor::<Receiver>("receiver").unwrap();
    receiver.stop();
    driver.run_until_idle();

    // `ask_count` activates a fresh receiver by id; the kept proxy still points at the old.
    sender.ask_count(7);
    sender.send_kept("lost".into());
    driver.run_until_idle();
    assert_eq!(
        reply(&mut driver, sender.replies()),
        Ok(vec!["7: Ok(0)".to_string()])
    );
    let dead = driver.take_dead_letters();
    assert_eq!(
        dead.len(),
        1,
        "the call through the stale proxy is a dead letter"
    );
    assert_eq!(
        dead[0]
            .downcast_ref::<ReceiverProcessMessage>()
            .map(|m| m.0.as_str()),
        Some("lost")
    );
    let stale = receiver.count();
    assert!(matches!(
        reply(&mut driver, stale),
        Err(AskError::Send(backstage_core::SendError::Stopped(_)))
    ));
    settle(&mut driver);
}

/// A `local` actor: its arguments need not be serde types, so a proxy can be one.
#[derive(Default)]
struct Shouter {
    peer: Option<ReceiverProxy>,
}
impl backstage_core::Actor for Shouter {}

#[actor(local)]
impl Shouter {
    pub fn set_peer(&mut self, peer: ReceiverProxy) {
        self.peer = Some(peer);
    }

    pub fn shout(&mut self, text: String) {
        if let Some(peer) = &self.peer {
            peer.process_message(text.to_uppercase());
        }
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn a_proxy_can_travel_in_a_message_to_a_local_actor() {
    let mut driver = ManualDriver::default();
    let receiver = driver.actor::<Receiver>("receiver").unwrap();
    let shouter = driver.actor::<Shouter>("shouter").unwrap();
    shouter.set_peer(receiver.clone());
    shouter.shout("hi".into());
    driver.run_until_idle();
    // The proxy was made outside any actor: its calls have no sender, wherever they are made.
    assert_eq!(
        reply(&mut driver, receiver.received()),
        Ok(vec![("outside".to_string(), "HI".to_string())])
    );
    settle(&mut driver);
}
