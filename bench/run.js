// npm run bench: every benchmark side by side in one run. Prints a table and writes
// bench/results.json. Compare ratios within one run, not absolute numbers across runs:
// these machines are noisy. `--quick` shortens every run (for a smoke test); `--only a,b`
// picks benchmarks by name (authorize, proxy, logins, storm, cc, cold, sizes, dpop).
import { writeFileSync } from "node:fs";
import os from "node:os";
import { benchAuthorize } from "./authorize.js";
import { benchClientCredentials } from "./client-credentials.js";
import { benchColdStart } from "./cold-start.js";
import { benchDpop } from "./dpop.js";
import { startEmulatorProcess } from "./lib.js";
import { benchLogins } from "./logins.js";
import { benchProxy } from "./proxy.js";
import { benchRefreshStorm } from "./refresh-storm.js";
import { benchSizes } from "./sizes.js";

const quick = process.argv.includes("--quick");
const onlyArg = process.argv.find((a) => a.startsWith("--only="))?.slice("--only=".length);
const only = onlyArg ? new Set(onlyArg.split(",")) : undefined;
const opts = quick ? { rounds: 1, duration: 2, starts: 2 } : { rounds: 3, duration: 5, starts: 5 };

const BENCHES = [
  ["authorize", (emu) => benchAuthorize(emu, opts)],
  ["proxy", (emu) => benchProxy(emu, opts)],
  ["logins", (emu) => benchLogins(emu, opts)],
  ["storm", (emu) => benchRefreshStorm(emu)],
  ["cc", (emu) => benchClientCredentials(emu)],
  ["cold", (emu) => benchColdStart(emu, opts)],
  ["sizes", () => benchSizes()],
  ["dpop", () => benchDpop(opts)],
];

const results = {
  when: new Date().toISOString(),
  node: process.version,
  cpus: os.cpus().length,
  cpu_model: os.cpus()[0]?.model,
  quick,
  benchmarks: [],
};

const emulator = await startEmulatorProcess();
try {
  for (const [name, run] of BENCHES) {
    if (only && !only.has(name)) continue;
    process.stderr.write(`running ${name}…\n`);
    const outcome = await run(emulator);
    results.benchmarks.push(...(Array.isArray(outcome) ? outcome : [outcome]));
  }
} finally {
  await emulator.stop();
}

console.log(
  `\nSoundgate benchmarks — node ${results.node}, ${results.cpus} CPUs${quick ? " (quick)" : ""}\n`,
);
for (const line of table(results.benchmarks)) console.log(line);
writeFileSync(new URL("./results.json", import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
console.log("\nwrote bench/results.json");

function table(benchmarks) {
  const lines = [];
  for (const b of benchmarks) {
    switch (b.name) {
      case "authorize_vs_bare_http":
        lines.push(
          `1. /authorize (${b.store}): ${b.gateway.rps} req/s vs bare node:http ${b.bare.rps} req/s → ratio ${b.ratio} (p50 ${b.gateway.p50} ms, p99 ${b.gateway.p99} ms)`,
        );
        break;
      case "bff_proxy_me_vs_direct":
        lines.push(
          `2. BFF proxy /me: ${b.proxy.rps} req/s vs direct ${b.direct.rps} req/s → ratio ${b.ratio}; added p50 ${b.added_p50_ms} ms, p99 ${b.added_p99_ms} ms`,
        );
        lines.push(
          `6. gateway RSS: ${b.gateway_rss_mib.idle} MiB idle, ${b.gateway_rss_mib.peak_under_load} MiB peak under proxy load`,
        );
        break;
      case "complete_logins":
        lines.push(
          `3. complete logins: ${b.per_second}/s (${b.logins} in total, ${b.failed} failed, ${b.workers} workers)`,
        );
        break;
      case "refresh_storm":
        lines.push(
          b.skipped
            ? `4. refresh storm: skipped (${b.skipped})`
            : `4. refresh storm, ${b.instances} instance(s): ${b.calls} calls → ${b.upstream_refreshes} upstream refresh(es), ${b.failures} failures, ${b.ms} ms`,
        );
        break;
      case "client_credentials_cache":
        lines.push(
          `5. client credentials: ${b.calls} API calls → ${b.token_requests} token request(s), ${b.failures} failures, ${b.calls_per_second} calls/s`,
        );
        break;
      case "cold_start_to_first_200":
        lines.push(
          `6. cold start to first 200: median ${b.median_ms} ms (max ${b.max_ms} ms, ${b.starts} starts)`,
        );
        break;
      case "bundle_size":
        lines.push(
          b.skipped
            ? `7. ${b.package}: skipped (${b.skipped})`
            : `7. ${b.package}: ${b.min_gzip_bytes} bytes min+gzip (${b.min_bytes} min)`,
        );
        break;
      case "dpop_proof_check":
        lines.push(
          `8. DPoP proof check: ${b.median_us} µs per proof (median of rounds of ${b.proofs_per_round})`,
        );
        break;
      default:
        lines.push(JSON.stringify(b));
    }
  }
  return lines;
}
