// Browser entry: fetches the module next to this file.
import { initialize } from "./slim.js";

await initialize(new URL("../pkg/backstage_wasm_bg.wasm", import.meta.url));

export * from "./index.js";
