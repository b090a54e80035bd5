// Slim entry for require() (`require("backstage-actors/slim")`, compiled by tsconfig.cjs.json
// into dist/cjs/): as slim.ts, over the CommonJS copy of the glue factory.
import type { ModuleSource } from "./source.js";
import { bindRuntime, type Glue } from "./system.js";

export type { ModuleSource } from "./source.js";

const { createGlue } = require("../../pkg/backstage_wasm.cjs") as { createGlue(): Glue };
const glue = createGlue();

/** Instantiates the WebAssembly module; call once before `ActorSystem.create()`. */
export async function initialize(module: ModuleSource): Promise<void> {
  await glue.init({ module_or_path: module });
  bindRuntime(glue, createGlue);
}

export * from "./index.js";
