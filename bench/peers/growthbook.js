// GrowthBook: A/B tests and feature flags, evaluated locally (persona: p.variant / p.feature).
import { GrowthBook } from "@growthbook/growthbook";

const gb = new GrowthBook({ attributes: { id: "u1" }, features: {} });
export const on = gb.isOn("x");
export const value = gb.getFeatureValue("y", 0);
