// The actor tree from TypeScript: children, watching, supervision options, virtual actors,
// typed streams, inspection inside handlers, and the abort hook (in a child process, since an
// abort ends the instance for the whole process).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

import { ActorStoppedError, ActorSystem, HandlerFailedError, InvalidArgumentError } from "../dist/node.js";

const here = dirname(fileURLToPath(import.meta.url));
const tick = () => new Promise((r) => setTimeout(r, 0));

function fresh(t, options) {
  const system = ActorSystem.create(options);
  t.after(() => system.shutdown());
  return system;
}

test("children: spawned from a handler, listed, and stopped with their parent", async (t) => {
  const system = fresh(t);
  const stops = [];
  const parent = system.spawn({
    receive(msg, ctx) {
      if (msg === "spawn") {
        const child = ctx.spawn({ receive: () => "child", stopped: () => void stops.push("child") });
        return child.id;
      }
      return ctx.children().map((c) => c.id);
    },
    stopped: () => void stops.push("parent"),
  });
  const a = await parent.ask("spawn");
  const b = await parent.ask("spawn");
  assert.deepEqual(await parent.ask("list"), [a, b]);
  parent.stop();
  await tick();
  assert.deepEqual(stops, ["child", "child", "parent"], "children stop before their parent");
});

test("a context acts for its actor after an await, and fails once the actor is gone", async (t) => {
  const system = fresh(t);
  let kept;
  const a = system.spawn({
    async receive(_msg, ctx) {
      kept = ctx;
      await new Promise((r) => setTimeout(r, 1));
      return ctx.spawn({ receive: () => "late child" }).id;
    },
  });
  const child = await a.ask("go");
  assert.deepEqual(kept.children().map((c) => c.id), [child]);
  a.stop();
  await tick();
  assert.throws(() => kept.spawn({ receive() {} }), ActorStoppedError);
});

test("watching: terminated runs with the reason when the watched actor stops", async (t) => {
  const system = fresh(t);
  const seen = [];
  const target = system.spawn({ receive() {} });
  const watcher = system.spawn({
    receive(msg, ctx) {
      ctx.watch(target);
    },
    terminated(other, reason) {
      seen.push([other.id, reason]);
    },
  });
  await watcher.ask("watch");
  target.stop();
  await tick();
  assert.deepEqual(seen, [[target.id, "requested"]]);
  assert.ok(target.equals(system.lookup("nobody") ?? target));
});

test("supervision options: stop, resume and restart decide a failing child's fate", async (t) => {
  const system = fresh(t);
  const make = () => {
    let n = 0;
    return {
      receive(msg) {
        if (msg === "fail") throw new Error("boom");
        return ++n;
      },
    };
  };
  const supervisorWith = (onFailure) =>
    system.spawn(
      {
        receive(_msg, ctx) {
          return ctx.spawn(make);
        },
      },
      { supervisor: { onFailure } },
    );
  const results = {};
  for (const onFailure of ["restart", "resume", "stop"]) {
    const child = await supervisorWith(onFailure).ask("child");
    assert.equal(await child.ask("count"), 1);
    await assert.rejects(child.ask("fail"), HandlerFailedError);
    await tick();
    results[onFailure] = child.isAlive ? await child.ask("count") : "stopped";
  }
  assert.deepEqual(results, { restart: 1, resume: 2, stop: "stopped" });
  assert.throws(() => system.spawn(make, { supervisor: { strategy: "oneForSome" } }), InvalidArgumentError);
  assert.throws(() => system.spawn(make, { supervisor: { onFailure: "ignore" } }), InvalidArgumentError);
});

test("getOrSpawn: one instance per name, created on first use", async (t) => {
  const system = fresh(t);
  let made = 0;
  const counter = () => {
    made++;
    let n = 0;
    return { receive: (by) => (n += by) };
  };
  const a = system.getOrSpawn("counter-1", counter);
  const b = system.getOrSpawn("counter-1", counter);
  a.tell(2);
  assert.equal(await b.ask(3), 5);
  assert.equal(a.id, b.id);
  assert.equal(made, 1);
});

test("typed streams reach actor and function subscribers in order", async (t) => {
  const system = fresh(t);
  const news = system.stream("news");
  const byActor = [];
  const byFunction = [];
  const reader = system.spawn({ receive: (m) => void byActor.push(m) });
  const offActor = news.subscribe(reader);
  const offFunction = news.subscribe((m) => void byFunction.push(m));
  assert.equal(news.next("a"), 2);
  assert.equal(system.publish("news", "b"), 2, "a stream is the topic of the same name");
  await tick();
  offActor();
  offFunction();
  await tick();
  assert.equal(news.next("c"), 0);
  assert.deepEqual(byActor, ["a", "b"]);
  assert.deepEqual(byFunction, ["a", "b"]);
});

test("metrics and dead letters are readable inside handlers", async (t) => {
  const system = fresh(t);
  const gone = system.spawn({ receive() {} });
  gone.stop();
  await tick();
  const inspector = system.spawn({
    receive(_msg, ctx) {
      try {
        gone.tell("late");
      } catch {
        // ActorStoppedError, and a dead letter
      }
      return { live: ctx.system.metrics().liveActors, dead: ctx.system.deadLetters().map((d) => d.reason) };
    },
  });
  const seen = await inspector.ask("look");
  assert.equal(seen.live, 1);
  assert.deepEqual(seen.dead, ["ACTOR_STOPPED"]);
});

/** Runs a fixture in its own Node process; returns the JSON it printed last. */
async function fixture(name) {
  const out = await new Promise((resolve, reject) =>
    execFile(process.execPath, [join(here, "fixtures", name)], { timeout: 20_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${error.message}\n${stdout}${stderr}`));
      else resolve(stdout);
    }),
  );
  return JSON.parse(out.trim().split("\n").at(-1));
}

test("an abort rejects pending asks with RuntimeAbortedError and reports it", async () => {
  assert.deepEqual(await fixture("abort.mjs"), {
    pending: ["RuntimeAbortedError", "RUNTIME_ABORTED"],
    event: "aborted",
    isAborted: true,
    otherSystem: [true, "aborted"],
    tell: "RuntimeAbortedError",
    create: "RuntimeAbortedError",
    isAlive: false,
    processAlive: true,
  });
});

test("with restartOnAbort, a system moves to a fresh instance and respawns its actors", async () => {
  assert.deepEqual(await fixture("reinstantiate.mjs"), {
    before: 5,
    pending: "RuntimeAbortedError",
    events: ["aborted", "reinstantiated"],
    isAborted: false,
    counter: 1, // spawned again from its factory: fresh state
    lookup: true, // under its name, through the same ref
    children: 1, // re-created by the parent's started hook
    rust: 0,
    plain: [true, "RuntimeAbortedError"], // a system that did not opt in stays dead
    fresh: 42, // new systems run on the new instance
  });
});
