/**
 * The typed API: an {@link ActorSystem} spawns actors from behaviours and hands back
 * {@link ActorRef}s whose message and reply types the compiler checks.
 */

import { AbortedError, RuntimeAbortedError, toBackstageError } from "./errors.js";
import { type ActorClass, type ActorProxy, type CallMessage, classBehaviour, classProxy, makeProxy } from "./proxy.js";

/** A raw behaviour, as the WebAssembly module calls it (ids are numbers; -1: no sender). */
interface RawBehaviour {
  receive(message: unknown, sender: number, self: number): unknown;
  started?(self: number): unknown;
  stopped?(self: number): unknown;
  terminated?(id: number, reason: StopReason, self: number): unknown;
}

/** The raw, handle-based class the WebAssembly module exports (private to this package). */
export interface RawRuntime {
  readonly node: number;
  spawn(behaviour: RawBehaviour | (() => RawBehaviour), options: unknown, parent: number): number;
  getOrSpawn(name: string, behaviour: RawBehaviour | (() => RawBehaviour)): number;
  spawnRust(kind: string, options: unknown, parent: number): number;
  activateRust(kind: string, id: string): number;
  callRust(id: number, method: string, args: unknown[], timeoutMs: number | undefined, resolve: (reply: unknown) => void, reject: (error: unknown) => void): void;
  /** `undefined`, or why the message was not sent. */
  tell(id: number, message: unknown): unknown;
  /** `undefined`, or why the request was not sent (neither function is called then). */
  ask(id: number, message: unknown, timeoutMs: number | undefined, resolve: (reply: unknown) => void, reject: (error: unknown) => void): unknown;
  stop(id: number): void;
  poison(id: number): void;
  lookup(name: string): number | undefined;
  isAlive(id: number): boolean;
  children(id: number): number[];
  watch(watcher: number, target: number): void;
  unwatch(watcher: number, target: number): void;
  publish(topic: string, message: unknown): number;
  subscribe(topic: string, id: number): void;
  unsubscribe(topic: string, id: number): boolean;
  metrics(): SystemMetrics;
  deadLetters(): RawDeadLetter[];
  /** Every live actor, in id order, as one table (see {@link actorRows}); `RUNTIME_BUSY` from a handler. */
  actors(): RawActorTable;
  /** Every topic with subscribers (and every declared stream); `RUNTIME_BUSY` from a handler. */
  topics(): RawTopicInfo[];
  onEvent(listener: (event: RawEvent) => void): void;
  offEvent(listener: (event: RawEvent) => void): boolean;
  shutdown(): void;
  abortForTesting(message: string): void;
  readonly isShutDown: boolean;
}

/** An actor as the core describes it (`RawRuntime.actors`); ids are the module's numbers. */
export interface RawActorInfo {
  readonly id: number;
  readonly name: string | null;
  /** The core's type name: `JsActor` for every JavaScript actor. */
  readonly type: string;
  readonly parent: number | null;
  readonly state: "starting" | "running" | "suspended" | "paused" | "stopping";
  readonly mailbox: number;
  readonly capacity: number;
  readonly processed: number;
  readonly errors: number;
  readonly restarts: number;
}

/**
 * The module's actor table: `columns` holds {@link ACTOR_COLUMNS} numbers per actor (id,
 * parent or 0, state code, mailbox, capacity, processed, errors, restarts, type index);
 * `names` lists `[row, name]`; `at` is the runtime's clock in ms.
 */
export interface RawActorTable {
  readonly at: number;
  readonly columns: Float64Array;
  readonly types: readonly string[];
  readonly names: readonly (readonly [number, string])[];
}

const ACTOR_COLUMNS = 9;
const STATES = ["starting", "running", "suspended", "paused", "stopping"] as const;

/** The rows of the module's actor table (built in JavaScript: one object per actor is cheap here, not across the boundary). */
export function actorRows(table: RawActorTable): RawActorInfo[] & { readonly at: number } {
  const { columns: c, types } = table;
  const rows: RawActorInfo[] = [];
  for (let i = 0; i < c.length; i += ACTOR_COLUMNS) {
    rows.push({
      id: c[i]!,
      name: null,
      type: types[c[i + 8]!] ?? "unknown",
      parent: c[i + 1] === 0 ? null : c[i + 1]!,
      state: STATES[c[i + 2]!] ?? "running",
      mailbox: c[i + 3]!,
      capacity: c[i + 4]!,
      processed: c[i + 5]!,
      errors: c[i + 6]!,
      restarts: c[i + 7]!,
    });
  }
  for (const [row, name] of table.names) {
    const actor = rows[row];
    if (actor) rows[row] = { ...actor, name };
  }
  return Object.assign(rows, { at: table.at });
}

/** A topic as the core describes it (`RawRuntime.topics`): `owner` is null for global topics and streams. */
export interface RawTopicInfo {
  readonly name: string;
  readonly owner: number | null | undefined;
  readonly subscribers: number;
}

