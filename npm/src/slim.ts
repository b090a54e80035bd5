// Slim entry (ESM): the caller provides the module (bytes, a compiled Module, a URL or a
// Response), as a Web Worker or a custom loader needs. `backstage-actors/backstage.wasm` is
// the package's module, for `import.meta.resolve`, `require.resolve` or a bundler's asset import.
import { createGlue } from "../pkg/backstage_wasm.js";
import type { ModuleSource } from "./source.js";
import { bindRuntime } from "./system.js";

export type { ModuleSource } from "./source.js";

const glue = createGlue();

/** Instantiates the WebAssembly module; call once before `ActorSystem.create()`. */
export async function initialize(module: ModuleSource): Promise<void> {
  await glue.init({ module_or_path: module });
  bindRuntime(glue, createGlue);
}

export * from "./index.js";
