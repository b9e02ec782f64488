// RudderStack JS SDK v3, default export (plugins are fetched at run time; persona: p.track).
import { RudderAnalytics } from "@rudderstack/analytics-js";

const analytics = new RudderAnalytics();
analytics.load("key", "https://dataplane.example.com");
analytics.track("Product Viewed", { product_id: "sku-1" });
