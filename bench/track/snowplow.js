// bench/track.mjs adapter for Snowplow's browser tracker (bundled by esbuild with the size
// bench's settings). Shop events are self-describing events whose data is the Segment-spec
// properties, one schema per event name; options come from bench/track.mjs (window.BENCH).
import { flushBuffer, newTracker, trackPageView, trackSelfDescribingEvent } from "@snowplow/browser-tracker";

const schema = (name) => `iglu:com.example.shop/${name.toLowerCase().replace(/ /g, "_")}/jsonschema/1-0-0`;

window.benchAdapter = {
  async init(config) {
    newTracker("sp", config.collector, { appId: "shop", ...config.options });
    trackPageView();
  },
  track(name, properties) {
    trackSelfDescribingEvent({ event: { schema: schema(name), data: properties } });
  },
  flush() {
    flushBuffer();
  },
};
