// The eight seed examples of the original Backstage (Zig) as acceptance tests of the package's
// public API. Host-neutral: no node:test, no DOM, no Node types. Each body gets the imported
// package module (`backstage-actors` in Node, or its browser entry) and throws on failure.
import type * as Backstage from "backstage-actors";
import type { ActorRef, ActorSystem, Behaviour, SystemEvent } from "backstage-actors";

/** The package module, as `import * as api from "backstage-actors"` gives it. */
export type Api = typeof Backstage;

export interface Seed {
  readonly name: string;
  run(api: Api): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Tiny assertion helpers (each throws a plain Error).

export function check(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(`check failed: ${message}`);
}

function show(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v: unknown) => (v instanceof Uint8Array ? `Uint8Array(${v.length})` : v));
  } catch {
    return String(value);
  }
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array && b instanceof Uint8Array) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(rb, k) && deepEqual(ra[k], rb[k]));
}

export function checkEqual(actual: unknown, expected: unknown, message: string): void {
  check(deepEqual(actual, expected), `${message}: expected ${show(expected)}, got ${show(actual)}`);
}

/** The promise rejects with an instance of `Class` (returned for further checks). */
export async function checkRejects<E extends Error>(p: Promise<unknown>, Class: abstract new (...args: never[]) => E, message: string): Promise<E> {
  let value: unknown;
  try {
    value = await p;
  } catch (e) {
    check(e instanceof Class, `${message}: expected ${Class.name}, got ${show(e instanceof Error ? `${e.name}: ${e.message}` : e)}`);
    return e;
  }
  throw new Error(`check failed: ${message}: expected a rejection with ${Class.name}, got ${show(value)}`);
}

/** `f()` throws an instance of `Class` (returned for further checks). */
function checkThrows<E extends Error>(f: () => unknown, Class: abstract new (...args: never[]) => E, message: string): E {
  try {
    f();
  } catch (e) {
    check(e instanceof Class, `${message}: expected ${Class.name}, got ${show(e instanceof Error ? `${e.name}: ${e.message}` : e)}`);
    return e;
  }
  throw new Error(`check failed: ${message}: expected a throw of ${Class.name}`);
}

// Timers without Node's or the DOM's type library: both hosts have them.
const timers = globalThis as unknown as {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
};

/** Resolves with the first event matching `pred`, or rejects after `ms`. */
function nextEvent<E extends SystemEvent>(system: ActorSystem, pred: (e: SystemEvent) => e is E, ms: number, what: string): Promise<E> {
  return new Promise<E>((resolve, reject) => {
    const timer = timers.setTimeout(() => {
      off();
      reject(new Error(`check failed: no ${what} event within ${ms} ms`));
    }, ms);
    const off = system.on((e) => {
      if (!pred(e)) return;
      timers.clearTimeout(timer);
      off();
      resolve(e);
    });
  });
}

/** Every ask in these seeds is bounded: a hang is an `AskTimeoutError`, never a stuck test. */
export const T = { timeout: 5000 } as const;

/** Runs `body` with a fresh system and shuts it down afterwards, pass or fail. */
export async function withSystem(api: Api, body: (system: ActorSystem) => Promise<void>): Promise<void> {
  const system = api.ActorSystem.create();
  try {
    await body(system);
  } finally {
    system.shutdown();
  }
}

function checkBalanced(system: ActorSystem): void {
  const m = system.metrics();
  check(m.sent === m.delivered + m.deadLetters + m.rejected, `metrics balance at rest: ${show(m)}`);
}

// ---------------------------------------------------------------------------------------------
// hello_world_string: an actor with a string method and a counter.

type HelloMsg = { readonly type: "sayHello"; readonly name: string } | { readonly type: "getCount" };

