// What the benchmarks in bench/ share: where things are, and how a benchmark gives up.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
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

/** Writes `results/<name>.json` and `results/<name>.md` and says so, with the run's duration. */
export function writeResults(name, result, markdown) {
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(resultsDir, `${name}.md`), markdown);
  const seconds = result.seconds == null ? "" : ` in ${result.seconds} s`;
  console.log(`wrote ${relative(root, join(resultsDir, `${name}.md`))} and ${name}.json${seconds}`);
}

/** Gives up (`fail`) unless the build measured has every one of `files`. */
export function requireDist(fail, files) {
  const missing = files.filter((f) => !existsSync(join(dist, f)));
  if (missing.length) fail(`${dist} has no ${missing.join(", ")}; run npm run build first`);
}

/** The esbuild settings every benchmark bundles peers (and pages) with: a shop's production build. */
export const BROWSER_BUNDLE = {
  bundle: true,
  minify: true,
  format: "esm",
  platform: "browser",
  target: "es2020",
  write: false,
  define: { "process.env.NODE_ENV": '"production"' },
};
