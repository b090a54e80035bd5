//! A tour of Backstage's core: the seed examples, supervision, dead letters and metrics, on the
//! deterministic driver. Run with `cargo run -p backstage-core --example tour`.

use std::time::Duration;

use backstage_core::*;

/// Seed 000's hello world: an actor that greets and counts.
#[derive(Default)]
struct HelloWorld {
    count: u32,
}
impl Actor for HelloWorld {}

struct SayHello(String);
impl Message for SayHello {
    type Reply = ();
}
impl Handler<SayHello> for HelloWorld {
    fn handle(
        &mut self,
        SayHello(name): SayHello,
        _: &mut Context<'_, Self>,
    ) -> Result<(), ActorError> {
        self.count += 1;
        println!("  Hello, {name}! (message #{})", self.count);
        Ok(())
    }
}

struct GetCount;
impl Message for GetCount {
    type Reply = u32;
}
impl Handler<GetCount> for HelloWorld {
    fn handle(&mut self, _: GetCount, _: &mut Context<'_, Self>) -> Result<u32, ActorError> {
        Ok(self.count)
    }
}

/// Seed 000's pub/sub: a reader of the "news" stream.
struct Reader(&'static str);
impl Actor for Reader {}

#[derive(Clone)]
struct Headline(String);
impl Message for Headline {
    type Reply = ();
}
impl Handler<Headline> for Reader {
    fn handle(
        &mut self,
        Headline(h): Headline,
        _: &mut Context<'_, Self>,
    ) -> Result<(), ActorError> {
        println!("  {} read: {h}", self.0);
        Ok(())
    }
}

/// A worker that fails on demand, under a supervisor that restarts it.
#[derive(Default)]
struct Worker {
    done: u32,
}
impl Actor for Worker {
    fn restarted(
        &mut self,
        cause: &ActorError,
        _: &mut Context<'_, Self>,
    ) -> Result<(), ActorError> {
        println!(
            "  worker restarted after: {cause} (fresh state: done = {})",
            self.done
        );
        Ok(())
    }
}

struct Work {
    crash: bool,
}
impl Message for Work {
    type Reply = u32;
}
impl Handler<Work> for Worker {
    fn handle(&mut self, work: Work, _: &mut Context<'_, Self>) -> Result<u32, ActorError> {
        if work.crash {
            return Err("asked to crash".into());
        }
        self.done += 1;
        Ok(self.done)
    }
}

fn main() {
    let mut driver = ManualDriver::default();

    println!("hello_world_string: a virtual actor, created on first use");
    let hello = driver
        .get_or_spawn("hello_actor", HelloWorld::default)
        .unwrap();
    driver.tell(&hello, SayHello("World".into())).unwrap();
    driver.tell(&hello, SayHello("Rust".into())).unwrap();
    let count = driver.system.ask(&hello, GetCount);
    println!("  count = {:?}", driver.block_on(count).unwrap());

    println!("\npub_sub: a typed stream with two readers");
    let news = driver.stream::<Headline>("news").unwrap();
    for name in ["alice", "bob"] {
        let reader = driver.spawn(move || Reader(name));
        news.subscribe(&mut driver.system, &reader).unwrap();
    }
    news.next(
        &mut driver.system,
        Headline("Actors run in the browser".into()),
    );
    driver.run_until_idle();

    println!("\nsupervision: a failing worker is restarted with fresh state");
    let worker = driver.spawn(Worker::default);
    for crash in [false, false, true, false] {
        let reply = driver.system.ask(&worker, Work { crash });
        println!(
            "  work(crash: {crash}) -> {:?}",
            driver.block_on(reply).unwrap()
        );
    }

    println!("\ntimers: a reminder after 2 virtual seconds");
    driver.send_after(&hello, SayHello("later".into()), Duration::from_secs(2));
    driver.advance(Duration::from_secs(2));

    println!("\npoison_pill and dead letters");
    driver.poison(hello.id()).unwrap();
    driver.run_until_idle();
    if let Err(e) = driver.tell(&hello, SayHello("anyone?".into())) {
        println!("  tell after the pill: {e} [{}]", e.code());
    }
    for letter in driver.dead_letters() {
        println!(
            "  dead letter: {} to {:?} ({})",
            letter.message_type,
            letter.to,
            letter.reason.code()
        );
    }

    let m = driver.metrics();
    println!(
        "\nmetrics: sent {} = delivered {} + dead letters {} + rejected {}; {} spawned, {} restarts",
        m.sent, m.delivered, m.dead_letters, m.rejected, m.spawned, m.restarts
    );
}
