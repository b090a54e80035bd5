// CommonJS entry (`require("backstage-actors")`, compiled by tsconfig.cjs.json into dist/cjs/):
// the CommonJS copy of the glue factory, instantiated synchronously from the .wasm file on disk.
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { bindRuntime, type Glue } from "./system.js";

const { createGlue } = require("../../pkg/backstage_wasm.cjs") as { createGlue(): Glue };
const glue = createGlue();
glue.initSync({ module: readFileSync(join(__dirname, "..", "..", "pkg", "backstage_wasm_bg.wasm")) });
bindRuntime(glue, createGlue);

export * from "./index.js";
