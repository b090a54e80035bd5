// The in-page source of inspection data for `backstage-actors/inspector` (see the TODO on
// `Probe`): what the package can observe of a running system until the WebAssembly module's
// own inspector (`raw.inspect`, wasm/src/inspect.rs) replaces it.
import type { InspectOptions, InspectorEvent, InspectorMessage } from "./inspector.js";
import type { ActorSystem, SystemEvent } from "./system.js";

declare const performance: { now(): number } | undefined;

/** What the probe tells each inspection attached to it. */
export interface ProbeView {
  push(event: InspectorEvent, message: unknown): void;
}

const TWO_32 = 2 ** 32;
const DEFAULT_CAPACITY = 1024;

/** One inspected actor, as the in-page probe tracks it. */
export class Entry {
  readonly handle: number;
  readonly id: string;
  name: string | null = null;
  type = "unknown";
  parent: string | null = null;
  capacity: number;
  processed = 0;
  /** Messages sent to it and not yet handled (an estimate: see `Probe`). */
  backlog = 0;
  errors = 0;
  restarts = 0;
  /** Async handlers not settled yet: the actor is paused while one runs. */
  pending = 0;
  /**
   * Whether its handler counts what it handles (spawned while inspected). For one that is not,
   * `processed` counts the messages sent to it instead, and the mailbox is unknown (0).
   */
  instrumented = false;
  topics: Set<string> | undefined;

  constructor(handle: number, id: string, capacity: number) {
    this.handle = handle;
    this.id = id;
    this.capacity = capacity;
  }
}

/** A message the probe saw being sent (for the Stately adapter). */
export interface Tap {
  (to: Entry, from: Entry | undefined, message: unknown): void;
}

/** The raw runtime's calls the in-page probe observes (the module's handle-based API). */
interface RawLike {
  readonly node: number;
  spawn(behaviour: unknown, options: unknown, parent: number): number;
  getOrSpawn(name: string, behaviour: unknown): number;
  spawnRust(kind: string, options: unknown, parent: number): number;
  tell(id: number, message: unknown): void;
  ask(id: number, message: unknown, timeout: number | undefined, resolve: (reply: unknown) => void, reject: (error: unknown) => void): void;
  stop(id: number): void;
  isAlive(id: number): boolean;
  lookup(name: string): number | undefined;
  publish(topic: string, message: unknown): number;
  subscribe(topic: string, id: number): void;
  unsubscribe(topic: string, id: number): boolean;
  metrics(): Metrics;
}

interface Metrics {
  readonly sent: number;
  readonly delivered: number;
  readonly rejected: number;
  readonly deadLetters: number;
  readonly deadLettersByReason: Readonly<Record<string, number>>;
  readonly spawned: number;
  readonly stopped: number;
  readonly failures: number;
  readonly restarts: number;
  readonly liveActors: number;
}

interface RawBehaviourLike {
  receive(message: unknown, sender: number, self: number): unknown;
}

/** What the probe reads of `ActorSystem` beyond its public API. */
interface SystemInternals {
  readonly raw: RawLike;
  spawnActor?: (behaviour: unknown, options: unknown, parent: number) => unknown;
  getOrSpawn?: (name: string, behaviour: unknown) => unknown;
}

const probes = new WeakMap<ActorSystem, Probe>();

/**
 * The in-page source of inspection data: one per system, shared by its inspections.
 *
 * TODO(wasm inspect export): switch to `raw.inspect({ retention, redact })` from
 * wasm/src/inspect.rs (a `RuntimeInspector` whose `hello()`, `snapshot()`, `events()` and
 * `command(json)` return the protocol's frames as JSON text, and `close()` detaches): `View`
 * keeps its interface and `connect` its timers, and parses those texts instead of building the
 * frames here; `Probe` keeps only the Stately adapter's message tap. The core then gives the
 * real mailbox lengths, processed counts, actor states and types, topics and subscriber counts,
 * dead letters by reason, and the actors spawned before the inspector attached. Until then the
 * probe uses what the package has: `system.on` events and `system.metrics()` from the public
 * API, plus wrappers installed on this system's raw runtime object (its own properties; the
 * module and the prototype are untouched) that count what each JS actor handles and what is
 * sent to it. So, for now: mailbox lengths are an estimate (sent through this package minus
 * handled minus dead-lettered), Rust actors report no processed count, messages a Rust actor
 * sends are not seen, an actor spawned before `inspect` appears once it is sent a message
 * (without its parent or type), and an actor's `type` is its factory's or class's name
 * ("JsActor" for a plain object).
 */
