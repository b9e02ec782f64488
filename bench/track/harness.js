// In-page runner for bench/track.mjs. Each test page loads one adapter, which sets
// `window.benchAdapter = { init(config), track(name, properties), flush() }`, then this file.
// bench/track.mjs drives it through page.evaluate: init, warm up, stash the events, then either
// run (all events, a few ms apart) or one (one event at a time, each delivered before the next).
(() => {
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  // Resolves in the next task, after every microtask the current one queued.
  const nextTask = () =>
    new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => resolve();
      channel.port2.postMessage(0);
    });
  const adapter = () => {
    if (!window.benchAdapter) throw new Error("no benchmark adapter on this page");
    return window.benchAdapter;
  };

  window.bench = {
    /** Starts the SDK (and its page view), as a shop's page would. */
    async init() {
      await adapter().init(window.BENCH);
      return { crossOriginIsolated: self.crossOriginIsolated === true };
    },
    /** Keeps the events here, so that passing them in is not part of the measured window. */
    stash(events) {
      window.benchEvents = events;
    },
    /**
     * Tracks every stashed event, one per task, `gapMs` apart, timing each synchronous call and
     * the whole task it runs in (the call plus the microtasks it queued: promise callbacks run
     * before the browser may paint or handle input, so they count against responsiveness too);
     * then asks the SDK to send what it still holds. Returns the per-call times in ms.
     */
    async run(gapMs) {
      const sdk = adapter();
      const times = [];
      const taskTimes = [];
      for (const [name, properties] of window.benchEvents) {
        const start = performance.now();
        sdk.track(name, properties);
        times.push(performance.now() - start);
        await nextTask();
        taskTimes.push(performance.now() - start);
        await sleep(gapMs);
      }
      sdk.flush();
      return { times, taskTimes };
    },
    /** Tracks stashed event `i` alone and sends it at once; returns the call's time in ms. */
    one(i) {
      const sdk = adapter();
      const [name, properties] = window.benchEvents[i];
      const start = performance.now();
      sdk.track(name, properties);
      const time = performance.now() - start;
      sdk.flush();
      return time;
    },
  };
})();
