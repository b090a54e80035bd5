// A small read-only static server for the web examples, on 127.0.0.1 (Node, no dependencies).
// It serves this folder (the pages, their styles and build/, the compiled TypeScript) and the
// built npm package under /npm/ (only its dist/ and pkg/), which the pages import through an
// import map. Nothing else of the repository is reachable.
//
//   node examples-web/serve.mjs [--port 8080]     (port 0: any free port)
import { existsSync, readFileSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, extname, join, normalize, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const npm = join(here, "..", "npm");

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

/** Where a URL path lives on disk (`dir`: it named a folder), or undefined if it is not served. */
function resolve(path) {
  const [root, rest] = path.startsWith("/npm/dist/") || path.startsWith("/npm/pkg/") ? [npm, path.slice("/npm".length)] : [here, path];
  if (root === here && /^\/(test|node_modules|artifacts)(\/|$)|\.mjs$/.test(path)) return undefined; // the server's and tests' own files
  let file = normalize(join(root, rest));
  if (!file.startsWith(root + sep) && file !== root) return undefined;
  const dir = existsSync(file) && statSync(file).isDirectory();
  if (dir) file = join(file, "index.html");
  return existsSync(file) && statSync(file).isFile() ? { file, dir } : undefined;
}

/** Serves the examples on 127.0.0.1:`port` (0: any free port); resolves with the server once listening. */
export function startServer({ port = 0, log = false } = {}) {
  const server = createServer((req, res) => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    let url;
    let path;
    try {
      url = new URL(req.url ?? "/", "http://127.0.0.1");
      path = decodeURIComponent(url.pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    const found = resolve(path);
    if (log) console.log(`${req.method} ${path} ${found ? 200 : 404}`);
    if (!found) {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" }).end("not found");
      return;
    }
    if (found.dir && !path.endsWith("/")) {
      res.writeHead(301, { location: `${url.pathname}/${url.search}` }).end(); // so that relative links resolve
      return;
    }
    const { file } = found;
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "cache-control": "no-store" });
    res.end(req.method === "HEAD" ? undefined : readFileSync(file));
  });
  return new Promise((resolveServer, reject) => {
    server.once("error", (e) => {
      if (e.code !== "EADDRINUSE" || port === 0) return reject(e);
      console.warn(`port ${port} is taken: serving on another one`);
      server.listen(0, "127.0.0.1"); // the listening callback below still fires
    });
    server.listen(port, "127.0.0.1", () => resolveServer(server));
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const at = process.argv.indexOf("--port");
  const port = at === -1 ? 8080 : Number(process.argv[at + 1]);
  if (!existsSync(join(npm, "dist", "inspector.js"))) console.warn("npm/dist is not built: run `cd npm && node scripts/build.mjs` first");
  if (!existsSync(join(here, "build"))) console.warn("examples-web/build is missing: run `node examples-web/build.mjs` first");
  const server = await startServer({ port, log: process.argv.includes("--log") });
  const { port: bound } = server.address();
  console.log(`Backstage web examples: http://127.0.0.1:${bound}/`);
  const stop = () => server.close(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
