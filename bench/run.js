// npm run bench: every benchmark, each beside the limit it is measured against, in one
// run. Prints a table and writes bench/results.json. Compare ratios within one run, not
// absolute numbers across runs: this machine is shared and noisy, so each line carries
// the load average when it started.
//   --quick          shorter runs (a smoke test; the ratios are rough)
//   --only=a,b       pick benchmarks: proxy, authorize, core, cli, cold, logins, storm, cc,
//                    sizes, dpop, and the ones that are not in the default run: scale (minutes,
//                    out of CI; see scale.js)
import { writeFileSync } from "node:fs";
import os from "node:os";
import { benchAuthorize } from "./authorize.js";
import { benchCliToken } from "./cli-token.js";
import { benchClientCredentials } from "./client-credentials.js";
import { benchColdStart } from "./cold-start.js";
import { benchCoreClient } from "./core-client.js";
import { benchDpop } from "./dpop.js";
import { goalText, machineLoad, startEmulatorProcess } from "./lib.js";
import { benchLogins } from "./logins.js";
import { benchProxy } from "./proxy.js";
import { benchRefreshStorm } from "./refresh-storm.js";
import { benchScale } from "./scale.js";
import { benchSizes } from "./sizes.js";

const quick = process.argv.includes("--quick");
const onlyArg = process.argv.find((a) => a.startsWith("--only="))?.slice("--only=".length);
const only = onlyArg ? new Set(onlyArg.split(",")) : undefined;
// The scale run's stores: `--stores=postgres` runs only its Postgres half.
const stores = new Set(
  (
    process.argv.find((a) => a.startsWith("--stores="))?.slice("--stores=".length) ??
    "sqlite,postgres"
  ).split(","),
);
const opts = quick
  ? { rounds: 1, duration: 2, starts: 3, runs: 5 }
  : { rounds: 6, duration: 3, starts: 9, runs: 21 };

const BENCHES = [
  ["proxy", (emu) => benchProxy(emu, opts)],
  ["authorize", (emu) => benchAuthorize(emu, opts)],
  ["core", (emu) => benchCoreClient(emu, opts)],
  ["cli", (emu) => benchCliToken(emu, opts)],
  ["cold", (emu) => benchColdStart(emu, { ...opts, quick })],
  ["logins", (emu) => benchLogins(emu, opts)],
  ["storm", (emu) => benchRefreshStorm(emu)],
  ["cc", (emu) => benchClientCredentials(emu)],
  ["sizes", () => benchSizes()],
  ["dpop", () => benchDpop(opts)],
  ["scale", (emu) => benchScale(emu, { quick, stores }), { opt_in: true }],
];
const known = new Set(BENCHES.map(([name]) => name));
for (const name of only ?? []) {
  if (!known.has(name)) {
    process.stderr.write(`unknown benchmark "${name}"; known: ${[...known].join(", ")}\n`);
    process.exit(2);
  }
}

const results = {
  when: new Date().toISOString(),
  node: process.version,
  cpus: os.cpus().length,
  cpu_model: os.cpus()[0]?.model,
  quick,
  load_at_start: machineLoad(),
  benchmarks: [],
};

const emulator = await startEmulatorProcess();
try {
  for (const [name, run, flags] of BENCHES) {
    if (only ? !only.has(name) : flags?.opt_in) continue;
    process.stderr.write(`running ${name}… (load ${machineLoad().load_1m})\n`);
    const outcome = await run(emulator);
    results.benchmarks.push(...(Array.isArray(outcome) ? outcome : [outcome]));
  }
} finally {
  await emulator.stop();
}
results.load_at_end = machineLoad();

