//! A few live actors with the inspector endpoint on, to watch with the inspector page (or any
//! WebSocket client speaking `docs/inspector-protocol.md`).
//!
//! ```text
//! cargo run -p backstage-native-driver --example inspected            # port 9230
//! cargo run -p backstage-native-driver --example inspected -- 9300    # or BACKSTAGE_INSPECTOR_PORT=9300
//! ```
//!
//! The first line on stdout is `inspector: ws://127.0.0.1:PORT/`. What runs:
//!
//! - **pinger** and its child **ponger** play ping-pong in volleys, one volley every 100 ms; the
//!   volley doubles every 3 s up to 20,000 balls, then starts again at 20, so their rates rise
//!   (and drop back).
//! - **newsroom** publishes a headline on its topic `news` every 500 ms to three subscribed
//!   children, **reader-1** to **reader-3**.
//! - **supervisor** supervises **fragile**. Send `fragile` (or `supervisor`) the text `crash`
//!   (`{"type":"send","actor":ID,"text":"crash"}`) and it fails; the supervisor restarts it.
//!   Any other text is counted.
//! - **foreman** starts a short-lived **job** child every 2 s; each job stops after 1 s, and
//!   the foreman's late check on it becomes a dead letter.
//!
//! Texts sent to actors that do not take them show up as dead letters, with the text (this
//! example's redaction hook shows inspector messages; everything else only by type). The
//! engine runs until SIGINT or SIGTERM, then stops gracefully.

use std::time::Duration;

use backstage_core::inspect::{message_type, InspectorMessage};
use backstage_core::{
    Actor, ActorError, Addr, Context, Envelope, Handler, Message, Runtime, SpawnOptions, Strategy,
    Supervisor, Topic,
};
use backstage_native_driver::{Engine, InspectorOptions};

// ---- ping-pong ------------------------------------------------------------------------------

struct Ball(u32);
impl Message for Ball {
    type Reply = ();
}

#[derive(Clone)]
struct Serve;
impl Message for Serve {
    type Reply = ();
}

/// Serves a volley of balls to its ponger every 100 ms; the volley grows over time.
struct Pinger {
    ponger: Option<Addr<Ponger>>,
    volley: u32,
    serves: u32,
    returned: u64,
}

impl Actor for Pinger {
    fn started(&mut self, ctx: &mut Context<'_, Self>) -> Result<(), ActorError> {
        let me = ctx.me();
        let ponger = ctx.spawn_child_with(SpawnOptions::new().name("ponger"), move || Ponger {
            pinger: me,
        })?;
        self.ponger = Some(ponger);
        ctx.send_every(&me, Serve, Duration::from_millis(100));
        Ok(())
    }
}

impl Handler<Serve> for Pinger {
    fn handle(&mut self, _: Serve, ctx: &mut Context<'_, Self>) -> Result<(), ActorError> {
        self.serves += 1;
        if self.serves % 30 == 0 {
            self.volley = if self.volley >= 20_000 {
                20
            } else {
                self.volley * 2
            };
        }
        let Some(ponger) = self.ponger else {
            return Ok(());
        };
        for i in 0..self.volley {
            // A full mailbox just loses that ball (rejected): the rate shows what got through.
            let _ = ctx.tell(&ponger, Ball(i));
        }
        Ok(())
    }
}

impl Handler<Ball> for Pinger {
    fn handle(&mut self, _: Ball, _: &mut Context<'_, Self>) -> Result<(), ActorError> {
        self.returned += 1;
        Ok(())
    }
}

struct Ponger {
    pinger: Addr<Pinger>,
}
impl Actor for Ponger {}

impl Handler<Ball> for Ponger {
    fn handle(&mut self, Ball(n): Ball, ctx: &mut Context<'_, Self>) -> Result<(), ActorError> {
        let _ = ctx.tell(&self.pinger, Ball(n));
        Ok(())
    }
}

// ---- pub/sub --------------------------------------------------------------------------------

#[derive(Clone)]
struct Headline(String);
impl Message for Headline {
    type Reply = ();
}

#[derive(Clone)]
struct Publish;
impl Message for Publish {
    type Reply = ();
}

/// Publishes a headline on its `news` topic every 500 ms, to its readers.
struct Newsroom {
    issue: u64,
}

impl Actor for Newsroom {
    fn started(&mut self, ctx: &mut Context<'_, Self>) -> Result<(), ActorError> {
        let news = ctx.topic("news");
        for i in 1..=3 {
            let reader =
                ctx.spawn_child_with(SpawnOptions::new().name(&format!("reader-{i}")), || {
                    Reader {
                        read: 0,
                        latest: String::new(),
                    }
                })?;
            ctx.subscribe::<Headline, _>(&news, &reader)
                .map_err(|e| ActorError::from_error(&e))?;
        }
        let me = ctx.me();
        ctx.send_every(&me, Publish, Duration::from_millis(500));
        Ok(())
    }
}

impl Handler<Publish> for Newsroom {
    fn handle(&mut self, _: Publish, ctx: &mut Context<'_, Self>) -> Result<(), ActorError> {
        self.issue += 1;
        let news: Topic = ctx.topic("news");
        ctx.publish(&news, Headline(format!("issue {}", self.issue)));
        Ok(())
    }
}

struct Reader {
    read: u64,
    latest: String,
}
impl Actor for Reader {}

impl Handler<Headline> for Reader {
    fn handle(
        &mut self,
        Headline(text): Headline,
        _: &mut Context<'_, Self>,
    ) -> Result<(), ActorError> {
        self.read += 1;
        self.latest = text;
        Ok(())
    }
}

// ---- supervision ----------------------------------------------------------------------------

