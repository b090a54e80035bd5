// What `backstage-actors/inspector` needs of a system beyond the core's own inspection data
// (`raw.actors()` and `raw.topics()`, read by each inspection's snapshots): the system's events
// for the inspections attached to it, the runtime's clock for their `at`, the names of the
// JavaScript behaviours (the core calls every JavaScript actor `JsActor`), and, only while a
// Stately adapter is attached, the messages as they are sent.
import type { InspectorEvent, InspectorMessage } from "./inspector.js";
import { type ActorSystem, actorRows, type RawActorInfo, type RawRuntime, type RawTopicInfo, type SystemEvent, type SystemMetrics } from "./system.js";

declare const performance: { now(): number } | undefined;

/** What the probe tells each inspection attached to it. */
export interface ProbeView {
  push(event: InspectorEvent, message: unknown): void;
}

/** An actor spawned through the package while inspected: what the core does not know of it. */
export interface Spawn {
  /** Its factory's or class's name (`JsActor` for a plain object). */
  readonly type: string;
  readonly name: string | null;
  readonly parent: string | null;
}

/** A message seen as it is sent: to `to`, from the actor whose handler sent it (-1: none known). */
export type Tap = (to: number, from: number, message: unknown) => void;

/** What the probe reads of `ActorSystem` beyond its public API. */
interface SystemInternals {
  readonly raw: RawRuntime;
  spawnActor(behaviour: unknown, options: unknown, parent: number): { readonly handle: number };
  getOrSpawn(name: string, behaviour: unknown): { readonly handle: number };
}

interface RawBehaviourLike {
  receive(message: unknown, sender: number, self: number): unknown;
}

/** The `parent` of a top-level actor in the module's calls. */
const TOP_LEVEL = 0;
const TWO_32 = 2 ** 32;
const hostNow = (): number => (typeof performance === "object" && performance ? performance.now() : Date.now());
const probes = new WeakMap<ActorSystem, Probe>();

/**
 * One per system, shared by its inspections (see the file comment). Its own properties on the
 * system (`spawnActor`, `getOrSpawn`: for the type names) are there while an inspection is
 * attached; those on the raw runtime (`spawn`, `getOrSpawn`, `tell`, `ask`: the Stately
 * adapter's message tap) only while a tap is. The module and the prototypes are untouched.
 */
export class Probe {
  readonly system: ActorSystem;
  readonly views = new Set<ProbeView>();
  readonly #taps = new Set<Tap>();
  /** The actors spawned through the package while inspected, by handle. */
  readonly spawns = new Map<number, Spawn>();
  /** While tapped: the actor whose handler is running (synchronously), or -1. */
  current = -1;
  /** The spawn in progress: its `spawned` event comes before the module's call returns. */
  #spawning: { readonly spawn: Spawn; claimed: boolean } | undefined;
  #off: (() => void) | undefined;
  #installed: { target: object; keys: string[] }[] = [];
  #tapped: { target: object; keys: string[] } | undefined;
  /** The host clock minus the runtime's (ms), once a reading of the core has shown it. */
  #offset: number | undefined;
  #lastMetrics: SystemMetrics | undefined;

  static of(system: ActorSystem): Probe {
    let probe = probes.get(system);
    if (!probe) probes.set(system, (probe = new Probe(system)));
    return probe;
  }

  private constructor(system: ActorSystem) {
    this.system = system;
  }

  get raw(): RawRuntime {
    return (this.system as unknown as SystemInternals).raw;
  }

  get node(): number {
    return this.raw.node;
  }

  /** Whether the core can be read (not shut down, not aborted). */
  get live(): boolean {
    return !this.system.isShutDown && !this.system.isAborted;
  }

  attach(view: ProbeView): void {
    this.views.add(view);
    if (this.views.size === 1) this.#install();
  }

  detach(view: ProbeView): void {
    this.views.delete(view);
    if (this.views.size === 0) this.#uninstall();
  }