const helloWorldString: Seed = {
  name: "hello_world_string",
  async run(api) {
    await withSystem(api, async (system) => {
      const log: string[] = [];
      const hello = system.spawn<HelloMsg, number>(
        () => {
          let messageCount = 0;
          return {
            receive(msg) {
              if (msg.type === "sayHello") {
                messageCount += 1;
                log.push(`Hello, ${msg.name}! (Message #${messageCount})`);
              }
              return messageCount;
            },
          };
        },
        { name: "hello_actor" },
      );
      // Compile-time checks (never run): the ref takes only HelloMsgs and answers numbers.
      const misuse = (): void => {
        // @ts-expect-error: not a HelloMsg
        hello.tell({ type: "sayHi", name: "x" });
        // @ts-expect-error: sayHello needs a name
        hello.tell({ type: "sayHello" });
        // @ts-expect-error: the reply is a number
        const wrong: Promise<string> = hello.ask({ type: "getCount" });
        void wrong;
      };
      void misuse;
      hello.tell({ type: "sayHello", name: "World" });
      hello.tell({ type: "sayHello", name: "Zig" });
      const count: number = await hello.ask({ type: "getCount" }, T);
      check(count === 2, `count after two tells is 2, got ${count}`);
      checkEqual(log, ["Hello, World! (Message #1)", "Hello, Zig! (Message #2)"], "greetings in order");
      check(system.lookup<HelloMsg, number>("hello_actor")?.id === hello.id, "lookup by name finds the actor");
      checkBalanced(system);
    });
  },
};

// ---------------------------------------------------------------------------------------------
// hello_world_struct: a nested object as the message, round-tripped unchanged.

interface Person {
  readonly name: string;
  readonly age: number;
  readonly verified: boolean;
  readonly nickname: string | null;
  readonly address: { readonly street: string; readonly city: string; readonly geo: readonly [number, number] };
  readonly tags: readonly string[];
  readonly pets: readonly { readonly kind: string; readonly names: readonly string[] }[];
}

type PersonMsg = { readonly type: "greet"; readonly person: Person } | { readonly type: "last" };
type PersonReply = { readonly greeting: string; readonly person: Person } | Person | undefined;

const helloWorldStruct: Seed = {
  name: "hello_world_struct",
  async run(api) {
    await withSystem(api, async (system) => {
      const original: Person = {
        name: "Ada",
        age: 36,
        verified: true,
        nickname: null,
        address: { street: "12 St James's Square", city: "London", geo: [51.507, -0.135] },
        tags: ["math", "engines", "ünïcödé ✓"],
        pets: [
          { kind: "cat", names: ["Puff"] },
          { kind: "horse", names: [] },
        ],
      };
      const snapshot = JSON.stringify(original);
      const greeter = system.spawn<PersonMsg, PersonReply>(() => {
        let last: Person | undefined;
        return {
          receive(msg) {
            if (msg.type === "last") return last;
            last = msg.person;
            return { greeting: `Hello, ${msg.person.name} of ${msg.person.address.city}!`, person: msg.person };
          },
        };
      });
      const reply = await greeter.ask({ type: "greet", person: original }, T);
      check(reply !== undefined && "greeting" in reply, "the greet reply has a greeting");
      check(reply.greeting === "Hello, Ada of London!", `greeting: ${reply.greeting}`);
      checkEqual(reply.person, original, "the nested struct comes back unchanged");
      checkEqual(await greeter.ask({ type: "last" }, T), original, "the actor kept the struct unchanged");
      check(JSON.stringify(original) === snapshot, "the sender's object was not mutated");
    });
  },
};

// ---------------------------------------------------------------------------------------------
// actor_to_actor: a sender gets (or lazily spawns) the receiver by name from inside its handler.

type ReceiverMsg = { readonly type: "process"; readonly message: string } | { readonly type: "received" };
type Received = readonly { readonly message: string; readonly from: string | undefined }[];
type SenderMsg = { readonly type: "send"; readonly message: string };
interface SendReport {
  readonly receiverId: string;
  readonly spawned: boolean;
  readonly receivedSoFar: number;
}