export class Probe {
  readonly system: ActorSystem;
  readonly defaultCapacity: number;
  readonly now: () => number;
  readonly entries = new Map<number, Entry>();
  readonly topics = new Map<string, Set<number>>();
  readonly views = new Set<ProbeView>();
  readonly taps = new Set<Tap>();
  /** Ids of actors seen stopping (the latest 10,000): a command to one is `ACTOR_STOPPED`. */
  readonly stoppedIds = new Set<string>();
  /** The actor whose handler is running (synchronously), or -1. */
  current = -1;
  /** The behaviour's type name, from the `spawnActor` call around the next `raw.spawn`. */
  #nextType: string | undefined;
  /** The spawn in progress (its `spawned` event may come before `raw.spawn` returns). */
  #spawning: { readonly type: string; readonly options: unknown; readonly parent: number } | undefined;
  #raw: RawLike | undefined;
  #node = 0;
  #off: (() => void) | undefined;
  #installed: { target: object; keys: string[] }[] = [];
  #lastMetrics: Metrics | undefined;

  static of(system: ActorSystem, options: InspectOptions): Probe {
    let probe = probes.get(system);
    if (!probe) {
      probe = new Probe(system, options);
      probes.set(system, probe);
    }
    return probe;
  }

  private constructor(system: ActorSystem, options: InspectOptions) {
    this.system = system;
    this.defaultCapacity = options.defaultCapacity ?? DEFAULT_CAPACITY;
    this.now = options.now ?? (() => (performance ? performance.now() : Date.now()));
  }

  get node(): number {
    return this.#node;
  }

  attach(view: ProbeView): void {
    this.views.add(view);
    if (this.views.size === 1) this.#install();
  }

  detach(view: ProbeView): void {
    this.views.delete(view);
    if (this.views.size === 0) this.#uninstall();
  }

  metrics(): Metrics | undefined {
    try {
      if (!this.system.isShutDown && !this.system.isAborted && this.#raw) this.#lastMetrics = this.#raw.metrics();
    } catch {
      // Shut down meanwhile: keep the last counters.
    }
    return this.#lastMetrics;
  }

  /** Carries out `stop` / `send` on the raw runtime (so the wrappers see the message). */
  act(command: { readonly type: "stop" | "send"; readonly actor: string; readonly text?: string }): void {
    const raw = this.#raw;
    if (!raw || this.system.isShutDown) throw Object.assign(new Error("the system is shut down"), { code: "RUNTIME_SHUT_DOWN" });
    const handle = this.handleOf(command.actor);
    if (handle === undefined) throw Object.assign(new Error(`no actor ${command.actor} on node ${this.#node}`), { code: "NO_SUCH_ACTOR" });
    if (!raw.isAlive(handle)) {
      const code = this.stoppedIds.has(command.actor) ? "ACTOR_STOPPED" : "NO_SUCH_ACTOR";
      throw Object.assign(new Error(`no live actor ${command.actor}`), { code });
    }
    if (command.type === "stop") raw.stop(handle);
    else raw.tell(handle, { type: "InspectorMessage", text: command.text ?? "" } satisfies InspectorMessage);
  }

  idText(handle: number): string {
    return `${this.#node}.${handle % TWO_32}.${Math.floor(handle / TWO_32)}`;
  }

  handleOf(id: string | undefined | null): number | undefined {
    const parts = /^(\d+)\.(\d+)\.(\d+)$/.exec(id ?? "");
    if (!parts || Number(parts[1]) !== this.#node) return undefined;
    return Number(parts[2]) + Number(parts[3]) * TWO_32;
  }

  entry(handle: number): Entry {
    let entry = this.entries.get(handle);
    if (!entry) {
      entry = new Entry(handle, this.idText(handle), this.defaultCapacity);
      this.entries.set(handle, entry);
    }
    return entry;
  }

  #install(): void {
    const system = this.system as unknown as SystemInternals;
    const raw = system.raw;
    this.#raw = raw;
    this.#node = raw.node;
    this.entries.clear();
    this.topics.clear();
    this.#off = this.system.on((event) => this.#event(event));
    this.#wrap(raw, this.#rawWrappers(raw));
    // The behaviour's own name (its factory's or class's) is only known above the raw call.
    const { spawnActor, getOrSpawn } = system;
    const typed =
      <A extends unknown[]>(f: (...args: A) => unknown, behaviourAt: number) =>
      (...args: A): unknown => {
        this.#nextType = typeName(args[behaviourAt]);
        try {
          return f.apply(system, args);
        } finally {
          this.#nextType = undefined;
        }
      };
    if (typeof spawnActor === "function") this.#wrap(system, { spawnActor: typed(spawnActor, 0) });
    if (typeof getOrSpawn === "function") this.#wrap(system, { getOrSpawn: typed(getOrSpawn, 1) });
  }

  #uninstall(): void {
    this.#off?.();
    this.#off = undefined;
    for (const { target, keys } of this.#installed) for (const key of keys) delete (target as Record<string, unknown>)[key];
    this.#installed = [];
    this.#raw = undefined;
  }

  /** Shadows methods of `target` with own properties (removed again by `#uninstall`). */
  #wrap(target: object, methods: Record<string, unknown>): void {
    Object.assign(target, methods);
    this.#installed.push({ target, keys: Object.keys(methods) });
  }

