/**
 * The typed API: an {@link ActorSystem} spawns actors from behaviours and hands back
 * {@link ActorRef}s whose message and reply types the compiler checks.
 */

import { AbortedError, BackstageError, toBackstageError } from "./errors.js";

/** The raw, handle-based class the WebAssembly module exports (private to this package). */
export interface RawRuntime {
  spawn(behaviour: unknown, options: unknown): string;
  tell(id: string, message: unknown): void;
  ask(id: string, message: unknown, timeoutMs: unknown): Promise<unknown>;
  stop(id: string): void;
  poison(id: string): void;
  lookup(name: string): string | undefined;
  isAlive(id: string): boolean;
  publish(topic: string, message: unknown): number;
  subscribe(topic: string, id: string): void;
  unsubscribe(topic: string, id: string): boolean;
  metrics(): SystemMetrics;
  deadLetters(): DeadLetter[];
  onEvent(listener: (event: SystemEvent) => void): void;
  offEvent(listener: (event: SystemEvent) => void): boolean;
  shutdown(): void;
  readonly isShutDown: boolean;
}

/** The constructor of {@link RawRuntime}. */
export type RawRuntimeClass = new (options?: unknown) => RawRuntime;

let rawRuntime: RawRuntimeClass | undefined;

/** Connects the typed API to an instantiated WebAssembly module (done by the entry points). */
export function bindRuntime(runtime: RawRuntimeClass): void {
  rawRuntime = runtime;
}

/** What a full mailbox does with one more message. */
export type Overflow = "reject" | "dropOldest" | "dropNewest";

/** Options of {@link ActorSystem.spawn}. */
export interface SpawnOptions {
  /** Registers the actor under a name unique among live actors. */
  readonly name?: string;
  /** Mailbox capacity (default 1024). */
  readonly capacity?: number;
  /** What a full mailbox does (default `"reject"`: the sender gets a `MailboxFullError`). */
  readonly overflow?: Overflow;
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

/** What a handler gets besides the message. */
export interface ActorContext<Msg, Reply> {
  /** This actor. */
  readonly self: ActorRef<Msg, Reply>;
  /** The actor that sent the message, if an actor sent it. */
  readonly sender: ActorRef<unknown, unknown> | undefined;
  /** The system this actor runs in: spawn, look up, publish from inside handlers. */
  readonly system: ActorSystem;
}

/**
 * An actor's behaviour. `receive` may return a promise: the actor then takes its next message
 * only once it has settled, and a rejection is a failure like a throw.
 */
export interface Behaviour<Msg, Reply = void> {
  receive(message: Msg, ctx: ActorContext<Msg, Reply>): Reply | Promise<Reply>;
  started?(ctx: ActorContext<Msg, Reply>): void | Promise<void>;
  stopped?(ctx: ActorContext<Msg, Reply>): void;
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
  readonly to: string | undefined;
  readonly from: string | undefined;
  readonly reason: string;
  readonly messageType: string;
  readonly message: unknown;
}

/** Something that happened in the system. */
export type SystemEvent =
  | { readonly type: "spawned"; readonly id: string; readonly parent?: string; readonly name?: string }
  | { readonly type: "failed"; readonly id: string; readonly error: string }
  | { readonly type: "restarted"; readonly id: string; readonly error: string }
  | { readonly type: "stopped"; readonly id: string; readonly reason: string; readonly error?: string }
  | ({ readonly type: "deadLetter" } & DeadLetter);

function call<T>(f: () => T): T {
  try {
    return f();
  } catch (thrown) {
    throw toBackstageError(thrown);
  }
}

/** A typed handle to an actor that takes `Msg`s and answers asks with `Reply`s. */
export class ActorRef<Msg, Reply = void> {
  readonly #system: ActorSystem;
  /** The actor's id (`"node.index.generation"`), stable and never reused. */
  readonly id: string;

  /** @internal */
  constructor(system: ActorSystem, id: string) {
    this.#system = system;
    this.id = id;
  }

