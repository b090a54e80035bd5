// The ways the inspector reaches a runtime. All carry the same protocol frames
// (docs/inspector-protocol.md): a WebSocket to a native runtime, the page's own runtime through
// `inspect(system).connect(...)`, and a page that opened this one (postMessage).
import type { Command, Inspection, InspectorConnection, RuntimeFrame } from "backstage-actors/inspector";

export type Status = "connecting" | "open" | "closed";

/** An open link to a runtime. */
export interface Link {
  send(command: Command): void;
  close(): void;
}

/** A runtime to inspect. */
export interface Transport {
  /** What the header shows, e.g. "in-page" or the WebSocket's URL. */
  readonly label: string;
  /** Opens the link; `onStatus("open")` is the moment to send `watch`. */
  open(onFrame: (frame: RuntimeFrame) => void, onStatus: (status: Status, detail?: string) => void): Link;
}

/** The runtime of this page. */
export function inPage(inspection: Inspection, label = "in-page"): Transport {
  return {
    label,
    open(onFrame, onStatus) {
      const connection = inspection.connect(onFrame);
      queueMicrotask(() => onStatus("open"));
      return { send: (command) => connection.send(command), close: () => connection.close() };
    },
  };
}

/** A native runtime's endpoint, e.g. `ws://127.0.0.1:9230`; reconnects with back-off. */
export function webSocket(url: string): Transport {
  return {
    label: url,
    open(onFrame, onStatus) {
      let socket: WebSocket | undefined;
      let closed = false;
      let retryMs = 500;
      let timer: number | undefined;
      const connect = () => {
        onStatus("connecting", url);
        try {
          socket = new WebSocket(url);
        } catch (e) {
          onStatus("closed", `cannot connect to ${url}: ${String(e)}`);
          return;
        }
        socket.onopen = () => {
          retryMs = 500;
          onStatus("open", url);
        };
        socket.onmessage = (e: MessageEvent) => {
          let frame: RuntimeFrame;
          try {
            frame = JSON.parse(String(e.data)) as RuntimeFrame;
          } catch {
            return; // not a frame
          }
          onFrame(frame);
        };
        socket.onclose = () => {
          if (closed) return;
          onStatus("closed", `disconnected from ${url}; retrying in ${(retryMs / 1000).toFixed(1)} s`);
          timer = window.setTimeout(connect, retryMs);
          retryMs = Math.min(retryMs * 2, 5000);
        };
      };
      connect();
      return {
        send(command) {
          if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(command));
        },
        close() {
          closed = true;
          window.clearTimeout(timer);
          socket?.close();
        },
      };
    },
  };
}

/** The messages between an inspector window and the page that opened it. */
type WindowMessage =
  | { readonly backstageInspector: "connect" }
  | { readonly backstageInspector: "close" }
  | { readonly backstageInspector: "command"; readonly command: Command }
  | { readonly backstageInspector: "frame"; readonly frame: RuntimeFrame };

function isWindowMessage(data: unknown): data is WindowMessage {
  return typeof data === "object" && data !== null && typeof (data as { backstageInspector?: unknown }).backstageInspector === "string";
}

/** The page that opened this window (see {@link shareWithWindows}). */
export function opener(target: Window): Transport {
  return {
    label: "the page that opened this window",
    open(onFrame, onStatus) {
      const post = (message: WindowMessage) => target.postMessage(message, location.origin);
      const listen = (e: MessageEvent) => {
        if (e.source !== target || e.origin !== location.origin || !isWindowMessage(e.data)) return;
        if (e.data.backstageInspector === "frame") onFrame(e.data.frame);
      };
      window.addEventListener("message", listen);
      const leave = () => post({ backstageInspector: "close" });
      window.addEventListener("pagehide", leave);
      post({ backstageInspector: "connect" });
      queueMicrotask(() => onStatus("open"));
      return {
        send: (command) => post({ backstageInspector: "command", command }),
        close() {
          window.removeEventListener("message", listen);
          window.removeEventListener("pagehide", leave);
          leave();
        },
      };
    },
  };
}

/** Serves `inspection` to the inspector windows this page opens (the other end of {@link opener}). */
export function shareWithWindows(inspection: Inspection): void {
  const connections = new Map<Window, InspectorConnection>();
  window.addEventListener("message", (e: MessageEvent) => {
    if (e.origin !== location.origin || !isWindowMessage(e.data) || !e.source) return;
    const source = e.source as Window;
    switch (e.data.backstageInspector) {
      case "connect":
        connections.get(source)?.close();
        connections.set(
          source,
          inspection.connect((frame) => {
            if (source.closed) {
              connections.get(source)?.close();
              connections.delete(source);
            } else source.postMessage({ backstageInspector: "frame", frame } satisfies WindowMessage, location.origin);
          }),
        );
        break;
      case "command":
        connections.get(source)?.send(e.data.command);
        break;
      case "close":
        connections.get(source)?.close();
        connections.delete(source);
        break;
    }
  });
}
