// `backstage-actors/inspector` in Node: the protocol's snapshots, events and commands from an
// in-page system, connections that push them, and the Stately Inspector adapter (with a
// recording fake inspector, and with @statelyai/inspect's own createInspector and a recording
// adapter when that devDependency is installed).
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

import { ActorSystem } from "../dist/node.js";
import { createStatelyAdapter, inspect, parseCommand, previewMessage } from "../dist/inspector.js";

const npm = join(dirname(fileURLToPath(import.meta.url)), "..");
const tick = () => new Promise((r) => setTimeout(r, 0));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function fresh(t, options) {
  const system = ActorSystem.create(options);
  t.after(() => system.shutdown());
  return system;
}

/** A clock the test moves. */
function clock() {
  let now = 0;
  return { now: () => now, advance: (ms) => (now += ms) };
}

const byId = (snapshot, id) => snapshot.actors.find((a) => a.id === id);

test("a snapshot lists the actors as a tree, with names, types, capacities, counts and topics", async (t) => {
  const system = fresh(t);
  const inspection = inspect(system);
  t.after(() => inspection.close());
  function Parent() {
    return {
      started(ctx) {
        ctx.spawn(function Child() {
          return { receive() {} };
        });
      },
      receive() {},
    };
  }
  const parent = system.spawn(Parent, { name: "parent", capacity: 8 });
  const reader = system.spawn({ receive() {} }, { name: "reader" });
  const virtual = system.getOrSpawn("virtual", function Virtual() {
    return { receive() {} };
  });
  assert.ok(system.getOrSpawn("virtual", () => ({ receive() {} })).equals(virtual), "one instance per name");
  system.stream("news").subscribe(reader);
  for (let i = 0; i < 5; i++) parent.tell(i);
  system.publish("news", "hello");
  await tick();

  const snap = inspection.snapshot();
  assert.equal(snap.type, "snapshot");
  assert.equal(typeof snap.at, "number");
  const p = byId(snap, parent.id);
  assert.deepEqual(
    { name: p.name, type: p.type, parent: p.parent, capacity: p.capacity, processed: p.processed, mailbox: p.mailbox, state: p.state },
    { name: "parent", type: "Parent", parent: null, capacity: 8, processed: 5, mailbox: 0, state: "running" },
  );
  const child = snap.actors.find((a) => a.parent === parent.id);
  assert.ok(child, "the child is listed under its parent");
  assert.equal(child.type, "Child");
  assert.equal(byId(snap, reader.id).processed, 1, "the publication reached the reader");
  assert.deepEqual(snap.topics, [{ name: "news", owner: null, subscribers: 1 }]);
  const v = snap.actors.filter((a) => a.name === "virtual");
  assert.deepEqual(v.map((a) => [a.id, a.type]), [[virtual.id, "Virtual"]], "a virtual actor, once, with its type");
  assert.equal(snap.system.liveActors, 4);
  assert.equal(snap.system.delivered >= 6, true);
  assert.deepEqual(snap.deadLetters, { total: 0, byReason: {} });
});

