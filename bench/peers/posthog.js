// PostHog: tracking, flags and experiments evaluated on PostHog's servers (persona: p.track, p.variant).
import posthog from "posthog-js";

posthog.init("phc_x", { api_host: "https://ph.example.com" });
posthog.capture("x");
