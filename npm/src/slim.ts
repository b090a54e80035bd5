// Slim entry: the caller provides the module (bytes, a compiled Module, a URL or a Response),
// as a Web Worker or a custom loader needs.
import { bindRuntime, type RawRuntimeClass } from "./system.js";

interface Bindings {
  default(options: { module_or_path: unknown }): Promise<unknown>;
  Runtime: RawRuntimeClass;
}

/**
 * What {@link initialize} accepts: the module's bytes, a compiled `WebAssembly.Module`, or a
 * URL (string or `URL`) or `Response` to fetch it from. (`URL`, `Response` and `Module` fall
 * under `object`: naming them would make the declarations need the DOM or Node type libraries.)
 */
export type ModuleSource = ArrayBuffer | ArrayBufferView | string | object;

/** Instantiates the WebAssembly module; call once before `ActorSystem.create()`. */
export async function initialize(module: ModuleSource): Promise<void> {
  const bindings = (await import("../pkg/backstage_wasm.js" as string)) as Bindings;
  await bindings.default({ module_or_path: module });
  bindRuntime(bindings.Runtime);
}

export * from "./index.js";