  #rawWrappers(raw: RawLike): Partial<RawLike> {
    const proto = Object.getPrototypeOf(raw) as RawLike;
    const sent = (handle: number, message: unknown) => {
      const to = this.entry(handle);
      if (to.instrumented) to.backlog++;
      else to.processed++;
      if (this.taps.size > 0) this.#tap(to, message);
    };
    /** Runs a raw spawn call with `#spawning` set, then records what it spawned. */
    const spawning = (type: string, options: unknown, parent: number, call: () => number): number => {
      const outer = this.#spawning;
      this.#spawning = { type, options, parent };
      let handle: number;
      try {
        handle = call();
      } finally {
        this.#spawning = outer;
      }
      this.#spawned(handle, type, options, parent);
      return handle;
    };
    return {
      spawn: (behaviour, options, parent) =>
        spawning(this.#nextType ?? typeName(behaviour), options, parent, () => proto.spawn.call(raw, this.#instrument(behaviour), options, parent)),
      getOrSpawn: (name, behaviour) => {
        if (proto.lookup.call(raw, name) !== undefined) return proto.getOrSpawn.call(raw, name, behaviour); // live: nothing is spawned
        return spawning(this.#nextType ?? typeName(behaviour), { name }, 0, () => proto.getOrSpawn.call(raw, name, this.#instrument(behaviour)));
      },
      spawnRust: (kind, options, parent) => spawning(kind, options, parent, () => proto.spawnRust.call(raw, kind, options, parent)),
      tell: (id, message) => {
        proto.tell.call(raw, id, message);
        sent(id, message);
      },
      ask: (id, message, timeout, resolve, reject) => {
        let refused = false;
        proto.ask.call(raw, id, message, timeout, resolve, (error) => {
          refused = true;
          reject(error);
        });
        if (!refused) sent(id, message);
      },
      publish: (topic, message) => {
        const reached = proto.publish.call(raw, topic, message);
        if (reached > 0) for (const handle of this.topics.get(topic) ?? []) sent(handle, message);
        return reached;
      },
      subscribe: (topic, id) => {
        proto.subscribe.call(raw, topic, id);
        let subscribers = this.topics.get(topic);
        if (!subscribers) this.topics.set(topic, (subscribers = new Set()));
        subscribers.add(id);
        (this.entry(id).topics ??= new Set()).add(topic);
      },
      unsubscribe: (topic, id) => {
        const removed = proto.unsubscribe.call(raw, topic, id);
        this.#unsubscribed(topic, id);
        return removed;
      },
    };
  }

  #spawned(handle: number, type: string, options: unknown, parent: number): void {
    const entry = this.entry(handle);
    entry.type = type;
    entry.instrumented = type !== "unknown";
    if (parent !== 0) entry.parent = this.idText(parent);
    const capacity = (options as { capacity?: unknown } | undefined)?.capacity;
    if (typeof capacity === "number") entry.capacity = capacity;
    const name = (options as { name?: unknown } | undefined)?.name;
    if (typeof name === "string") entry.name = name;
  }