const actorToActor: Seed = {
  name: "actor_to_actor",
  async run(api) {
    await withSystem(api, async (system) => {
      let receiverBuilds = 0;
      const receiverBehaviour = (): Behaviour<ReceiverMsg, Received> => {
        receiverBuilds += 1;
        const received: { message: string; from: string | undefined }[] = [];
        return {
          receive(msg, ctx) {
            if (msg.type === "process") received.push({ message: msg.message, from: ctx.sender?.id });
            return received.slice();
          },
        };
      };
      const sender = system.spawn<SenderMsg, SendReport>({
        async receive(msg, ctx) {
          let receiver = ctx.system.lookup<ReceiverMsg, Received>("receiver");
          const spawned = receiver === undefined;
          receiver ??= ctx.system.spawn(receiverBehaviour, { name: "receiver" });
          receiver.tell({ type: "process", message: msg.message });
          const received = await receiver.ask({ type: "received" }, T);
          return { receiverId: receiver.id, spawned, receivedSoFar: received.length };
        },
      });
      check(system.lookup("receiver") === undefined, "no receiver before the first message");
      const first = await sender.ask({ type: "send", message: "hello" }, T);
      check(first.spawned, "the first send spawned the receiver");
      check(first.receivedSoFar === 1, `receiver saw 1 message, got ${first.receivedSoFar}`);
      const second = await sender.ask({ type: "send", message: "again" }, T);
      check(!second.spawned, "the second send found the receiver by name");
      check(second.receiverId === first.receiverId, "the same receiver both times");
      check(second.receivedSoFar === 2, `receiver saw 2 messages, got ${second.receivedSoFar}`);
      check(receiverBuilds === 1, `the receiver was built once, got ${receiverBuilds}`);

      const receiver = system.lookup<ReceiverMsg, Received>("receiver");
      check(receiver !== undefined && receiver.id === first.receiverId, "the receiver is visible from outside by name");
      const received = await receiver.ask({ type: "received" }, T);
      checkEqual(
        received,
        [
          { message: "hello", from: sender.id },
          { message: "again", from: sender.id },
        ],
        "the receiver got both messages, with the sending actor as sender",
      );
      checkBalanced(system);
    });
  },
};

// ---------------------------------------------------------------------------------------------
// pub_sub: two publishers, two subscribers on a topic; per-publisher order is kept.

interface Headline {
  readonly from: string;
  readonly seq: number;
  readonly text: string;
}
type NewsMsg = ({ readonly type: "headline" } & Headline) | { readonly type: "seen" };
type PublisherMsg = { readonly type: "publish"; readonly text: string };

