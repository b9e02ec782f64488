// bench/track.mjs adapter for Segment's analytics-next (bundled by esbuild with the size bench's
// settings). The source settings are given inline (`cdnSettings`), so nothing is fetched from
// Segment's CDN, and the Segment.io destination sends to the local endpoint.
import { AnalyticsBrowser } from "@segment/analytics-next";

let analytics = null;

window.benchAdapter = {
  async init(config) {
    const writeKey = "bench-write-key";
    const [host, protocol] = [config.collectorHost + "/v1", "http"];
    const segmentio = { apiHost: host, protocol, ...config.options };
    const cdnSettings = { integrations: { "Segment.io": { apiKey: writeKey, apiHost: host, protocol } } };
    [analytics] = await AnalyticsBrowser.load({ writeKey, cdnSettings }, { integrations: { "Segment.io": segmentio } });
    analytics.page();
  },
  track(name, properties) {
    analytics.track(name, properties); // returns a promise; its work is counted in script time
  },
  flush() {
    // analytics-next has no flush: the default sends each event at once, batching sends full batches.
  },
};
