// Optimizely Feature Experimentation 6.x: local decisions from a datafile (persona: p.variant).
// v6 is modular: a static config manager with an inline datafile and a forwarding event processor
// (sends impressions as they happen) is the smallest setup that decides and logs exposures.
import {
  createInstance,
  createStaticProjectConfigManager,
  createForwardingEventProcessor,
} from "@optimizely/optimizely-sdk";

const datafile = JSON.stringify({
  version: "4",
  projectId: "1",
  accountId: "1",
  revision: "1",
  anonymizeIP: true,
  attributes: [],
  audiences: [],
  events: [],
  experiments: [],
  featureFlags: [],
  groups: [],
  rollouts: [],
});

const client = createInstance({
  projectConfigManager: createStaticProjectConfigManager({ datafile }),
  eventProcessor: createForwardingEventProcessor(),
});
client.onReady().then(() => {
  const user = client.createUserContext("u1", { plan: "free" });
  return user.decide("checkout-cta").variationKey;
});