  /** Sends without waiting; throws if the actor is gone or its mailbox refuses. */
  tell(message: Msg): void {
    call(() => this.#system.raw.tell(this.id, message));
  }

  /** Sends and resolves with the reply. */
  ask(message: Msg, options: AskOptions = {}): Promise<Reply> {
    const { timeout, signal } = options;
    if (signal?.aborted) {
      return Promise.reject(new AbortedError("ABORTED", "the ask was aborted before it was sent"));
    }
    let reply: Promise<Reply>;
    try {
      reply = this.#system.raw.ask(this.id, message, timeout) as Promise<Reply>;
    } catch (thrown) {
      return Promise.reject(toBackstageError(thrown));
    }
    const settled = reply.catch((thrown: unknown) => {
      throw toBackstageError(thrown);
    });
    if (!signal) return settled;
    return new Promise<Reply>((resolve, reject) => {
      const abort = () => reject(new AbortedError("ABORTED", "the ask was aborted", { cause: signal.reason }));
      signal.addEventListener("abort", abort, { once: true });
      settled.then(
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
    call(() => this.#system.raw.stop(this.id));
  }

  /** Stops the actor after the messages already queued. */
  poison(): void {
    call(() => this.#system.raw.poison(this.id));
  }

  /** True while the actor is alive. */
  get isAlive(): boolean {
    return !this.#system.isShutDown && this.#system.raw.isAlive(this.id);
  }

  /** `using actor = system.spawn(...)` stops it at the end of the scope. */
  [Symbol.dispose](): void {
    if (this.isAlive) this.stop();
  }

  toString(): string {
    return `ActorRef(${this.id})`;
  }
}

/** An actor system running on the host's event loop. */
export class ActorSystem {
  /** @internal */
  readonly raw: RawRuntime;

  private constructor(raw: RawRuntime) {
    this.raw = raw;
  }

  /** Creates a system (after the package's WebAssembly module is initialised). */
  static create(options: { readonly budget?: number } = {}): ActorSystem {
    if (!rawRuntime) {
      throw new BackstageError("RUNTIME_ABORTED", "the WebAssembly module is not initialised: import from 'backstage-actors' or call initialize() from 'backstage-actors/slim' first");
    }
    const Raw = rawRuntime;
    return new ActorSystem(call(() => new Raw(options)));
  }

  /** Spawns an actor and returns its typed reference. */
  spawn<Msg, Reply = void>(behaviour: BehaviourSource<Msg, Reply>, options: SpawnOptions = {}): ActorRef<Msg, Reply> {
    const wrap = (b: Behaviour<Msg, Reply>) => this.#wrap(b);
    const source = typeof behaviour === "function" ? () => wrap(behaviour()) : wrap(behaviour);
    const id = call(() => this.raw.spawn(source, options));
    return new ActorRef<Msg, Reply>(this, id);
  }

  #context<Msg, Reply>(raw: { self: string; sender?: string }): ActorContext<Msg, Reply> {
    return {
      self: new ActorRef<Msg, Reply>(this, raw.self),
      sender: raw.sender === undefined ? undefined : new ActorRef<unknown, unknown>(this, raw.sender),
      system: this,
    };
  }

  #wrap<Msg, Reply>(b: Behaviour<Msg, Reply>): object {
    type RawCtx = { self: string; sender?: string };
    return {
      receive: (message: Msg, ctx: RawCtx) => b.receive(message, this.#context(ctx)),
      started: b.started ? (ctx: RawCtx) => b.started?.(this.#context(ctx)) : undefined,
      stopped: b.stopped ? (ctx: RawCtx) => b.stopped?.(this.#context(ctx)) : undefined,
    };
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
    call(() => this.raw.subscribe(topic, subscriber.id));
  }

  /** Removes a subscription; true if there was one. */
  unsubscribe(topic: string, subscriber: ActorRef<never, unknown>): boolean {
    return call(() => this.raw.unsubscribe(topic, subscriber.id));
  }

  /** The system-wide counters. */
  metrics(): SystemMetrics {
    return call(() => this.raw.metrics());
  }

  /** The most recent dead letters. */
  deadLetters(): DeadLetter[] {
    return call(() => this.raw.deadLetters());
  }

  /** Listens to spawns, failures, restarts, stops and dead letters; returns the unsubscribe. */
  on(listener: (event: SystemEvent) => void): () => void {
    call(() => this.raw.onEvent(listener));
    return () => {
      if (!this.raw.isShutDown) this.raw.offEvent(listener);
    };
  }

  /** Stops every actor (children first); afterwards every call throws `RuntimeShutDownError`. */
  shutdown(): void {
    if (!this.raw.isShutDown) this.raw.shutdown();
  }

  /** True once {@link ActorSystem.shutdown} has run. */
  get isShutDown(): boolean {
    return this.raw.isShutDown;
  }

  /** `using system = ActorSystem.create()` shuts it down at the end of the scope. */
  [Symbol.dispose](): void {
    this.shutdown();
  }
}
