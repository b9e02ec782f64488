// What the benchmarks in bench/ share: where things are, and how a benchmark gives up.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
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

/**
 * Serves `files` (`{path: [content type, body]}`) on a free local port, for a benchmark's pages:
 * a POST (the SDK's events) is answered `{}` and dropped, a path not in `files` is 404 and noted
 * in `missing`. With `isolated`, pages are cross-origin isolated, so performance.now() has 5 µs
 * steps instead of 100 µs. Resolves to `{origin, missing, close()}`.
 */
export async function serveFiles(files, { isolated = false } = {}) {
  const missing = [];
  const headers = isolated ? { "cross-origin-opener-policy": "same-origin", "cross-origin-embedder-policy": "require-corp" } : {};
  const server = createServer((req, res) => {
    if (req.method === "POST") return req.resume().on("end", () => res.writeHead(200, { "content-type": "application/json" }).end("{}"));
    const path = new URL(req.url, "http://x").pathname;
    const file = files[path];
    if (path === "/favicon.ico") return res.writeHead(204).end();
    if (!file) {
      missing.push(path);
      return res.writeHead(404).end();
    }
    res.writeHead(200, { "content-type": file[0], ...headers }).end(file[1]);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { origin: `http://127.0.0.1:${server.address().port}`, missing, close: () => server.close() };
}
