// What every example page shares: the inspector embedded under the example, on the page's own
// system, and a button that opens it in a window of its own.
import type { Inspection } from "backstage-actors/inspector";

import { inPage, shareWithWindows } from "../inspector/transports.js";
import { mountInspector, type MountedInspector } from "../inspector/view.js";

/** The element matching `selector` (which the page must have). */
export function $<T extends HTMLElement = HTMLElement>(selector: string): T {
  const found = document.querySelector<T>(selector);
  if (!found) throw new Error(`the page has no ${selector}`);
  return found;
}

/** Embeds the inspector in `#inspector` and wires `#open-inspector` to open it in a window. */
export function attachInspector(inspection: Inspection): MountedInspector {
  const inspector = mountInspector($("#inspector"), inPage(inspection));
  shareWithWindows(inspection);
  $("#open-inspector").addEventListener("click", () => {
    window.open("/inspector/?opener", "_blank", "popup,width=1280,height=800");
  });
  (window as { inspector?: unknown }).inspector = inspector; // for the console (and the tests)
  return inspector;
}

/** Appends a line to a log element, keeping the last `keep`. */
export function log(list: HTMLElement, text: string, keep = 50): void {
  const item = document.createElement("li");
  item.textContent = text;
  list.prepend(item);
  while (list.children.length > keep) list.lastElementChild?.remove();
}
