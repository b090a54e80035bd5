// The TypeScript API in Node: messages, replies, async handlers, supervision, typed errors.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  AbortedError,
  ActorStoppedError,
  ActorSystem,
  AskTimeoutError,
  BackstageError,
  HandlerFailedError,
  NameTakenError,
  RuntimeShutDownError,
} from "../dist/node.js";

/** A system shut down when the test ends (Node 20 has no `using` syntax yet). */
function fresh(t) {
  const system = ActorSystem.create();
  t.after(() => system.shutdown());
  return system;
}

const counter = () => {
  let total = 0;
  return {
    receive(msg) {
      if (msg.type === "add") total += msg.by;
      if (msg.type === "fail") throw new Error("asked to fail");
      return total;
    },
  };
};

test("tell then ask returns what the actor accumulated", async (t) => {
  const system = fresh(t);
  const c = system.spawn(counter);
  c.tell({ type: "add", by: 2 });
  c.tell({ type: "add", by: 3 });
  assert.equal(await c.ask({ type: "get" }), 5);
});

test("an async handler finishes before the next message starts", async (t) => {
  const system = fresh(t);
  const order = [];
  const slow = system.spawn({
    async receive(n) {
      order.push(`start ${n}`);
      await new Promise((r) => setTimeout(r, 5));
      order.push(`end ${n}`);
      return n;
    },
  });
  const replies = await Promise.all([slow.ask(1), slow.ask(2)]);
  assert.deepEqual(replies, [1, 2]);
  assert.deepEqual(order, ["start 1", "end 1", "start 2", "end 2"]);
});

test("handlers call back into the system: spawn, tell and stop from inside receive", async (t) => {
  const system = fresh(t);
  const seen = [];
  const sink = system.spawn({ receive: (m) => void seen.push(m) });
  const parent = system.spawn({
    receive(msg, ctx) {
      const child = ctx.system.spawn({ receive: (m) => void seen.push(`child ${m}`) });
      child.tell("hi");
      sink.tell(`from ${ctx.self.id}`);
      child.stop();
      return child.id;
    },
  });
  const childId = await parent.ask("go");
  await sink.ask("flush");
  assert.deepEqual(seen, [`from ${parent.id}`, "flush"], "the child was stopped before it ran");
  assert.notEqual(childId, parent.id);
});

test("a throwing handler fails the ask with HandlerFailedError and the actor restarts fresh", async (t) => {
  const system = fresh(t);
  const c = system.spawn(counter);
  c.tell({ type: "add", by: 4 });
  await assert.rejects(c.ask({ type: "fail" }), (e) => e instanceof HandlerFailedError && e.code === "HANDLER_FAILED");
  assert.equal(await c.ask({ type: "get" }), 0, "the factory built fresh state");
  assert.equal(system.metrics().restarts, 1);
});

test("asks time out, and abort signals reject with AbortedError", async (t) => {
  const system = fresh(t);
  const never = system.spawn({ receive: () => new Promise(() => {}) });
  await assert.rejects(never.ask("x", { timeout: 20 }), AskTimeoutError);
  const other = system.spawn({ receive: () => new Promise((r) => setTimeout(() => r("late"), 50)) });
  const controller = new AbortController();
  const asked = other.ask("y", { signal: controller.signal });
  controller.abort();
  await assert.rejects(asked, AbortedError);
});

test("bad input gives typed errors, never a hang", async (t) => {
  const system = fresh(t);
  const a = system.spawn(counter, { name: "a" });
  assert.throws(() => system.spawn(counter, { name: "a" }), NameTakenError);
  a.stop();
  await new Promise((r) => setTimeout(r, 0));
  assert.throws(() => a.tell({ type: "get" }), ActorStoppedError);
  assert.ok(system.deadLetters().some((d) => d.reason === "ACTOR_STOPPED"));
  assert.equal(system.lookup("a"), undefined);
  system.shutdown();
  assert.throws(() => system.spawn(counter), RuntimeShutDownError);
  assert.throws(() => a.tell({ type: "get" }), (e) => e instanceof BackstageError && e.code === "RUNTIME_SHUT_DOWN");
});

test("a flood of tells is handled in time slices: a host timer runs before the last message", async () => {
  const system = ActorSystem.create({ sliceMs: 2 });
  try {
    let count = 0;
    let timerSaw;
    const busy = system.spawn({
      receive() {
        if (count++ === 0) setTimeout(() => (timerSaw = count), 0);
        const until = Date.now() + 1;
        while (Date.now() < until);
      },
    });
    for (let i = 0; i < 40; i++) busy.tell(i);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(count, 40);
    assert.ok(timerSaw < 20, `the timer saw ${timerSaw} messages`);
  } finally {
    system.shutdown();
  }
  for (const sliceMs of [-1, "4", Number.NaN]) {
    assert.throws(() => ActorSystem.create({ sliceMs }), (e) => e instanceof BackstageError && e.code === "INVALID_ARGUMENT");
  }
});

test("topics reach every subscriber, and events are observable", async (t) => {
  const system = fresh(t);
  const events = [];
  const off = system.on((e) => events.push(e.type));
  const got = [];
  const readers = [1, 2].map((n) => system.spawn({ receive: (m) => void got.push(`${n}:${m}`) }));
  for (const r of readers) system.subscribe("news", r);
  assert.equal(system.publish("news", "hello"), 2);
  await Promise.all(readers.map((r) => r.ask("sync")));
  assert.deepEqual(got.sort(), ["1:hello", "1:sync", "2:hello", "2:sync"]);
  off();
  assert.ok(events.includes("spawned"));
  const m = system.metrics();
  assert.equal(m.sent, m.delivered + m.deadLetters + m.rejected);
});

test("a handler whose promise rejects fails the ask, is supervised, and the actor goes on", async (t) => {
  const system = fresh(t);
  const events = [];
  system.on((e) => events.push(e.type));
  const flaky = system.spawn(() => {
    let calls = 0;
    return {
      async receive(msg) {
        calls += 1;
        await new Promise((r) => setTimeout(r, 1));
        if (msg === "fail") throw new Error("rejected on purpose");
        return calls;
      },
    };
  });
  await assert.rejects(flaky.ask("fail"), (e) => e instanceof HandlerFailedError && /rejected on purpose/.test(e.message));
  assert.equal(await flaky.ask("ok"), 1, "restarted from a fresh behaviour");
  assert.ok(events.includes("failed") && events.includes("restarted"));
});

test("unknown names and ids are undefined or NoSuchActorError, never a hang", async (t) => {
  const system = fresh(t);
  assert.equal(system.lookup("nobody"), undefined);
  const other = ActorSystem.create({ });
  t.after(() => other.shutdown());
  const stranger = other.spawn({ receive: () => "other system" });
  // A ref is its system's: a stopped actor's id is never reused, so a stale ref fails typed.
  stranger.stop();
  await new Promise((r) => setTimeout(r, 0));
  assert.throws(() => stranger.tell("x"), ActorStoppedError);
  await assert.rejects(stranger.ask("x", { timeout: 100 }), ActorStoppedError);
  const m = system.metrics();
  assert.equal(m.sent, m.delivered + m.deadLetters + m.rejected);
});
