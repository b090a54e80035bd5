// Shared by the end-to-end tests (npm/test/examples-web.test.mjs): Debian's Chromium driven by
// playwright-core with a fresh profile, and a minimal WebSocket endpoint (RFC 6455 text frames,
// no dependencies) that serves the inspector protocol of an `inspect(system)` running in Node —
// a stand-in for the native driver's endpoint. Everything is bounded in time and cleaned up.
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { CHROMIUM, CHROMIUM_ARGS, within } from "../npm/scripts/chromium.mjs";

export { CHROMIUM, within };

/**
 * Launches headless Chromium through `chromium` (playwright-core's, passed in by the test, which
 * resolves it from npm/node_modules) with a fresh profile; returns `{ context, close }` (`close`
 * ends the browser within 15 s and removes the profile).
 */
export async function launchChromium(chromium) {
  const profile = mkdtempSync(join(tmpdir(), "backstage-examples-"));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      timeout: 30_000,
      viewport: { width: 1400, height: 900 },
      args: CHROMIUM_ARGS,
    });
  } catch (e) {
    rmSync(profile, { recursive: true, force: true });
    throw e;
  }
  return {
    context,
    async close() {
      try {
        await within(context.close(), 15_000, "closing Chromium");
      } finally {
        rmSync(profile, { recursive: true, force: true });
      }
    },
  };
}

/** Records a page's console errors, page errors, failed requests and HTTP errors. */
export function watchProblems(page) {
  const problems = [];
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console error: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.stack ?? e.message}`));
  page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ""}`));
  page.on("response", (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  return problems;
}

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/** One server→client text frame (unmasked). */
function textFrame(text) {
  const payload = Buffer.from(text, "utf8");
  const n = payload.length;
  const head = n < 126 ? Buffer.from([0x81, n]) : n < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  if (n >= 126 && n < 65536) {
    head[0] = 0x81;
    head[1] = 126;
    head.writeUInt16BE(n, 2);
  } else if (n >= 65536) {
    head[0] = 0x81;
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(n), 2);
  }
  return Buffer.concat([head, payload]);
}

/**
 * Reads complete client frames from `buffer`; returns `{ frames: [{ opcode, payload }], rest }`.
 * Client frames are masked (RFC 6455 §5.3); fragmented messages are not needed here.
 */
function readFrames(buffer) {
  const frames = [];
  let at = 0;
  for (;;) {
    if (buffer.length - at < 2) break;
    const opcode = buffer[at] & 0x0f;
    let len = buffer[at + 1] & 0x7f;
    let offset = at + 2;
    if (len === 126) {
      if (buffer.length - offset < 2) break;
      len = buffer.readUInt16BE(offset);
      offset += 2;
    } else if (len === 127) {
      if (buffer.length - offset < 8) break;
      len = Number(buffer.readBigUInt64BE(offset));
      offset += 8;
    }
    const masked = (buffer[at + 1] & 0x80) !== 0;
    const maskAt = offset;
    if (masked) offset += 4;
    if (buffer.length - offset < len) break;
    const payload = Buffer.from(buffer.subarray(offset, offset + len));
    if (masked) for (let i = 0; i < len; i++) payload[i] ^= buffer[maskAt + (i % 4)];
    frames.push({ opcode, payload });
    at = offset + len;
  }
  return { frames, rest: buffer.subarray(at) };
}

/**
 * Serves `inspection` (from `backstage-actors/inspector`) over WebSocket on 127.0.0.1, port 0:
 * each connection is `inspection.connect(...)`, frames as JSON text. Resolves with
 * `{ url, connections(), close() }`.
 */
export async function serveInspection(inspection) {
  const sockets = new Set();
  const server = createServer((_, res) => res.writeHead(426).end());
  server.on("upgrade", (req, socket) => {
    const key = req.headers["sec-websocket-key"];
    if (typeof key !== "string") {
      socket.end("HTTP/1.1 400 Bad Request\r\n\r\n");
      return;
    }
    const accept = createHash("sha1").update(key + GUID).digest("base64");
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    sockets.add(socket);
    const connection = inspection.connect((frame) => {
      if (!socket.destroyed) socket.write(textFrame(JSON.stringify(frame)));
    });
    let pending = Buffer.alloc(0);
    socket.on("data", (chunk) => {
      const { frames, rest } = readFrames(Buffer.concat([pending, chunk]));
      pending = rest;
      for (const { opcode, payload } of frames) {
        if (opcode === 0x1) connection.send(payload.toString("utf8"));
        else if (opcode === 0x8) socket.end(Buffer.from([0x88, 0]));
        else if (opcode === 0x9) socket.write(Buffer.concat([Buffer.from([0x8a, payload.length]), payload]));
      }
    });
    const gone = () => {
      connection.close();
      sockets.delete(socket);
    };
    socket.on("close", gone);
    socket.on("error", gone);
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address();
  return {
    url: `ws://127.0.0.1:${port}`,
    connections: () => sockets.size,
    close() {
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      return within(new Promise((resolve) => server.close(() => resolve())), 5_000, "closing the WebSocket server");
    },
  };
}
