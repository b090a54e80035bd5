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
 * const inspection = inspect(system);          // also to a system that is already running
 * // ... spawn, tell ...
 * inspection.snapshot();                       // { type: "snapshot", actors: [...], ... }
 * inspection.events();                         // { type: "events", events: [...], dropped }
 * inspection.command({ type: "stop", ref: 1, actor: "0.3.0" }); // { type: "ok", ref: 1 }
 * const conn = inspection.connect((frame) => render(frame)); // hello, then on `watch`:
 * conn.send({ type: "watch", ref: 2, intervalMs: 500 });    // snapshots and event batches
 * ```
 *
 * Snapshots are read from the core (`raw.actors()`, `raw.topics()`, `raw.metrics()`): exact
 * mailbox lengths, processed counts, states, parents and topics, for every live actor, also
 * those spawned before {@link inspect}. A JavaScript actor's `type` is its factory's or class's
 * name when it was spawned while the system was inspected, else the core's (`JsActor`).
 *
 * This module imports only types and the error classes from the runtime, so it adds nothing to
 * an application that does not import it.
 */
import { toBackstageError } from "./errors.js";
import { Probe, type Tap } from "./inspector-probe.js";
import type { ActorSystem, RawActorInfo, RawTopicInfo } from "./system.js";

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
  /** The actor whose topic it is (`""` is an actor's default topic), or null for a global topic or stream. */
  readonly owner: string | null;
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
 * `ACTOR_STOPPED`, or another runtime error code (e.g. `MAILBOX_FULL`, `RUNTIME_BUSY`).
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
   * The text a dead letter's message shows, or `null` to mask it. By default only its type
   * name, as in the core (message contents may be private); {@link previewMessage} shows the
   * message itself.
   */
  readonly redact?: (message: unknown, messageType: string) => string | null;
  /** Time constant of the rates' smoothing, in ms (default 2000). */
  readonly smoothingMs?: number;
  /** The clock of `at` fields and rates, in ms (default: the runtime's). */
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
  /**
   * The system now: actors, counters, rates (since the previous snapshot of this inspection).
   * From inside a handler, where the core cannot be read, the previous snapshot again, or
   * `RUNTIME_BUSY` (a `BackstageError`) if there is none.
   */
  snapshot(): SnapshotFrame;
  /** The events since the previous call (at most `retention`; `dropped` says how many were lost). */
  events(): EventsFrame;
  /**
   * Carries out a command (an object or its JSON text) and returns the answer: a snapshot for
   * `snapshot` (or an `error` frame where {@link Inspection.snapshot} throws), `ok` or `error`
   * for the others. `watch` / `unwatch` need a connection to push to: here they only answer `ok`.
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

/**
 * Attaches an inspector to `system`, also one already running: its actors are in the first
 * snapshot. Events are those from now on.
 */
export function inspect(system: ActorSystem, options: InspectOptions = {}): Inspection {
  return new View(Probe.of(system), options);
}

declare function queueMicrotask(callback: () => void): void;
declare function setInterval(callback: () => void, ms: number): unknown;
declare function clearInterval(timer: unknown): void;

/** A redaction hook that shows a message as its JSON, cut at 120 characters. */
export function previewMessage(message: unknown, messageType: string): string | null {
  if (message === undefined) return messageType;
  let text: string;
  try {
    text = typeof message === "string" ? JSON.stringify(message) : (JSON.stringify(message) ?? String(message));
  } catch {
    text = String(message);
  }
  return text.length > 120 ? `${text.slice(0, 119)}…` : text;
}

/**
 * A rate over one counter, as the protocol's "Rates": an exponentially weighted moving average
 * of the rates measured between samples, normalised by the weight of the time observed so far.
 */
class Rate {
  #count: number;
  #at: number;
  #ewma = 0;
  #weight = 0;

  constructor(count: number, at: number) {
    this.#count = count;
    this.#at = at;
  }

  /** The rate at `at` (ms) with the counter at `count`, for time constant `tau` (ms). */
  update(count: number, at: number, tau: number): number {
    if (at > this.#at) {
      const dt = (at - this.#at) / 1000;
      const alpha = 1 - Math.exp((-dt * 1000) / tau);
      // A counter that went back (a fresh instance after an abort) restarts the measurement.
      this.#ewma += alpha * (Math.max(0, count - this.#count) / dt - this.#ewma);
      this.#weight += alpha * (1 - this.#weight);
      this.#count = count;
      this.#at = at;
    }
    return this.#weight > 0 ? this.#ewma / this.#weight : 0;
  }
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
  /** Per actor handle: its rate since the first snapshot that listed it. */
  #rates = new Map<number, Rate>();
  #systemRate: Rate | undefined;
  /** When the previous snapshot was taken (an actor new since is measured from it). */
  #lastAt: number | undefined;
  #last: SnapshotFrame | undefined;
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

  /** @internal The clock of `at`, in ms. */
  now(): number {
    return this.#options.now ? this.#options.now() : this.#probe.now();
  }

  push(event: InspectorEvent, message: unknown): void {
    if (this.#options.now) event = { ...event, at: this.#options.now() };
    if (event.kind === "deadLetter") event = { ...event, message: this.#options.redact ? this.#options.redact(message, event.messageType) : event.messageType };
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
    let rows: readonly RawActorInfo[] = [];
    let rawTopics: readonly RawTopicInfo[] = [];
    let at: number;
    if (probe.live) {
      try {
        const read = probe.actors();
        rawTopics = probe.topics();
        rows = read;
        at = this.#options.now ? this.#options.now() : read.at;
      } catch (thrown) {
        const error = toBackstageError(thrown);
        if (error.code === "RUNTIME_BUSY" && this.#last) return this.#last; // inside a handler
        throw error;
      }
    } else {
      at = this.now(); // shut down or aborted: no actors, the last counters
    }
    const tau = this.#tau;
    if (this.#lastAt !== undefined && at < this.#lastAt) {
      // A clock that went back (a fresh instance's, after an abort): measure from here.
      this.#rates.clear();
      this.#systemRate = undefined;
      this.#lastAt = undefined;
    }
    const previous = this.#lastAt;
    this.#lastAt = at;

    const rates = new Map<number, Rate>();
    const actors: ActorInfo[] = [];
    for (const row of rows) {
      // An actor new since the previous snapshot had handled nothing then.
      const rate = this.#rates.get(row.id) ?? (previous === undefined ? new Rate(row.processed, at) : new Rate(0, previous));
      rates.set(row.id, rate);
      actors.push({
        id: probe.idText(row.id),
        name: row.name ?? null,
        type: probe.spawns.get(row.id)?.type ?? row.type,
        parent: row.parent === null || row.parent === undefined ? null : probe.idText(row.parent),
        state: row.state,
        mailbox: row.mailbox,
        capacity: row.capacity,
        processed: row.processed,
        rate: rate.update(row.processed, at, tau),
        errors: row.errors,
        restarts: row.restarts,
      });
    }
    this.#rates = rates;

    const m = probe.metrics();
    const delivered = m?.delivered ?? 0;
    const systemRate = (this.#systemRate ??= new Rate(delivered, at)).update(delivered, at, tau);
    const byReason: Record<string, number> = {};
    for (const [reason, n] of Object.entries(m?.deadLettersByReason ?? {})) if (n > 0) byReason[reason] = n;
    const topics: TopicInfo[] = rawTopics.map((t) => ({
      name: t.name,
      owner: t.owner === null || t.owner === undefined ? null : probe.idText(t.owner),
      subscribers: t.subscribers,
    }));

    return (this.#last = {
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
        liveActors: probe.live ? (m?.liveActors ?? 0) : 0,
        rate: systemRate,
      },
      actors,
      topics,
      deadLetters: { total: m?.deadLetters ?? 0, byReason },
    });
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
    try {
      switch (command.type) {
        case "snapshot":
          return this.snapshot();
        case "watch":
        case "unwatch":
          return { type: "ok", ref };
        case "stop":
        case "send":
          this.#probe.act(command);
          return { type: "ok", ref };
      }
    } catch (thrown) {
      const code = (thrown as { code?: unknown } | null)?.code;
      const message = thrown instanceof Error ? thrown.message : String(thrown);
      return errorFrame(ref, typeof code === "string" ? code : "INVALID_ARGUMENT", message);
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
          emit(view.command({ type: "snapshot" }));
          snapshots = every(interval, () => {
            flush();
            emit(view.command({ type: "snapshot" }));
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
 * Messages are seen as the package sends them (`tell`, `ask`, an inspector's `send`), while an
 * adapter is attached: the source is known for sends from the synchronous part of handlers of
 * actors spawned since. Publications on topics, and messages Rust actors send, are not
 * forwarded (the core counts them: they show in the snapshots' `processed`).
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
  const view = new View(Probe.of(system), options);
  const probe = view.probe;
  const toEvent = options.toEvent ?? defaultEvent;
  const maxPerSecond = options.maxEventsPerSecond ?? 500;
  const refs = new Map<string, StatelyActorRefLike>();
  /** The actors as the latest snapshot showed them. */
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
  const refOf = (id: string | null): StatelyActorRefLike => (id === null ? root : (refs.get(id) ?? announceKnown(id)));
  function announce(id: string, parent: string | null, name: string | null, type: string): StatelyActorRefLike {
    const parentRef = parent === null ? root : refOf(parent);
    const r = ref(id, label(id, name, type), parentRef);
    inspector.actor(r, { status: "active", context: { id, name, type } });
    return r;
  }
  /** An actor not announced yet, from what is known of it: the latest snapshot, or its spawn. */
  function announceKnown(id: string): StatelyActorRefLike {
    const info = known.get(id);
    if (info) return announce(id, info.parent, info.name, info.type);
    const spawn = probe.spawns.get(probe.handleOf(id) ?? -1);
    return announce(id, spawn?.parent ?? null, spawn?.name ?? null, spawn?.type ?? "unknown");
  }
  /** The core's type of an actor the package did not spawn (a Rust actor's, or `JsActor`). */
  const coreType = (id: string): string => {
    const handle = probe.handleOf(id);
    try {
      return probe.actors().find((row) => row.id === handle)?.type ?? "unknown";
    } catch {
      return "unknown";
    }
  };
  const context = (a: ActorInfo) => ({ ...a });

  inspector.actor(root, { status: "active", context: { node: probe.node } });
  try {
    const first = view.snapshot().actors;
    for (const actor of first) known.set(actor.id, actor);
    for (const actor of first) if (!refs.has(actor.id)) announceKnown(actor.id);
  } catch {
    // Created inside a handler (RUNTIME_BUSY): the actors are announced as they are seen.
  }

  // Lifecycle, as it happens.
  view.onEvent = (event) => {
    switch (event.kind) {
      case "spawned":
        if (!refs.has(event.id)) announce(event.id, event.parent, event.name, probe.spawns.get(probe.handleOf(event.id) ?? -1)?.type ?? coreType(event.id));
        break;
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
  let windowStart = view.now();
  let inWindow = 0;
  let dropped = 0;
  const tap: Tap = (to, from, message) => {
    const now = view.now();
    if (now - windowStart >= 1000) {
      windowStart = now;
      inWindow = 0;
    }
    if (inWindow >= maxPerSecond) {
      dropped++;
      return;
    }
    inWindow++;
    const target = refOf(probe.idText(to));
    const source = from === -1 ? undefined : refOf(probe.idText(from));
    inspector.event(target, toEvent(message), source ? { source } : {});
  };
  probe.addTap(tap);

  // Counters, for the actors whose counters changed.
  const interval = options.snapshotIntervalMs ?? 1000;
  let timer: unknown;
  if (interval > 0) {
    timer = setInterval(() => {
      for (const actor of view.snapshot().actors) {
        const was = known.get(actor.id);
        known.set(actor.id, actor);
        if (was && was.processed === actor.processed && was.mailbox === actor.mailbox && was.state === actor.state) continue;
        inspector.snapshot(refOf(actor.id), { status: "active", context: context(actor) });
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
      probe.deleteTap(tap);
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
