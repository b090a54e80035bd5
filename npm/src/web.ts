// Fetching entry (`backstage-actors/web`): fetches the .wasm next to the package with
// `new URL(…, import.meta.url)` — for pages that serve the package's files as they are, and for
// bundlers that turn that pattern into an emitted asset (webpack 5, Vite, Parcel). Smaller to
// download than the base64 of the default entry, and compiled while it streams.
import { initialize } from "./slim.js";

await initialize(new URL("../pkg/backstage_wasm_bg.wasm", import.meta.url));

export * from "./index.js";