const pubSub: Seed = {
  name: "pub_sub",
  async run(api) {
    await withSystem(api, async (system) => {
      const TOPIC = "news";
      const subscriber = () =>
        system.spawn<NewsMsg, readonly Headline[]>(() => {
          const seen: Headline[] = [];
          return {
            receive(msg) {
              if (msg.type === "headline") seen.push({ from: msg.from, seq: msg.seq, text: msg.text });
              return seen.slice();
            },
          };
        });
      const publisher = (from: string) =>
        system.spawn<PublisherMsg, number>(() => {
          let seq = 0;
          return {
            receive(msg, ctx) {
              seq += 1;
              const headline: NewsMsg = { type: "headline", from, seq, text: msg.text };
              return ctx.system.publish(TOPIC, headline);
            },
          };
        });

      const s1 = subscriber();
      const s2 = subscriber();
      system.subscribe(TOPIC, s1);
      system.subscribe(TOPIC, s2);
      const pa = publisher("A");
      const pb = publisher("B");
      const N = 20;
      for (let i = 1; i <= N; i++) {
        pa.tell({ type: "publish", text: `A${i}` });
        pb.tell({ type: "publish", text: `B${i}` });
      }
      // Each publisher answers an ask after its queued tells: all 2N headlines are out.
      check((await pa.ask({ type: "publish", text: "A-last" }, T)) === 2, "a publication reaches both subscribers");
      check((await pb.ask({ type: "publish", text: "B-last" }, T)) === 2, "a publication reaches both subscribers");
      // Also publish from outside any actor.
      const outside: NewsMsg = { type: "headline", from: "outside", seq: 1, text: "extra" };
      check(system.publish(TOPIC, outside) === 2, "publish from outside reaches both subscribers");

      for (const [label, s] of [["s1", s1], ["s2", s2]] as const) {
        const seen = await s.ask({ type: "seen" }, T);
        check(seen.length === 2 * (N + 1) + 1, `${label} saw every headline: ${seen.length}`);
        for (const from of ["A", "B"]) {
          const mine = seen.filter((h) => h.from === from);
          checkEqual(
            mine.map((h) => h.seq),
            Array.from({ length: N + 1 }, (_, i) => i + 1),
            `${label}: publisher ${from}'s headlines in order`,
          );
          checkEqual(mine[0]?.text, `${from}1`, `${label}: publisher ${from}'s first text`);
        }
      }

      check(system.unsubscribe(TOPIC, s2), "unsubscribe reports the subscription");
      check(!system.unsubscribe(TOPIC, s2), "a second unsubscribe finds none");
      check(system.publish(TOPIC, { type: "headline", from: "outside", seq: 2, text: "only s1" } satisfies NewsMsg) === 1, "after unsubscribe one subscriber is left");
      check(system.publish("nobody-listens", "x") === 0, "a topic without subscribers reaches none");
      const s1Seen = await s1.ask({ type: "seen" }, T);
      const s2Seen = await s2.ask({ type: "seen" }, T);
      check(s1Seen.at(-1)?.text === "only s1", "s1 still gets publications");
      check(s2Seen.length === 2 * (N + 1) + 1, "s2 gets nothing after unsubscribing");
      checkBalanced(system);
    });
  },
};

// ---------------------------------------------------------------------------------------------
// multiple_methods: one actor, a discriminated union of methods with different reply types.

type AccountMsg =
  | { readonly type: "deposit"; readonly amount: number }
  | { readonly type: "withdraw"; readonly amount: number }
  | { readonly type: "rename"; readonly owner: string }
  | { readonly type: "statement" };
type WithdrawResult = { readonly ok: true; readonly balance: number } | { readonly ok: false; readonly reason: "insufficient funds" };
interface Statement {
  readonly owner: string;
  readonly balance: number;
  readonly history: readonly { readonly op: "deposit" | "withdraw"; readonly amount: number }[];
}
/** The reply of each method, keyed by the message's `type`. */
interface AccountReplies {
  deposit: number;
  withdraw: WithdrawResult;
  rename: void;
  statement: Statement;
}
type AccountReply = AccountReplies[keyof AccountReplies];

/** A typed client: overloads narrow the union reply per method. */
interface AccountClient {
  call(msg: Extract<AccountMsg, { type: "deposit" }>): Promise<number>;
  call(msg: Extract<AccountMsg, { type: "withdraw" }>): Promise<WithdrawResult>;
  call(msg: Extract<AccountMsg, { type: "rename" }>): Promise<void>;
  call(msg: Extract<AccountMsg, { type: "statement" }>): Promise<Statement>;
}

function accountClient(ref: ActorRef<AccountMsg, AccountReply>): AccountClient {
  return { call: (msg: AccountMsg) => ref.ask(msg, T) } as AccountClient;
}