/** The constructor of {@link RawRuntime}, with the instance-wide statics. */
export interface RawRuntimeClass {
  new (options?: unknown): RawRuntime;
  onAbort(listener: (message: string) => void): void;
  rustMethods(kind: string): { name: string; args: [string, string][]; reply: string }[];
}

/** What the build's glue factory (`createGlue()`) makes: one instantiation's bindings. */
export interface Glue {
  readonly Runtime: RawRuntimeClass;
  initSync(options: { module: unknown }): unknown;
  init(options: { module_or_path: unknown }): Promise<unknown>;
  /** The compiled `WebAssembly.Module`, once instantiated. */
  compiled(): unknown;
}

declare function queueMicrotask(callback: () => void): void;

// A trap of the WebAssembly instance; looked up at run time (no DOM types here).
const WasmRuntimeError = (globalThis as { WebAssembly?: { RuntimeError?: abstract new () => Error } }).WebAssembly?.RuntimeError;

/** One instantiation of the module, and the systems that run on it. */
class Instance {
  readonly glue: Glue;
  readonly #createGlue: () => Glue;
  /** Systems not shut down: told if the instance aborts. */
  readonly systems = new Set<ActorSystem>();
  /** Why the instance aborted, once it has. */
  abortedWith: string | undefined;
  #next: Instance | undefined;

  constructor(glue: Glue, createGlue: () => Glue) {
    this.glue = glue;
    this.#createGlue = createGlue;
    glue.Runtime.onAbort((message) => this.abort(message));
  }

  /**
   * Wraps the callbacks the runtime gives the host (drains, timers, promise reactions): a trap
   * inside one is this instance's abort, not an uncaught exception that would end a Node
   * process.
   */
  readonly guard = (callback: (value?: unknown) => void): ((value?: unknown) => void) => {
    return (value) => {
      try {
        callback(value);
      } catch (thrown) {
        if (!(WasmRuntimeError && thrown instanceof WasmRuntimeError)) throw thrown;
        this.abort(thrown.message);
      }
    };
  };

  /**
   * The instance trapped (a Rust panic, whose hook calls this first, or any other trap): every
   * system on it is dead; those created with `restartOnAbort` move to a fresh instance. Called
   * from inside the instance, so the work is scheduled.
   */
  abort(message: string): void {
    if (this.abortedWith !== undefined) return;
    this.abortedWith = message;
    queueMicrotask(() => {
      const systems = [...this.systems];
      this.systems.clear();
      for (const system of systems) system.aborted(message);
      for (const system of systems) if (system.restartsOnAbort) system.reinstantiate(this.next());
    });
  }

  /** The instance that replaces this one (made once, from the same compiled module). */
  next(): Instance {
    if (!this.#next) {
      const glue = this.#createGlue();
      glue.initSync({ module: this.glue.compiled() });
      this.#next = new Instance(glue, this.#createGlue);
      if (current === this) current = this.#next;
    }
    return this.#next;
  }
}

/** The instance new systems run on. */
let current: Instance | undefined;

/**
 * Connects the typed API to an instantiated module (done by the entry points): `glue` is
 * initialised; `createGlue` makes fresh ones (for re-instantiation after an abort).
 */
export function bindRuntime(glue: Glue, createGlue: () => Glue): void {
  if (current?.glue !== glue) current = new Instance(glue, createGlue);
}

/** What a full mailbox does with one more message. */
export type Overflow = "reject" | "dropOldest" | "dropNewest";

/**
 * How a supervisor handles a failed child (a throw, or a rejected promise): the same
 * strategies as the core. `onFailure` is what happens to the failed actor (and, with
 * `oneForAll` / `restForOne`, to its siblings / younger siblings): restarted from a fresh
 * behaviour (default), resumed as is, stopped, or the failure escalated to this actor's own
 * supervisor. More than `maxRestarts` restarts within `withinMs` stop the child instead.
 */
export interface SupervisorOptions {
  readonly strategy?: "oneForOne" | "oneForAll" | "restForOne";
  readonly onFailure?: "restart" | "resume" | "stop" | "escalate";
  /** Default 3. */
  readonly maxRestarts?: number;
  /** Default 5000. */
  readonly withinMs?: number;
}

/** Options of {@link ActorSystem.spawn} and {@link ActorContext.spawn}. */
export interface SpawnOptions {
  /** Registers the actor under a name unique among live actors. */
  readonly name?: string;
  /** Mailbox capacity (default 1024). */
  readonly capacity?: number;
  /** What a full mailbox does (default `"reject"`: the sender gets a `MailboxFullError`). */
  readonly overflow?: Overflow;
  /** How this actor supervises the children it spawns. */
  readonly supervisor?: SupervisorOptions;
}

