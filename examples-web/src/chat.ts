// Pub/sub chat between actors: every member is an actor subscribed to the typed stream "room".
// Saying something tells your member actor, which publishes it; every member (the speaker too)
// receives it and shows it in its own column. A bot member answers questions, and members can
// leave (unsubscribe and stop) or join.
import { ActorSystem, type ActorRef } from "backstage-actors";
import { inspect, previewMessage, type InspectorMessage } from "backstage-actors/inspector";

import { $, attachInspector } from "./shared/page.js";

/** What goes through the room. */
interface Said {
  readonly from: string;
  readonly text: string;
}
type MemberMsg = Said | { readonly type: "say"; readonly text: string } | InspectorMessage;

const system = ActorSystem.create();
const inspection = inspect(system, { redact: previewMessage });
const room = system.stream<Said>("room");
const members = new Map<string, ActorRef<MemberMsg>>();

/** A member: shows what it hears in its column; `say` publishes to the room. */
function member(name: string, column: HTMLElement, bot = false) {
  return function Member() {
    const heard = column.querySelector("ol") as HTMLElement;
    return {
      receive(msg: MemberMsg): void {
        if ("from" in msg) {
          const line = document.createElement("li");
          line.textContent = `${msg.from}: ${msg.text}`;
          line.classList.toggle("own", msg.from === name);
          heard.append(line);
          heard.scrollTop = heard.scrollHeight;
          if (bot && msg.from !== name && msg.text.trim().endsWith("?")) room.next({ from: name, text: `good question, ${msg.from}` });
        } else if (msg.type === "say") {
          room.next({ from: name, text: msg.text });
        } else {
          room.next({ from: name, text: `(the inspector made me say) ${msg.text}` });
        }
      },
    };
  };
}

function join(name: string, bot = false): void {
  if (members.has(name)) return;
  const column = document.createElement("section");
  column.className = "member";
  column.dataset["member"] = name;
  column.innerHTML = `<header><b></b><button type="button">leave</button></header><ol></ol>`;
  (column.querySelector("b") as HTMLElement).textContent = bot ? `${name} (bot)` : name;
  $("#members").append(column);
  const ref = system.spawn(member(name, column, bot), { name: `member:${name}` });
  room.subscribe(ref);
  members.set(name, ref);
  (column.querySelector("button") as HTMLElement).addEventListener("click", () => {
    room.unsubscribe(ref);
    ref.stop();
    members.delete(name);
    column.remove();
    refreshSpeakers();
  });
  refreshSpeakers();
}

function refreshSpeakers(): void {
  const select = $<HTMLSelectElement>("#from");
  const current = select.value;
  select.replaceChildren(...[...members.keys()].map((name) => new Option(name, name, false, name === current)));
}

for (const name of ["alice", "bob", "carol"]) join(name);
join("ada", true);

$<HTMLFormElement>("#say").addEventListener("submit", (e) => {
  e.preventDefault();
  const input = $<HTMLInputElement>("#text");
  const speaker = members.get($<HTMLSelectElement>("#from").value);
  if (!speaker || !input.value.trim()) return;
  speaker.tell({ type: "say", text: input.value.trim() });
  input.value = "";
});
let joined = 0;
$("#join").addEventListener("click", () => join(`guest${++joined}`));

attachInspector(inspection);
