// Statsig: gates and experiments, evaluated on Statsig's servers at initialise (persona: p.feature).
import { StatsigClient } from "@statsig/js-client";

const client = new StatsigClient("client-key", { userID: "u1" });
client.initializeAsync().then(() => client.checkGate("x"));
