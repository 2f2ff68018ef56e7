// npm (11.x) drops optional platform packages it cannot fetch from package-lock.json,
// and then `npm ci` refuses that very lockfile ("Missing: @biomejs/cli-… from lock
// file"; npm/cli#9846). Our registry mirror carries only the linux-x64 Biome binary,
// so after any `npm install` run this to put the other platforms' entries back:
//   node scripts/fix-lockfile.js && npm ci --dry-run
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";

const lockPath = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(lockPath, "utf8"));
const biome = lock.packages["node_modules/@biomejs/biome"];
if (!biome) throw new Error("@biomejs/biome is not in package-lock.json");

let added = 0;
for (const [name, version] of Object.entries(biome.optionalDependencies ?? {})) {
  const key = `node_modules/${name}`;
  if (lock.packages[key]) continue;
  // @biomejs/cli-<os>-<cpu>[-musl]
  const match = /^@biomejs\/cli-([a-z0-9]+)-([a-z0-9]+?)(-musl)?$/.exec(name);
  if (!match) throw new Error(`unexpected optional dependency ${name}`);
  const [, os, cpu, musl] = match;
  lock.packages[key] = {
    version,
    cpu: [cpu],
    dev: true,
    license: "MIT OR Apache-2.0",
    optional: true,
    os: [os],
    engines: { node: ">=14.21.3" },
    ...(musl ? { libc: ["musl"] } : {}),
  };
  added++;
}
const [rootEntry, ...rest] = Object.entries(lock.packages);
lock.packages = Object.fromEntries([rootEntry, ...rest.sort(([a], [b]) => a.localeCompare(b))]);
writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`restored ${added} optional lockfile entries`);
if (process.argv.includes("--check"))
  execFileSync("npm", ["ci", "--dry-run"], { stdio: "inherit" });
