// Part of `npm run build`, after tsc: replaces @soundgate/server's dist/store/kysely.js
// (a re-export of the few values the store uses) with Kysely bundled into that one file.
// Kysely ships as 262 ES modules; loading them was the largest share of the gateway's
// start-up time and memory. One file of the parts the store reaches loads several times
// faster. Left readable (not minified, Kysely's own function names) so a stack trace
// through it still says where it was; no source map, as its sources would point outside
// the package. Without this step (a bare `tsc -b`) the re-export works as it is, only
// slower to start.
import { readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { build } from "rolldown";

const server = fileURLToPath(new URL("../packages/server/", import.meta.url));
const require = createRequire(`${server}package.json`);
// kysely's exports map hides package.json; its LICENSE sits beside dist/.
const kyselyRoot = fileURLToPath(new URL("../../", `file://${require.resolve("kysely")}`));
const licence = readFileSync(`${kyselyRoot}LICENSE`, "utf8").trim();
const { version } = JSON.parse(readFileSync(`${kyselyRoot}package.json`, "utf8"));

await build({
  input: `${server}src/store/kysely.ts`,
  platform: "node",
  logLevel: "warn",
  output: {
    file: `${server}dist/store/kysely.js`,
    format: "esm",
    sourcemap: false,
    banner: `// Kysely ${version} (https://kysely.dev), bundled by scripts/bundle-kysely.js.\n${licence
      .split("\n")
      .map((line) => `// ${line}`.trimEnd())
      .join("\n")}\n`,
  },
});
// tsc's map described the re-export this file no longer is.
rmSync(`${server}dist/store/kysely.js.map`, { force: true });
