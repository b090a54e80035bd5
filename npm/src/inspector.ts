/**
 * `backstage-actors/inspector`: watch a running {@link ActorSystem} in the inspector protocol
 * (docs/inspector-protocol.md), the same JSON objects a native runtime serves over its
 * WebSocket, and forward it to the Stately Inspector.
 *
 * @example
 * ```ts
 * import { ActorSystem } from "backstage-actors";
 * import { inspect } from "backstage-actors/inspector";
 *
 * const system = ActorSystem.create();
 * const inspection = inspect(system);          // attach before spawning to see every actor
 * // ... spawn, tell ...
 * inspection.snapshot();                       // { type: "snapshot", actors: [...], ... }
 * inspection.events();                         // { type: "events", events: [...], dropped }
 * inspection.command({ type: "stop", ref: 1, actor: "0.3.0" }); // { type: "ok", ref: 1 }
 * const conn = inspection.connect((frame) => render(frame)); // hello, then on `watch`:
 * conn.send({ type: "watch", ref: 2, intervalMs: 500 });    // snapshots and event batches
 * ```
 *
 * This module only imports types from the runtime, so it adds nothing to an application that
 * does not import it.
 */
import type { ActorSystem, SystemEvent } from "./system.js";

// ---- The protocol ------------------------------------------------------------------------------

/** The protocol version this module speaks (`hello.protocol`). */
export const PROTOCOL_VERSION = 1;

/** The first frame of a connection. */
export interface HelloFrame {
  readonly type: "hello";
  readonly protocol: number;
  readonly runtime: "native" | "wasm";
  readonly nodes: readonly number[];
}

/** What an actor is doing. */
export type ActorState = "starting" | "running" | "suspended" | "paused" | "stopping";

/** One actor in a {@link SnapshotFrame}. Ids are `"node.index.generation"`. */
export interface ActorInfo {
  readonly id: string;
  readonly name: string | null;
  readonly type: string;
  readonly parent: string | null;
  readonly state: ActorState;
  /** Messages waiting in the mailbox. */
  readonly mailbox: number;
  readonly capacity: number;
  /** Messages handled since it was spawned. */
  readonly processed: number;
  /** Messages per second, smoothed (time constant 2 s). */
  readonly rate: number;
  readonly errors: number;
  readonly restarts: number;
}

/** The system-wide counters of a {@link SnapshotFrame}. */
export interface SystemInfo {
  readonly sent: number;
  readonly delivered: number;
  readonly rejected: number;
  readonly deadLetters: number;
  readonly spawned: number;
  readonly stopped: number;
  readonly failures: number;
  readonly restarts: number;
  readonly liveActors: number;
  /** Messages delivered per second, smoothed. */
  readonly rate: number;
}

/** A topic and how many subscribers it has. */
export interface TopicInfo {
  readonly name: string;
  readonly subscribers: number;
}

/** The state of the whole system at `at` (milliseconds on the runtime's clock). */
export interface SnapshotFrame {
  readonly type: "snapshot";
  readonly at: number;
  readonly system: SystemInfo;
  readonly actors: readonly ActorInfo[];
  readonly topics: readonly TopicInfo[];
  readonly deadLetters: { readonly total: number; readonly byReason: Readonly<Record<string, number>> };
}

/** Something that happened, in an {@link EventsFrame}. */
export type InspectorEvent =
  | { readonly kind: "spawned"; readonly at: number; readonly id: string; readonly parent: string | null; readonly name: string | null }
  | { readonly kind: "stopped"; readonly at: number; readonly id: string; readonly reason: string }
  | { readonly kind: "failed"; readonly at: number; readonly id: string; readonly error: string }
  | { readonly kind: "restarted"; readonly at: number; readonly id: string; readonly error: string }
  | {
      readonly kind: "deadLetter";
      readonly at: number;
      readonly to: string | null;
      readonly from: string | null;
      readonly reason: string;
      readonly messageType: string;
      /** The message as the redaction hook shows it (`null`: masked). */
      readonly message: string | null;
    };

/** A batch of events; `dropped` counts those lost to the retention bound. */
export interface EventsFrame {
  readonly type: "events";
  readonly events: readonly InspectorEvent[];
  readonly dropped: number;
}

