// Zero-config entry (the `browser` and `default` conditions): the module is inlined as base64 and
// instantiated synchronously on import — no file to fetch, no wasm plugin, no top-level await,
// no `import.meta` — so it works in any bundler (including iife/CommonJS output) and in a plain
// `<script type="module">`.
import { createGlue } from "../pkg/backstage_wasm.js";
import { base64 } from "../pkg/backstage_wasm_base64.js";
import { bindRuntime } from "./system.js";

declare function atob(data: string): string;

function decode(text: string): Uint8Array {
  // Native where there is one (Chromium 140+, Firefox 133+, Safari 18.2+: ≈ 0.5 ms for the module
  // against ≈ 10 ms for the loop).
  const native = (Uint8Array as { fromBase64?: (text: string) => Uint8Array }).fromBase64;
  if (native) return native(text);
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

const glue = createGlue();
glue.initSync({ module: decode(base64) });
bindRuntime(glue, createGlue);

export * from "./index.js";
