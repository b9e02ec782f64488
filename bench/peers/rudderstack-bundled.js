// RudderStack JS SDK v3, "/bundled" export (plugins compiled in, no run-time plugin fetch).
import { RudderAnalytics } from "@rudderstack/analytics-js/bundled";

const analytics = new RudderAnalytics();
analytics.load("key", "https://dataplane.example.com");
analytics.track("Product Viewed", { product_id: "sku-1" });
