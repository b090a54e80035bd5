/**
 * Typed proxies: actors whose methods are their messages. A class's instance is the actor's
 * state and its methods the messages (`system.actor(Counter, "counter-1").increment(5)`); a
 * Rust `#[actor]` the module exports is called the same way (`system.rustActor("Stats", id)`).
 */

import { BackstageError, toBackstageError } from "./errors.js";
import type { ActorContext, ActorRef, AskOptions, Behaviour } from "./system.js";

/** The key of a call object: `{ [CALL]: method, args }` (also what Rust actors send). */
export const CALL: unique symbol = Symbol.for("backstage.call") as never;
/** The key of the error a class actor answers a call it cannot take with. */
const CALL_ERROR = Symbol.for("backstage.callError");

/** A method call as a message. */
export interface CallMessage {
  readonly [CALL]: string;
  readonly args: readonly unknown[];
}

type Hook = "started" | "stopped" | "terminated" | "receive" | "constructor";

/**
 * The proxy of an actor whose messages are the methods of `T`: every method takes the same
 * arguments and returns a promise of its result (an ask; a failure rejects it). `ref` is the
 * actor's plain reference (stop, poison, id).
 */
export type ActorProxy<T> = {
  readonly [K in keyof T as K extends Hook ? never : T[K] extends (...args: never[]) => unknown ? K : never]: T[K] extends (
    ...args: infer A
  ) => infer R
    ? (...args: A) => Promise<Awaited<R>>
    : never;
} & { readonly ref: ActorRef<CallMessage, unknown> };

/** A class whose instances are actors (constructed with the id they are activated under). */
export type ActorClass<T extends object> = new (id: string) => T;

const contexts = new WeakMap<object, ActorContext<CallMessage, unknown>>();

/**
 * The context of the call a class actor's method is handling (inside the method, or after an
 * `await` in it): `contextOf(this).system`, `contextOf(this).sender`.
 */
export function contextOf(actor: object): ActorContext<CallMessage, unknown> {
  const ctx = contexts.get(actor);
  if (!ctx) throw new BackstageError("INVALID_ARGUMENT", "not an actor instance (contextOf takes `this` inside an actor method)");
  return ctx;
}

function isCall(message: unknown): message is CallMessage {
  return typeof message === "object" && message !== null && typeof (message as { [CALL]?: unknown })[CALL] === "string";
}

/** The methods of a class that are messages (own and inherited, not hooks). */
function methodsOf(prototype: object): string[] {
  const names = new Set<string>();
  for (let p = prototype; p && p !== Object.prototype; p = Object.getPrototypeOf(p) as object) {
    for (const name of Object.getOwnPropertyNames(p)) {
      const descriptor = Object.getOwnPropertyDescriptor(p, name);
      if (typeof descriptor?.value === "function" && !HOOKS.has(name)) names.add(name);
    }
  }
  return [...names];
}
const HOOKS = new Set<string>(["started", "stopped", "terminated", "receive", "constructor"]);
const classMethods = new WeakMap<object, ReadonlySet<string>>();

/** The behaviour of a class actor: calls go to the instance's methods. */
export function classBehaviour<T extends object>(instance: T): Behaviour<CallMessage, unknown> {
  const prototype = Object.getPrototypeOf(instance) as object;
  let methods = classMethods.get(prototype);
  if (!methods) classMethods.set(prototype, (methods = new Set(methodsOf(prototype))));
  const known = methods;
  const hooks = instance as Partial<Behaviour<CallMessage, unknown>> & { receive?: (m: unknown, ctx: unknown) => unknown };
  return {
    receive(message, ctx) {
      contexts.set(instance, ctx);
      if (!isCall(message)) {
        // A publication or a plain tell: the class's own `receive`, if it has one.
        if (typeof hooks.receive === "function") return hooks.receive.call(instance, message, ctx);
        throw new BackstageError("INVALID_ARGUMENT", `${prototype.constructor.name} takes method calls only`);
      }
      const name = message[CALL];
      if (!known.has(name)) {
        return { [CALL_ERROR]: { code: "UNKNOWN_METHOD", message: `${prototype.constructor.name} has no method '${name}'` } };
      }
      return (instance as Record<string, (...args: unknown[]) => unknown>)[name]!(...message.args);
    },
    started: hooks.started ? (ctx) => (contexts.set(instance, ctx), hooks.started!.call(instance, ctx)) : undefined,
    stopped: hooks.stopped ? (ctx) => (contexts.set(instance, ctx), hooks.stopped!.call(instance, ctx)) : undefined,
    terminated: hooks.terminated
      ? (other, reason, ctx) => (contexts.set(instance, ctx), hooks.terminated!.call(instance, other, reason, ctx))
      : undefined,
  } as Behaviour<CallMessage, unknown>;
}

/** Turns the error marker a class actor answers with into the typed error. */
function unwrap(reply: unknown): unknown {
  if (typeof reply === "object" && reply !== null && CALL_ERROR in reply) {
    const { code, message } = (reply as Record<typeof CALL_ERROR, { code: string; message: string }>)[CALL_ERROR];
    throw toBackstageError(Object.assign(new Error(message), { code }));
  }
  return reply;
}

/** A proxy whose methods are `methods`, each sent with `send(method, args)`. */
export function makeProxy<T>(
  ref: ActorRef<CallMessage, unknown>,
  methods: readonly string[],
  send: (method: string, args: unknown[]) => Promise<unknown>,
): ActorProxy<T> {
  const proxy: Record<string, unknown> = { ref };
  for (const method of methods) {
    proxy[method] = (...args: unknown[]) => {
      const reply = send(method, args);
      // Ignored results (a fire-and-forget call) must not be unhandled rejections: the failure
      // still reaches the actor's supervisor and the system's events.
      reply.catch(() => {});
      return reply;
    };
  }
  return Object.freeze(proxy) as ActorProxy<T>;
}

/** The proxy of a class actor. */
export function classProxy<T extends object>(cls: ActorClass<T>, ref: ActorRef<CallMessage, unknown>, options?: AskOptions): ActorProxy<T> {
  return makeProxy<T>(ref, methodsOf(cls.prototype as object), (method, args) =>
    ref.ask({ [CALL]: method, args }, options).then(unwrap),
  );
}
