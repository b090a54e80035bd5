// The inspector page (inspector/index.html): `?ws=ws://127.0.0.1:9230` inspects a native
// runtime over its WebSocket endpoint; opened by an example page ("open in a window"), it
// inspects that page's runtime. Without either it asks for an address.
import { opener, webSocket, type Transport } from "./transports.js";
import { mountInspector } from "./view.js";

const app = document.getElementById("app") as HTMLElement;
const params = new URLSearchParams(location.search);
const ws = params.get("ws");
const transport: Transport | undefined = ws ? webSocket(ws) : params.has("opener") && window.opener ? opener(window.opener as Window) : undefined;

if (transport) {
  document.title = `Backstage inspector — ${transport.label}`;
  const inspector = mountInspector(app, transport);
  (window as { inspector?: unknown }).inspector = inspector; // for the console (and the tests)
} else {
  const form = document.getElementById("connect") as HTMLFormElement;
  form.hidden = false;
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const url = (form.elements.namedItem("ws") as HTMLInputElement).value.trim();
    if (url) location.search = `?ws=${encodeURIComponent(url)}`;
  });
}