test("rates are smoothed messages per second between snapshots (time constant 2 s, normalised by the time observed)", async (t) => {
  const system = fresh(t);
  const time = clock();
  const inspection = inspect(system, { now: time.now });
  t.after(() => inspection.close());
  const a = system.spawn({ receive() {} });
  const near = (actual, expected, what) => assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: ${actual}, expected ${expected}`);
  const rate = (snapshot, ref) => byId(snapshot, ref.id).rate;
  assert.equal(rate(inspection.snapshot(), a), 0, "no rate before a second sample");
  for (let i = 0; i < 100; i++) a.tell(i);
  await tick();
  time.advance(1000);
  near(rate(inspection.snapshot(), a), 100, "100 messages in the first second: the average of what was seen, not climbing from 0");
  for (let i = 0; i < 50; i++) a.tell(i);
  const b = system.spawn({ receive() {} });
  for (let i = 0; i < 30; i++) b.tell(i);
  await tick();
  time.advance(1000);
  const second = inspection.snapshot();
  // Two intervals of 1 s (α = 1 − e^(−1/2) each): 100/s, then 50/s.
  const alpha = 1 - Math.exp(-0.5);
  const ewma = alpha * 100 * (1 - alpha) + alpha * 50;
  const weight = 1 - (1 - alpha) ** 2;
  near(rate(second, a), ewma / weight, "100/s then 50/s, the later weighing more");
  near(rate(second, b), 30, "an actor spawned since the previous snapshot is measured from it");
  time.advance(4000);
  const idle = inspection.snapshot();
  near(rate(idle, a), (ewma * Math.exp(-2)) / (1 - (1 - alpha) ** 2 * Math.exp(-2)), "and falling once idle");
  assert.ok(idle.system.rate > 0 && idle.system.rate < second.system.rate, "the system's rate over `delivered`, the same way");
  assert.equal(idle.at, 6000, "`at` on the inspection's clock");
});

test("mailbox: queued messages count against the capacity; an actor in an async handler is paused", async (t) => {
  const system = fresh(t);
  const inspection = inspect(system);
  t.after(() => inspection.close());
  let release;
  const gate = new Promise((r) => (release = r));
  const slow = system.spawn(
    {
      async receive(msg) {
        if (msg === "wait") await gate;
      },
    },
    { capacity: 10 },
  );
  slow.tell("wait");
  await tick();
  for (let i = 0; i < 4; i++) slow.tell(i);
  let info = byId(inspection.snapshot(), slow.id);
  assert.deepEqual({ state: info.state, mailbox: info.mailbox, capacity: info.capacity, processed: info.processed }, { state: "paused", mailbox: 4, capacity: 10, processed: 1 });
  release();
  await sleep(5);
  info = byId(inspection.snapshot(), slow.id);
  assert.deepEqual({ state: info.state, mailbox: info.mailbox, processed: info.processed }, { state: "running", mailbox: 0, processed: 5 });
});

test("mailbox: the exact number of queued messages, for an actor spawned before the inspector too", async (t) => {
  const system = fresh(t);
  const early = system.spawn({ receive() {} }, { name: "early", capacity: 100 });
  const inspection = inspect(system);
  t.after(() => inspection.close());
  const late = system.spawn({ receive() {} });
  for (let i = 0; i < 7; i++) early.tell(i);
  for (let i = 0; i < 3; i++) late.tell(i);
  system.stream("jobs").subscribe(early);
  system.publish("jobs", "one more");
  let snap = inspection.snapshot();
  assert.deepEqual(
    [byId(snap, early.id), byId(snap, late.id)].map((a) => [a.mailbox, a.capacity, a.processed]),
    [
      [8, 100, 0],
      [3, 1024, 0],
    ],
    "queued, not handled yet (a publication counts too)",
  );
  await tick();
  snap = inspection.snapshot();
  assert.deepEqual(
    [byId(snap, early.id), byId(snap, late.id)].map((a) => [a.mailbox, a.processed]),
    [
      [0, 8],
      [0, 3],
    ],
  );
});

test("events: spawned, failed, restarted, stopped and dead letters (redacted), batched and bounded", async (t) => {
  const system = fresh(t);
  const inspection = inspect(system, { redact: (message, type) => `<${type}: ${typeof message}>` });
  t.after(() => inspection.close());
  const crashy = system.spawn(() => ({
    receive(msg) {
      if (msg === "crash") throw new Error("boom");
    },
  }));
  crashy.tell("crash");
  await tick();
  crashy.stop();
  await tick();
  assert.throws(() => crashy.tell("late"));
  const frame = inspection.events();
  assert.equal(frame.type, "events");
  assert.equal(frame.dropped, 0);
  assert.deepEqual(
    frame.events.map((e) => e.kind),
    ["spawned", "failed", "restarted", "stopped", "deadLetter"],
  );
  const [spawned, failed, , stopped, dead] = frame.events;
  assert.deepEqual({ id: spawned.id, parent: spawned.parent, name: spawned.name }, { id: crashy.id, parent: null, name: null });
  assert.match(failed.error, /boom/);
  assert.equal(stopped.reason, "requested");
  assert.deepEqual(
    { to: dead.to, from: dead.from, reason: dead.reason, message: dead.message },
    { to: crashy.id, from: null, reason: "ACTOR_STOPPED", message: `<${dead.messageType}: string>` },
  );
  assert.deepEqual(inspection.events().events, [], "events() drains");
  const info = inspection.snapshot();
  assert.equal(info.deadLetters.byReason.ACTOR_STOPPED, 1);

  // The default shows the type only (contents may be private); previewMessage shows them.
  const plain = inspect(system);
  const preview = inspect(system, { redact: previewMessage });
  t.after(() => plain.close());
  t.after(() => preview.close());
  assert.throws(() => crashy.tell({ secret: 42 }));
  const [shown] = plain.events().events;
  assert.equal(shown.message, shown.messageType);
  assert.equal(preview.events().events[0].message, '{"secret":42}');

  const small = inspect(system, { retention: 3 });
  t.after(() => small.close());
  for (let i = 0; i < 5; i++) system.spawn({ receive() {} });
  const bounded = small.events();
  assert.deepEqual({ kept: bounded.events.length, dropped: bounded.dropped }, { kept: 3, dropped: 2 });
});

test("commands: stop and send act on the actor; bad frames and unknown actors get error frames", async (t) => {
  const system = fresh(t);
  const inspection = inspect(system);
  t.after(() => inspection.close());
  const got = [];
  const a = system.spawn({ receive: (msg) => void got.push(msg) });

  assert.deepEqual(inspection.command({ type: "send", ref: 1, actor: a.id, text: "hi" }), { type: "ok", ref: 1 });
  await tick();
  assert.deepEqual(got, [{ type: "InspectorMessage", text: "hi" }]);
  assert.equal(inspection.command({ type: "snapshot", ref: 2 }).type, "snapshot");
  assert.deepEqual(inspection.command(JSON.stringify({ type: "stop", ref: 3, actor: a.id })), { type: "ok", ref: 3 });
  await tick();
  assert.equal(a.isAlive, false);

  const error = (frame) => [frame.type, frame.ref, frame.code];
  assert.deepEqual(error(inspection.command({ type: "stop", ref: 4, actor: a.id })), ["error", 4, "ACTOR_STOPPED"]);
  assert.deepEqual(error(inspection.command({ type: "send", ref: 5, actor: "0.999.0", text: "x" })), ["error", 5, "NO_SUCH_ACTOR"]);
  assert.deepEqual(error(inspection.command({ type: "stop", ref: 6, actor: "not an id" })), ["error", 6, "NO_SUCH_ACTOR"]);
  assert.deepEqual(error(inspection.command("{not json")), ["error", null, "MALFORMED_FRAME"]);
  assert.deepEqual(error(inspection.command([1, 2])), ["error", null, "MALFORMED_FRAME"]);
  assert.deepEqual(error(inspection.command({ ref: 7 })), ["error", 7, "MALFORMED_FRAME"]);
  assert.deepEqual(error(inspection.command({ type: "reboot", ref: 8 })), ["error", 8, "UNKNOWN_COMMAND"]);
  assert.deepEqual(error(inspection.command({ type: "send", ref: 9, actor: a.id })), ["error", 9, "INVALID_ARGUMENT"]);
  assert.deepEqual(error(inspection.command({ type: "watch", ref: 10, intervalMs: -1 })), ["error", 10, "INVALID_ARGUMENT"]);
  assert.deepEqual(parseCommand({ type: "watch", ref: 11, intervalMs: 250 }), { type: "watch", ref: 11, intervalMs: 250 });
});

test("a connection says hello first, and after watch pushes snapshots and event batches until unwatch", async (t) => {
  const system = fresh(t);
  const inspection = inspect(system);
  t.after(() => inspection.close());
  const frames = [];
  const connection = inspection.connect((frame) => frames.push(frame));
  t.after(() => connection.close());
  connection.send({ type: "watch", ref: 1, intervalMs: 60 });
  assert.deepEqual(
    frames.slice(0, 3).map((f) => f.type),
    ["hello", "ok", "snapshot"],
  );
  assert.deepEqual(frames[0], { type: "hello", protocol: 1, runtime: "wasm", nodes: [0] });
  system.spawn({ receive() {} }, { name: "late" });
  await sleep(300);
  const snapshots = frames.filter((f) => f.type === "snapshot");
  assert.ok(snapshots.length >= 4, `a snapshot every 60 ms (${snapshots.length} in 300 ms)`);
  assert.ok(snapshots.at(-1).actors.some((a) => a.name === "late"));
  const events = frames.filter((f) => f.type === "events").flatMap((f) => f.events);
  assert.deepEqual(
    events.map((e) => [e.kind, e.name]),
    [["spawned", "late"]],
  );
  connection.send("garbage");
  assert.equal(frames.at(-1).code, "MALFORMED_FRAME", "an error frame, and the connection keeps serving");
  connection.send({ type: "unwatch", ref: 2 });
  assert.deepEqual(frames.at(-1), { type: "ok", ref: 2 });
  const count = frames.length;
  await sleep(150);
  assert.equal(frames.length, count, "nothing pushed after unwatch");
  connection.close();
  connection.send({ type: "snapshot", ref: 3 });
  assert.equal(frames.length, count, "nothing after close");
});

test("an inspector attached to a running system shows its actors at once, with parents, states and counts", async (t) => {
  const system = fresh(t);
  let release;
  const gate = new Promise((r) => (release = r));
  const early = system.spawn(
    function Early() {
      return {
        started(ctx) {
          ctx.spawn({ receive() {} }, { name: "early-child" });
        },
        async receive(msg) {
          if (msg === "wait") await gate;
        },
      };
    },
    { name: "early", capacity: 16 },
  );
  early.tell("hello");
  await tick();
  early.tell("wait");
  early.tell("queued");
  early.tell("queued");
  await tick();
  system.stream("news");
  const inspection = inspect(system);
  t.after(() => inspection.close());
  const snap = inspection.snapshot();
  const info = byId(snap, early.id);
  assert.deepEqual(
    { name: info.name, type: info.type, parent: info.parent, state: info.state, mailbox: info.mailbox, capacity: info.capacity, processed: info.processed, rate: info.rate },
    { name: "early", type: "JsActor", parent: null, state: "paused", mailbox: 2, capacity: 16, processed: 2, rate: 0 },
    "spawned before the inspector: the core's type name",
  );
  const child = snap.actors.find((a) => a.name === "early-child");
  assert.equal(child.parent, early.id);
  assert.equal(snap.system.liveActors, 2);
  release();
  await sleep(5);
  assert.deepEqual(
    (({ state, mailbox, processed }) => ({ state, mailbox, processed }))(byId(inspection.snapshot(), early.id)),
    { state: "running", mailbox: 0, processed: 4 },
  );
  assert.deepEqual(inspection.events().events, [], "events from the moment it attached");
});

test("Rust actors: the core's type name and processed count; topics from the core", async (t) => {
  const system = fresh(t);
  const inspection = inspect(system);
  t.after(() => inspection.close());
  const counter = system.spawnRust("counter", { name: "tally" });
  counter.tell({ type: "add", by: 2 });
  counter.tell({ type: "add", by: 3 });
  assert.equal(await counter.ask({ type: "get" }), 5);
  const info = byId(inspection.snapshot(), counter.id);
  assert.deepEqual({ name: info.name, type: info.type, processed: info.processed, mailbox: info.mailbox }, { name: "tally", type: "Counter", processed: 3, mailbox: 0 });
  system.subscribe("news", system.spawn({ receive() {} }));
  system.subscribe("news", system.spawn({ receive() {} }));
  assert.deepEqual(inspection.snapshot().topics, [{ name: "news", owner: null, subscribers: 2 }], "a global topic: no owner");
});

test("inside a handler, where the core cannot be read: the previous snapshot, or RUNTIME_BUSY", async (t) => {
  const system = fresh(t);
  const inspection = inspect(system);
  t.after(() => inspection.close());
  const seen = [];
  const a = system.spawn({
    receive() {
      try {
        seen.push(inspection.snapshot());
      } catch (e) {
        seen.push(e.code);
      }
      seen.push(inspection.command({ type: "snapshot", ref: 1 }));
    },
  });
  a.tell("first");
  await tick();
  assert.equal(seen[0], "RUNTIME_BUSY", "no snapshot yet");
  assert.deepEqual([seen[1].type, seen[1].ref, seen[1].code], ["error", 1, "RUNTIME_BUSY"]);
  const outside = inspection.snapshot();
  a.tell("second");
  await tick();
  assert.equal(seen[2], outside, "the previous snapshot");
  assert.equal(seen[3], outside);
});

test("an inspection leaves the messages alone; the Stately adapter taps them while it runs; closing removes both", async (t) => {
  const system = fresh(t);
  const rawMethods = () => Object.keys(system.raw).filter((k) => typeof system.raw[k] === "function");
  const a = inspect(system);
  const b = inspect(system);
  assert.deepEqual(rawMethods(), [], "snapshots come from the core: the raw runtime is untouched");
  assert.ok(Object.hasOwn(system, "spawnActor"), "spawns are seen for the type names");
  const adapter = createStatelyAdapter(system, recordingInspector(), { snapshotIntervalMs: 0 });
  assert.deepEqual(rawMethods().sort(), ["ask", "getOrSpawn", "spawn", "tell"], "tapped while a Stately adapter runs");
  adapter.stop();
  assert.deepEqual(rawMethods(), []);
  a.close();
  assert.ok(Object.hasOwn(system, "spawnActor"), "still inspected by b");
  b.close();
  assert.equal(Object.hasOwn(system, "spawnActor"), false);
  assert.equal(Object.hasOwn(system, "getOrSpawn"), false);
  const after = system.spawn({ receive: (m) => m * 2 });
  assert.equal(await after.ask(21), 42, "the system works as before");
});

test("an inspection of a system with restartOnAbort follows it to the fresh instance", async () => {
  const out = await new Promise((resolve, reject) =>
    execFile(process.execPath, [join(npm, "test", "fixtures", "inspect-reinstantiate.mjs")], { timeout: 20_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${error.message}\n${stdout}${stderr}`));
      else resolve(stdout);
    }),
  );
  assert.deepEqual(JSON.parse(out.trim().split("\n").at(-1)), {
    before: [["worker", "Worker", 10]],
    events: ["spawned", "spawned"], // the first spawn, and the respawn on the fresh instance
    after: [true, "JsActor", 0, 0], // the same id; counted afresh
    sent: "ok",
    got: [{ type: "InspectorMessage", text: "hi" }, "more"],
    later: [2, true],
  });
});

