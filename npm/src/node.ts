// Node entry (`import "backstage-actors"` under the `node` condition): instantiates the module
// synchronously from the .wasm next to the package, read from disk (no base64 cost).
import { readFileSync } from "node:fs";

import { createGlue } from "../pkg/backstage_wasm.js";
import { bindRuntime } from "./system.js";

const glue = createGlue();
glue.initSync({ module: readFileSync(new URL("../pkg/backstage_wasm_bg.wasm", import.meta.url)) });
bindRuntime(glue, createGlue);

export * from "./index.js";
