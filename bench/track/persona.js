// bench/track.mjs adapter for persona, loaded as a shop loads it: the script tag (dist/persona.js
// with data-collector), then the live `window.persona` API.
(() => {
  let live = null;
  window.benchAdapter = {
    init() {
      return new Promise((resolve) => {
        window.persona = window.persona || [];
        window.persona.push((p) => {
          live = p;
          resolve();
        });
      });
    },
    track(name, properties) {
      live.track(name, properties);
    },
    flush() {
      live.flush();
    },
  };
})();