/** Options of {@link ActorSystem.create}. */
export interface SystemOptions {
  /**
   * A drain (the runtime's turn on the event loop) yields to the host once it has run this
   * long, in milliseconds (default 4), so rendering, input and timers get their turns.
   */
  readonly sliceMs?: number;
  /** The most messages the runtime handles between two looks at the clock (default 256). */
  readonly budget?: number;
  /** Mailbox capacity of actors spawned without one (default 1024). */
  readonly defaultCapacity?: number;
  /** How many dead letters {@link ActorSystem.deadLetters} keeps (default 64). */
  readonly deadLetterRetention?: number;
  /** How top-level actors are supervised (default: restart, at most 3 times in 5 s). */
  readonly supervisor?: SupervisorOptions;
  /**
   * If the WebAssembly instance aborts (a Rust panic), move this system to a fresh instance and
   * spawn its top-level actors again from their definitions (children are re-created by their
   * parents' `started` hooks, as after a supervisor's restart). The refs `spawn` returned stay
   * valid. Off by default: an aborted system stays dead.
   */
  readonly restartOnAbort?: boolean;
}

/**
 * The part of `AbortSignal` an ask uses, declared here so the package's types compile without
 * the DOM or Node type libraries (any real `AbortSignal` fits).
 */
export interface AbortSignalLike {
  readonly aborted: boolean;
  readonly reason?: unknown;
  addEventListener(type: "abort", listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: "abort", listener: () => void): void;
}

/** Options of {@link ActorRef.ask}. */
export interface AskOptions {
  /** Milliseconds to wait for the reply before rejecting with an `AskTimeoutError`. */
  readonly timeout?: number;
  /** Rejects the ask with an `AbortedError` when it fires (a reply after that is a dead letter). */
  readonly signal?: AbortSignalLike;
}

/** Why an actor stopped. */
export type StopReason = "requested" | "poisonPill" | "parentStopped" | "shutdown" | "failed";

/**
 * What a handler or hook gets besides the message. It acts for its actor, also after an
 * `await` in an async handler (and fails with `ActorStoppedError` once the actor is gone).
 */
export interface ActorContext<Msg, Reply> {
  /** This actor. */
  readonly self: ActorRef<Msg, Reply>;
  /** The actor that sent the message, if an actor sent it. */
  readonly sender: ActorRef<unknown, unknown> | undefined;
  /** The system this actor runs in: spawn top-level actors, look up, publish. */
  readonly system: ActorSystem;
  /** Spawns a child of this actor: supervised by it, stopped before it. */
  spawn<M, R = void>(behaviour: BehaviourSource<M, R>, options?: SpawnOptions): ActorRef<M, R>;
  /** Spawns a Rust actor exported by the module as a child of this actor. */
  spawnRust<K extends keyof RustActors>(kind: K, options?: SpawnOptions): RustActorRef<RustActors[K]["message"], RustActors[K]["reply"]>;
  /** This actor's live children, in spawn order. */
  children(): ActorRef<unknown, unknown>[];
  /** Calls this actor's `terminated` hook when `other` stops (at once if it already has). */
  watch(other: ActorRef<never, unknown>): void;
  /** Stops watching `other`. */
  unwatch(other: ActorRef<never, unknown>): void;
}

/**
 * An actor's behaviour. `receive` may return a promise: the actor then takes its next message
 * only once it has settled, and a rejection is a failure like a throw.
 */
export interface Behaviour<Msg, Reply = void> {
  receive(message: Msg, ctx: ActorContext<Msg, Reply>): Reply | Promise<Reply>;
  started?(ctx: ActorContext<Msg, Reply>): void | Promise<void>;
  stopped?(ctx: ActorContext<Msg, Reply>): void;
  /** A watched actor stopped. */
  terminated?(other: ActorRef<unknown, unknown>, reason: StopReason, ctx: ActorContext<Msg, Reply>): void | Promise<void>;
}

/**
 * A behaviour, or a factory of behaviours. With a factory a supervisor's restart starts from
 * fresh state (the factory runs again); a plain object is reused as is.
 */
export type BehaviourSource<Msg, Reply = void> = Behaviour<Msg, Reply> | (() => Behaviour<Msg, Reply>);

/** System-wide counters: at rest, `sent === delivered + deadLetters + rejected`. */
export interface SystemMetrics {
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

/** A message that could not be delivered. */
export interface DeadLetter {
  /** The id of the actor it was for. */
  readonly to: string | undefined;
  readonly from: string | undefined;
  readonly reason: string;
  readonly messageType: string;
  readonly message: unknown;
}

type RawId = number | string | undefined;
type RawDeadLetter = Omit<DeadLetter, "to" | "from"> & { readonly to: RawId; readonly from: RawId };
type RawEvent = { readonly type: string; readonly id?: RawId; readonly parent?: RawId; readonly to?: RawId; readonly from?: RawId };

/** Something that happened in the system. Ids are the text form of {@link ActorRef.id}. */
export type SystemEvent =
  | { readonly type: "spawned"; readonly id: string; readonly parent?: string; readonly name?: string }
  | { readonly type: "failed"; readonly id: string; readonly error: string }
  | { readonly type: "restarted"; readonly id: string; readonly error: string }
  | { readonly type: "stopped"; readonly id: string; readonly reason: StopReason; readonly error?: string }
  | ({ readonly type: "deadLetter" } & DeadLetter)
  | { readonly type: "aborted"; readonly error: string }
  | { readonly type: "reinstantiated"; readonly actors: number };

const NO_SENDER = -1;
/** The `parent` of a top-level actor (no id is 0). */
const TOP_LEVEL = 0;
const TWO_32 = 2 ** 32;

/** A typed handle to an actor that takes `Msg`s and answers asks with `Reply`s. */
export class ActorRef<Msg, Reply = void> {
  readonly #system: ActorSystem;
  /** The runtime the actor lives in (an aborted one for a ref left behind by an abort). */
  #raw: RawRuntime;
  #text: string | undefined;
  /** @internal The id as the WebAssembly module knows it. */
  handle: number;

