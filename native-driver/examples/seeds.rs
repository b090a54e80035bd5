//! The seed examples on the native engine: hello world, structs, actor to actor, pub/sub with
//! a stream, multiple methods, a large struct, an array-list actor and the poison pill.
//! Run with `cargo run -p backstage-native-driver --example seeds`.

use backstage_core::{Actor, ActorError, Addr, Context, Handler, Message, Runtime, SpawnOptions};
use backstage_native_driver::Engine;

struct HelloWorld {
    name: &'static str,
    count: u32,
}
impl HelloWorld {
    fn named(name: &'static str) -> impl FnMut() -> HelloWorld + Send {
        move || HelloWorld { name, count: 0 }
    }
}
impl Actor for HelloWorld {
    fn stopped(&mut self, _: &mut Context<'_, Self>) {
        println!("  {} stopped after {} greetings", self.name, self.count);
    }
}
impl Handler<String> for HelloWorld {
    fn handle(&mut self, name: String, _: &mut Context<'_, Self>) -> Result<(), ActorError> {
        self.count += 1;
        println!("  Hello, {name}! (message #{})", self.count);
        Ok(())
    }
}

#[derive(Clone, Debug)]
struct Person {
    name: String,
    age: u8,
    tags: Vec<String>,
}
struct Greet(Person);
impl Message for Greet {
    type Reply = String;
}
impl Handler<Greet> for HelloWorld {
    fn handle(&mut self, Greet(p): Greet, _: &mut Context<'_, Self>) -> Result<String, ActorError> {
        Ok(format!("{} ({}) tagged {:?}", p.name, p.age, p.tags))
    }
}

/// actor_to_actor: finds (or creates) its receiver by name on its own loop.
struct Sender;
impl Actor for Sender {}
struct Relay(String);
impl Message for Relay {
    type Reply = ();
}
impl Handler<Relay> for Sender {
    fn handle(
        &mut self,
        Relay(text): Relay,
        ctx: &mut Context<'_, Self>,
    ) -> Result<(), ActorError> {
        let receiver = ctx.get_or_spawn("receiver", HelloWorld::named("receiver"))?;
        ctx.tell(&receiver, format!("{text} (relayed)"))?;
        Ok(())
    }
}

/// array_list_actor with multiple methods.
#[derive(Default)]
struct List(Vec<String>);
impl Actor for List {}
struct Add(String);
impl Message for Add {
    type Reply = usize;
}
impl Handler<Add> for List {
    fn handle(&mut self, Add(item): Add, _: &mut Context<'_, Self>) -> Result<usize, ActorError> {
        self.0.push(item);
        Ok(self.0.len())
    }
}
struct Remove(usize);
impl Message for Remove {
    type Reply = String;
}
impl Handler<Remove> for List {
    fn handle(
        &mut self,
        Remove(i): Remove,
        _: &mut Context<'_, Self>,
    ) -> Result<String, ActorError> {
        if i >= self.0.len() {
            return Err(format!("no item {i}").into());
        }
        Ok(self.0.remove(i))
    }
}
struct All;
impl Message for All {
    type Reply = Vec<String>;
}
impl Handler<All> for List {
    fn handle(&mut self, _: All, _: &mut Context<'_, Self>) -> Result<Vec<String>, ActorError> {
        Ok(self.0.clone())
    }
}

/// large_struct: 64 KiB, checked on arrival.
struct Blob(Vec<u8>);
impl Message for Blob {
    type Reply = u64;
}
impl Handler<Blob> for List {
    fn handle(&mut self, Blob(bytes): Blob, _: &mut Context<'_, Self>) -> Result<u64, ActorError> {
        Ok(bytes.iter().map(|&b| u64::from(b)).sum())
    }
}

/// pub_sub: a reader subscribed to the "news" stream of its loop.
struct Reader;
impl Actor for Reader {
    fn started(&mut self, ctx: &mut Context<'_, Self>) -> Result<(), ActorError> {
        let news = ctx.stream::<String>("news")?;
        let me: Addr<Reader> = ctx.me();
        news.subscribe(ctx, &me)?;
        Ok(())
    }
}
impl Handler<String> for Reader {
    fn handle(&mut self, headline: String, _: &mut Context<'_, Self>) -> Result<(), ActorError> {
        println!("  reader got: {headline}");
        Ok(())
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let engine = Engine::builder().loops(2).start()?;
    let h = engine.handle();

    println!("hello_world_string / hello_world_struct");
    let hello = h
        .spawn_on(
            0,
            SpawnOptions::new().name("hello"),
            HelloWorld::named("hello"),
        )
        .wait()?;
    h.tell(&hello, "World".to_string())?;
    let person = Person {
        name: "Ada".into(),
        age: 36,
        tags: vec!["math".into()],
    };
    println!("  {}", h.ask(&hello, Greet(person)).wait()?);

    println!("actor_to_actor");
    let sender = h.spawn_on(1, SpawnOptions::new(), || Sender).wait()?;
    h.ask(&sender, Relay("ping".into())).wait()?;

    println!("multiple_methods / array_list_actor / large_struct");
    let list = h.spawn(List::default).wait()?;
    for item in ["a", "b", "c"] {
        h.ask(&list, Add(item.into())).wait()?;
    }
    println!("  removed {:?}", h.ask(&list, Remove(1)).wait()?);
    println!(
        "  remove(9) -> {}",
        h.ask(&list, Remove(9)).wait().unwrap_err()
    );
    println!(
        "  after a supervised restart: {:?}",
        h.ask(&list, All).wait()?
    );
    println!(
        "  64 KiB checksum {}",
        h.ask(&list, Blob(vec![1; 64 * 1024])).wait()?
    );

    println!("pub_sub (a stream on loop 0)");
    h.spawn_on(0, SpawnOptions::new(), || Reader).wait()?;
    h.with_system(0, |sys| {
        let news = sys.stream::<String>("news").expect("one element type");
        news.next(sys, "Actors on every core".to_string())
    })
    .wait()?;

    println!("poison_pill");
    h.poison(hello.id())?;
    h.terminated(hello.id()).wait()?;

    let metrics = engine.shutdown_and_join();
    let delivered: u64 = metrics.iter().map(|m| m.delivered).sum();
    println!(
        "done: {delivered} messages delivered on {} loops",
        metrics.len()
    );
    Ok(())
}
