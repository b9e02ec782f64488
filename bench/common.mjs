// What the benchmarks in bench/ share: where things are, and how a benchmark gives up.
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const benchDir = dirname(fileURLToPath(import.meta.url));
export const root = resolve(benchDir, "..");
export const resultsDir = join(benchDir, "results");
/** The build measured: dist/, or PERSONA_DIST. */
export const dist = resolve(root, process.env.PERSONA_DIST || "dist");

/** The installed version of an npm package, from node_modules. */
export function version(pkg) {
  try {
    return JSON.parse(readFileSync(join(root, "node_modules", pkg, "package.json"), "utf8")).version;
  } catch {
    return "not installed";
  }
}

/** A function that prints `bench/<name>: message` and exits 1 (the benchmark cannot measure). */
export function failWith(name) {
  return (msg) => {
    console.error(`bench/${name}: ${msg}`);
    process.exit(1);
  };
}