const { load_1m, load_5m, load_15m } = results.load_at_start;
console.log(
  `\nSoundgate benchmarks — node ${results.node}, ${results.cpus} CPUs${quick ? " (quick)" : ""}, load average ${load_1m} / ${load_5m} / ${load_15m} at start, ${results.load_at_end.load_1m} at end\n`,
);
for (const line of table(results.benchmarks)) console.log(line);
writeFileSync(new URL("./results.json", import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
console.log("\nwrote bench/results.json");

function num(value) {
  return Math.round(value).toLocaleString("en-US");
}

function table(benchmarks) {
  const rows = [["path", "soundgate", "the limit", "ratio", "goal", "CPU/req ratio", "load"]];
  const other = [];
  for (const b of benchmarks) {
    const load = b.load ? String(b.load.load_1m) : "";
    switch (b.name) {
      case "bff_proxy_me":
        rows.push([
          `BFF proxy GET /api/soundcloud/me, ${b.connections} conn.`,
          `${num(b.gateway.rps)} req/s, p50 ${b.gateway.p50} ms, p99 ${b.gateway.p99} ms`,
          `${num(b.baseline.rps)} req/s, p50 ${b.baseline.p50} ms${b.emulator ? ` (emulator alone ${num(b.emulator.rps)})` : ""}`,
          String(b.ratio),
          goalText(b.goal),
          `${b.cpu_ratio} (${b.gateway.cpu_us_per_request} vs ${b.baseline.cpu_us_per_request} µs)`,
          load,
        ]);
        break;
      case "authorize":
        rows.push([
          "/auth/soundcloud/authorize (SQLite)",
          `${num(b.gateway.rps)} req/s, p50 ${b.gateway.p50} ms, p99 ${b.gateway.p99} ms`,
          `${num(b.baseline.rps)} req/s, p50 ${b.baseline.p50} ms`,
          String(b.ratio),
          goalText(b.goal),
          `${b.cpu_ratio} (${b.gateway.cpu_us_per_request} vs ${b.baseline.cpu_us_per_request} µs)`,
          load,
        ]);
        if (b.gateway_postgres) {
          rows.push([
            "/auth/soundcloud/authorize (Postgres)",
            `${num(b.gateway_postgres.rps)} req/s, p99 ${b.gateway_postgres.p99} ms`,
            "the same SQLite baseline",
            String(b.postgres_ratio),
            "(info)",
            `(${b.gateway_postgres.cpu_us_per_request} µs)`,
            load,
          ]);
        }
        break;
      case "core_client_me":
        rows.push([
          `core createSoundCloud() me(), TokenManager, ${b.concurrency} in flight`,
          `${num(b.core.calls_per_second)} calls/s`,
          `${num(b.baseline.calls_per_second)} calls/s (plain fetch, fixed token)`,
          String(b.ratio),
          goalText(b.goal),
          "",
          load,
        ]);
        break;
      case "cli_token":
        rows.push([
          "soundgate token (valid stored token)",
          `${b.token_median_ms} ms median`,
          `node -e 0: ${b.node_median_ms} ms`,
          `${b.ratio}×`,
          goalText(b.goal, "×"),
          "",
          load,
        ]);
        break;
      case "cold_start":
        rows.push([
          "gateway cold start to first 200 (SQLite)",
          `${b.gateway_median_ms} ms median (max ${b.gateway_max_ms})`,
          `node -e 0: ${b.node_median_ms} ms; bare node:http: ${b.bare_http_median_ms} ms`,
          `${b.ratio_to_node}×`,
          goalText(b.goal, " ms"),
          "",
          load,
        ]);
        break;
      case "idle_rss":
        rows.push([
          `gateway RSS, idle (${b.idle_after_ms / 1000} s without a request)`,
          `${b.gateway_mib} MiB (${b.just_started.gateway_mib} MiB 0.5 s after start)`,
          `bare node:http: ${b.bare_http_mib} MiB (${b.just_started.bare_http_mib})`,
          `${b.ratio}×`,
          goalText(b.goal, " MiB"),
          "",
          "",
        ]);
        break;
      case "gateway_rss_under_proxy_load":
        other.push(
          `gateway RSS: ${b.idle_after_login_mib} MiB idle after a login, ${b.peak_mib} MiB peak under the proxy load`,
        );
        break;
      case "complete_logins":
        other.push(
          `complete logins: ${b.per_second}/s (${b.logins} in total, ${b.failed} failed, ${b.workers} workers)`,
        );
        break;
      case "refresh_storm":
        other.push(
          b.skipped
            ? `refresh storm: skipped (${b.skipped})`
            : `refresh storm, ${b.instances} instance(s): ${b.calls} calls → ${b.upstream_refreshes} upstream refresh(es), ${b.failures} failures, ${b.ms} ms`,
        );
        break;
      case "client_credentials_cache":
        other.push(
          `client credentials: ${b.calls} API calls → ${b.token_requests} token request(s), ${b.failures} failures, ${b.calls_per_second} calls/s`,
        );
        break;
      case "bundle_size":
        other.push(
          b.skipped
            ? `${b.package}: skipped (${b.skipped})`
            : `${b.package}: ${b.min_gzip_bytes} bytes min+gzip (${b.min_bytes} min)`,
        );
        break;
      case "scale":
        other.push(...b.lines);
        break;
      case "dpop_proof_check":
        other.push(
          `DPoP proof check: ${b.median_us} µs per proof (median of rounds of ${b.proofs_per_round})`,
        );
        break;
      default:
        other.push(JSON.stringify(b));
    }
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const lines =
    rows.length > 1 ? rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join("  ")) : [];
  if (lines.length > 1) lines.splice(1, 0, widths.map((w) => "-".repeat(w)).join("  "));
  return [...lines, ...(other.length && lines.length ? [""] : []), ...other];
}