/** A command succeeded. */
export interface OkFrame {
  readonly type: "ok";
  readonly ref: number | null;
}

/**
 * A command failed: `MALFORMED_FRAME`, `UNKNOWN_COMMAND`, `INVALID_ARGUMENT`, `NO_SUCH_ACTOR`,
 * `ACTOR_STOPPED`, or another runtime error code (e.g. `MAILBOX_FULL`).
 */
export interface ErrorFrame {
  readonly type: "error";
  readonly ref: number | null;
  readonly code: string;
  readonly message: string;
}

/** Every frame a runtime sends to an inspector. */
export type RuntimeFrame = HelloFrame | SnapshotFrame | EventsFrame | OkFrame | ErrorFrame;

/** Every command an inspector sends to a runtime. */
export type Command =
  | { readonly type: "snapshot"; readonly ref?: number }
  | { readonly type: "watch"; readonly ref?: number; readonly intervalMs?: number }
  | { readonly type: "unwatch"; readonly ref?: number }
  | { readonly type: "stop"; readonly ref?: number; readonly actor: string }
  | { readonly type: "send"; readonly ref?: number; readonly actor: string; readonly text: string };

/** The message a `send` command delivers. */
export interface InspectorMessage {
  readonly type: "InspectorMessage";
  readonly text: string;
}

/**
 * Reads a command as a runtime does: a JSON text or an object. Anything else (not JSON, not
 * an object, no `type`, an unknown `type`, a missing or mistyped field) is an {@link ErrorFrame}.
 */