/** A fake Stately inspector that records every call. */
function recordingInspector() {
  const calls = [];
  return {
    calls,
    actor: (ref, snapshot, info) => calls.push({ kind: "actor", ref, snapshot, info }),
    event: (target, event, info) => calls.push({ kind: "event", target, event, info }),
    snapshot: (ref, snapshot, info) => calls.push({ kind: "snapshot", ref, snapshot, info }),
  };
}

test("Stately adapter: actors under their parents, messages with their source, lifecycle and dead letters", async (t) => {
  const system = fresh(t);
  const fake = recordingInspector();
  const existing = system.spawn({ receive() {} }, { name: "existing" });
  const adapter = createStatelyAdapter(system, fake, { snapshotIntervalMs: 0 });
  t.after(() => adapter.stop());
  const pong = system.spawn(function Pong() {
    return {
      receive(msg, ctx) {
        if (msg.type === "ping") ctx.sender?.tell({ type: "pong" });
        if (msg.type === "crash") throw new Error("bad ball");
      },
    };
  });
  const ping = system.spawn({
    started(ctx) {
      ctx.spawn({ receive() {} }, { name: "ping-child" });
    },
    receive(msg) {
      if (msg === "serve") pong.tell({ type: "ping" });
    },
  }, { name: "ping" });
  ping.tell("serve");
  const counter = system.spawnRust("counter");
  await tick();
  pong.tell({ type: "crash" });
  await tick();
  pong.stop();
  await tick();
  assert.throws(() => pong.tell({ type: "ping" }));

  const actors = fake.calls.filter((c) => c.kind === "actor");
  const root = actors[0].ref;
  assert.equal(root.sessionId, "backstage:system");
  const named = (id) => actors.find((c) => c.ref.sessionId === id)?.ref;
  assert.equal(named(ping.id).logic.config.id, "ping");
  assert.equal(named(ping.id)._parent, root, "top-level actors hang under the system");
  assert.equal(named(existing.id).logic.config.id, "existing", "an actor spawned before the adapter, announced at once");
  assert.match(named(pong.id).logic.config.id, /^Pong /);
  assert.equal(named(counter.id).logic.config.id, `Counter ${counter.id}`, "a Rust actor, with the core's type name");
  const child = actors.find((c) => c.ref.logic.config.id === "ping-child").ref;
  assert.equal(child._parent, named(ping.id), "a child under its parent");

  const events = fake.calls.filter((c) => c.kind === "event");
  const ball = events.find((c) => c.event.type === "ping");
  assert.equal(ball.target.sessionId, pong.id);
  assert.equal(ball.info.source.sessionId, ping.id, "the sender is the event's source");
  const back = events.find((c) => c.event.type === "pong");
  assert.deepEqual([back.target.sessionId, back.info.source.sessionId], [ping.id, pong.id]);
  assert.equal(events.find((c) => c.event.type === "serve").info.source, undefined, "sent from outside any actor");
  const dead = events.find((c) => c.event.type === "@backstage.deadLetter");
  assert.deepEqual([dead.target.sessionId, dead.event.reason], [pong.id, "ACTOR_STOPPED"]);

  const statuses = fake.calls.filter((c) => c.kind === "snapshot" && c.ref.sessionId === pong.id).map((c) => [c.snapshot.status, c.info.event.type]);
  assert.deepEqual(statuses, [
    ["error", "@backstage.failed"],
    ["active", "@backstage.restarted"],
    ["stopped", "@backstage.stopped"],
  ]);

  adapter.stop();
  const count = fake.calls.length;
  ping.tell("serve");
  await tick();
  assert.equal(fake.calls.length, count, "nothing forwarded after stop()");
});

