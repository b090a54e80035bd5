/**
 * Backstage actors for TypeScript. Import from `backstage-actors` (the WebAssembly module is
 * loaded for you: from disk in Node, inlined elsewhere), `backstage-actors/web` (fetched next
 * to the package) or `backstage-actors/slim` (you call `initialize` with the module).
 *
 * @example
 * ```ts
 * import { ActorSystem } from "backstage-actors";
 *
 * type CounterMsg = { type: "add"; by: number } | { type: "get" };
 * const system = ActorSystem.create();
 * const counter = system.spawn<CounterMsg, number>(() => {
 *   let total = 0;
 *   return {
 *     receive(msg) {
 *       if (msg.type === "add") total += msg.by;
 *       return total;
 *     },
 *   };
 * });
 * counter.tell({ type: "add", by: 2 });
 * console.log(await counter.ask({ type: "get" })); // 2
 * ```
 */
export * from "./errors.js";
export { ActorRef, ActorSystem, RustActorRef, Stream } from "./system.js";
export { CALL, contextOf } from "./proxy.js";
export type { ActorClass, ActorProxy, CallMessage } from "./proxy.js";
export type {
  AbortSignalLike,
  ActorContext,
  AskOptions,
  Behaviour,
  BehaviourSource,
  CborValue,
  DeadLetter,
  Overflow,
  RustActors,
  RustMethods,
  StatsSummary,
  SpawnOptions,
  StopReason,
  SupervisorOptions,
  SystemEvent,
  SystemMetrics,
  SystemOptions,
} from "./system.js";