/// Supervises `fragile` and passes it the inspector messages it gets.
struct Guardian {
    child: Option<Addr<Fragile>>,
}

impl Actor for Guardian {
    fn started(&mut self, ctx: &mut Context<'_, Self>) -> Result<(), ActorError> {
        let child =
            ctx.spawn_child_with(SpawnOptions::new().name("fragile"), || Fragile { texts: 0 })?;
        self.child = Some(child);
        Ok(())
    }

    fn receive(
        &mut self,
        envelope: Envelope,
        ctx: &mut Context<'_, Self>,
    ) -> Result<(), ActorError> {
        InspectorMessage::receive(self, envelope, ctx)
    }
}

impl Handler<InspectorMessage> for Guardian {
    fn handle(
        &mut self,
        msg: InspectorMessage,
        ctx: &mut Context<'_, Self>,
    ) -> Result<(), ActorError> {
        if let Some(child) = self.child {
            let _ = ctx.send_envelope(child.id(), Envelope::value(msg));
        }
        Ok(())
    }
}

/// Fails when told `crash`; counts every other text.
struct Fragile {
    texts: u64,
}

impl Actor for Fragile {
    fn receive(
        &mut self,
        envelope: Envelope,
        ctx: &mut Context<'_, Self>,
    ) -> Result<(), ActorError> {
        InspectorMessage::receive(self, envelope, ctx)
    }
}

impl Handler<InspectorMessage> for Fragile {
    fn handle(
        &mut self,
        msg: InspectorMessage,
        _: &mut Context<'_, Self>,
    ) -> Result<(), ActorError> {
        if msg.text.trim() == "crash" {
            return Err(ActorError::new("crashed on request"));
        }
        self.texts += 1;
        Ok(())
    }
}

// ---- short-lived jobs -----------------------------------------------------------------------

#[derive(Clone)]
struct Hire;
impl Message for Hire {
    type Reply = ();
}

struct CheckOn(Addr<Job>);
impl Message for CheckOn {
    type Reply = ();
}

struct Progress;
impl Message for Progress {
    type Reply = ();
}

/// Starts a job every 2 s and checks on it 1.5 s later (by then it has stopped).
struct Foreman;

impl Actor for Foreman {
    fn started(&mut self, ctx: &mut Context<'_, Self>) -> Result<(), ActorError> {
        let me = ctx.me();
        ctx.send_every(&me, Hire, Duration::from_secs(2));
        Ok(())
    }
}

impl Handler<Hire> for Foreman {
    fn handle(&mut self, _: Hire, ctx: &mut Context<'_, Self>) -> Result<(), ActorError> {
        let job = ctx.spawn_child_with(SpawnOptions::new().name("job"), || Job)?;
        ctx.send_after(&job, Quit, Duration::from_secs(1));
        let me = ctx.me();
        ctx.send_after(&me, CheckOn(job), Duration::from_millis(1500));
        Ok(())
    }
}

impl Handler<CheckOn> for Foreman {
    fn handle(
        &mut self,
        CheckOn(job): CheckOn,
        ctx: &mut Context<'_, Self>,
    ) -> Result<(), ActorError> {
        // The job is gone: this becomes a dead letter (ACTOR_STOPPED).
        let _ = ctx.tell(&job, Progress);
        Ok(())
    }
}

struct Quit;
impl Message for Quit {
    type Reply = ();
}

struct Job;
impl Actor for Job {}

impl Handler<Quit> for Job {
    fn handle(&mut self, _: Quit, ctx: &mut Context<'_, Self>) -> Result<(), ActorError> {
        let _ = ctx.stop(ctx.id());
        Ok(())
    }
}

impl Handler<Progress> for Job {
    fn handle(&mut self, _: Progress, _: &mut Context<'_, Self>) -> Result<(), ActorError> {
        Ok(())
    }
}

// ---- main -----------------------------------------------------------------------------------

fn port() -> Result<u16, String> {
    let text = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("BACKSTAGE_INSPECTOR_PORT").ok())
        .unwrap_or_else(|| "9230".into());
    text.parse()
        .map_err(|_| format!("not a port number: {text:?}"))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let options = InspectorOptions::new(port()?).redact(|letter| {
        // What an operator typed is shown; any other message only by its type.
        Some(match InspectorMessage::in_dead_letter(letter) {
            Some(msg) => msg.text.clone(),
            None => message_type(letter).to_string(),
        })
    });
    let engine = Engine::builder()
        .handle_signals(true)
        .inspector_with(options)
        .start()?;
    let addr = engine
        .inspector_addr()
        .ok_or("the inspector did not start")?;
    println!("inspector: ws://{addr}/");
    let handle = engine.handle();
    // Each group on a loop of its own (round-robin), children next to their parents.
    handle
        .spawn_with(SpawnOptions::new().name("pinger"), || Pinger {
            ponger: None,
            volley: 20,
            serves: 0,
            returned: 0,
        })
        .wait()?;
    handle
        .spawn_with(SpawnOptions::new().name("newsroom"), || Newsroom {
            issue: 0,
        })
        .wait()?;
    let supervisor = Supervisor::new(Strategy::OneForOne).max_restarts(20, Duration::from_secs(10));
    handle
        .spawn_with(
            SpawnOptions::new()
                .name("supervisor")
                .supervisor(supervisor),
            || Guardian { child: None },
        )
        .wait()?;
    handle
        .spawn_with(SpawnOptions::new().name("foreman"), || Foreman)
        .wait()?;
    println!("running on {} loops; Ctrl-C to stop", handle.loops());
    let stopped: u64 = engine.join().iter().map(|m| m.stopped).sum();
    println!("stopped {stopped} actors");
    Ok(())
}
