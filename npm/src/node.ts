// Node entry: instantiates the module synchronously from the file next to it.
import { readFileSync } from "node:fs";

import { bindRuntime, type RawRuntimeClass } from "./system.js";

interface Bindings {
  initSync(options: { module: ArrayBufferView }): unknown;
  Runtime: RawRuntimeClass;
}

const bindings = (await import(new URL("../pkg/backstage_wasm.js", import.meta.url).href)) as Bindings;
bindings.initSync({ module: readFileSync(new URL("../pkg/backstage_wasm_bg.wasm", import.meta.url)) });
bindRuntime(bindings.Runtime);

export * from "./index.js";
