// Seed 000's examples in the proxy style: classes whose methods are their messages, activated
// by id (`system.actor(Class, id)`), plus a TypeScript actor and a Rust actor calling each
// other's methods. Host-neutral like seeds.ts: run in Node and in headless Chromium.
import type { ActorSystem, StatsSummary } from "backstage-actors";

import { type Api, check, checkEqual, checkRejects, type Seed, T, withSystem } from "./seeds.js";

// ---------------------------------------------------------------------------------------------

const helloWorldString: Seed = {
  name: "proxy_hello_world_string",
  async run(api) {
    await withSystem(api, async (system) => {
      const log: string[] = [];
      class HelloWorldActor {
        messageCount = 0;
        sayHello(name: string): void {
          this.messageCount += 1;
          log.push(`Hello, ${name}! (Message #${this.messageCount})`);
        }
        getCount(): number {
          return this.messageCount;
        }
      }
      const actor = system.actor(HelloWorldActor, "hello_actor", T);
      void actor.sayHello("World");
      void actor.sayHello("Zig");
      const count: number = await actor.getCount();
      check(count === 2, `two calls counted, got ${count}`);
      checkEqual(log, ["Hello, World! (Message #1)", "Hello, Zig! (Message #2)"], "greetings in order");
      // Compile-time checks (never run).
      const misuse = (): void => {
        // @ts-expect-error: sayHello takes a string
        void actor.sayHello(42);
        // @ts-expect-error: no such method
        void actor.sayGoodbye("x");
        // @ts-expect-error: getCount answers a number
        const wrong: Promise<string> = actor.getCount();
        void wrong;
      };
      void misuse;
      const again = system.actor(HelloWorldActor, "hello_actor", T);
      check((await again.getCount()) === 2, "the same id reaches the same actor");
    });
  },
};

// ---------------------------------------------------------------------------------------------

interface Person {
  readonly name: string;
  readonly age: number;
  readonly address: { readonly city: string; readonly geo: readonly [number, number] };
  readonly tags: readonly string[];
}

const helloWorldStruct: Seed = {
  name: "proxy_hello_world_struct",
  async run(api) {
    await withSystem(api, async (system) => {
      class Greeter {
        last: Person | undefined;
        greet(person: Person): string {
          this.last = person;
          return `Hello, ${person.name} from ${person.address.city}!`;
        }
        lastPerson(): Person | undefined {
          return this.last;
        }
      }
      const ada: Person = { name: "Ada", age: 36, address: { city: "London", geo: [51.5, -0.13] }, tags: ["math", "ünïcödé ✓"] };
      const greeter = system.actor(Greeter, "greeter", T);
      checkEqual(await greeter.greet(ada), "Hello, Ada from London!", "the struct arrived");
      checkEqual(await greeter.lastPerson(), ada, "and was kept unchanged");
    });
  },
};

// ---------------------------------------------------------------------------------------------

const actorToActor: Seed = {
  name: "proxy_actor_to_actor",
  async run(api) {
    await withSystem(api, async (system) => {
      const received: string[] = [];
      class ReceiverActor {
        processMessage(message: string): number {
          received.push(message);
          return received.length;
        }
      }
      class SenderActor {
        async sendMessage(message: string): Promise<string> {
          // Another actor by id, from inside a method: the call does not block this actor's
          // loop, only this method until the reply.
          const receiver = api.contextOf(this).system.actor(ReceiverActor, "receiver", T);
          const n = await receiver.processMessage(message);
          return `delivered #${n}`;
        }
      }
      const sender = system.actor(SenderActor, "sender", T);
      checkEqual(await sender.sendMessage("hi"), "delivered #1", "the reply came back through the sender");
      checkEqual(await sender.sendMessage("again"), "delivered #2", "and again");
      checkEqual(received, ["hi", "again"], "the receiver got both");
    });
  },
};

// ---------------------------------------------------------------------------------------------

const pubSub: Seed = {
  name: "proxy_pub_sub",
  async run(api) {
    await withSystem(api, async (system) => {
      const headlines: string[] = [];
      class Publisher {
        publishNews(headline: string): number {
          return api.contextOf(this).system.stream<string>("news").next(headline);
        }
      }
      class Subscriber {
        handleNews(headline: string): void {
          headlines.push(headline);
        }
      }
      const subscriber = system.actor(Subscriber, "subscriber", T);
      // A method subscribed to the stream: each value becomes a call of `handleNews`.
      const off = system.stream<string>("news").subscribe((headline) => subscriber.handleNews(headline));
      const publisher = system.actor(Publisher, "publisher", T);
      check((await publisher.publishNews("Actors in TypeScript")) === 1, "one subscriber reached");
      await publisher.publishNews("Still typed");
      await subscriber.handleNews("direct");
      checkEqual(headlines, ["Actors in TypeScript", "Still typed", "direct"], "in order");
      off();
      check((await publisher.publishNews("unheard")) === 0, "unsubscribed");
    });
  },
};

// ---------------------------------------------------------------------------------------------