  /** @internal */
  constructor(system: ActorSystem, handle: number) {
    this.#system = system;
    this.#raw = system.raw;
    this.handle = handle;
  }

  /** @internal The actor was spawned again on a fresh instance (see `restartOnAbort`). */
  rebind(raw: RawRuntime, handle: number): void {
    this.#raw = raw;
    this.handle = handle;
    this.#text = undefined;
  }

  /** The actor's id, `"node.index.generation"`: stable, and never reused by another actor. */
  get id(): string {
    return (this.#text ??= this.#system.idText(this.handle));
  }

  /** Sends without waiting; throws if the actor is gone or its mailbox refuses. */
  tell(message: Msg): void {
    let refused: unknown;
    try {
      refused = this.#raw.tell(this.handle, message);
    } catch (thrown) {
      refused = thrown; // an aborted instance throws
    }
    if (refused !== undefined) throw toBackstageError(refused);
  }

  /** Sends and resolves with the reply. */
  ask(message: Msg, options?: AskOptions): Promise<Reply> {
    const signal = options?.signal;
    if (signal?.aborted) {
      return Promise.reject(new AbortedError("ABORTED", "the ask was aborted before it was sent", { cause: signal.reason }));
    }
    const reply = this.#system.request<Reply>(this.#raw, this.handle, message, options?.timeout);
    if (!signal) return reply;
    return new Promise<Reply>((resolve, reject) => {
      const abort = () => reject(new AbortedError("ABORTED", "the ask was aborted", { cause: signal.reason }));
      signal.addEventListener("abort", abort, { once: true });
      reply.then(
        (value) => {
          signal.removeEventListener("abort", abort);
          resolve(value);
        },
        (error: unknown) => {
          signal.removeEventListener("abort", abort);
          reject(error);
        },
      );
    });
  }

  /** Stops the actor before its queued messages (they become dead letters). */
  stop(): void {
    try {
      this.#raw.stop(this.handle);
    } catch (thrown) {
      throw toBackstageError(thrown);
    }
  }

  /** Stops the actor after the messages already queued. */
  poison(): void {
    try {
      this.#raw.poison(this.handle);
    } catch (thrown) {
      throw toBackstageError(thrown);
    }
  }

  /** True while the actor is alive. */
  get isAlive(): boolean {
    try {
      return this.#raw.isAlive(this.handle);
    } catch {
      return false; // shut down or aborted
    }
  }

  /** True if `other` names the same actor. */
  equals(other: ActorRef<never, unknown> | undefined): boolean {
    return other !== undefined && other.handle === this.handle && other.#raw === this.#raw;
  }

  /** `using actor = system.spawn(...)` stops it at the end of the scope. */
  [Symbol.dispose](): void {
    if (this.isAlive) this.stop();
  }

  toString(): string {
    return `ActorRef(${this.id})`;
  }
}

/** A value of the CBOR data model, as the Rust actors exchange them with JavaScript. */
export type CborValue = null | boolean | number | string | Uint8Array | readonly CborValue[] | { readonly [key: string]: CborValue };

/**
 * The Rust actors the package's WebAssembly module exports, by the name
 * {@link ActorSystem.spawnRust} takes: the messages each takes and what it answers.
 */
export interface RustActors {
  /** Adds up numbers; every message answers the total (`reset`: the total before). */
  counter: {
    message: { readonly type: "add"; readonly by: number } | { readonly type: "get" } | { readonly type: "reset" };
    reply: number;
  };
}

/** What the built-in `Stats` actor reports. */
export interface StatsSummary {
  readonly count: number;
  readonly mean: number;
  readonly min: number;
  readonly max: number;
}

/**
 * The Rust `#[actor]`s the module exports, called by method through
 * {@link ActorSystem.rustActor}: their methods, with TypeScript's types for the Rust ones
 * (`f64`, `u64` → `number`, `String` → `string`, structs → objects).
 */
export interface RustMethods {
  /** Running statistics of numbers. */
  Stats: {
    record(value: number): void;
    summary(): StatsSummary;
    /** Starts over; answers with the statistics before. */
    reset(): StatsSummary;
    /**
     * Calls `method` of the class actor `target` with the summary and answers with what it
     * returned (a Rust actor asking a TypeScript one).
     */
    report(target: ActorRef<never, unknown>, method: string): unknown;
  };
}

/**
 * A reference to a Rust actor. Messages are converted to its Rust message type at the call (a
 * value that does not fit throws `InvalidMessageError`, and nothing is sent); or, with
 * {@link RustActorRef.tellCbor} / {@link RustActorRef.askCbor}, passed as the message's CBOR
 * encoding, and answered in CBOR.
 */
export class RustActorRef<Msg, Reply> extends ActorRef<Msg, Reply> {
  /** Sends the CBOR encoding of a message. */
  tellCbor(bytes: Uint8Array): void {
    (this as ActorRef<unknown, unknown>).tell(bytes);
  }

