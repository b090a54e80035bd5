//! Seeds "pub/sub" (001/002: actor topics) and 000 (typed streams).
//!
//! Promises:
//! - an actor's default topic ([`Topic::default_of`]) and its named topics
//!   (`ctx.topic(name)` == [`Topic::new`]) are separate; publication copies the message to
//!   each subscriber, in publication order per publisher, with the publisher as sender;
//! - an unsubscribed actor stops receiving; a stopped subscriber is removed automatically
//!   (no dead letters for it afterwards); a stopped publisher's topics go away;
//! - a stream is a named, typed topic shared by everyone: asking for it with another element
//!   type is [`TopicError::TypeMismatch`];
//! - an envelope subscriber (its own [`Actor::receive`]) sees each publication as
//!   [`EnvelopeKind::Publish`] with the topic and the sender; a publication it cannot take
//!   is a `TypeMismatch` dead letter for a typed subscriber.

use std::any::type_name;

use backstage_core::{
    Actor, ActorError, ActorId, Addr, Context, DeadLetterReason, Envelope, EnvelopeKind, Handler,
    ManualDriver, Message, Payload, Runtime, Stream, Topic, TopicError,
};
use backstage_tests::{ask, assert_balanced, settle, Record};

/// What publishers publish on actor topics.
#[derive(Clone, Debug, PartialEq)]
struct News(String);
impl Message for News {
    type Reply = ();
}

/// The element of the "news" stream. (`String` cannot be a stream element: `Message` is
/// foreign to this crate and not implemented for `String` by the core.)
#[derive(Clone, Debug, PartialEq)]
struct Headline(String);
impl Message for Headline {
    type Reply = ();
}

/// Something nobody here subscribes to by type.
#[derive(Clone, Debug, PartialEq)]
struct Alert(u8);
impl Message for Alert {
    type Reply = ();
}

// ---- the publisher -------------------------------------------------------------------------

#[derive(Default)]
struct Publisher {
    stream: Option<Stream<Headline>>,
}
impl Actor for Publisher {}

/// Publish on the default topic; replies how many subscribers it went to.
struct Announce(String);
impl Message for Announce {
    type Reply = usize;
}

