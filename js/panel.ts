/**
 * The QA overlay (`dist/persona-panel.js`), loaded on demand by `persona.qa.panel()` or a page
 * opened with `?persona_debug=1`; the main bundles do not carry it. It shows what persona knows
 * about this visitor on this page: ids and consent, the segments, the profile's attributes as
 * conditions read them, and the events recorded while it is open. Everything is written with
 * `textContent` inside a shadow root: a trait or an event property holding markup stays text, and
 * the shop's CSS cannot reach in.
 */
import type { Persona } from "./index.js";

const PANEL_ID = "persona-qa-panel";
const MAX_EVENTS = 50;

const STYLE = `
:host { all: initial; }
.panel { position: fixed; right: 12px; bottom: 12px; z-index: 2147483647; width: 380px; max-height: 70vh;
  overflow: auto; background: #111827; color: #e5e7eb; font: 12px/1.4 ui-monospace, monospace;
  border-radius: 8px; box-shadow: 0 8px 24px rgba(0,0,0,.35); }
header { display: flex; justify-content: space-between; align-items: center; padding: 8px 10px;
  background: #1f2937; position: sticky; top: 0; }
h2 { font-size: 12px; margin: 10px 10px 4px; color: #93c5fd; }
pre { margin: 0 10px 8px; white-space: pre-wrap; word-break: break-word; }
ul { margin: 0 10px 8px; padding-left: 16px; }
button { font: inherit; background: #374151; color: inherit; border: 0; border-radius: 4px; padding: 2px 8px; cursor: pointer; }
`;

function element<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (text !== undefined) el.textContent = text;
  return el;
}

function section(parent: HTMLElement, title: string): HTMLElement {
  parent.append(element("h2", title));
  const body = element("div");
  parent.append(body);
  return body;
}

/**
 * Opens the overlay for `persona` (once: a second call keeps the open one). Returns a function
 * that closes it.
 */
export function mount(persona: Persona): () => void {
  const existing = document.getElementById(PANEL_ID);
  if (existing) return () => existing.remove();
  const host = element("div");
  host.id = PANEL_ID;
  const root = host.attachShadow({ mode: "open" });
  const style = element("style", STYLE);
  const panel = element("div");
  panel.className = "panel";
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", "persona QA");
  const header = element("header");
  header.append(element("strong", "persona QA"));
  const close = element("button", "close");
  header.append(close);
  panel.append(header);

  const visitor = section(panel, "Visitor");
  const segments = section(panel, "Segments");
  const experiments = section(panel, "Experiments");
  const profile = section(panel, "Profile");
  const events = section(panel, "Events on this page");
  const eventList = element("ul");
  events.append(eventList);

  const render = (): void => {
    const consent = persona.consent.state();
    visitor.replaceChildren(
      element("pre", `anonymousId  ${persona.anonymousId() ?? "(none: degraded)"}\nconsent      ${JSON.stringify(consent)}`),
    );
    const keys = persona.segments();
    segments.replaceChildren(keys.length ? element("pre", keys.join("\n")) : element("pre", "(none)"));
    experiments.replaceChildren(element("pre", "(none configured)"));
    profile.replaceChildren(element("pre", JSON.stringify(persona.profile(), null, 2)));
  };
  render();

  const unsubscribe = [
    persona.on("event", (event) => {
      const item = element("li", `${event.event ?? event.type}  ${JSON.stringify(event.properties ?? {})}`);
      eventList.prepend(item);
      while (eventList.childElementCount > MAX_EVENTS) eventList.lastElementChild?.remove();
      render();
    }),
    persona.on("segments", render),
  ];
  const closePanel = (): void => {
    for (const off of unsubscribe) off();
    host.remove();
  };
  close.addEventListener("click", closePanel);
  root.append(style, panel);
  document.body.append(host);
  return closePanel;
}
