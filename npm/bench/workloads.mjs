// The benchmark workloads, shared by bench/node.mjs and bench/browser.mjs: a plain ES module with
// no Node or DOM APIs (only `queueMicrotask`, `performance.now` and promises, which both hosts
// have). Each workload has three implementations of the same job:
//
// - backstage: this package's actors (`ActorSystem`, `spawn`, `tell`, `ask`, `publish`).
// - xstate: idiomatic XState v5 actors (`createActor(machine).start()`, `actor.send(event)`).
// - plainjs: the floor, a hand-written scheduler: one array queue of (actor, message) pairs
//   drained by a loop in a microtask; each "actor" is a `receive` function with a `switch`.
//
// Every run times from the first send (or spawn) until every message has been processed, which
// each implementation detects inside the actor (a promise resolved when the count is reached),
// and checks the result (a wrong count or reply throws). Set-up that is not the measured
// operation (creating the system, spawning the counter for `tell`) and tear-down are untimed.
//
// Mappings:
// - tell: N one-way messages to one counter actor. backstage `ref.tell`, xstate `actor.send`,
//   plainjs `send`. Note XState's `send` processes the event synchronously when the actor is
//   idle, backstage and plainjs enqueue and drain in microtasks.
// - ask: A sequential request/response round trips (`await` each before sending the next).
//   backstage `await ref.ask(msg)` (the handler's return value is the reply). xstate: the
//   request carries no callback; the machine `emit`s a `reply` event and the caller listens with
//   `actor.on("reply", ...)` (subscribed per ask and unsubscribed on the reply, which is what a
//   generic `ask(actor, event)` helper over `emit` looks like). plainjs: the message carries the
//   promise's `resolve`.
// - pingpong: two actors bounce one ball M times. backstage: each handler `tell`s the peer;
//   xstate: the event carries `from` (an actor ref) and the machine answers with
//   `sendTo(({ event }) => event.from, ...)`; plainjs: `send(peer, ...)` from inside `receive`.
// - spawn: K actors created and started; done when every actor's start hook has run.
//   backstage `system.spawn` with a `started` hook; xstate `createActor(machine).start()` with an
//   `entry` action; plainjs: K actor objects each sent a `start` message through the queue.
// - fanout: S subscribers x P publishes, done when all S*P deliveries are counted. backstage
//   `system.subscribe` + `system.publish`; xstate has no topic between actors, so a topic is an
//   array of actor refs and a publish is `ref.send(msg)` to each (XState's `emit`/`actor.on` is
//   for external listeners, not actor mailboxes); plainjs: `send` to each subscriber.

/** Sizes of a full run (about 30 s per host on a 2-core machine) and of a quick run (~100x smaller). */
export const FULL = { tell: 200_000, ask: 20_000, pingpong: 100_000, spawn: 20_000, fanoutS: 100, fanoutP: 1_000, iterations: 5 };
export const QUICK = { tell: 2_000, ask: 200, pingpong: 1_000, spawn: 200, fanoutS: 10, fanoutP: 10, iterations: 1 };

export const IMPLS = ["backstage", "xstate", "plainjs"];

function deferred() {
  let resolve;
  const promise = new Promise((r) => (resolve = r));
  return { promise, resolve };
}

function check(what, actual, expected) {
  if (actual !== expected) throw new Error(`wrong result: ${what}: got ${actual}, expected ${expected}`);
}

