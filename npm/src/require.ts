// CommonJS entry (`require("backstage-actors")`, compiled by tsconfig.cjs.json into dist/cjs/):
// wasm-bindgen's `--target nodejs` glue (pkg-node/, CommonJS) instantiates the module
// synchronously on require. It reads the same optimised .wasm as the ESM entries (pkg/).
import { bindRuntime, type RawRuntimeClass } from "./system.js";

interface Bindings {
  Runtime: RawRuntimeClass;
}

const bindings = require("../../pkg-node/backstage_wasm.js") as Bindings;
bindRuntime(bindings.Runtime);

export * from "./index.js";
