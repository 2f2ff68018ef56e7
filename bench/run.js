// npm run bench: every benchmark, side by side in one run; prints a table and writes
// bench/results.json. Numbers are only comparable within one run (ratios), since these
// machines are noisy.
import { writeFileSync } from "node:fs";
import os from "node:os";
import { benchAuthorize } from "./authorize.js";

const quick = process.argv.includes("--quick");
const opts = quick ? { rounds: 1, duration: 2 } : { rounds: 3, duration: 5 };

const results = {
  when: new Date().toISOString(),
  node: process.version,
  cpus: os.cpus().length,
  benchmarks: [],
};

const authorize = await benchAuthorize(opts);
results.benchmarks.push(authorize);

console.log("\nbenchmark                          req/s     p50 ms  p99 ms  failures");
for (const side of ["bare", "gateway"]) {
  const r = authorize[side];
  console.log(
    `authorize (${side.padEnd(7)})            ${String(r.rps).padStart(7)}  ${String(r.p50).padStart(7)} ${String(r.p99).padStart(7)}  ${r.failures}`,
  );
}
console.log(`authorize gateway / bare ratio: ${authorize.ratio}\n`);

writeFileSync(new URL("./results.json", import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
console.log("wrote bench/results.json");