/// Publish on the named topic.
struct AnnounceOn(&'static str, String);
impl Message for AnnounceOn {
    type Reply = usize;
}

/// Publish an `Alert` on the default topic.
struct Raise(u8);
impl Message for Raise {
    type Reply = usize;
}

/// Publish on the "news" stream (`stream.next(ctx, ..)`).
struct Headlines(String);
impl Message for Headlines {
    type Reply = usize;
}

/// The publisher's own view of its topics: (default, "news").
struct MyTopics;
impl Message for MyTopics {
    type Reply = (Topic, Topic);
}

impl Handler<Announce> for Publisher {
    fn handle(
        &mut self,
        Announce(text): Announce,
        ctx: &mut Context<'_, Self>,
    ) -> Result<usize, ActorError> {
        let topic = ctx.default_topic();
        Ok(ctx.publish(&topic, News(text)))
    }
}

impl Handler<AnnounceOn> for Publisher {
    fn handle(
        &mut self,
        AnnounceOn(name, text): AnnounceOn,
        ctx: &mut Context<'_, Self>,
    ) -> Result<usize, ActorError> {
        let topic = ctx.topic(name);
        Ok(ctx.publish(&topic, News(text)))
    }
}

impl Handler<Raise> for Publisher {
    fn handle(
        &mut self,
        Raise(level): Raise,
        ctx: &mut Context<'_, Self>,
    ) -> Result<usize, ActorError> {
        let topic = ctx.default_topic();
        Ok(ctx.publish(&topic, Alert(level)))
    }
}

impl Handler<Headlines> for Publisher {
    fn handle(
        &mut self,
        Headlines(text): Headlines,
        ctx: &mut Context<'_, Self>,
    ) -> Result<usize, ActorError> {
        if self.stream.is_none() {
            self.stream = Some(ctx.stream::<Headline>("news")?);
        }
        let stream = self.stream.clone().unwrap();
        Ok(stream.next(ctx, Headline(text)))
    }
}

impl Handler<MyTopics> for Publisher {
    fn handle(
        &mut self,
        _: MyTopics,
        ctx: &mut Context<'_, Self>,
    ) -> Result<(Topic, Topic), ActorError> {
        Ok((ctx.default_topic(), ctx.topic("news")))
    }
}

// ---- subscribers ---------------------------------------------------------------------------

/// What a subscriber saw: (who, sender, text).
type Seen = Record<(&'static str, Option<ActorId>, String)>;

/// A typed subscriber of `News` and `Headline`s; with `join_stream` it subscribes itself to
/// the "news" stream when it starts (seed 000 style).
struct Subscriber {
    name: &'static str,
    seen: Seen,
    join_stream: bool,
}

impl Actor for Subscriber {
    fn started(&mut self, ctx: &mut Context<'_, Self>) -> Result<(), ActorError> {
        if self.join_stream {
            let news = ctx.stream::<Headline>("news")?;
            let me = ctx.me();
            news.subscribe(ctx, &me)?;
        }
        Ok(())
    }
}

impl Handler<News> for Subscriber {
    fn handle(&mut self, News(text): News, ctx: &mut Context<'_, Self>) -> Result<(), ActorError> {
        self.seen.push((self.name, ctx.sender(), text));
        Ok(())
    }
}

impl Handler<Headline> for Subscriber {
    fn handle(
        &mut self,
        Headline(text): Headline,
        ctx: &mut Context<'_, Self>,
    ) -> Result<(), ActorError> {
        self.seen
            .push((self.name, ctx.sender(), format!("headline {text}")));
        Ok(())
    }
}

/// What an envelope subscriber saw: (sender, kind, payload as text).
type Envelopes = Record<(Option<ActorId>, EnvelopeKind, String)>;

/// Takes raw envelopes through `Actor::receive`.
struct Inspector {
    seen: Envelopes,
}

impl Actor for Inspector {
    fn receive(&mut self, envelope: Envelope, _: &mut Context<'_, Self>) -> Result<(), ActorError> {
        let payload = &envelope.payload;
        let text = if let Some(News(t)) = payload.downcast_ref::<News>() {
            format!("news {t}")
        } else if let Some(Headline(t)) = payload.downcast_ref::<Headline>() {
            format!("headline {t}")
        } else if let Some(Alert(level)) = payload.downcast_ref::<Alert>() {
            format!("alert {level}")
        } else if let Some(bytes) = payload
            .as_bytes()
            .or_else(|| payload.downcast_ref::<Vec<u8>>().map(Vec::as_slice))
        {
            format!("bytes {bytes:?}")
        } else {
            format!("unknown {payload:?}")
        };
        self.seen.push((envelope.sender, envelope.kind, text));
        Ok(())
    }
}

fn subscriber(driver: &mut ManualDriver, name: &'static str, seen: &Seen) -> Addr<Subscriber> {
    let seen = seen.clone();
    driver.spawn(move || Subscriber {
        name,
        seen: seen.clone(),
        join_stream: false,
    })
}

fn texts_of(seen: &Seen, who: &str) -> Vec<String> {
    seen.snapshot()
        .into_iter()
        .filter(|(w, _, _)| *w == who)
        .map(|(_, _, t)| t)
        .collect()
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

// ---- seeds 001/002: actor topics -----------------------------------------------------------

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn the_default_topic_reaches_every_subscriber_in_publication_order() {
    let mut driver = ManualDriver::default();
    let seen = Seen::new();
    let publisher = driver.spawn(Publisher::default);
    let a = subscriber(&mut driver, "a", &seen);
    let b = subscriber(&mut driver, "b", &seen);
    let topic = Topic::default_of(publisher.id());
    driver.subscribe::<News, _>(&topic, &a).unwrap();
    driver.subscribe::<News, _>(&topic, &b).unwrap();
    assert_eq!(driver.subscriber_count(&topic), 2);
    assert!(driver.topics().contains(&(topic.clone(), 2)));

    for i in 1..=5 {
        assert_eq!(
            ask(&mut driver, &publisher, Announce(format!("{i}"))),
            Ok(2)
        );
    }
    settle(&mut driver);

    let expected = strings(&["1", "2", "3", "4", "5"]);
    assert_eq!(texts_of(&seen, "a"), expected);
    assert_eq!(texts_of(&seen, "b"), expected);
    assert!(seen
        .snapshot()
        .iter()
        .all(|(_, from, _)| *from == Some(publisher.id())));

    // Publishing from outside any actor: no sender.
    assert_eq!(driver.publish(&topic, News("outside".into())), 2);
    settle(&mut driver);
    assert_eq!(
        seen.snapshot().last().unwrap(),
        &("b", None, "outside".into())
    );
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn named_topics_are_separate_from_the_default_topic_and_from_other_publishers() {
    let mut driver = ManualDriver::default();
    let seen = Seen::new();
    let publisher = driver.spawn(Publisher::default);
    let other = driver.spawn(Publisher::default);
    let on_default = subscriber(&mut driver, "default", &seen);
    let on_news = subscriber(&mut driver, "news", &seen);

    let (default_topic, news_topic) = ask(&mut driver, &publisher, MyTopics).unwrap();
    assert_eq!(default_topic, Topic::default_of(publisher.id()));
    assert_eq!(news_topic, Topic::new(publisher.id(), "news"));
    assert_ne!(news_topic, Topic::new(other.id(), "news"));
    assert_eq!(news_topic.owner(), Some(publisher.id()));
    assert_eq!(news_topic.name(), "news");

    driver
        .subscribe::<News, _>(&default_topic, &on_default)
        .unwrap();
    driver.subscribe::<News, _>(&news_topic, &on_news).unwrap();

    assert_eq!(ask(&mut driver, &publisher, Announce("d1".into())), Ok(1));
    assert_eq!(
        ask(&mut driver, &publisher, AnnounceOn("news", "n1".into())),
        Ok(1)
    );
    assert_eq!(
        ask(&mut driver, &publisher, AnnounceOn("sport", "s1".into())),
        Ok(0)
    );
    assert_eq!(
        ask(&mut driver, &other, AnnounceOn("news", "other".into())),
        Ok(0)
    );
    assert_eq!(ask(&mut driver, &other, Announce("other".into())), Ok(0));
    settle(&mut driver);

    assert_eq!(texts_of(&seen, "default"), ["d1"]);
    assert_eq!(texts_of(&seen, "news"), ["n1"]);
    assert_eq!(driver.metrics().dead_letters, 0);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn each_publishers_messages_arrive_in_the_order_it_published_them() {
    let mut driver = ManualDriver::default();
    let seen = Seen::new();
    let p1 = driver.spawn(Publisher::default);
    let p2 = driver.spawn(Publisher::default);
    let s = subscriber(&mut driver, "s", &seen);
    driver
        .subscribe::<News, _>(&Topic::default_of(p1.id()), &s)
        .unwrap();
    driver
        .subscribe::<News, _>(&Topic::default_of(p2.id()), &s)
        .unwrap();

    // Interleaved, and more than a scheduler quantum of each.
    for i in 0..100 {
        driver.tell(&p1, Announce(format!("a{i}"))).unwrap();
        driver.tell(&p2, Announce(format!("b{i}"))).unwrap();
    }
    settle(&mut driver);

    let all = seen.snapshot();
    assert_eq!(all.len(), 200);
    let from = |p: ActorId| -> Vec<String> {
        all.iter()
            .filter(|(_, f, _)| *f == Some(p))
            .map(|(_, _, t)| t.clone())
            .collect()
    };
    assert_eq!(
        from(p1.id()),
        (0..100).map(|i| format!("a{i}")).collect::<Vec<_>>()
    );
    assert_eq!(
        from(p2.id()),
        (0..100).map(|i| format!("b{i}")).collect::<Vec<_>>()
    );
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn an_unsubscribed_actor_stops_receiving() {
    let mut driver = ManualDriver::default();
    let seen = Seen::new();
    let publisher = driver.spawn(Publisher::default);
    let a = subscriber(&mut driver, "a", &seen);
    let b = subscriber(&mut driver, "b", &seen);
    let topic = Topic::default_of(publisher.id());
    driver.subscribe::<News, _>(&topic, &a).unwrap();
    driver.subscribe::<News, _>(&topic, &b).unwrap();
    // Subscribing twice does not deliver twice.
    driver.subscribe::<News, _>(&topic, &a).unwrap();
    assert_eq!(driver.subscriber_count(&topic), 2);

    assert_eq!(
        ask(&mut driver, &publisher, Announce("before".into())),
        Ok(2)
    );
    assert!(driver.unsubscribe(&topic, a.id()));
    assert!(!driver.unsubscribe(&topic, a.id()), "already unsubscribed");
    assert_eq!(driver.subscriber_count(&topic), 1);
    assert_eq!(
        ask(&mut driver, &publisher, Announce("after".into())),
        Ok(1)
    );
    settle(&mut driver);

    assert_eq!(texts_of(&seen, "a"), ["before"]);
    assert_eq!(texts_of(&seen, "b"), ["before", "after"]);

    // And it can come back.
    driver.subscribe::<News, _>(&topic, &a).unwrap();
    assert_eq!(
        ask(&mut driver, &publisher, Announce("again".into())),
        Ok(2)
    );
    settle(&mut driver);
    assert_eq!(texts_of(&seen, "a"), ["before", "again"]);
    assert_eq!(driver.metrics().dead_letters, 0);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn a_stopped_subscriber_is_removed_automatically() {
    let mut driver = ManualDriver::default();
    let seen = Seen::new();
    let publisher = driver.spawn(Publisher::default);
    let a = subscriber(&mut driver, "a", &seen);
    let b = subscriber(&mut driver, "b", &seen);
    let topic = Topic::default_of(publisher.id());
    let news = driver.stream::<Headline>("news").unwrap();
    for s in [&a, &b] {
        driver.subscribe::<News, _>(&topic, s).unwrap();
        news.subscribe(&mut driver.system, s).unwrap();
    }
    assert_eq!(driver.subscriber_count(&topic), 2);
    assert_eq!(driver.subscriber_count(news.topic()), 2);

    driver.stop(a.id()).unwrap();
    settle(&mut driver);
    assert_eq!(driver.subscriber_count(&topic), 1);
    assert_eq!(driver.subscriber_count(news.topic()), 1);

    let dead_before = driver.metrics().dead_letters;
    assert_eq!(ask(&mut driver, &publisher, Announce("x".into())), Ok(1));
    assert_eq!(news.next(&mut driver.system, Headline("y".into())), 1);
    settle(&mut driver);
    assert_eq!(
        driver.metrics().dead_letters,
        dead_before,
        "nothing is sent to the stopped one"
    );
    assert_eq!(texts_of(&seen, "a"), Vec::<String>::new());
    assert_eq!(texts_of(&seen, "b"), ["x", "headline y"]);

    // A subscriber stopped by a poison pill goes too.
    driver.poison(b.id()).unwrap();
    settle(&mut driver);
    assert_eq!(driver.subscriber_count(&topic), 0);
    assert_eq!(driver.subscriber_count(news.topic()), 0);
    assert_eq!(ask(&mut driver, &publisher, Announce("z".into())), Ok(0));
    settle(&mut driver);
    assert_eq!(driver.metrics().dead_letters, dead_before);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn a_stopped_publishers_topics_go_away() {
    let mut driver = ManualDriver::default();
    let seen = Seen::new();
    let publisher = driver.spawn(Publisher::default);
    let s = subscriber(&mut driver, "s", &seen);
    let default_topic = Topic::default_of(publisher.id());
    let news_topic = Topic::new(publisher.id(), "news");
    driver.subscribe::<News, _>(&default_topic, &s).unwrap();
    driver.subscribe::<News, _>(&news_topic, &s).unwrap();
    assert_eq!(driver.topics().len(), 2);

    driver.stop(publisher.id()).unwrap();
    settle(&mut driver);
    assert!(
        driver
            .topics()
            .iter()
            .all(|(t, _)| t.owner() != Some(publisher.id())),
        "topics left: {:?}",
        driver.topics()
    );
    assert_eq!(driver.subscriber_count(&default_topic), 0);
    assert_eq!(driver.publish(&default_topic, News("ghost".into())), 0);
    settle(&mut driver);
    assert!(seen.is_empty());
    assert!(driver.is_alive(s.id()));
}

// ---- seed 000: typed streams ---------------------------------------------------------------

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn a_stream_is_shared_by_name_and_delivers_in_order() {
    let mut driver = ManualDriver::default();
    let seen = Seen::new();
    let news = driver.stream::<Headline>("news").unwrap();
    // One subscribes itself in `started` (ctx.stream + stream.subscribe), one is subscribed
    // from outside.
    let inside = driver.spawn({
        let seen = seen.clone();
        move || Subscriber {
            name: "inside",
            seen: seen.clone(),
            join_stream: true,
        }
    });
    let outside = subscriber(&mut driver, "outside", &seen);
    news.subscribe(&mut driver.system, &outside).unwrap();
    driver.run_until_idle();
    assert_eq!(driver.subscriber_count(news.topic()), 2);
    assert_eq!(news.topic(), &Topic::global("news"));
    assert_eq!(news.topic().owner(), None);

    // From outside (no sender) and from an actor (`stream.next(ctx, ..)`, the actor is sender).
    let publisher = driver.spawn(Publisher::default);
    for i in 0..3 {
        assert_eq!(news.next(&mut driver.system, Headline(format!("o{i}"))), 2);
        driver.tell(&publisher, Headlines(format!("p{i}"))).unwrap();
    }
    settle(&mut driver);

    let expected = strings(&[
        "headline o0",
        "headline o1",
        "headline o2",
        "headline p0",
        "headline p1",
        "headline p2",
    ]);
    for who in ["inside", "outside"] {
        let mut got = texts_of(&seen, who);
        // Outside and actor publications may interleave; each source keeps its order.
        got.sort();
        assert_eq!(got, expected, "{who}");
        let from_publisher: Vec<String> = seen
            .snapshot()
            .into_iter()
            .filter(|(w, f, _)| *w == who && *f == Some(publisher.id()))
            .map(|(_, _, t)| t)
            .collect();
        assert_eq!(from_publisher, expected[3..].to_vec(), "{who}");
    }
    assert!(driver.is_alive(inside.id()));
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn a_stream_asked_for_with_another_type_is_a_type_mismatch() {
    let mut driver = ManualDriver::default();
    let seen = Seen::new();
    let news = driver.stream::<Headline>("news").unwrap();
    let s = subscriber(&mut driver, "s", &seen);
    news.subscribe(&mut driver.system, &s).unwrap();

    let err = driver.stream::<Alert>("news").unwrap_err();
    assert_eq!(
        err,
        TopicError::TypeMismatch {
            name: "news".into(),
            expected: type_name::<Alert>(),
            found: type_name::<Headline>(),
        }
    );
    assert_eq!(err.code(), "TYPE_MISMATCH");

    // The stream is untouched, the same type gets the same stream, other names are free.
    assert_eq!(
        driver.stream::<Headline>("news").unwrap().topic(),
        news.topic()
    );
    assert!(driver.stream::<Alert>("alerts").is_ok());
    assert_eq!(
        news.next(&mut driver.system, Headline("still here".into())),
        1
    );
    settle(&mut driver);
    assert_eq!(texts_of(&seen, "s"), ["headline still here"]);
}

// ---- envelope subscribers ------------------------------------------------------------------

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn an_envelope_subscriber_sees_the_topic_and_the_sender() {
    let mut driver = ManualDriver::default();
    let envelopes = Envelopes::new();
    let seen = Seen::new();
    let publisher = driver.spawn(Publisher::default);
    let inspector = driver.spawn({
        let envelopes = envelopes.clone();
        move || Inspector {
            seen: envelopes.clone(),
        }
    });
    let typed = subscriber(&mut driver, "typed", &seen);
    let topic = Topic::default_of(publisher.id());
    driver.subscribe_envelopes(&topic, inspector.id()).unwrap();
    driver.subscribe::<News, _>(&topic, &typed).unwrap();
    let news = driver.stream::<Headline>("news").unwrap();
    driver
        .subscribe_envelopes(news.topic(), inspector.id())
        .unwrap();

    assert_eq!(ask(&mut driver, &publisher, Announce("hi".into())), Ok(2));
    assert_eq!(ask(&mut driver, &publisher, Headlines("h".into())), Ok(1));
    // An Alert: the envelope subscriber takes anything, the News subscriber cannot.
    assert_eq!(ask(&mut driver, &publisher, Raise(3)), Ok(2));
    // Untyped bytes from outside: only the envelope subscriber can take them.
    assert_eq!(
        driver.publish_payload(&topic, Payload::Bytes(vec![1, 2, 3])),
        2
    );
    settle(&mut driver);

    let publish = EnvelopeKind::Publish(topic.clone());
    assert_eq!(
        envelopes.snapshot(),
        [
            (Some(publisher.id()), publish.clone(), "news hi".to_string()),
            (
                Some(publisher.id()),
                EnvelopeKind::Publish(news.topic().clone()),
                "headline h".to_string()
            ),
            (Some(publisher.id()), publish.clone(), "alert 3".to_string()),
            (None, publish, "bytes [1, 2, 3]".to_string()),
        ]
    );
    assert_eq!(texts_of(&seen, "typed"), ["hi"]);

    let mismatched: Vec<_> = driver
        .dead_letters()
        .map(|d| (d.to, d.from, d.reason))
        .collect();
    assert_eq!(
        mismatched,
        [
            (
                Some(typed.id()),
                Some(publisher.id()),
                DeadLetterReason::TypeMismatch
            ),
            (Some(typed.id()), None, DeadLetterReason::TypeMismatch),
        ]
    );
    assert_eq!(
        driver
            .dead_letters()
            .next()
            .unwrap()
            .downcast_ref::<Alert>(),
        Some(&Alert(3))
    );
    assert_balanced(&driver.system);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn published_bytes_reach_envelope_subscribers_as_bytes() {
    struct Bytes(Record<Option<Vec<u8>>>);
    impl Actor for Bytes {
        fn receive(
            &mut self,
            envelope: Envelope,
            _: &mut Context<'_, Self>,
        ) -> Result<(), ActorError> {
            self.0.push(envelope.payload.as_bytes().map(<[u8]>::to_vec));
            Ok(())
        }
    }
    let mut driver = ManualDriver::default();
    let got = Record::new();
    let sub = driver.spawn({
        let got = got.clone();
        move || Bytes(got.clone())
    });
    let topic = Topic::global("raw");
    driver.subscribe_envelopes(&topic, sub.id()).unwrap();
    assert_eq!(
        driver.publish_payload(&topic, Payload::Bytes(vec![1, 2, 3])),
        1
    );
    settle(&mut driver);
    assert_eq!(got.snapshot(), [Some(vec![1, 2, 3])]);
}

/// Seed 000 verbatim: `getStream([]const u8, "news")`, `stream.next(headline)`, and a
/// subscriber method — with a plain `String` as the element type.
#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn a_stream_of_plain_strings_works_as_in_seed_000() {
    struct NewsReader(Vec<String>);
    impl Actor for NewsReader {}
    impl Handler<String> for NewsReader {
        fn handle(
            &mut self,
            headline: String,
            _: &mut Context<'_, Self>,
        ) -> Result<(), ActorError> {
            self.0.push(headline);
            Ok(())
        }
    }
    struct Read;
    impl Message for Read {
        type Reply = Vec<String>;
    }
    impl Handler<Read> for NewsReader {
        fn handle(
            &mut self,
            _: Read,
            _: &mut Context<'_, Self>,
        ) -> Result<Vec<String>, ActorError> {
            Ok(self.0.clone())
        }
    }
    let mut d = ManualDriver::default();
    let reader = d.spawn(|| NewsReader(Vec::new()));
    let news = d.stream::<String>("news").unwrap();
    news.subscribe(&mut d, &reader).unwrap();
    news.next(&mut d, "Breaking news".to_string());
    news.next(&mut d, "More news".to_string());
    let read = d.system.ask(&reader, Read);
    assert_eq!(
        d.block_on(read),
        Some(Ok(vec![
            "Breaking news".to_string(),
            "More news".to_string()
        ]))
    );
}
