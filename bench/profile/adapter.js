// bench/profile.mjs adapter: persona from its npm entry (dist/index.js), started with the options
// the benchmark passes in window.BENCH.options (consent, segments). Sets the
// `window.benchAdapter` that bench/track/harness.js drives, plus `window.benchProfile`: a fast
// history (many events, the clock moved forward between visits) and what the profile holds.
import { Persona } from "/dist/index.js";

let live = null;
const api = () => {
  if (!live) throw new Error("persona is not started");
  return live;
};
const yieldTask = () => new Promise((resolve) => setTimeout(resolve, 0));

window.benchAdapter = {
  async init(bench) {
    live = await Persona.init(bench.options);
  },
  // "Page Viewed" in the event lists is a page view: persona's page(), not a track event.
  track(name, properties) {
    if (name === "Page Viewed") live.page(properties);
    else live.track(name, properties);
  },
  flush() {
    live.flush();
  },
};

window.benchProfile = {
  /** Which parts of the issue-4 API this build has. */
  api() {
    const p = api();
    const fns = ["profile", "segments", "inSegment", "identify", "decide"];
    return Object.fromEntries(fns.map((f) => [f, typeof p[f] === "function"]));
  },
  /** identify(), when the build has it: the traits segments read. */
  identify(userId, traits) {
    const p = api();
    if (typeof p.identify !== "function") return false;
    p.identify(userId, traits);
    return true;
  },
  /**
   * Tracks `events` back to back, yielding to the browser every `chunk` events (so batches go
   * out); `["@advance", ms]` moves the page's clock forward (see bench/profile.mjs). Returns the
   * number of events tracked and the wall time they took.
   */
  async history(events, chunk = 25) {
    const start = performance.now();
    let tracked = 0;
    for (const [name, properties] of events) {
      if (name === "@advance") {
        window.benchClock.advance(properties);
        continue;
      }
      window.benchAdapter.track(name, properties);
      if (++tracked % chunk === 0) await yieldTask();
    }
    api().flush();
    return { tracked, ms: performance.now() - start };
  },
  /**
   * Has persona store the profile now, as it does when the page is hidden (while visible it
   * writes at most every 2 s): a `pagehide`, then a `visibilitychange` that finds the page
   * visible again.
   */
  persistNow() {
    window.dispatchEvent(new Event("pagehide"));
    document.dispatchEvent(new Event("visibilitychange"));
  },
  /** Events still queued in the outbox. */
  pending() {
    return api().pending();
  },
  /** What the profile holds now: its stored form, the attribute object, and the segments. */
  state() {
    const p = api();
    const utf8 = (s) => (s == null ? null : new TextEncoder().encode(s).length);
    const stored = localStorage.getItem("persona:profile");
    const attributes = typeof p.profile === "function" ? p.profile() : undefined;
    const text = attributes === undefined ? null : JSON.stringify(attributes);
    const keys = {};
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i);
      if (key.startsWith("persona:")) keys[key] = localStorage.getItem(key).length;
    }
    return {
      storedChars: stored == null ? null : stored.length,
      storedBytes: utf8(stored),
      stored,
      profileChars: text == null ? null : text.length,
      profileBytes: utf8(text),
      profile: attributes ?? null,
      segments: typeof p.segments === "function" ? p.segments() : null,
      keys,
    };
  },
};