  /** Sends the CBOR encoding of a message; resolves with the reply's CBOR encoding. */
  askCbor(bytes: Uint8Array, options?: AskOptions): Promise<Uint8Array> {
    return (this as ActorRef<unknown, unknown>).ask(bytes, options) as Promise<Uint8Array>;
  }
}

/** The context handed to one call of a handler or hook: made per call, cheap until read. */
class Context<Msg, Reply> implements ActorContext<Msg, Reply> {
  readonly system: ActorSystem;
  readonly self: ActorRef<Msg, Reply>;
  /** @internal The sender's id as the module gave it (-1: none). */
  readonly senderHandle: number;

  constructor(system: ActorSystem, self: ActorRef<Msg, Reply>, sender: number) {
    this.system = system;
    this.self = self;
    this.senderHandle = sender;
  }

  get sender(): ActorRef<unknown, unknown> | undefined {
    return this.senderHandle === NO_SENDER ? undefined : new ActorRef<unknown, unknown>(this.system, this.senderHandle);
  }

  spawn<M, R = void>(behaviour: BehaviourSource<M, R>, options?: SpawnOptions): ActorRef<M, R> {
    return this.system.spawnActor(behaviour, options, this.self.handle);
  }

  spawnRust<K extends keyof RustActors>(kind: K, options?: SpawnOptions): RustActorRef<RustActors[K]["message"], RustActors[K]["reply"]> {
    return this.system.spawnRustActor(kind, options, this.self.handle);
  }

  children(): ActorRef<unknown, unknown>[] {
    const system = this.system;
    return call(() => system.raw.children(this.self.handle)).map((id) => new ActorRef<unknown, unknown>(system, id));
  }

  watch(other: ActorRef<never, unknown>): void {
    call(() => this.system.raw.watch(this.self.handle, other.handle));
  }

  unwatch(other: ActorRef<never, unknown>): void {
    call(() => this.system.raw.unwatch(this.self.handle, other.handle));
  }
}

function call<T>(f: () => T): T {
  try {
    return f();
  } catch (thrown) {
    throw toBackstageError(thrown);
  }
}

/** Filled in once `raw.spawn` has returned; the behaviour's calls come later, from drains. */
interface SelfSlot {
  ref: ActorRef<never, unknown> | undefined;
}

/**
 * A behaviour as the module calls it: one object per actor instance, with the hooks the
 * behaviour has (the module calls only those), shared methods rather than closures per actor.
 */
class Bound<Msg, Reply> implements RawBehaviour {
  readonly #system: ActorSystem;
  readonly #b: Behaviour<Msg, Reply>;
  readonly #slot: SelfSlot;
  /**
   * A context holds nothing but (system, self, sender), so consecutive messages from the same
   * sender share one: no allocation per message in a stream from one peer.
   */
  #last: Context<Msg, Reply> | undefined;
  declare started?: () => unknown;
  declare stopped?: () => unknown;
  declare terminated?: (id: number, reason: StopReason) => unknown;

  constructor(system: ActorSystem, b: Behaviour<Msg, Reply>, slot: SelfSlot) {
    this.#system = system;
    this.#b = b;
    this.#slot = slot;
    if (b.started) this.started = this.#started;
    if (b.stopped) this.stopped = this.#stopped;
    if (b.terminated) this.terminated = this.#terminated;
  }

  receive(message: unknown, sender: number): unknown {
    let last = this.#last;
    if (last === undefined || last.senderHandle !== sender) last = this.#last = this.#context(sender);
    return this.#b.receive(message as Msg, last);
  }

  #context(sender: number): Context<Msg, Reply> {
    return new Context(this.#system, this.#slot.ref as unknown as ActorRef<Msg, Reply>, sender);
  }

  #started(this: Bound<Msg, Reply>): unknown {
    return this.#b.started?.(this.#context(NO_SENDER));
  }

  #stopped(this: Bound<Msg, Reply>): unknown {
    return this.#b.stopped?.(this.#context(NO_SENDER));
  }

  #terminated(this: Bound<Msg, Reply>, id: number, reason: StopReason): unknown {
    return this.#b.terminated?.(new ActorRef(this.#system, id), reason, this.#context(NO_SENDER));
  }
}

/** A typed stream of `T` over a topic: publishers and subscribers agree on the type. */
export class Stream<T> {
  readonly #system: ActorSystem;
  /** The topic's name. */
  readonly name: string;

  /** @internal */
  constructor(system: ActorSystem, name: string) {
    this.#system = system;
    this.name = name;
  }

  /** Publishes `value` to every subscriber; returns how many it reached. */
  next(value: T): number {
    return this.#system.publish<T>(this.name, value);
  }