/** The plain-JS floor: one FIFO of (receive, message) pairs drained in a microtask. */
class PlainSystem {
  #queue = [];
  #head = 0;
  #scheduled = false;
  #drain = () => {
    const q = this.#queue;
    while (this.#head < q.length) {
      const actor = q[this.#head];
      const msg = q[this.#head + 1];
      q[this.#head] = q[this.#head + 1] = undefined;
      this.#head += 2;
      actor.receive(msg);
    }
    q.length = 0;
    this.#head = 0;
    this.#scheduled = false;
  };
  send(actor, msg) {
    this.#queue.push(actor, msg);
    if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(this.#drain);
    }
  }
}

/**
 * The workloads for the given libraries.
 * @param backstage the package's exports (`ActorSystem`)
 * @param xstate `{ createActor, createMachine, assign, emit, sendTo }` from XState v5
 * @param sizes FULL or QUICK
 */
export function makeWorkloads(backstage, xstate, sizes) {
  const { ActorSystem } = backstage;
  const { createActor, createMachine, assign, emit, sendTo } = xstate;

  // ---- tell -------------------------------------------------------------------------------
  const N = sizes.tell;
  const xCounter = createMachine({
    context: ({ input }) => ({ count: 0, target: input.target, done: input.done }),
    on: {
      add: {
        actions: [
          assign({ count: ({ context, event }) => context.count + event.by }),
          ({ context }) => {
            if (context.count === context.target) context.done(context.count);
          },
        ],
      },
    },
  });
  const tell = {
    name: "tell",
    ops: N,
    unit: "msg/s",
    async backstage() {
      const system = ActorSystem.create();
      try {
        const done = deferred();
        const ref = system.spawn(
          () => {
            let count = 0;
            return {
              receive(msg) {
                switch (msg.type) {
                  case "add":
                    count += msg.by;
                    if (count === N) done.resolve(count);
                }
              },
            };
          },
          { capacity: N },
        );
        const msg = { type: "add", by: 1 };
        const t0 = performance.now();
        for (let i = 0; i < N; i++) ref.tell(msg);
        check("tell count", await done.promise, N);
        return performance.now() - t0;
      } finally {
        system.shutdown();
      }
    },
    async xstate() {
      const done = deferred();
      const actor = createActor(xCounter, { input: { target: N, done: done.resolve } }).start();
      const msg = { type: "add", by: 1 };
      const t0 = performance.now();
      for (let i = 0; i < N; i++) actor.send(msg);
      check("tell count", await done.promise, N);
      const ms = performance.now() - t0;
      actor.stop();
      return ms;
    },
    async plainjs() {
      const sys = new PlainSystem();
      const done = deferred();
      let count = 0;
      const actor = {
        receive(msg) {
          switch (msg.type) {
            case "add":
              count += msg.by;
              if (count === N) done.resolve(count);
          }
        },
      };
      const msg = { type: "add", by: 1 };
      const t0 = performance.now();
      for (let i = 0; i < N; i++) sys.send(actor, msg);
      check("tell count", await done.promise, N);
      return performance.now() - t0;
    },
  };

  // ---- ask --------------------------------------------------------------------------------
  const A = sizes.ask;
  const xAsk = createMachine({
    context: { count: 0 },
    on: {
      inc: {
        actions: [
          assign({ count: ({ context }) => context.count + 1 }),
          emit(({ context, event }) => ({ type: "reply", id: event.id, value: context.count })),
        ],
      },
    },
  });
  const ask = {
    name: "ask",
    ops: A,
    unit: "round trips/s",
    async backstage() {
      const system = ActorSystem.create();
      try {
        const ref = system.spawn(() => {
          let count = 0;
          return {
            receive(msg) {
              switch (msg.type) {
                case "inc":
                  return ++count;
              }
            },
          };
        });
        const msg = { type: "inc" };
        const t0 = performance.now();
        for (let i = 1; i <= A; i++) check("ask reply", await ref.ask(msg), i);
        return performance.now() - t0;
      } finally {
        system.shutdown();
      }
    },
    async xstate() {
      const actor = createActor(xAsk).start();
      const askX = (event) =>
        new Promise((resolve) => {
          const sub = actor.on("reply", (reply) => {
            if (reply.id !== event.id) return;
            sub.unsubscribe();
            resolve(reply.value);
          });
          actor.send(event);
        });
      const t0 = performance.now();
      for (let i = 1; i <= A; i++) check("ask reply", await askX({ type: "inc", id: i }), i);
      const ms = performance.now() - t0;
      actor.stop();
      return ms;
    },
    async plainjs() {
      const sys = new PlainSystem();
      let count = 0;
      const actor = {
        receive(msg) {
          switch (msg.type) {
            case "inc":
              msg.reply(++count);
          }
        },
      };
      const t0 = performance.now();
      for (let i = 1; i <= A; i++) check("ask reply", await new Promise((reply) => sys.send(actor, { type: "inc", reply })), i);
      return performance.now() - t0;
    },
  };

  // ---- ping-pong --------------------------------------------------------------------------
  const M = sizes.pingpong;
  const xPlayer = createMachine({
    context: ({ input }) => ({ done: input.done }),
    on: {
      ball: [
        {
          guard: ({ event }) => event.n >= M,
          actions: ({ context, event }) => context.done(event.n),
        },
        {
          actions: sendTo(
            ({ event }) => event.from,
            ({ event, self }) => ({ type: "ball", n: event.n + 1, from: self }),
          ),
        },
      ],
    },
  });
  const pingpong = {
    name: "pingpong",
    ops: M,
    unit: "msg/s",
    async backstage() {
      const system = ActorSystem.create();
      try {
        const done = deferred();
        const refs = [];
        const player = (peer) => () => ({
          receive(msg) {
            switch (msg.type) {
              case "ball":
                if (msg.n >= M) done.resolve(msg.n);
                else refs[peer].tell({ type: "ball", n: msg.n + 1 });
            }
          },
        });
        refs.push(system.spawn(player(1)), system.spawn(player(0)));
        const t0 = performance.now();
        refs[0].tell({ type: "ball", n: 1 });
        check("ping-pong count", await done.promise, M);
        return performance.now() - t0;
      } finally {
        system.shutdown();
      }
    },
    async xstate() {
      const done = deferred();
      const a = createActor(xPlayer, { input: { done: done.resolve } }).start();
      const b = createActor(xPlayer, { input: { done: done.resolve } }).start();
      const t0 = performance.now();
      a.send({ type: "ball", n: 1, from: b });
      check("ping-pong count", await done.promise, M);
      const ms = performance.now() - t0;
      a.stop();
      b.stop();
      return ms;
    },
    async plainjs() {
      const sys = new PlainSystem();
      const done = deferred();
      const actors = [];
      const player = (peer) => ({
        receive(msg) {
          switch (msg.type) {
            case "ball":
              if (msg.n >= M) done.resolve(msg.n);
              else sys.send(actors[peer], { type: "ball", n: msg.n + 1 });
          }
        },
      });
      actors.push(player(1), player(0));
      const t0 = performance.now();
      sys.send(actors[0], { type: "ball", n: 1 });
      check("ping-pong count", await done.promise, M);
      return performance.now() - t0;
    },
  };

  // ---- spawn ------------------------------------------------------------------------------
  const K = sizes.spawn;
  const xSpawned = createMachine({
    context: ({ input }) => ({ started: input.started }),
    entry: ({ context }) => context.started(),
    on: { noop: {} },
  });
  const spawn = {
    name: "spawn",
    ops: K,
    unit: "actors/s",
    async backstage() {
      const system = ActorSystem.create();
      try {
        const done = deferred();
        let started = 0;
        const behaviour = () => ({
          started() {
            if (++started === K) done.resolve(started);
          },
          receive() {},
        });
        const t0 = performance.now();
        for (let i = 0; i < K; i++) system.spawn(behaviour);
        check("spawned and started", await done.promise, K);
        return performance.now() - t0;
      } finally {
        system.shutdown();
      }
    },
    async xstate() {
      const done = deferred();
      let started = 0;
      const input = {
        started() {
          if (++started === K) done.resolve(started);
        },
      };
      const actors = new Array(K);
      const t0 = performance.now();
      for (let i = 0; i < K; i++) actors[i] = createActor(xSpawned, { input }).start();
      check("spawned and started", await done.promise, K);
      const ms = performance.now() - t0;
      for (const a of actors) a.stop();
      return ms;
    },
    async plainjs() {
      const sys = new PlainSystem();
      const done = deferred();
      let started = 0;
      const actors = new Array(K);
      const start = { type: "start" };
      const t0 = performance.now();
      for (let i = 0; i < K; i++) {
        const actor = {
          state: 0,
          receive(msg) {
            switch (msg.type) {
              case "start":
                this.state = 1;
                if (++started === K) done.resolve(started);
            }
          },
        };
        actors[i] = actor;
        sys.send(actor, start);
      }
      check("spawned and started", await done.promise, K);
      return performance.now() - t0;
    },
  };

  // ---- fan-out ----------------------------------------------------------------------------
  const S = sizes.fanoutS;
  const P = sizes.fanoutP;
  const total = S * P;
  const xSubscriber = createMachine({
    context: ({ input }) => ({ count: 0, delivered: input.delivered }),
    on: {
      news: {
        actions: [assign({ count: ({ context }) => context.count + 1 }), ({ context }) => context.delivered()],
      },
    },
  });
  const fanout = {
    name: "fanout",
    ops: total,
    unit: "deliveries/s",
    async backstage() {
      const system = ActorSystem.create();
      try {
        const done = deferred();
        let delivered = 0;
        const subscriber = () => {
          let count = 0;
          return {
            receive(msg) {
              switch (msg.type) {
                case "news":
                  count++;
                  if (++delivered === total) done.resolve(delivered);
              }
            },
          };
        };
        for (let i = 0; i < S; i++) system.subscribe("news", system.spawn(subscriber, { capacity: P }));
        const msg = { type: "news" };
        const t0 = performance.now();
        for (let p = 0; p < P; p++) check("publish reach", system.publish("news", msg), S);
        check("fan-out deliveries", await done.promise, total);
        return performance.now() - t0;
      } finally {
        system.shutdown();
      }
    },
    async xstate() {
      const done = deferred();
      let delivered = 0;
      const input = {
        delivered() {
          if (++delivered === total) done.resolve(delivered);
        },
      };
      const topic = [];
      for (let i = 0; i < S; i++) topic.push(createActor(xSubscriber, { input }).start());
      const msg = { type: "news" };
      const t0 = performance.now();
      for (let p = 0; p < P; p++) for (const ref of topic) ref.send(msg);
      check("fan-out deliveries", await done.promise, total);
      const ms = performance.now() - t0;
      for (const a of topic) a.stop();
      return ms;
    },
    async plainjs() {
      const sys = new PlainSystem();
      const done = deferred();
      let delivered = 0;
      const topic = [];
      for (let i = 0; i < S; i++) {
        topic.push({
          count: 0,
          receive(msg) {
            switch (msg.type) {
              case "news":
                this.count++;
                if (++delivered === total) done.resolve(delivered);
            }
          },
        });
      }
      const msg = { type: "news" };
      const t0 = performance.now();
      for (let p = 0; p < P; p++) for (const actor of topic) sys.send(actor, msg);
      check("fan-out deliveries", await done.promise, total);
      return performance.now() - t0;
    },
  };

  return [tell, ask, pingpong, spawn, fanout];
}

/** Targets: [workload, numerator, denominator, minimum ratio]. */
export const TARGETS = [
  ["tell", "backstage", "xstate", 3],
  ["pingpong", "backstage", "xstate", 3],
  ["tell", "backstage", "plainjs", 0.25],
  ["ask", "backstage", "plainjs", 0.25],
  ["pingpong", "backstage", "plainjs", 0.25],
  ["spawn", "backstage", "plainjs", 0.25],
  ["fanout", "backstage", "plainjs", 0.25],
];

/**
 * Runs every workload for every implementation: one warm-up run (full mode), then the best of
 * `sizes.iterations` (interleaved by implementation). `log` gets progress lines. Returns
 * `{ results: [{ name, impl, ops, unit, bestMs, opsPerSec }], rows, targets, text }`.
 */
export async function runAll(backstage, xstate, sizes, { log = () => {}, quick = false } = {}) {
  const workloads = makeWorkloads(backstage, xstate, sizes);
  const results = [];
  for (const w of workloads) {
    const best = {};
    if (!quick) for (const impl of IMPLS) await w[impl]();
    for (let i = 0; i < sizes.iterations; i++) {
      for (const impl of IMPLS) {
        const ms = await w[impl]();
        best[impl] = Math.min(best[impl] ?? Infinity, ms);
      }
    }
    for (const impl of IMPLS) {
      const r = { name: w.name, impl, ops: w.ops, unit: w.unit, bestMs: best[impl], opsPerSec: (w.ops / best[impl]) * 1000 };
      results.push(r);
    }
    log(`${w.name}: done`);
  }
  return { results, ...report(results, { quick }) };
}

function fmt(n) {
  if (!Number.isFinite(n)) return String(n);
  if (n >= 100) return Math.round(n).toLocaleString("en-US");
  return n.toPrecision(3);
}

/** The table and the target verdicts of a result list. */
export function report(results, { quick = false } = {}) {
  const get = (name, impl) => results.find((r) => r.name === name && r.impl === impl);
  const names = [...new Set(results.map((r) => r.name))];
  const header = ["workload", "ops", "backstage ops/s", "xstate ops/s", "plainjs ops/s", "bs/xstate", "bs/plainjs"];
  const rows = names.map((n) => {
    const [b, x, p] = IMPLS.map((i) => get(n, i));
    return [n, fmt(b.ops), fmt(b.opsPerSec), fmt(x.opsPerSec), fmt(p.opsPerSec), `${(b.opsPerSec / x.opsPerSec).toFixed(2)}x`, `${(b.opsPerSec / p.opsPerSec).toFixed(2)}x`];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  const lines = [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
  const targets = TARGETS.map(([name, a, b, min]) => {
    const ratio = get(name, a).opsPerSec / get(name, b).opsPerSec;
    return { name, a, b, min, ratio, pass: ratio >= min };
  });
  lines.push("");
  if (quick) lines.push("targets: not evaluated in quick mode (correctness only)");
  else for (const t of targets) lines.push(`target ${t.name}: ${t.a}/${t.b} = ${t.ratio.toFixed(2)}x >= ${t.min}x ... ${t.pass ? "PASS" : "FAIL"}`);
  return { targets, text: lines.join("\n") };
}

/** `BENCH host=... name=... impl=... value=... unit=...` lines. */
export function benchLines(host, results) {
  return results.map((r) => `BENCH host=${host} name=${r.name} impl=${r.impl} value=${r.opsPerSec.toFixed(0)} unit=${r.unit.replaceAll(" ", "_")}`);
}
