// bench/track.mjs adapter with no SDK: what the harness itself costs (timers, evaluate, timing).
window.benchAdapter = {
  async init() {},
  track() {},
  flush() {},
};
