/**
 * The script-tag entry (`dist/persona.js`, an IIFE):
 *
 * ```html
 * <script>window.persona = window.persona || [];</script>
 * <script async src="/persona.js" data-collector="/v1/batch"></script>
 * ```
 *
 * Commands pushed onto the `window.persona` array before the module is ready run in order once it
 * is; afterwards `window.persona` is the live {@link Persona} instance, whose `push` runs commands
 * at once. `persona.wasm` is loaded from next to this script. Attributes: `data-collector`
 * (required), `data-format` (`segment` | `native` | `snowplow`), `data-write-key`,
 * `data-content-type`, `data-app-id`, `data-pageview="false"`, `data-batch-size`, `data-flush-interval-ms`,
 * `data-retry-base-ms`, `data-consent` (`pending` | `granted` | `denied`), `data-respect-gpc`,
 * `data-autotrack="false"`, `data-click-selector` (a CSS selector, or `"false"`),
 * `data-wasm` (another module URL). Options attributes cannot carry (segments, profile, ...) go
 * in `window.personaConfig`, set before the tag (see {@link pageConfig}). Including the tag twice
 * starts persona once. Nothing here throws into the page: a bad attribute or a
 * module that cannot load leaves a `window.persona` that accepts every call and does nothing.
 */
import { Persona } from "./index.js";
import type { CollectorOptions, InitOptions } from "./types.js";

declare global {
  interface Window {
    persona?: unknown;
  }
}

const script = document.currentScript as HTMLScriptElement | null;

/** A numeric data-attribute; text that is not a number is passed on as is, so that persona
 * rejects it with `option_invalid` instead of silently using the default. */
function numberAttr(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : (value as unknown as number);
}

/** The object's own properties that are not `undefined` (an attribute not given). */
function given<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * `window.personaConfig`: init options for what attributes cannot carry (segments, the profile,
 * any other option), set by a script that runs before this one. An attribute that is given wins
 * over the same option there; `collector` is merged key by key.
 */
function pageConfig(): Partial<InitOptions> {
  const config = (window as { personaConfig?: unknown }).personaConfig;
  return config !== null && typeof config === "object" && !Array.isArray(config) ? (config as Partial<InitOptions>) : {};
}

function optionsFrom(el: HTMLScriptElement | null): InitOptions {
  const data = el?.dataset ?? {};
  const src = el?.src || location.href;
  const config = pageConfig();
  const collector = given({
    url: data.collector,
    format: data.format as CollectorOptions["format"],
    writeKey: data.writeKey,
    contentType: data.contentType as CollectorOptions["contentType"],
    appId: data.appId,
    batchSize: numberAttr(data.batchSize),
    flushIntervalMs: numberAttr(data.flushIntervalMs),
    retryBaseMs: numberAttr(data.retryBaseMs),
  });
  const clickSelector: string | false | undefined = data.clickSelector === "false" ? false : data.clickSelector;
  const configAutotrack = typeof config.autotrack === "object" && config.autotrack !== null ? config.autotrack : {};
  const autotrack =
    data.autotrack === "false" ? false : clickSelector !== undefined ? { ...configAutotrack, clickSelector } : (config.autotrack ?? { clickSelector });
  return {
    ...config,
    ...given({
      pageview: data.pageview === undefined ? undefined : data.pageview !== "false",
      consent: data.consent as InitOptions["consent"],
      respectGpc: data.respectGpc === undefined ? undefined : data.respectGpc !== "false",
    }),
    collector: { ...config.collector, ...collector } as CollectorOptions,
    autotrack,
    wasm: data.wasm || typeof config.wasm !== "string" ? new URL(data.wasm || "persona.wasm", src).href : new URL(config.wasm, src).href,
  };
}

function install(persona: Persona): void {
  const queued = Array.isArray(window.persona) ? (window.persona as unknown[]) : [];
  window.persona = persona;
  for (const command of queued) persona.push(command as never);
}

/** Set on the first boot: a second copy of the tag (theme + app, say) must not start another
 * instance that would fight over the same storage. A global symbol, not `window.persona`, which
 * an element with `id="persona"` would also make truthy. */
const BOOTED = Symbol.for("persona-sdk.booted");

function boot(): void {
  const w = window as unknown as Record<symbol, boolean>;
  if (w[BOOTED]) return;
  w[BOOTED] = true;
  let options: InitOptions;
  try {
    options = optionsFrom(script);
  } catch (error) {
    console.warn("persona: cannot read the script tag's data attributes", error);
    install(Persona.disabled());
    return;
  }
  Persona.init(options).then(install, (error: unknown) => {
    try {
      const { code = "internal", option } = (error ?? {}) as { code?: string; option?: string };
      console.warn(error instanceof Error ? error.message : String(error), `(${code}${option ? `: ${option}` : ""})`);
    } catch {
      /* ignore */
    }
    install(Persona.disabled());
  });
}

try {
  boot();
} catch {
  /* never break the page */
}
