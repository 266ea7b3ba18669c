// build.mjs bundles the entries below (src/app.js, src/app.css and the page bundles) into dist/ with content-hashed
// names and writes dist/manifest.json ({"app.css": "app-HASH.css", ...}).
//
// The output must be deterministic: CI rebuilds and fails when dist/ differs
// from what was committed. esbuild's [hash] depends only on the output bytes,
// we emit no sourcemaps, no timestamps and no absolute paths, and the manifest
// is written with sorted keys.
import * as esbuild from "esbuild";
import { readdir, readFile, rm, writeFile, mkdir } from "node:fs/promises";
import zlib from "node:zlib";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.dirname(fileURLToPath(import.meta.url));
const outdir = path.join(root, "dist");

// Logical name (what templates ask for) → entry file.
const entries = {
  "app.js": "src/app.js",
  "app.css": "src/app.css",
  "backlog.js": "src/backlog.js",
  "charts.js": "src/charts.js",
};

await mkdir(outdir, { recursive: true });

const result = await esbuild.build({
  absWorkingDir: root,
  entryPoints: Object.values(entries),
  outdir: "dist",
  entryNames: "[name]-[hash]",
  assetNames: "[name]-[hash]",
  bundle: true,
  minify: true,
  sourcemap: false,
  legalComments: "none",
  format: "iife",
  target: ["es2020", "chrome100", "firefox100", "safari15"],
  charset: "utf8",
  metafile: true,
  write: true,
  logLevel: "warning",
});

// Map each output back to its logical name through its entry point.
const manifest = {};
const written = new Set(["manifest.json"]);
for (const [out, meta] of Object.entries(result.metafile.outputs)) {
  const file = path.basename(out);
  written.add(file);
  if (!meta.entryPoint) continue;
  const logical = Object.keys(entries).find((k) => entries[k] === meta.entryPoint);
  if (logical) manifest[logical] = file;
}
for (const logical of Object.keys(entries)) {
  if (!manifest[logical]) throw new Error(`build produced no output for ${logical}`);
}

// Precompress every bundle once, here, so the server never compresses a
// static file while answering: NAME.gz (gzip, level 9) and NAME.br (brotli,
// quality 11) next to NAME, served by Accept-Encoding. Both are
// deterministic: gzip's header carries no name and a zero time.
for (const file of [...written]) {
  if (!/\.(js|css)$/.test(file)) continue;
  const data = await readFile(path.join(outdir, file));
  const gz = zlib.gzipSync(data, { level: 9 });
  const br = zlib.brotliCompressSync(data, {
    params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
      [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length,
    },
  });
  await writeFile(path.join(outdir, file + ".gz"), gz);
  await writeFile(path.join(outdir, file + ".br"), br);
  written.add(file + ".gz");
  written.add(file + ".br");
}

// Remove files from earlier builds (older hashes), so dist/ holds only what
// the manifest and the current bundles refer to.
for (const file of await readdir(outdir)) {
  if (!written.has(file)) await rm(path.join(outdir, file), { recursive: true, force: true });
}

const sorted = Object.fromEntries(Object.keys(manifest).sort().map((k) => [k, manifest[k]]));
await writeFile(path.join(outdir, "manifest.json"), JSON.stringify(sorted, null, 2) + "\n");
console.log(`frontend: ${Object.values(sorted).join(", ")}`);