  addTap(tap: Tap): void {
    this.#taps.add(tap);
    if (this.#taps.size === 1) this.#tap();
  }

  deleteTap(tap: Tap): void {
    if (this.#taps.delete(tap) && this.#taps.size === 0) this.#untap();
  }

  /** The runtime's clock, in ms (the host's until the core has been read once). */
  now(): number {
    return hostNow() - (this.#offset ?? 0);
  }

  /** Every live actor, in id order, with the runtime's clock as `at`. `RUNTIME_BUSY` in a handler. */
  actors(): readonly RawActorInfo[] & { readonly at: number } {
    const rows = actorRows(this.raw.actors());
    // Both clocks are the host's `performance.now()`, the runtime's from its creation: the
    // smallest difference seen is the closest to their offset.
    const offset = hostNow() - rows.at;
    if (this.#offset === undefined || offset < this.#offset) this.#offset = offset;
    return rows;
  }

  topics(): readonly RawTopicInfo[] {
    return this.raw.topics();
  }

  /** The system's counters (the last ones once it is shut down or aborted). */
  metrics(): SystemMetrics | undefined {
    try {
      if (this.live) this.#lastMetrics = this.raw.metrics();
    } catch {
      // Shut down meanwhile: keep the last counters.
    }
    return this.#lastMetrics;
  }

  /** Carries out `stop` / `send` (through the tap, if any, so that the adapter sees the message). */
  act(command: { readonly type: "stop" | "send"; readonly actor: string; readonly text?: string }): void {
    if (!this.live) {
      const code = this.system.isAborted ? "RUNTIME_ABORTED" : "RUNTIME_SHUT_DOWN";
      throw Object.assign(new Error(`the system is ${this.system.isAborted ? "aborted" : "shut down"}`), { code });
    }
    const handle = this.handleOf(command.actor);
    if (handle === undefined) throw Object.assign(new Error(`no actor ${command.actor} on node ${this.node}`), { code: "NO_SUCH_ACTOR" });
    // The core tells a stopped actor (ACTOR_STOPPED) from one that never was (NO_SUCH_ACTOR).
    if (command.type === "stop") this.raw.stop(handle);
    else {
      const refused = this.raw.tell(handle, { type: "InspectorMessage", text: command.text ?? "" } satisfies InspectorMessage);
      if (refused !== undefined) throw refused;
    }
  }

  idText(handle: number): string {
    return this.system.idText(handle);
  }

  handleOf(id: string | undefined | null): number | undefined {
    const parts = /^(\d+)\.(\d+)\.(\d+)$/.exec(id ?? "");
    if (!parts || Number(parts[1]) !== this.node) return undefined;
    return Number(parts[2]) + Number(parts[3]) * TWO_32;
  }

  #install(): void {
    const system = this.system as unknown as SystemInternals;
    this.spawns.clear();
    this.#off = this.system.on((event) => this.#event(event));
    // The behaviour's own name (its factory's or class's) is only known above the module's call.
    const { spawnActor, getOrSpawn } = system;
    this.#installed.push(
      wrap(system, {
        spawnActor: (behaviour: unknown, options: unknown, parent: number) =>
          this.#spawn(typeName(behaviour), nameOf(options), parent, () => spawnActor.call(system, behaviour, options, parent)),
        getOrSpawn: (name: string, behaviour: unknown) =>
          this.#isLive(name) ? getOrSpawn.call(system, name, behaviour) : this.#spawn(typeName(behaviour), name, TOP_LEVEL, () => getOrSpawn.call(system, name, behaviour)),
      }),
    );
    this.#readClock();
  }

  #uninstall(): void {
    this.#off?.();
    this.#off = undefined;
    for (const installed of this.#installed) unwrap(installed);
    this.#installed = [];
    this.spawns.clear();
  }

  /** Reads the core once for its clock (not possible from inside a handler: the host's meanwhile). */
  #readClock(): void {
    try {
      if (this.live) this.actors();
    } catch {
      // RUNTIME_BUSY: the next snapshot sets it.
    }
  }

  #isLive(name: string): boolean {
    try {
      return this.raw.lookup(name) !== undefined;
    } catch {
      return false; // the call itself reports it
    }
  }