const multipleMethods: Seed = {
  name: "multiple_methods",
  async run(api) {
    await withSystem(api, async (system) => {
      const account = system.spawn<AccountMsg, AccountReply>(() => {
        let owner = "nobody";
        let balance = 0;
        const history: { op: "deposit" | "withdraw"; amount: number }[] = [];
        // Each branch's reply is checked against its method's reply type.
        const methods: { [K in keyof AccountReplies]: (msg: Extract<AccountMsg, { type: K }>) => AccountReplies[K] } = {
          deposit(msg) {
            balance += msg.amount;
            history.push({ op: "deposit", amount: msg.amount });
            return balance;
          },
          withdraw(msg) {
            if (msg.amount > balance) return { ok: false, reason: "insufficient funds" };
            balance -= msg.amount;
            history.push({ op: "withdraw", amount: msg.amount });
            return { ok: true, balance };
          },
          rename(msg) {
            owner = msg.owner;
          },
          statement() {
            return { owner, balance, history: history.slice() };
          },
        };
        return {
          receive(msg): AccountReply {
            switch (msg.type) {
              case "deposit":
                return methods.deposit(msg);
              case "withdraw":
                return methods.withdraw(msg);
              case "rename":
                return methods.rename(msg);
              case "statement":
                return methods.statement(msg);
            }
          },
        };
      });
      const client = accountClient(account);
      // Compile-time checks (never run): each method's reply type is narrowed by the overloads.
      const misuse = async (): Promise<void> => {
        // @ts-expect-error: a deposit answers a number, not a statement
        const wrong: Statement = await client.call({ type: "deposit", amount: 1 });
        // @ts-expect-error: not a method of the account
        await client.call({ type: "close" });
        void wrong;
      };
      void misuse;
      const balance: number = await client.call({ type: "deposit", amount: 100 });
      check(balance === 100, `deposit returns the balance: ${balance}`);
      const ok: WithdrawResult = await client.call({ type: "withdraw", amount: 30 });
      checkEqual(ok, { ok: true, balance: 70 }, "a covered withdrawal");
      const refused = await client.call({ type: "withdraw", amount: 1000 });
      check(!refused.ok && refused.reason === "insufficient funds", `an uncovered withdrawal is refused: ${show(refused)}`);
      const renamed: void = await client.call({ type: "rename", owner: "Grace" });
      check(renamed === undefined, "rename replies with nothing");
      account.tell({ type: "deposit", amount: 5 }); // a method called by tell: the reply is dropped
      const statement: Statement = await client.call({ type: "statement" });
      checkEqual(
        statement,
        {
          owner: "Grace",
          balance: 75,
          history: [
            { op: "deposit", amount: 100 },
            { op: "withdraw", amount: 30 },
            { op: "deposit", amount: 5 },
          ],
        },
        "the statement reflects every method call in order",
      );
      checkBalanced(system);
    });
  },
};

// ---------------------------------------------------------------------------------------------
// large_struct: a 64 KiB byte payload with a checksum, round-tripped.

interface Blob {
  readonly id: number;
  readonly title: string;
  readonly payload: Uint8Array;
  readonly checksum: number;
  readonly meta: { readonly createdBy: string; readonly parts: readonly number[] };
}
type BlobMsg = { readonly type: "store"; readonly blob: Blob } | { readonly type: "fetch"; readonly id: number };
type BlobReply = { readonly id: number; readonly length: number; readonly checksum: number; readonly valid: boolean } | Blob | undefined;