  #unsubscribed(topic: string, handle: number): void {
    const subscribers = this.topics.get(topic);
    subscribers?.delete(handle);
    if (subscribers?.size === 0) this.topics.delete(topic);
    this.entries.get(handle)?.topics?.delete(topic);
  }

  #tap(to: Entry, message: unknown): void {
    const from = this.current === -1 ? undefined : this.entries.get(this.current);
    for (const tap of this.taps) tap(to, from, message);
  }

  /** A behaviour (or factory) whose handler counts what it handles. */
  #instrument(source: unknown): unknown {
    if (typeof source === "function") return () => this.#instrumentBehaviour((source as () => unknown)());
    return this.#instrumentBehaviour(source);
  }

  #instrumentBehaviour(behaviour: unknown): unknown {
    const b = behaviour as RawBehaviourLike | null;
    if (typeof b?.receive !== "function") return behaviour; // invalid: the runtime reports it
    const receive = b.receive;
    const probe = this;
    return {
      ...b,
      receive(message: unknown, sender: number, self: number): unknown {
        if (probe.views.size === 0) return receive.call(b, message, sender, self); // no one watches
        const entry = probe.entry(self);
        entry.instrumented = true;
        entry.processed++;
        if (entry.backlog > 0) entry.backlog--;
        const outer = probe.current;
        probe.current = self;
        try {
          const result = receive.call(b, message, sender, self);
          if (typeof (result as { then?: unknown } | null)?.then === "function") {
            entry.pending++;
            const settled = () => {
              if (entry.pending > 0) entry.pending--;
            };
            (result as Promise<unknown>).then(settled, settled);
          }
          return result;
        } finally {
          probe.current = outer;
        }
      },
    };
  }

  #event(event: SystemEvent): void {
    const at = this.now();
    let out: InspectorEvent | undefined;
    switch (event.type) {
      case "spawned": {
        const handle = this.handleOf(event.id);
        if (handle === undefined) return;
        const entry = this.entry(handle);
        const spawning = this.#spawning;
        if (spawning && entry.type === "unknown" && (event.parent ?? null) === (spawning.parent === 0 ? null : this.idText(spawning.parent))) {
          this.#spawned(handle, spawning.type, spawning.options, spawning.parent); // before `raw.spawn` returns
        }
        entry.parent = event.parent ?? null;
        if (event.name !== undefined) entry.name = event.name;
        out = { kind: "spawned", at, id: event.id, parent: entry.parent, name: entry.name };
        break;
      }
      case "stopped": {
        const handle = this.handleOf(event.id);
        const entry = handle === undefined ? undefined : this.entries.get(handle);
        if (entry) {
          for (const topic of entry.topics ?? []) this.#unsubscribed(topic, entry.handle);
          this.entries.delete(entry.handle);
        }
        this.stoppedIds.add(event.id);
        if (this.stoppedIds.size > 10_000) this.stoppedIds.delete(this.stoppedIds.values().next().value as string);
        out = { kind: "stopped", at, id: event.id, reason: event.reason };
        break;
      }
      case "failed":
      case "restarted": {
        const handle = this.handleOf(event.id);
        const entry = handle === undefined ? undefined : this.entries.get(handle);
        if (entry && event.type === "failed") entry.errors++;
        if (entry && event.type === "restarted") {
          entry.restarts++;
          entry.pending = 0;
        }
        out = { kind: event.type, at, id: event.id, error: event.error };
        break;
      }
      case "deadLetter": {
        const handle = this.handleOf(event.to);
        const entry = handle === undefined ? undefined : this.entries.get(handle);
        if (entry && entry.backlog > 0) entry.backlog--;
        out = {
          kind: "deadLetter",
          at,
          to: event.to ?? null,
          from: event.from ?? null,
          reason: event.reason,
          messageType: event.messageType,
          message: null, // each view applies its own redaction
        };
        for (const view of this.views) view.push(out, event.message);
        return;
      }
      case "reinstantiated":
        // A fresh instance (restartOnAbort): instrument the new raw runtime.
        this.#uninstall();
        this.#install();
        return;
      default:
        return;
    }
    if (out) for (const view of this.views) view.push(out, undefined);
  }
}

function typeName(source: unknown): string {
  if (typeof source === "function" && source.name) return source.name;
  const ctor = (source as { constructor?: { name?: string } } | null)?.constructor;
  if (typeof source === "object" && source !== null && ctor && ctor !== Object && ctor.name) return ctor.name;
  return "JsActor";
}