  /**
   * Subscribes an actor (each value reaches its `receive`) or a function (called with each
   * value, in order, from the runtime's drain). Returns the unsubscribe.
   */
  subscribe(subscriber: ActorRef<T, unknown> | ((value: T) => void | Promise<void>)): () => void {
    const system = this.#system;
    if (subscriber instanceof ActorRef) {
      system.subscribe(this.name, subscriber);
      return () => {
        if (!system.isShutDown) system.unsubscribe(this.name, subscriber);
      };
    }
    const listener = system.spawn<T>({ receive: (value) => subscriber(value) });
    system.subscribe(this.name, listener);
    return () => {
      if (listener.isAlive) listener.stop();
    };
  }

  /** Removes an actor's subscription; true if there was one. */
  unsubscribe(subscriber: ActorRef<never, unknown>): boolean {
    return this.#system.unsubscribe(this.name, subscriber);
  }
}

/** How to spawn a top-level actor again on a fresh instance (see `restartOnAbort`). */
interface Definition {
  readonly ref: ActorRef<never, unknown>;
  spawn(raw: RawRuntime): number;
}

/** An actor system running on the host's event loop. */
export class ActorSystem {
  #raw: RawRuntime;
  #instance: Instance;
  readonly #options: SystemOptions;
  readonly #node: string;
  /** Rejecters of the asks in flight, for {@link RuntimeAbortedError} if the instance aborts. */
  readonly #pending = new Set<(error: unknown) => void>();
  /** Listeners of {@link ActorSystem.on}, with what the module calls for each. */
  readonly #listeners = new Map<(event: SystemEvent) => void, (event: RawEvent) => void>();
  /** With `restartOnAbort`: the live top-level actors, by handle, in spawn order. */
  readonly #definitions: Map<number, Definition> | undefined;
  #abortedWith: string | undefined;

  private constructor(instance: Instance, options: SystemOptions) {
    this.#instance = instance;
    this.#options = options;
    this.#raw = this.#start(instance);
    this.#node = String(this.#raw.node);
    if (options.restartOnAbort) this.#definitions = new Map();
  }