test("Stately adapter: counters as periodic snapshots, and messages capped per second", async (t) => {
  const system = fresh(t);
  const fake = recordingInspector();
  const adapter = createStatelyAdapter(system, fake, { snapshotIntervalMs: 40, maxEventsPerSecond: 10 });
  t.after(() => adapter.stop());
  const busy = system.spawn({ receive() {} }, { name: "busy" });
  for (let i = 0; i < 50; i++) busy.tell({ type: "job", i });
  await sleep(150);
  const forwarded = fake.calls.filter((c) => c.kind === "event" && c.event.type === "job").length;
  assert.equal(forwarded, 10);
  assert.equal(adapter.droppedEvents, 40);
  const counters = fake.calls.filter((c) => c.kind === "snapshot" && c.ref.sessionId === busy.id);
  assert.ok(counters.length >= 1, "a snapshot once its counters changed");
  assert.equal(counters.at(-1).snapshot.context.processed, 50);
  const unchanged = counters.length;
  await sleep(120);
  assert.equal(fake.calls.filter((c) => c.kind === "snapshot" && c.ref.sessionId === busy.id).length, unchanged, "none while nothing changes");
});

const stately = join(npm, "node_modules", "@statelyai", "inspect", "package.json");

test("Stately adapter through @statelyai/inspect's createInspector: the events its adapters send", { skip: !existsSync(stately) && "@statelyai/inspect (a devDependency) is not installed" }, async (t) => {
  const { createInspector } = await import("@statelyai/inspect");
  const sent = [];
  const inspector = createInspector({ send: (event) => sent.push(event) });
  const system = fresh(t);
  const adapter = createStatelyAdapter(system, inspector, { snapshotIntervalMs: 0 });
  t.after(() => adapter.stop());
  const parent = system.spawn({
    started(ctx) {
      ctx.spawn({ receive() {} }, { name: "kid" });
    },
    receive(msg, ctx) {
      ctx.children()[0].tell({ type: "hello", from: msg });
    },
  }, { name: "parent" });
  parent.tell("page");
  await tick();
  parent.stop();
  await tick();

  const actor = (name) => sent.find((e) => e.type === "@xstate.actor" && e.name === name);
  assert.equal(actor("ActorSystem").sessionId, "backstage:system");
  assert.deepEqual([actor("parent").sessionId, actor("parent").parentId], [parent.id, "backstage:system"]);
  const kid = actor("kid");
  assert.equal(kid.parentId, parent.id);
  assert.equal(kid.rootId, "backstage:system");
  assert.equal(JSON.parse(kid.definition).id, "kid");
  const hello = sent.find((e) => e.type === "@xstate.event" && e.event.type === "hello");
  assert.deepEqual([hello.sessionId, hello.sourceId, hello.event.from], [kid.sessionId, parent.id, "page"]);
  const stopped = sent.filter((e) => e.type === "@xstate.snapshot" && e.snapshot.status === "stopped").map((e) => e.sessionId);
  assert.deepEqual(stopped.sort(), [kid.sessionId, parent.id].sort(), "both stopped (the child with its parent)");
});