/** Adler-32 of the bytes. */
function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < bytes.length; i++) {
    a = (a + (bytes[i] ?? 0)) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

function pattern(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

const largeStruct: Seed = {
  name: "large_struct",
  async run(api) {
    await withSystem(api, async (system) => {
      const SIZE = 64 * 1024;
      const store = system.spawn<BlobMsg, BlobReply>(() => {
        const blobs = new Map<number, Blob>();
        return {
          receive(msg) {
            if (msg.type === "fetch") return blobs.get(msg.id);
            const { blob } = msg;
            blobs.set(blob.id, blob);
            const checksum = adler32(blob.payload);
            return { id: blob.id, length: blob.payload.length, checksum, valid: checksum === blob.checksum };
          },
        };
      });
      const sent: Blob[] = [];
      for (let id = 1; id <= 4; id++) {
        const payload = pattern(SIZE, id);
        const blob: Blob = {
          id,
          title: `blob ${id}`,
          payload,
          checksum: adler32(payload),
          meta: { createdBy: "large_struct", parts: [id, SIZE, id * 2] },
        };
        sent.push(blob);
        if (id % 2 === 0) store.tell({ type: "store", blob });
        else {
          const receipt = await store.ask({ type: "store", blob }, T);
          checkEqual(receipt, { id, length: SIZE, checksum: blob.checksum, valid: true }, `the actor verified blob ${id}'s checksum`);
        }
      }
      for (const blob of sent) {
        const back = await store.ask({ type: "fetch", id: blob.id }, T);
        check(back !== undefined && "payload" in back, `blob ${blob.id} comes back`);
        check(back.payload instanceof Uint8Array, "the payload is still a Uint8Array");
        check(back.payload.length === SIZE, `the payload keeps its 64 KiB: ${back.payload.length}`);
        check(adler32(back.payload) === blob.checksum, `blob ${blob.id}'s checksum matches after the round trip`);
        checkEqual(back, blob, `blob ${blob.id} round-trips unchanged`);
      }
      check(adler32(pattern(SIZE, 1)) === sent[0]?.checksum, "the sender's bytes were not mutated");
      checkBalanced(system);
    });
  },
};

// ---------------------------------------------------------------------------------------------
// array_list_actor: a list behind add/remove/list; a bad remove fails and restarts it fresh.

type ListMsg =
  | { readonly type: "add"; readonly item: string }
  | { readonly type: "remove"; readonly index: number }
  | { readonly type: "list" };

const arrayListActor: Seed = {
  name: "array_list_actor",
  async run(api) {
    await withSystem(api, async (system) => {
      const events: SystemEvent[] = [];
      const off = system.on((e) => events.push(e));
      let builds = 0;
      const list = system.spawn<ListMsg, readonly string[]>(() => {
        builds += 1;
        const items: string[] = [];
        return {
          receive(msg) {
            switch (msg.type) {
              case "add":
                items.push(msg.item);
                break;
              case "remove":
                if (!Number.isInteger(msg.index) || msg.index < 0 || msg.index >= items.length) {
                  throw new RangeError(`index ${msg.index} out of range (length ${items.length})`);
                }
                items.splice(msg.index, 1);
                break;
              case "list":
                break;
            }
            return items.slice();
          },
        };
      });
      for (const item of ["a", "b", "c", "d"]) list.tell({ type: "add", item });
      checkEqual(await list.ask({ type: "list" }, T), ["a", "b", "c", "d"], "four items added");
      checkEqual(await list.ask({ type: "remove", index: 1 }, T), ["a", "c", "d"], "remove at 1");
      checkEqual(await list.ask({ type: "add", item: "e" }, T), ["a", "c", "d", "e"], "add replies with the list");

      const failure = await checkRejects(list.ask({ type: "remove", index: 10 }, T), api.HandlerFailedError, "remove out of range");
      check(failure instanceof api.BackstageError && failure.code === "HANDLER_FAILED", `code HANDLER_FAILED, got ${failure.code}`);
      check(list.isAlive, "the actor is alive after the failure (restarted)");
      checkEqual(await list.ask({ type: "list" }, T), [], "the restart built fresh state");
      check(builds === 2, `the factory ran twice, got ${builds}`);
      checkEqual(await list.ask({ type: "add", item: "z" }, T), ["z"], "the restarted actor works");
      check(system.metrics().restarts === 1, `one restart, got ${system.metrics().restarts}`);
      check(system.metrics().failures === 1, `one failure, got ${system.metrics().failures}`);
      off();
      check(events.some((e) => e.type === "failed" && e.id === list.id), "a failed event");
      check(events.some((e) => e.type === "restarted" && e.id === list.id), "a restarted event");
      check(!events.some((e) => e.type === "stopped" && e.id === list.id), "no stopped event");
      checkBalanced(system);
    });
  },
};

// ---------------------------------------------------------------------------------------------
// poison_pill: queued messages are handled, then the actor stops; later sends are refused.

type WorkMsg = { readonly type: "work"; readonly n: number };

const poisonPill: Seed = {
  name: "poison_pill",
  async run(api) {
    await withSystem(api, async (system) => {
      const handled: number[] = [];
      let stoppedHook = 0;
      const worker = system.spawn<WorkMsg, number>(
        {
          receive(msg) {
            handled.push(msg.n);
            return msg.n * 2;
          },
          stopped() {
            stoppedHook += 1;
          },
        },
        { name: "worker" },
      );
      const isStop = (e: SystemEvent): e is Extract<SystemEvent, { type: "stopped" }> => e.type === "stopped" && e.id === worker.id;
      const stopped = nextEvent(system, isStop, 5000, "stopped");
      const reply = worker.ask({ type: "work", n: 0 }, T);
      for (let n = 1; n <= 5; n++) worker.tell({ type: "work", n });
      worker.poison();
      check(handled.length === 0, "poison() does not run the queued messages synchronously");
      const event = await stopped;
      check(event.reason === "poisonPill", `stop reason poisonPill, got ${event.reason}`);
      check((await reply) === 0, "an ask queued before the pill is answered");
      checkEqual(handled, [0, 1, 2, 3, 4, 5], "every message queued before the pill was handled, in order");
      check(stoppedHook === 1, `the stopped hook ran once, got ${stoppedHook}`);
      check(!worker.isAlive, "the actor is no longer alive");
      check(system.lookup("worker") === undefined, "its name is released");

      const err = checkThrows(() => worker.tell({ type: "work", n: 6 }), api.ActorStoppedError, "tell after the pill");
      check(err.code === "ACTOR_STOPPED", `code ACTOR_STOPPED, got ${err.code}`);
      await checkRejects(worker.ask({ type: "work", n: 7 }, T), api.ActorStoppedError, "ask after the pill");
      checkEqual(handled, [0, 1, 2, 3, 4, 5], "nothing handled after the stop");
      const dead = system.deadLetters().filter((d) => d.to === worker.id);
      check(dead.length >= 1, `dead letters for the stopped actor: ${show(dead)}`);
      check(
        dead.some((d) => d.reason === "ACTOR_STOPPED" && deepEqual(d.message, { type: "work", n: 6 })),
        `a dead letter for the refused tell: ${show(dead)}`,
      );
      const again = system.spawn<WorkMsg, number>({ receive: (m) => m.n }, { name: "worker" });
      check(again.id !== worker.id, "the name can be reused, with a new id");
      check((await again.ask({ type: "work", n: 9 }, T)) === 9, "the new worker answers");
      checkBalanced(system);
    });
  },
};

export const seeds: readonly Seed[] = [
  helloWorldString,
  helloWorldStruct,
  actorToActor,
  pubSub,
  multipleMethods,
  largeStruct,
  arrayListActor,
  poisonPill,
];

/** A seed's outcome, as both runners report it. */
export interface SeedResult {
  readonly name: string;
  readonly ok: boolean;
  readonly ms: number;
  readonly error?: string;
}

/** Runs one seed and reports instead of throwing (for the browser page). */
export async function runSeed(api: Api, seed: Seed, now: () => number): Promise<SeedResult> {
  const start = now();
  try {
    await seed.run(api);
    return { name: seed.name, ok: true, ms: now() - start };
  } catch (e) {
    const error = e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e);
    return { name: seed.name, ok: false, ms: now() - start, error };
  }
}

export { proxySeeds } from "./proxies.js";