  #spawn<R extends { readonly handle: number }>(type: string, name: string | null, parent: number, call: () => R): R {
    const outer = this.#spawning;
    const spawning = { spawn: { type, name, parent: parent === TOP_LEVEL ? null : this.idText(parent) }, claimed: false };
    this.#spawning = spawning;
    try {
      const ref = call();
      this.spawns.set(ref.handle, spawning.spawn);
      return ref;
    } finally {
      this.#spawning = outer;
    }
  }

  #tap(): void {
    const raw = this.raw;
    const proto = Object.getPrototypeOf(raw) as RawRuntime;
    const sent = (to: number, message: unknown) => {
      for (const tap of this.#taps) tap(to, this.current, message);
    };
    this.#tapped = wrap(raw, {
      spawn: (behaviour: Parameters<RawRuntime["spawn"]>[0], options: unknown, parent: number) => proto.spawn.call(raw, this.#instrument(behaviour), options, parent),
      getOrSpawn: (name: string, behaviour: Parameters<RawRuntime["getOrSpawn"]>[1]) => proto.getOrSpawn.call(raw, name, this.#instrument(behaviour)),
      tell: (id: number, message: unknown) => {
        const refused = proto.tell.call(raw, id, message);
        if (refused === undefined) sent(id, message);
        return refused;
      },
      ask: (id: number, message: unknown, timeout: number | undefined, resolve: (reply: unknown) => void, reject: (error: unknown) => void) => {
        let rejected = false;
        const refused = proto.ask.call(raw, id, message, timeout, resolve, (error) => {
          rejected = true;
          reject(error);
        });
        if (refused === undefined && !rejected) sent(id, message);
        return refused;
      },
    });
  }

  #untap(): void {
    if (this.#tapped) unwrap(this.#tapped);
    this.#tapped = undefined;
    this.current = -1;
  }

  /** A behaviour (or factory) that says whose handler is running, for the tap's `from`. */
  #instrument<B>(source: B): B {
    if (typeof source === "function") return (() => this.#instrumentBehaviour((source as () => unknown)())) as B;
    return this.#instrumentBehaviour(source);
  }

  #instrumentBehaviour<B>(behaviour: B): B {
    const b = behaviour as RawBehaviourLike | null;
    if (typeof b?.receive !== "function") return behaviour; // invalid: the runtime reports it
    const receive = b.receive;
    const probe = this;
    // The hooks stay methods of `b` (the package's behaviours keep their state in private
    // fields): bound, and only those `b` has, since the module calls only hooks that exist.
    const hooks: Record<string, unknown> = {};
    for (const name of ["started", "stopped", "terminated"] as const) {
      const hook = (b as unknown as Record<string, unknown>)[name];
      if (typeof hook === "function") hooks[name] = hook.bind(b);
    }
    return {
      ...hooks,
      receive(message: unknown, sender: number, self: number): unknown {
        if (probe.#taps.size === 0) return receive.call(b, message, sender, self); // no one watches
        const outer = probe.current;
        probe.current = self;
        try {
          return receive.call(b, message, sender, self);
        } finally {
          probe.current = outer;
        }
      },
    } as B;
  }

  #event(event: SystemEvent): void {
    const at = this.now();
    let out: InspectorEvent;
    switch (event.type) {
      case "spawned": {
        const parent = event.parent ?? null;
        const handle = this.handleOf(event.id);
        const spawning = this.#spawning;
        if (handle !== undefined && spawning && !spawning.claimed && !this.spawns.has(handle) && parent === spawning.spawn.parent) {
          spawning.claimed = true;
          this.spawns.set(handle, spawning.spawn); // before the module's call returns
        }
        out = { kind: "spawned", at, id: event.id, parent, name: event.name ?? null };
        break;
      }
      case "stopped": {
        const handle = this.handleOf(event.id);
        if (handle !== undefined) this.spawns.delete(handle);
        out = { kind: "stopped", at, id: event.id, reason: event.reason };
        break;
      }
      case "failed":
      case "restarted":
        out = { kind: event.type, at, id: event.id, error: event.error };
        break;
      case "deadLetter": {
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
        // A fresh instance (restartOnAbort): new handles, a new clock, a new raw runtime to tap.
        this.spawns.clear();
        this.#offset = undefined;
        if (this.#tapped) {
          this.#untap();
          this.#tap();
        }
        this.#readClock();
        return;
      default:
        return;
    }
    for (const view of this.views) view.push(out, undefined);
  }
}

/** Shadows methods of `target` with own properties (until {@link unwrap}). */
function wrap(target: object, methods: Record<string, unknown>): { target: object; keys: string[] } {
  Object.assign(target, methods);
  return { target, keys: Object.keys(methods) };
}

function unwrap({ target, keys }: { target: object; keys: string[] }): void {
  for (const key of keys) delete (target as Record<string, unknown>)[key];
}

function nameOf(options: unknown): string | null {
  const name = (options as { name?: unknown } | undefined)?.name;
  return typeof name === "string" ? name : null;
}

function typeName(source: unknown): string {
  if (typeof source === "function" && source.name) return source.name;
  const ctor = (source as { constructor?: { name?: string } } | null)?.constructor;
  if (typeof source === "object" && source !== null && ctor && ctor !== Object && ctor.name) return ctor.name;
  return "JsActor";
}
