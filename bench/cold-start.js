// Cold start and idle memory. Alternated start by start: `node -e 0` (spawn to exit), the
// bare node:http server (spawn to its first 200) and `soundgate serve` on a fresh SQLite
// file, migrations included (spawn to its first 200 on /healthz). After the first 200 each
// server idles briefly and its resident memory is read.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  GATEWAY_CLI,
  gatewayEnv,
  goal,
  interleave,
  machineLoad,
  median,
  ratio,
  rssMiB,
  startProcess,
  wallTime,
} from "./lib.js";

export const COLD_START_GOAL = { at_most: 250 };
export const IDLE_RSS_GOAL = { at_most: 60 };
const SETTLE_MS = 500;

/**
 * Spawn `node <args>` and poll `path` until it answers 200: milliseconds from spawn to
 * that answer, and the resident memory after SETTLE_MS of idling.
 */
export async function timeToFirst200(args, env, path = "/healthz") {
  const started = performance.now();
  const server = await startProcess(args, env);
  try {
    for (;;) {
      const ok = await fetch(server.url + path).then(
        async (r) => {
          await r.arrayBuffer();
          return r.status === 200;
        },
        () => false,
      );
      if (ok) break;
      if (performance.now() - started > 30_000) throw new Error(`${args.join(" ")}: no 200`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const ms = performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    return { ms, rss: rssMiB(server.child.pid) };
  } finally {
    await server.stop();
  }
}

export async function benchColdStart(emulator, { starts = 5 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "soundgate-bench-"));
  let n = 0;
  try {
    const loadBefore = machineLoad();
    const samples = await interleave(starts, {
      node: async () => ({ ms: (await wallTime(["-e", "0"])).ms }),
      bare: () => timeToFirst200(["bench/bare-server.js"], {}),
      gateway: () =>
        timeToFirst200(
          [GATEWAY_CLI, "serve", "--port", "0"],
          gatewayEnv(emulator.url, {
            SOUNDGATE_DATABASE_URL: `sqlite:${join(dir, `cold-${n++}.db`)}`,
          }),
        ),
    });
    const ms = (name) => Math.round(median(samples[name].map((s) => s.ms)));
    const rss = (name) => median(samples[name].map((s) => s.rss));
    const gatewayMs = ms("gateway");
    const gatewayRss = rss("gateway");
    return [
      {
        name: "cold_start",
        starts,
        node_median_ms: ms("node"),
        bare_http_median_ms: ms("bare"),
        gateway_median_ms: gatewayMs,
        gateway_max_ms: Math.round(Math.max(...samples.gateway.map((s) => s.ms))),
        ratio_to_node: ratio(gatewayMs, ms("node"), 2),
        goal: goal(gatewayMs, COLD_START_GOAL),
        load: loadBefore,
      },
      {
        name: "idle_rss",
        bare_http_mib: rss("bare"),
        gateway_mib: gatewayRss,
        ratio: ratio(gatewayRss, rss("bare"), 2),
        goal: goal(gatewayRss, IDLE_RSS_GOAL),
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
