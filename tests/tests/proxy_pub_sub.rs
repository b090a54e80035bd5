//! Seed 000 "pub/sub" in the proxy style: `getStream(T, "news")`, `stream.next(v)` and
//! `stream.subscribe(newSubscriber(id, SubscriberProxy.Method.handleNews))`.
//!
//! Promises: a method subscribed to a typed stream gets every element published after the
//! subscription, in publication order, with the publisher as sender; elements need not be
//! `Message`s (any `Clone` type, structs included); unsubscribing stops delivery; a stopped
//! subscriber is removed; asking for a stream with another element type is
//! [`TopicError::TypeMismatch`].

use backstage_core::{actor, ActorError, Context, ManualDriver, Runtime, TopicError};
use backstage_tests::{reply, settle};
use serde::{Deserialize, Serialize};

/// A stream element that is a plain struct (no `Message` impl).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Quote {
    symbol: String,
    cents: u64,
}

#[derive(Default)]
struct Publisher;
impl backstage_core::Actor for Publisher {}

#[actor]
impl Publisher {
    /// Seed 000's `publishNews`.
    pub fn publish_news(
        &mut self,
        headline: String,
        ctx: &mut Context<'_, Self>,
    ) -> Result<(), ActorError> {
        ctx.stream_ref::<String>("news")?.next(headline);
        Ok(())
    }

    pub fn publish_quote(
        &mut self,
        quote: Quote,
        ctx: &mut Context<'_, Self>,
    ) -> Result<(), ActorError> {
        ctx.stream_ref::<Quote>("quotes")?.next(quote);
        Ok(())
    }
}

#[derive(Default)]
struct Subscriber {
    headlines: Vec<(String, String)>,
    quotes: Vec<Quote>,
}
impl backstage_core::Actor for Subscriber {}

#[actor]
impl Subscriber {
    /// Seed 000's `subscribeToNews`: subscribes its own `handle_news` method.
    pub fn subscribe_to_news(&mut self, ctx: &mut Context<'_, Self>) -> Result<(), ActorError> {
        let news = ctx.stream_ref::<String>("news")?;
        let me = ctx.proxy(&ctx.me());
        news.subscribe(&me, SubscriberHandleNews);
        Ok(())
    }

    pub fn unsubscribe_from_news(&mut self, ctx: &mut Context<'_, Self>) -> Result<(), ActorError> {
        ctx.stream_ref::<String>("news")?.unsubscribe(ctx.id());
        Ok(())
    }

    pub fn handle_news(&mut self, headline: String, ctx: &mut Context<'_, Self>) {
        let from = ctx
            .sender()
            .map_or("outside".to_string(), |id| id.to_string());
        self.headlines.push((from, headline));
    }

    pub fn handle_quote(&mut self, quote: Quote) {
        self.quotes.push(quote);
    }

    pub fn headlines(&self) -> Vec<String> {
        self.headlines.iter().map(|(_, h)| h.clone()).collect()
    }

    pub fn senders(&self) -> Vec<String> {
        self.headlines.iter().map(|(s, _)| s.clone()).collect()
    }

    pub fn quotes(&self) -> Vec<Quote> {
        self.quotes.clone()
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn subscribed_methods_get_every_headline_in_order_from_the_publisher() {
    let mut driver = ManualDriver::default();
    let publisher = driver.actor::<Publisher>("publisher").unwrap();
    let a = driver.actor::<Subscriber>("a").unwrap();
    let b = driver.actor::<Subscriber>("b").unwrap();
    a.subscribe_to_news();
    b.subscribe_to_news();
    driver.run_until_idle();

    for headline in ["one", "two", "three"] {
        publisher.publish_news(headline.into());
    }
    driver.run_until_idle();
    for s in [&a, &b] {
        assert_eq!(
            reply(&mut driver, s.headlines()),
            Ok(strings(&["one", "two", "three"]))
        );
        let senders = reply(&mut driver, s.senders()).unwrap();
        assert!(senders.iter().all(|s| *s == publisher.id().to_string()));
    }

    // Published from outside any actor, by a handle of the system: no sender.
    let news = driver.stream_ref::<String>("news").unwrap();
    news.next("four".into());
    assert_eq!(
        reply(&mut driver, a.senders())
            .unwrap()
            .last()
            .map(String::as_str),
        Some("outside")
    );
    settle(&mut driver);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn a_stream_of_structs_needs_no_message_impl() {
    let mut driver = ManualDriver::default();
    let publisher = driver.actor::<Publisher>("publisher").unwrap();
    let s = driver.actor::<Subscriber>("s").unwrap();
    let quotes = driver.stream_ref::<Quote>("quotes").unwrap();
    quotes.subscribe(&s, SubscriberHandleQuote);
    let q = |symbol: &str, cents| Quote {
        symbol: symbol.into(),
        cents,
    };
    publisher.publish_quote(q("ACME", 1234));
    quotes.next(q("INIT", 1));
    driver.run_until_idle();
    // `INIT` went out when the queue of handle calls was drained; `ACME` only once the
    // publisher had handled its call.
    assert_eq!(
        reply(&mut driver, s.quotes()),
        Ok(vec![q("INIT", 1), q("ACME", 1234)])
    );
    assert_eq!(quotes.name(), "quotes");
    assert_eq!(driver.subscriber_count(quotes.stream().topic()), 1);
    settle(&mut driver);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn unsubscribing_and_stopping_end_delivery() {
    let mut driver = ManualDriver::default();
    let publisher = driver.actor::<Publisher>("publisher").unwrap();
    let a = driver.actor::<Subscriber>("a").unwrap();
    let b = driver.actor::<Subscriber>("b").unwrap();
    a.subscribe_to_news();
    b.subscribe_to_news();
    driver.run_until_idle();
    publisher.publish_news("before".into());
    driver.run_until_idle();
    a.unsubscribe_from_news();
    driver.run_until_idle();
    publisher.publish_news("after".into());
    driver.run_until_idle();
    assert_eq!(reply(&mut driver, a.headlines()), Ok(strings(&["before"])));
    assert_eq!(
        reply(&mut driver, b.headlines()),
        Ok(strings(&["before", "after"]))
    );

    let news = driver.stream_ref::<String>("news").unwrap();
    assert_eq!(driver.subscriber_count(news.stream().topic()), 1);
    b.stop();
    driver.run_until_idle();
    assert_eq!(driver.subscriber_count(news.stream().topic()), 0);
    publisher.publish_news("nobody".into());
    settle(&mut driver);
    assert_eq!(driver.metrics().dead_letters, 0);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn a_stream_has_one_element_type() {
    let mut driver = ManualDriver::default();
    driver.stream_ref::<String>("news").unwrap();
    assert!(matches!(
        driver.stream_ref::<u64>("news"),
        Err(TopicError::TypeMismatch { .. })
    ));
    // The typed stream of the core and the handle are the same stream.
    assert!(driver.stream::<String>("news").is_ok());
}
