// Rust actors exported by the module, called from TypeScript: JavaScript values converted
// through serde-wasm-bindgen, Uint8Array payloads carried as CBOR, and what a value that does
// not fit the Rust message type gives (a typed error at the call; nothing is sent).
import assert from "node:assert/strict";
import { test } from "node:test";

import { ActorStoppedError, ActorSystem, InvalidArgumentError, InvalidMessageError } from "../dist/node.js";

function fresh(t) {
  const system = ActorSystem.create();
  t.after(() => system.shutdown());
  return system;
}

test("a Rust counter takes plain objects and answers numbers", async (t) => {
  const system = fresh(t);
  const counter = system.spawnRust("counter");
  counter.tell({ type: "add", by: 2 });
  counter.tell({ type: "add", by: 3.5 });
  assert.equal(await counter.ask({ type: "get" }), 5.5);
  assert.equal(await counter.ask({ type: "reset" }), 5.5);
  assert.equal(await counter.ask({ type: "get" }), 0);
});

test("a Rust actor answers structured values, and can be named", async (t) => {
  const system = fresh(t);
  const counter = system.spawnRust("counter", { name: "tally" });
  assert.equal(system.lookup("tally")?.id, counter.id);
  const stats = system.rustActor("Stats", "stats");
  for (const v of [1, 2, 6]) stats.record(v);
  assert.deepEqual(await stats.summary(), { count: 3, mean: 3, min: 1, max: 6 });
  assert.deepEqual(await stats.reset(), { count: 3, mean: 3, min: 1, max: 6 });
  assert.deepEqual(await stats.summary(), { count: 0, mean: 0, min: 0, max: 0 });
});

test("JavaScript actors spawn and ask Rust actors from their handlers", async (t) => {
  const system = fresh(t);
  const parent = system.spawn({
    async receive(by, ctx) {
      const counter = ctx.spawnRust("counter");
      counter.tell({ type: "add", by });
      const total = await counter.ask({ type: "add", by });
      return [total, ctx.children().length];
    },
  });
  assert.deepEqual(await parent.ask(21), [42, 1]);
});

// Hand-encoded CBOR (RFC 8949): maps of text keys, as a CBOR library would write them.
const text = (s) => [0x60 + s.length, ...new TextEncoder().encode(s)];
const map = (entries) => new Uint8Array([0xa0 + entries.length, ...entries.flatMap(([k, v]) => [...text(k), ...v])]);

test("Uint8Array payloads are CBOR both ways", async (t) => {
  const system = fresh(t);
  const counter = system.spawnRust("counter");
  counter.tellCbor(map([["type", text("add")], ["by", [0x02]]])); // by: 2 (an unsigned int)
  const reply = await counter.askCbor(map([["type", text("add")], ["by", [0x03]]]));
  assert.ok(reply instanceof Uint8Array);
  assert.deepEqual([...reply], [0xf9, 0x45, 0x00], "5.0, as the shortest CBOR float (half precision)");
  assert.equal(await counter.ask({ type: "get" }), 5, "the same actor answers plain values plainly");
});

test("values that do not fit a Rust actor's message are InvalidMessageError, and nothing is sent", async (t) => {
  const system = fresh(t);
  const counter = system.spawnRust("counter");
  const sent = system.metrics().sent;
  const bad = [
    { type: "multiply", by: 2 },
    { type: "add", by: "two" },
    { by: 1 },
    () => 1,
    Symbol("s"),
    10n ** 30n,
    undefined,
    new Uint8Array([0xff, 0x00]),
    new Uint8Array([0xa1, 0x64]), // truncated
  ];
  for (const message of bad) {
    assert.throws(
      () => counter.tell(message),
      (e) => e instanceof InvalidMessageError && e.code === "INVALID_MESSAGE" && e.message.includes("'counter'"),
      String(typeof message === "symbol" ? "symbol" : message),
    );
    await assert.rejects(counter.ask(message), InvalidMessageError);
  }
  assert.equal(system.metrics().sent, sent, "nothing reached the actor");
  assert.equal(await counter.ask({ type: "get" }), 0);
  assert.throws(() => system.spawnRust("nope"), (e) => e instanceof InvalidArgumentError && /\(exported: counter\)/.test(e.message));
  counter.stop();
  await new Promise((r) => setTimeout(r, 0));
  assert.throws(() => counter.tell({ type: "get" }), ActorStoppedError);
});

test("a Rust actor cannot subscribe to a topic from JavaScript: a typed error, not a silent drop", async (t) => {
  const system = fresh(t);
  const counter = system.spawnRust("counter");
  assert.throws(() => system.subscribe("news", counter), (e) => e.code === "TYPE_MISMATCH");
  assert.equal(system.publish("news", "x"), 0);
});