export function parseCommand(input: unknown): Command | ErrorFrame {
  let value = input;
  if (typeof input === "string") {
    try {
      value = JSON.parse(input);
    } catch {
      return errorFrame(null, "MALFORMED_FRAME", "not JSON");
    }
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return errorFrame(null, "MALFORMED_FRAME", "a command is a JSON object");
  const frame = value as Record<string, unknown>;
  const ref = typeof frame["ref"] === "number" && Number.isFinite(frame["ref"]) ? frame["ref"] : null;
  if ("ref" in frame && ref === null) return errorFrame(null, "MALFORMED_FRAME", "`ref` is a number");
  const withRef = ref === null ? {} : { ref };
  const text = (key: string): string | undefined => (typeof frame[key] === "string" ? (frame[key] as string) : undefined);
  const missing = (key: string, what: string) => errorFrame(ref, "INVALID_ARGUMENT", `\`${key}\` (${what}) is missing`);
  switch (frame["type"]) {
    case undefined:
      return errorFrame(ref, "MALFORMED_FRAME", "a command has a `type`");
    case "snapshot":
    case "unwatch":
      return { type: frame["type"], ...withRef };
    case "watch": {
      const interval = frame["intervalMs"];
      if (interval === undefined) return { type: "watch", ...withRef };
      if (typeof interval !== "number" || !(interval > 0)) return errorFrame(ref, "INVALID_ARGUMENT", "`intervalMs` is a positive number");
      return { type: "watch", ...withRef, intervalMs: interval };
    }
    case "stop": {
      const actor = text("actor");
      return actor === undefined ? missing("actor", "an actor id") : { type: "stop", ...withRef, actor };
    }
    case "send": {
      const actor = text("actor");
      const body = text("text");
      if (actor === undefined) return missing("actor", "an actor id");
      if (body === undefined) return missing("text", "a string");
      return { type: "send", ...withRef, actor, text: body };
    }
    default:
      return errorFrame(ref, "UNKNOWN_COMMAND", `unknown command type ${JSON.stringify(frame["type"])}`);
  }
}

function errorFrame(ref: number | null, code: string, message: string): ErrorFrame {
  return { type: "error", ref, code, message };
}

// ---- inspect() ---------------------------------------------------------------------------------

/** Options of {@link inspect}. */
export interface InspectOptions {
  /** How many events wait for {@link Inspection.events} before the oldest are dropped (default 1000). */
  readonly retention?: number;
  /**
   * The text a dead letter's message shows, or `null` to mask it (default: its JSON, cut at
   * 120 characters).
   */
  readonly redact?: (message: unknown, messageType: string) => string | null;
  /** Time constant of the rates' smoothing, in ms (default 2000). */
  readonly smoothingMs?: number;
  /**
   * Mailbox capacity of actors spawned without one, as given to `ActorSystem.create`
   * (default 1024). Only the in-page source needs it (see the TODO in `Probe`).
   */
  readonly defaultCapacity?: number;
  /** The clock of `at` fields, in ms (default `performance.now()`). */
  readonly now?: () => number;
}

/** A connection of an inspector to an {@link Inspection} (see {@link Inspection.connect}). */
export interface InspectorConnection {
  /** Handles a command (an object or its JSON text); the answer goes to the listener. */
  send(command: unknown): void;
  /** Stops pushing frames. */
  close(): void;
}

/** An inspector's view of one system. */
export interface Inspection {
  /** The first frame of a connection. */
  hello(): HelloFrame;
  /** The system now: actors, counters, rates (since the previous snapshot of this inspection). */
  snapshot(): SnapshotFrame;
  /** The events since the previous call (at most `retention`; `dropped` says how many were lost). */
  events(): EventsFrame;
  /**
   * Carries out a command (an object or its JSON text) and returns the answer: a snapshot for
   * `snapshot`, `ok` or `error` for the others. `watch` / `unwatch` need a connection to push
   * to: here they only answer `ok`.
   */
  command(command: unknown): RuntimeFrame;
  /**
   * A connection with the protocol's push behaviour: `listener` gets `hello` at once (in a
   * microtask), the answer to each command, and after `watch` a snapshot every `intervalMs`
   * (default 500) and the events batched every 100 ms. Each connection has its own event
   * queue and rate samples.
   */
  connect(listener: (frame: RuntimeFrame) => void): InspectorConnection;
  /** Detaches this inspection (the system is inspected no more once every inspection has closed). */
  close(): void;
}

/** Attaches an inspector to `system` (also one already running: see the TODO in `Probe`). */
export function inspect(system: ActorSystem, options: InspectOptions = {}): Inspection {
  return new View(Probe.of(system, options), options);
}

declare function queueMicrotask(callback: () => void): void;
declare function setInterval(callback: () => void, ms: number): unknown;
declare function clearInterval(timer: unknown): void;
declare const performance: { now(): number } | undefined;

const TWO_32 = 2 ** 32;
const DEFAULT_CAPACITY = 1024;

/** One inspected actor, as the in-page probe tracks it. */
class Entry {
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
  topics: Set<string> | undefined;

  constructor(handle: number, id: string, capacity: number) {
    this.handle = handle;
    this.id = id;
    this.capacity = capacity;
  }
}

/** A message the probe saw being sent (for the Stately adapter). */
interface Tap {
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
 * TODO(wasm inspect export): switch to `raw.inspect(...)` from wasm/src/inspect.rs once it
 * exists — snapshots and the event feed straight from the core (real mailbox lengths, processed
 * counts, actor states and types, topics and subscriber counts, dead letters by reason, actors
 * spawned before the inspector attached) — and delete the instrumentation below. Until then the
 * probe uses what the package has: `system.on` events and `system.metrics()` from the public
 * API, plus wrappers installed on this system's raw runtime object (its own properties; the
 * module and the prototype are untouched) that count what each JS actor handles and what is
 * sent to it. So, for now: mailbox lengths are an estimate (sent through this package minus
 * handled minus dead-lettered), Rust actors report no processed count, messages a Rust actor
 * sends are not seen, an actor spawned before `inspect` appears once it is sent a message
 * (without its parent or type), and an actor's `type` is its factory's or class's name
 * ("JsActor" for a plain object).
 */
class Probe {
  readonly system: ActorSystem;
  readonly defaultCapacity: number;
  readonly now: () => number;
  readonly entries = new Map<number, Entry>();
  readonly topics = new Map<string, Set<number>>();
  readonly views = new Set<View>();
  readonly taps = new Set<Tap>();
  /** Ids of actors seen stopping (the latest 10,000): a command to one is `ACTOR_STOPPED`. */
  readonly stoppedIds = new Set<string>();
  /** The actor whose handler is running (synchronously), or -1. */
  current = -1;
  /** The behaviour's type name, from the `spawnActor` call around the next `raw.spawn`. */
  #nextType: string | undefined;
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

  attach(view: View): void {
    this.views.add(view);
    if (this.views.size === 1) this.#install();
  }

  detach(view: View): void {
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
      to.backlog++;
      if (this.taps.size > 0) this.#tap(to, message);
    };
    return {
      spawn: (behaviour, options, parent) => {
        const type = this.#nextType ?? typeName(behaviour);
        const handle = proto.spawn.call(raw, this.#instrument(behaviour), options, parent);
        this.#spawned(handle, type, options);
        return handle;
      },
      getOrSpawn: (name, behaviour) => {
        const known = this.entries.size;
        const handle = proto.getOrSpawn.call(raw, name, this.#instrument(behaviour));
        const entry = this.entry(handle);
        if (this.entries.size > known || entry.type === "unknown") this.#spawned(handle, this.#nextType ?? typeName(behaviour), { name });
        return handle;
      },
      spawnRust: (kind, options, parent) => {
        const handle = proto.spawnRust.call(raw, kind, options, parent);
        this.#spawned(handle, kind, options);
        return handle;
      },
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

  #spawned(handle: number, type: string, options: unknown): void {
    const entry = this.entry(handle);
    entry.type = type;
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

function defaultRedact(message: unknown): string | null {
  if (message === undefined) return null;
  let text: string;
  try {
    text = typeof message === "string" ? JSON.stringify(message) : (JSON.stringify(message) ?? String(message));
  } catch {
    text = String(message);
  }
  return text.length > 120 ? `${text.slice(0, 119)}…` : text;
}

/** One inspection: its event queue and its rate samples. */
class View implements Inspection {
  readonly #probe: Probe;
  readonly #options: InspectOptions;
  readonly #retention: number;
  readonly #tau: number;
  #queue: InspectorEvent[] = [];
  #dropped = 0;
  #closed = false;
  /** Per actor handle: processed count and smoothed rate at the last sample. */
  #samples = new Map<number, { processed: number; rate: number }>();
  #systemSample: { at: number; delivered: number; rate: number } | undefined;
  #lastAt: number | undefined;
  /** Called with each event as it happens (the Stately adapter). */
  onEvent: ((event: InspectorEvent) => void) | undefined;

  constructor(probe: Probe, options: InspectOptions) {
    this.#probe = probe;
    this.#options = options;
    this.#retention = Math.max(1, options.retention ?? 1000);
    this.#tau = Math.max(1, options.smoothingMs ?? 2000);
    probe.attach(this);
  }

  /** @internal The probe's access for the Stately adapter. */
  get probe(): Probe {
    return this.#probe;
  }

  push(event: InspectorEvent, message: unknown): void {
    if (event.kind === "deadLetter") event = { ...event, message: (this.#options.redact ?? defaultRedact)(message, event.messageType) };
    this.onEvent?.(event);
    this.#queue.push(event);
    if (this.#queue.length > this.#retention) {
      const excess = this.#queue.length - this.#retention;
      this.#queue.splice(0, excess);
      this.#dropped += excess;
    }
  }

  hello(): HelloFrame {
    return { type: "hello", protocol: PROTOCOL_VERSION, runtime: "wasm", nodes: [this.#probe.node] };
  }

  snapshot(): SnapshotFrame {
    const probe = this.#probe;
    const at = probe.now();
    const dt = this.#lastAt === undefined ? 0 : Math.max(0, at - this.#lastAt) / 1000;
    const alpha = 1 - Math.exp((-dt * 1000) / this.#tau);
    this.#lastAt = at;
    const smooth = (rate: number, delta: number) => (dt > 0 ? rate + alpha * (delta / dt - rate) : rate);

    const samples = new Map<number, { processed: number; rate: number }>();
    const actors: ActorInfo[] = [];
    for (const entry of probe.entries.values()) {
      const before = this.#samples.get(entry.handle);
      const rate = before ? smooth(before.rate, entry.processed - before.processed) : 0;
      samples.set(entry.handle, { processed: entry.processed, rate });
      actors.push({
        id: entry.id,
        name: entry.name,
        type: entry.type,
        parent: entry.parent,
        state: entry.pending > 0 ? "paused" : "running",
        mailbox: Math.min(entry.backlog, entry.capacity),
        capacity: entry.capacity,
        processed: entry.processed,
        rate,
        errors: entry.errors,
        restarts: entry.restarts,
      });
    }
    this.#samples = samples;

    const m = probe.metrics();
    const delivered = m?.delivered ?? 0;
    const before = this.#systemSample;
    const systemRate = before ? smooth(before.rate, delivered - before.delivered) : 0;
    this.#systemSample = { at, delivered, rate: systemRate };
    const byReason: Record<string, number> = {};
    for (const [reason, n] of Object.entries(m?.deadLettersByReason ?? {})) if (n > 0) byReason[reason] = n;
    const topics: TopicInfo[] = [];
    for (const [name, subscribers] of probe.topics) topics.push({ name, subscribers: subscribers.size });

    return {
      type: "snapshot",
      at,
      system: {
        sent: m?.sent ?? 0,
        delivered,
        rejected: m?.rejected ?? 0,
        deadLetters: m?.deadLetters ?? 0,
        spawned: m?.spawned ?? 0,
        stopped: m?.stopped ?? 0,
        failures: m?.failures ?? 0,
        restarts: m?.restarts ?? 0,
        liveActors: this.#probe.system.isShutDown ? 0 : (m?.liveActors ?? 0),
        rate: systemRate,
      },
      actors,
      topics,
      deadLetters: { total: m?.deadLetters ?? 0, byReason },
    };
  }

  events(): EventsFrame {
    const frame: EventsFrame = { type: "events", events: this.#queue, dropped: this.#dropped };
    this.#queue = [];
    this.#dropped = 0;
    return frame;
  }

  /** Whether events wait for {@link View.events}. */
  get hasEvents(): boolean {
    return this.#queue.length > 0 || this.#dropped > 0;
  }

  command(input: unknown): RuntimeFrame {
    const command = parseCommand(input);
    if (command.type === "error") return command;
    const ref = command.ref ?? null;
    switch (command.type) {
      case "snapshot":
        return this.snapshot();
      case "watch":
      case "unwatch":
        return { type: "ok", ref };
      case "stop":
      case "send":
        try {
          this.#probe.act(command);
          return { type: "ok", ref };
        } catch (thrown) {
          const code = (thrown as { code?: unknown } | null)?.code;
          const message = thrown instanceof Error ? thrown.message : String(thrown);
          return errorFrame(ref, typeof code === "string" ? code : "INVALID_ARGUMENT", message);
        }
    }
  }

  connect(listener: (frame: RuntimeFrame) => void): InspectorConnection {
    const view = new View(this.#probe, this.#options);
    let open = true;
    let snapshots: unknown;
    let batches: unknown;
    let greeted = false;
    const emit = (frame: RuntimeFrame) => {
      if (!open) return;
      if (!greeted) {
        greeted = true;
        listener(view.hello());
      }
      if (frame.type !== "hello") listener(frame);
    };
    const flush = () => {
      if (view.hasEvents) emit(view.events());
    };
    const unwatch = () => {
      if (snapshots !== undefined) clearInterval(snapshots);
      if (batches !== undefined) clearInterval(batches);
      snapshots = batches = undefined;
    };
    const every = (ms: number, f: () => void) => {
      const timer = setInterval(f, ms);
      (timer as { unref?: () => void }).unref?.(); // never keeps a Node process alive
      return timer;
    };
    queueMicrotask(() => emit(view.hello()));
    return {
      send(input: unknown): void {
        if (!open) return;
        const command = parseCommand(input);
        if (command.type === "watch") {
          unwatch();
          const interval = Math.min(10_000, Math.max(50, command.intervalMs ?? 500));
          view.events(); // a watch starts from now
          emit({ type: "ok", ref: command.ref ?? null });
          emit(view.snapshot());
          snapshots = every(interval, () => {
            flush();
            emit(view.snapshot());
          });
          batches = every(100, flush);
          return;
        }
        if (command.type === "unwatch") unwatch();
        emit(view.command(command));
      },
      close(): void {
        open = false;
        unwatch();
        view.close();
      },
    };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#probe.detach(this);
  }
}

// ---- The Stately Inspector adapter -------------------------------------------------------------

/**
 * What the adapter hands the Stately Inspector for an actor: the part of an XState actor ref
 * that `@statelyai/inspect` reads (its `sessionId`, `_parent` for the tree, `logic.config.id`
 * for the name shown).
 */
export interface StatelyActorRefLike {
  readonly sessionId: string;
  readonly id: string;
  readonly _parent?: StatelyActorRefLike;
  readonly logic: { readonly config: { readonly id: string } };
  send(event: unknown): void;
  getSnapshot(): unknown;
}

/** An XState-style snapshot. */
export interface StatelySnapshotLike {
  readonly status?: "active" | "done" | "error" | "stopped";
  readonly context?: unknown;
  readonly value?: unknown;
  readonly output?: unknown;
}

/** An XState-style event object. */
export interface StatelyEventLike {
  readonly type: string;
  readonly [key: string]: unknown;
}

/**
 * The part of `@statelyai/inspect`'s `Inspector` (what `createBrowserInspector()`,
 * `createWebSocketInspector()` and `createInspector(adapter)` return) that the adapter calls,
 * typed structurally so that the package does not depend on it.
 */
export interface StatelyInspectorLike {
  actor(actor: StatelyActorRefLike | string, snapshot?: StatelySnapshotLike, info?: { definition?: string; parentId?: string; rootId?: string }): void;
  event(target: StatelyActorRefLike | string, event: StatelyEventLike | string, info?: { source?: StatelyActorRefLike | string }): void;
  snapshot(actor: StatelyActorRefLike | string, snapshot: StatelySnapshotLike, info?: { event?: StatelyEventLike }): void;
}

/** Options of {@link createStatelyAdapter}. */
export interface StatelyAdapterOptions extends InspectOptions {
  /**
   * How often actors whose counters changed get a snapshot (their `context`: the
   * {@link ActorInfo} counters), in ms; 0: only on lifecycle events (default 1000).
   */
  readonly snapshotIntervalMs?: number;
  /** At most this many messages are forwarded per second; the rest are counted (default 500). */
  readonly maxEventsPerSecond?: number;
  /** The event a message becomes (default: itself if it has a string `type`, else `{ type: "message", value }`). */
  readonly toEvent?: (message: unknown) => StatelyEventLike;
  /** The session id of the synthetic root actor standing for the system (default "backstage:system"). */
  readonly rootId?: string;
}

/** A running {@link createStatelyAdapter}. */
export interface StatelyAdapter {
  /** Messages not forwarded because of `maxEventsPerSecond`. */
  readonly droppedEvents: number;
  /** Stops forwarding (the inspector itself is left as it is). */
  stop(): void;
}

/**
 * Forwards a Backstage system to a Stately Inspector (`@statelyai/inspect`): every actor as an
 * actor (children under their parents, all under one root standing for the system), messages
 * sent to them as events with their sender as source, lifecycle changes (failed, restarted,
 * stopped) as snapshots, and dead letters as `@backstage.deadLetter` events.
 *
 * @example
 * ```ts
 * import { createBrowserInspector } from "@statelyai/inspect";
 * import { createStatelyAdapter } from "backstage-actors/inspector";
 *
 * const adapter = createStatelyAdapter(system, createBrowserInspector());
 * ```
 */
export function createStatelyAdapter(system: ActorSystem, inspector: StatelyInspectorLike, options: StatelyAdapterOptions = {}): StatelyAdapter {
  const view = new View(Probe.of(system, options), options);
  const probe = view.probe;
  const toEvent = options.toEvent ?? defaultEvent;
  const maxPerSecond = options.maxEventsPerSecond ?? 500;
  const refs = new Map<string, StatelyActorRefLike>();
  const known = new Map<string, ActorInfo>();
  const ref = (id: string, label: string, parent: StatelyActorRefLike | undefined): StatelyActorRefLike => {
    let r = refs.get(id);
    if (!r) {
      const snapshot: { current: StatelySnapshotLike } = { current: { status: "active" } };
      r = {
        sessionId: id,
        id: label,
        ...(parent ? { _parent: parent } : {}),
        logic: { config: { id: label } },
        send: () => undefined,
        getSnapshot: () => snapshot.current,
      };
      refs.set(id, r);
    }
    return r;
  };
  const root = ref(options.rootId ?? "backstage:system", "ActorSystem", undefined);
  const label = (id: string, name: string | null, type: string) => name ?? `${type} ${id}`;
  const refOf = (id: string | null): StatelyActorRefLike => (id === null ? root : (refs.get(id) ?? announce(id, null, null, "unknown")));
  function announce(id: string, parent: string | null, name: string | null, type: string): StatelyActorRefLike {
    const parentRef = parent === null ? root : refOf(parent);
    const r = ref(id, label(id, name, type), parentRef);
    inspector.actor(r, { status: "active", context: { id, name, type } });
    return r;
  }
  const context = (a: ActorInfo) => ({ ...a });

  inspector.actor(root, { status: "active", context: { node: probe.node } });
  const first = view.snapshot();
  for (const actor of first.actors) {
    announce(actor.id, actor.parent, actor.name, actor.type);
    known.set(actor.id, actor);
  }

  // Lifecycle, as it happens.
  view.onEvent = (event) => {
    switch (event.kind) {
      case "spawned": {
        const entry = probe.entries.get(probe.handleOf(event.id) ?? -1);
        if (!refs.has(event.id)) announce(event.id, event.parent, event.name, entry?.type ?? "unknown");
        break;
      }
      case "stopped":
        inspector.snapshot(refOf(event.id), { status: "stopped", context: { reason: event.reason } }, { event: { type: "@backstage.stopped", reason: event.reason } });
        refs.delete(event.id);
        known.delete(event.id);
        break;
      case "failed":
        inspector.snapshot(refOf(event.id), { status: "error", context: { error: event.error } }, { event: { type: "@backstage.failed", error: event.error } });
        break;
      case "restarted":
        inspector.snapshot(refOf(event.id), { status: "active", context: { restarted: true, error: event.error } }, { event: { type: "@backstage.restarted", error: event.error } });
        break;
      case "deadLetter":
        inspector.event(
          refOf(event.to),
          { type: "@backstage.deadLetter", reason: event.reason, messageType: event.messageType, message: event.message },
          event.from === null ? {} : { source: refOf(event.from) },
        );
        break;
    }
  };

  // Messages, as they are sent (at most `maxPerSecond`).
  let windowStart = probe.now();
  let inWindow = 0;
  let dropped = 0;
  const tap: Tap = (to, from, message) => {
    const now = probe.now();
    if (now - windowStart >= 1000) {
      windowStart = now;
      inWindow = 0;
    }
    if (inWindow >= maxPerSecond) {
      dropped++;
      return;
    }
    inWindow++;
    const target = refs.get(to.id) ?? announce(to.id, to.parent, to.name, to.type);
    const source = from ? (refs.get(from.id) ?? announce(from.id, from.parent, from.name, from.type)) : undefined;
    inspector.event(target, toEvent(message), source ? { source } : {});
  };
  probe.taps.add(tap);

  // Counters, for the actors whose counters changed.
  const interval = options.snapshotIntervalMs ?? 1000;
  let timer: unknown;
  if (interval > 0) {
    timer = setInterval(() => {
      for (const actor of view.snapshot().actors) {
        const before = known.get(actor.id);
        known.set(actor.id, actor);
        if (before && before.processed === actor.processed && before.mailbox === actor.mailbox && before.state === actor.state) continue;
        const r = refs.get(actor.id) ?? announce(actor.id, actor.parent, actor.name, actor.type);
        inspector.snapshot(r, { status: "active", context: context(actor) });
      }
    }, interval);
    (timer as { unref?: () => void }).unref?.();
  }

  return {
    get droppedEvents() {
      return dropped;
    },
    stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      probe.taps.delete(tap);
      view.onEvent = undefined;
      view.close();
    },
  };
}

function defaultEvent(message: unknown): StatelyEventLike {
  if (typeof message === "string") return { type: message };
  if (typeof message === "object" && message !== null && typeof (message as { type?: unknown }).type === "string") {
    return message as StatelyEventLike;
  }
  return { type: "message", value: message };
}
