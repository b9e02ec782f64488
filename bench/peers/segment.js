// Segment analytics.js (npm): Segment-spec tracking with plugins (persona: p.track, segment format).
import { AnalyticsBrowser } from "@segment/analytics-next";

export const analytics = AnalyticsBrowser.load({ writeKey: "x" });
analytics.page();
analytics.track("Product Viewed", {});