test("the adapter's structural type accepts @statelyai/inspect's inspectors (tsc)", { skip: !existsSync(stately) && "@statelyai/inspect (a devDependency) is not installed", timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(npm, ".stately-types-"));
  try {
    const file = join(dir, "check.ts");
    writeFileSync(
      file,
      `import { createBrowserInspector, createInspector, createWebSocketInspector } from "@statelyai/inspect";
import { createStatelyAdapter, type StatelyInspectorLike } from "backstage-actors/inspector";
import type { ActorSystem } from "backstage-actors";
declare const system: ActorSystem;
const browser: StatelyInspectorLike = createBrowserInspector({ autoStart: false });
const socket: StatelyInspectorLike = createWebSocketInspector({ url: "ws://127.0.0.1:1", autoStart: false });
createStatelyAdapter(system, createInspector({ send() {} }));
export { browser, socket };
`,
    );
    const tsc = join(npm, "node_modules", ".bin", "tsc");
    const args = ["--ignoreConfig", "--noEmit", "--strict", "--exactOptionalPropertyTypes", "--target", "es2022", "--module", "nodenext", "--moduleResolution", "nodenext", "--lib", "es2022,dom,esnext.disposable", "--types", "", "--skipLibCheck", file];
    try {
      execFileSync(tsc, args, { cwd: npm, stdio: "pipe", timeout: 50_000 });
    } catch (e) {
      assert.fail(`tsc rejected the check:\n${e.stdout ?? ""}${e.stderr ?? ""}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
