// Compiles the examples' TypeScript (src/) into build/ with the repository's tsc (npm's
// devDependency), type-checked against the built package's declarations (npm/dist). Run after
// `cd npm && node scripts/build.mjs`.
import { execFileSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

/** Compiles src/ into build/ (throws with tsc's output if it fails; at most `timeout` ms). */
export function buildExamples({ timeout = 120_000 } = {}) {
  const npm = join(here, "..", "npm");
  if (!existsSync(join(npm, "dist", "inspector.d.ts"))) throw new Error("npm/dist is not built: run `cd npm && node scripts/build.mjs` first");
  rmSync(join(here, "build"), { recursive: true, force: true });
  execFileSync(join(npm, "node_modules", ".bin", "tsc"), ["-p", here], { cwd: here, stdio: "pipe", timeout });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  try {
    buildExamples();
  } catch (e) {
    process.stderr.write(`${e.stdout ?? ""}${e.stderr ?? ""}${e.stdout || e.stderr ? "" : e.message}\n`);
    process.exit(1);
  }
  console.log("examples-web/build: compiled");
}