const multipleMethods: Seed = {
  name: "proxy_multiple_methods",
  async run(api) {
    await withSystem(api, async (system) => {
      class Calculator {
        value = 0;
        add(n: number): number {
          return (this.value += n);
        }
        subtract(n: number): number {
          return (this.value -= n);
        }
        multiply(n: number): number {
          return (this.value *= n);
        }
        divide(n: number): number {
          if (n === 0) throw new Error("division by zero");
          return (this.value /= n);
        }
        get(): number {
          return this.value;
        }
      }
      const calc = system.actor(Calculator, "calc", T);
      void calc.add(10);
      void calc.subtract(4);
      void calc.multiply(7);
      check((await calc.get()) === 42, "calls applied in order");
      await checkRejects(calc.divide(0), api.HandlerFailedError, "a throwing method rejects its call");
      check((await calc.get()) === 0, "and the supervisor restarted the actor from a fresh instance");
    });
  },
};

// ---------------------------------------------------------------------------------------------

const largeStruct: Seed = {
  name: "proxy_large_struct",
  async run(api) {
    await withSystem(api, async (system) => {
      interface Big {
        readonly id: number;
        readonly rows: readonly { readonly n: number; readonly label: string; readonly values: readonly number[] }[];
      }
      class Store {
        total = 0;
        put(big: Big): number {
          this.total += big.rows.reduce((s, r) => s + r.values.length, 0);
          return this.total;
        }
        echo(big: Big): Big {
          return big;
        }
      }
      const big: Big = {
        id: 7,
        rows: Array.from({ length: 1000 }, (_, n) => ({ n, label: `row ${n}`, values: [n, n * 2, n * 3] })),
      };
      const store = system.actor(Store, "store", T);
      check((await store.put(big)) === 3000, "every value counted");
      checkEqual(await store.echo(big), big, "a large object round-trips");
    });
  },
};

// ---------------------------------------------------------------------------------------------

const arrayListActor: Seed = {
  name: "proxy_array_list_actor",
  async run(api) {
    await withSystem(api, async (system) => {
      class ListActor {
        items: string[] = [];
        add(item: string): number {
          return this.items.push(item);
        }
        remove(item: string): boolean {
          const at = this.items.indexOf(item);
          if (at < 0) return false;
          this.items.splice(at, 1);
          return true;
        }
        all(): readonly string[] {
          return [...this.items];
        }
      }
      const list = system.actor(ListActor, "list", T);
      for (const item of ["a", "b", "c", "d"]) void list.add(item);
      check(await list.remove("b"), "b removed");
      check(!(await list.remove("zz")), "nothing to remove");
      checkEqual(await list.all(), ["a", "c", "d"], "the list");
    });
  },
};

// ---------------------------------------------------------------------------------------------

const poisonPill: Seed = {
  name: "proxy_poison_pill",
  async run(api) {
    await withSystem(api, async (system) => {
      const handled: number[] = [];
      class Worker {
        work(n: number): number {
          handled.push(n);
          return n;
        }
      }
      const worker = system.actor(Worker, "worker", T);
      const pending = [1, 2, 3].map((n) => worker.work(n));
      worker.ref.poison();
      checkEqual(await Promise.all(pending), [1, 2, 3], "calls queued before the pill are handled");
      await checkRejects(worker.work(4), api.ActorStoppedError, "then the actor is gone");
      checkEqual(handled, [1, 2, 3], "nothing after the pill");
    });
  },
};

// ---------------------------------------------------------------------------------------------
// A TypeScript actor and a Rust actor (the module's `Stats`) calling each other's methods.

const mixed: Seed = {
  name: "proxy_mixed_rust_and_typescript",
  async run(api) {
    await withSystem(api, async (system: ActorSystem) => {
      const reports: StatsSummary[] = [];
      class Dashboard {
        onSummary(summary: StatsSummary): string {
          reports.push(summary);
          return `seen ${summary.count}`;
        }
        async pull(): Promise<StatsSummary> {
          // TypeScript → Rust, from inside a TypeScript actor.
          return api.contextOf(this).system.rustActor("Stats", "stats", T).summary();
        }
      }
      const stats = system.rustActor("Stats", "stats", T);
      for (const v of [4, 8, 15.5]) void stats.record(v);
      checkEqual(await stats.summary(), { count: 3, mean: 27.5 / 3, min: 4, max: 15.5 }, "Rust answered TypeScript");
      const dashboard = system.actor(Dashboard, "dashboard", T);
      // Rust → TypeScript: Stats calls Dashboard.onSummary and answers with its reply.
      checkEqual(await stats.report(dashboard.ref, "onSummary"), "seen 3", "TypeScript answered Rust, and Rust relayed it");
      checkEqual(reports.map((r) => r.count), [3], "the summary reached the TypeScript actor");
      checkEqual((await dashboard.pull()).count, 3, "a TypeScript actor asks the Rust one");
      // Typed errors naming the method.
      const unknown = await checkRejects(stats.report(dashboard.ref, "noSuchMethod"), api.BackstageError, "an unknown method of the TypeScript actor");
      check(unknown.message.includes("noSuchMethod"), `the error names the method: ${unknown.message}`);
      const bad = await checkRejects(stats.record("four" as unknown as number), api.BadArgumentsError, "an argument of the wrong shape");
      check(bad.message.includes("record"), `the error names the method: ${bad.message}`);
    });
  },
};

export const proxySeeds: readonly Seed[] = [
  helloWorldString,
  helloWorldStruct,
  actorToActor,
  pubSub,
  multipleMethods,
  largeStruct,
  arrayListActor,
  poisonPill,
  mixed,
];

export type { Api };