  /** A raw runtime on `instance`, this system's bookkeeping hooked to it. */
  #start(instance: Instance): RawRuntime {
    if (instance.abortedWith !== undefined) {
      throw new RuntimeAbortedError("RUNTIME_ABORTED", `the WebAssembly instance aborted: ${instance.abortedWith}`);
    }
    const { restartOnAbort: _, ...options } = this.#options;
    const Raw = instance.glue.Runtime;
    const raw = call(() => new Raw({ ...options, guard: instance.guard }));
    instance.systems.add(this);
    if (this.#options.restartOnAbort) {
      raw.onEvent((event) => {
        if (event.type === "stopped" && typeof event.id === "number") this.#definitions?.delete(event.id);
      });
    }
    return raw;
  }

  /** @internal The raw runtime this system runs on now. */
  get raw(): RawRuntime {
    return this.#raw;
  }

  /** @internal Whether the system moves to a fresh instance when its instance aborts. */
  get restartsOnAbort(): boolean {
    return this.#definitions !== undefined && !this.#shutDown;
  }

  #shutDown = false;

  /** @internal The instance aborted: fail what waits, tell the listeners. */
  aborted(message: string): void {
    this.#abortedWith = message;
    const error = new RuntimeAbortedError("RUNTIME_ABORTED", `the WebAssembly instance aborted: ${message}`);
    for (const fail of [...this.#pending]) fail(error);
    this.#emit({ type: "aborted", error: message });
  }

  /** @internal Moves to `instance` and spawns the top-level actors again. */
  reinstantiate(instance: Instance): void {
    const definitions = this.#definitions;
    if (!definitions) return;
    this.#instance = instance;
    this.#raw = this.#start(instance);
    this.#abortedWith = undefined;
    for (const raw of this.#listeners.values()) this.#raw.onEvent(raw);
    const actors = [...definitions.values()];
    definitions.clear();
    for (const definition of actors) {
      try {
        const handle = definition.spawn(this.#raw);
        definition.ref.rebind(this.#raw, handle);
        definitions.set(handle, definition);
      } catch {
        // Cannot happen on a fresh runtime (names are free again); the ref stays dead if so.
      }
    }
    this.#emit({ type: "reinstantiated", actors: definitions.size });
  }

  #emit(event: SystemEvent): void {
    for (const listener of [...this.#listeners.keys()]) {
      try {
        listener(event);
      } catch {
        // One throwing listener does not keep the others from hearing it.
      }
    }
  }

  /** Records how to spawn a top-level actor again (with `restartOnAbort`). */
  #define(ref: ActorRef<never, unknown>, spawn: (raw: RawRuntime) => number): void {
    // A second `getOrSpawn` of a live actor keeps the first definition (and its ref).
    if (!this.#definitions?.has(ref.handle)) this.#definitions?.set(ref.handle, { ref, spawn });
  }

  /**
   * Makes the runtime's next step abort the WebAssembly instance, as a bug in the runtime (a
   * Rust panic) would, so that an application can test its handling of it: pending asks
   * reject with {@link RuntimeAbortedError}, every system on the instance reports `"aborted"`
   * to its listeners and is unusable afterwards, except those created with `restartOnAbort`,
   * which move to a fresh instance and report `"reinstantiated"`.
   */
  abortForTesting(message = "abortForTesting"): void {
    call(() => this.#raw.abortForTesting(message));
  }

  /** True once the WebAssembly instance has aborted (see {@link RuntimeAbortedError}). */
  get isAborted(): boolean {
    return this.#abortedWith !== undefined;
  }

  /** Creates a system (after the package's WebAssembly module is initialised). */
  static create(options: SystemOptions = {}): ActorSystem {
    if (!current) {
      throw new RuntimeAbortedError("RUNTIME_ABORTED", "the WebAssembly module is not initialised: import from 'backstage-actors' or call initialize() from 'backstage-actors/slim' first");
    }
    return new ActorSystem(current, options);
  }

  /** Spawns a top-level actor and returns its typed reference. */
  spawn<Msg, Reply = void>(behaviour: BehaviourSource<Msg, Reply>, options?: SpawnOptions): ActorRef<Msg, Reply> {
    return this.spawnActor(behaviour, options, TOP_LEVEL);
  }

  /**
   * The live actor called `name`, spawned from `behaviour` first if there is none: a virtual
   * actor, always one instance per name. (The types are the caller's claim for an actor that
   * already existed.)
   */
  getOrSpawn<Msg, Reply = void>(name: string, behaviour: BehaviourSource<Msg, Reply>): ActorRef<Msg, Reply> {
    const self: SelfSlot = { ref: undefined };
    const spawn = (raw: RawRuntime) => raw.getOrSpawn(name, this.#source(behaviour, self));
    const ref = new ActorRef<Msg, Reply>(this, call(() => spawn(this.#raw)));
    self.ref = ref;
    if (this.#definitions) this.#define(ref, spawn);
    return ref;
  }

  /**
   * The actor `id` of class `cls`, created on first use (`new cls(id)`; again on every
   * supervised restart): a virtual actor whose methods are its messages. The proxy's methods
   * take the same arguments and return promises of the results.
   */
  actor<T extends object>(cls: ActorClass<T>, id: string, options?: AskOptions): ActorProxy<T> {
    const ref = this.getOrSpawn<CallMessage, unknown>(id, () => classBehaviour(new cls(id)));
    return classProxy(cls, ref, options);
  }

  /**
   * The Rust `#[actor]` of type `kind` called `id`, created on first use: its methods (see
   * {@link RustMethods}) called in wire form. Unknown methods, arguments that do not fit and
   * replies that do not decode are `UnknownMethodError`, `BadArgumentsError` and
   * `ReplyDecodeError`, naming the method.
   */
  rustActor<K extends keyof RustMethods>(kind: K, id: string, options?: AskOptions): ActorProxy<RustMethods[K]> {
    const handle = call(() => this.#raw.activateRust(kind, id));
    const ref = new ActorRef<CallMessage, unknown>(this, handle);
    const raw = this.#raw;
    const methods = this.#instance.glue.Runtime.rustMethods(kind).map((m) => m.name);
    const timeout = options?.timeout;
    return makeProxy<RustMethods[K]>(ref, methods, (method, args) => {
      const actorArgs = args.map((a) => (a instanceof ActorRef ? a.handle : a));
      return new Promise((resolve, reject) => {
        try {
          raw.callRust(ref.handle, method, actorArgs, timeout, resolve, (e) => reject(toBackstageError(e)));
        } catch (thrown) {
          reject(toBackstageError(thrown));
        }
      });
    });
  }

  /** Spawns a Rust actor the module exports (see {@link RustActors}). */
  spawnRust<K extends keyof RustActors>(kind: K, options?: SpawnOptions): RustActorRef<RustActors[K]["message"], RustActors[K]["reply"]> {
    return this.spawnRustActor(kind, options, TOP_LEVEL);
  }

  /** @internal */
  spawnRustActor<K extends keyof RustActors>(kind: K, options: SpawnOptions | undefined, parent: number): RustActorRef<RustActors[K]["message"], RustActors[K]["reply"]> {
    const spawn = (raw: RawRuntime) => raw.spawnRust(kind, options, parent);
    const ref = new RustActorRef<RustActors[K]["message"], RustActors[K]["reply"]>(this, call(() => spawn(this.#raw)));
    if (parent === TOP_LEVEL) this.#define(ref, spawn);
    return ref;
  }

  /** @internal */
  spawnActor<Msg, Reply>(behaviour: BehaviourSource<Msg, Reply>, options: SpawnOptions | undefined, parent: number): ActorRef<Msg, Reply> {
    const self: SelfSlot = { ref: undefined };
    const source = this.#source(behaviour, self);
    let handle: number;
    try {
      handle = this.#raw.spawn(source, options, parent);
    } catch (thrown) {
      throw toBackstageError(thrown);
    }
    const ref = new ActorRef<Msg, Reply>(this, handle);
    self.ref = ref;
    // Only systems that re-spawn after an abort keep definitions (no closure per actor otherwise).
    if (parent === TOP_LEVEL && this.#definitions) {
      this.#define(ref, (raw) => raw.spawn(this.#source(behaviour, self), options, parent));
    }
    return ref;
  }

  #source<Msg, Reply>(behaviour: BehaviourSource<Msg, Reply>, self: SelfSlot): RawBehaviour | (() => RawBehaviour) {
    if (typeof behaviour === "function") return () => this.#wrap(behaviour(), self);
    return this.#wrap(behaviour, self);
  }

  #wrap<Msg, Reply>(b: Behaviour<Msg, Reply>, slot: SelfSlot): RawBehaviour {
    if (typeof b?.receive !== "function") return b as unknown as RawBehaviour; // the module reports it
    return new Bound(this, b, slot);
  }


  /** @internal An ask through the module, remembered until it settles. */
  request<Reply>(raw: RawRuntime, handle: number, message: unknown, timeout: number | undefined): Promise<Reply> {
    return new Promise<Reply>((resolve, reject) => {
      const pending = this.#pending;
      const fail = (error: unknown) => {
        pending.delete(fail);
        reject(toBackstageError(error));
      };
      pending.add(fail);
      let refused: unknown;
      try {
        refused = raw.ask(
          handle,
          message,
          timeout,
          (reply) => {
            pending.delete(fail);
            resolve(reply as Reply);
          },
          fail,
        );
      } catch (thrown) {
        refused = thrown; // an aborted instance throws
      }
      if (refused !== undefined) fail(refused);
    });
  }

  /** @internal `"node.index.generation"` for a numeric id. */
  idText(id: RawId): string {
    if (typeof id !== "number") return String(id);
    return `${this.#node}.${id % TWO_32}.${Math.floor(id / TWO_32)}`;
  }

  #text(id: RawId): string | undefined {
    return id === undefined ? undefined : this.idText(id);
  }

  /**
   * The actor registered as `name`. Its message types are the caller's claim: the compiler
   * cannot check a lookup by string.
   */
  lookup<Msg, Reply = void>(name: string): ActorRef<Msg, Reply> | undefined {
    const id = call(() => this.raw.lookup(name));
    return id === undefined ? undefined : new ActorRef<Msg, Reply>(this, id);
  }

  /** Publishes on a topic; returns how many subscribers it reached. */
  publish<T>(topic: string, message: T): number {
    return call(() => this.raw.publish(topic, message));
  }

  /** Subscribes an actor to a topic: each publication reaches its `receive`. */
  subscribe<T>(topic: string, subscriber: ActorRef<T, unknown>): void {
    call(() => this.raw.subscribe(topic, subscriber.handle));
  }

  /** Removes a subscription; true if there was one. */
  unsubscribe(topic: string, subscriber: ActorRef<never, unknown>): boolean {
    return call(() => this.raw.unsubscribe(topic, subscriber.handle));
  }

  /** A typed stream over the topic `name` (the same topic as `publish(name, ...)`). */
  stream<T>(name: string): Stream<T> {
    return new Stream<T>(this, name);
  }

  /** The system-wide counters (also from inside handlers). */
  metrics(): SystemMetrics {
    return call(() => this.raw.metrics());
  }

  /** The most recent dead letters, oldest first. */
  deadLetters(): DeadLetter[] {
    return call(() => this.raw.deadLetters()).map((letter) => ({ ...letter, to: this.#text(letter.to), from: this.#text(letter.from) }));
  }

  /**
   * Listens to spawns, failures, restarts, stops and dead letters, and to `aborted` /
   * `reinstantiated`; returns the unsubscribe.
   */
  on(listener: (event: SystemEvent) => void): () => void {
    const raw = (event: RawEvent) => {
      const ids: Record<string, string | undefined> = {};
      for (const key of ["id", "parent", "to", "from"] as const) if (key in event) ids[key] = this.#text(event[key]);
      listener({ ...event, ...ids } as SystemEvent);
    };
    call(() => this.#raw.onEvent(raw));
    this.#listeners.set(listener, raw);
    return () => {
      this.#listeners.delete(listener);
      if (!this.isShutDown && !this.isAborted) this.#raw.offEvent(raw);
    };
  }

  /** Stops every actor (children first); afterwards every call throws `RuntimeShutDownError`. */
  shutdown(): void {
    this.#shutDown = true;
    this.#instance.systems.delete(this);
    if (!this.isAborted && !this.#raw.isShutDown) this.#raw.shutdown();
  }

  /** True once {@link ActorSystem.shutdown} has run. */
  get isShutDown(): boolean {
    return this.#shutDown || this.#raw.isShutDown;
  }

  /** `using system = ActorSystem.create()` shuts it down at the end of the scope. */
  [Symbol.dispose](): void {
    this.shutdown();
  }

  /** `await using system = ActorSystem.create()`: shuts down, then lets `stopped` hooks' work settle. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.shutdown();
    await Promise.resolve();
  }
}

