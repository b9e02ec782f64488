// Snowplow: event tracking over the tp2 protocol with a localStorage queue (persona: p.track).
import { newTracker, trackPageView, trackSelfDescribingEvent } from "@snowplow/browser-tracker";

newTracker("sp", "collector.example.com", { appId: "shop" });
trackPageView();
trackSelfDescribingEvent({
  event: {
    schema: "iglu:com.example/product_viewed/jsonschema/1-0-0",
    data: { product_id: "sku-1" },
  },
});
