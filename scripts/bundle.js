// Part of `npm run build`, after tsc. Loading hundreds of small ES modules was the largest
// share of the gateway's start-up time and memory (bench/PROFILE.md, finding 4), so:
//
// 1. Kysely (262 modules) is bundled into @soundgate/server's dist/store/kysely.js, in
//    place of tsc's re-export of the few values the store uses.
// 2. The main entry of `soundgate` and of `@soundgate/server` is bundled into
//    dist/bundle/ (what their package.json exports): their own modules in one file,
//    the modules they load only when needed (Postgres, metrics…) as chunks beside it.
//    The server's bundle takes Hono and @hono/node-server's helpers in too (65 more
//    modules, ~20 ms of every start), with their licences; a Hono app the gateway is
//    mounted in runs its routes all the same (examples/hono). Every other package is
//    left to its own install. tsc's per-module output stays in
//    dist/ untouched, so a later `tsc -b` that re-emits one module never leaves a stale
//    copy inside a bundle: this step rebuilds the bundles from it every time.
//
// Left readable (not minified; names kept) so a stack trace through them still says
// where it was, but without comments (licence notices aside): V8 keeps every loaded
// source in memory. A bundle that carries another package's code has no source map (its
// sources lie outside the package); the core's has one, pointing at the files in dist/.
import { readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { isAbsolute } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "rolldown";

const root = new URL("../", import.meta.url);
const server = fileURLToPath(new URL("packages/server/", root));
const require = createRequire(`${server}package.json`);
const COMMENTS = { legal: true, annotation: false, jsdoc: false };

/** A package's licence as a comment block, for a bundle that carries its code. */
function licenceBanner(name, packageRoot) {
  const licence = readFileSync(`${packageRoot}LICENSE`, "utf8").trim();
  const { version, homepage } = JSON.parse(readFileSync(`${packageRoot}package.json`, "utf8"));
  return `// ${name} ${version} (${homepage}), bundled by scripts/bundle.js.\n${licence
    .split("\n")
    .map((line) => `// ${line}`.trimEnd())
    .join("\n")}\n`;
}

/** Where a package is installed (its exports map may hide package.json). */
function packageRoot(name) {
  const entry = require.resolve(name);
  return entry.slice(
    0,
    entry.lastIndexOf(`/node_modules/${name}/`) + `/node_modules/${name}/`.length,
  );
}

await build({
  input: `${server}src/store/kysely.ts`,
  platform: "node",
  logLevel: "warn",
  output: {
    file: `${server}dist/store/kysely.js`,
    format: "esm",
    sourcemap: false,
    comments: COMMENTS,
    banner: licenceBanner("Kysely", packageRoot("kysely")),
  },
});
// tsc's map described the re-export this file no longer is.
rmSync(`${server}dist/store/kysely.js.map`, { force: true });

const BUNDLES = [
  { pkg: "soundgate", inline: [] },
  { pkg: "server", inline: ["hono", "@hono/node-server"] },
];
for (const { pkg, inline } of BUNDLES) {
  const dist = fileURLToPath(new URL(`packages/${pkg}/dist/`, root));
  rmSync(`${dist}bundle`, { recursive: true, force: true });
  const inlined = (id) => inline.some((name) => id === name || id.startsWith(`${name}/`));
  await build({
    input: { index: `${dist}index.js` },
    platform: "node",
    logLevel: "warn",
    // The package's own files and `inline` go in; every other package is imported as usual.
    external: (id) => !id.startsWith(".") && !isAbsolute(id) && !inlined(id),
    output: {
      dir: `${dist}bundle`,
      format: "esm",
      entryFileNames: "[name].js",
      chunkFileNames: "[name]-[hash].js",
      // A map would point into the inlined packages' own installs, outside this package.
      sourcemap: inline.length === 0,
      comments: COMMENTS,
      banner: inline.map((name) => licenceBanner(name, packageRoot(name))).join(""),
    },
  });
}
