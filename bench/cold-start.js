// Cold start and idle memory. Alternated start by start: `node -e 0` (spawn to exit), the
// bare node:http server (spawn to its first 200) and `soundgate serve` on a fresh SQLite
// file, migrations included (spawn to its first 200 on /healthz). Resident memory is read
// twice per server: 0.5 s after its first 200 ("just started") and, in separate starts,
// after 12 s without a request ("idle"). V8 keeps the heap it grew during start-up until
// its memory reducer runs, about 8 s after the allocation stops (measured: the gateway
// holds 68 MiB at 5 s and 62 MiB from 10 s on); the idle figure is what a server that
// is not being used holds, and the one the goal is about.
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
const IDLE_MS = 12_000;

/**
 * Spawn `node <args>` and poll `path` until it answers 200: milliseconds from spawn to
 * that answer, and the resident memory after `settleMs` without a request.
 */
export async function timeToFirst200(args, env, path = "/healthz", settleMs = SETTLE_MS) {
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
    await new Promise((resolve) => setTimeout(resolve, settleMs));
    return { ms, rss: rssMiB(server.child.pid) };
  } finally {
    await server.stop();
  }
}

export async function benchColdStart(emulator, { starts = 5, quick = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "soundgate-bench-"));
  let n = 0;
  const bare = (settleMs) => timeToFirst200(["bench/bare-server.js"], {}, "/healthz", settleMs);
  const gateway = (settleMs) =>
    timeToFirst200(
      [GATEWAY_CLI, "serve", "--port", "0"],
      gatewayEnv(emulator.url, { SOUNDGATE_DATABASE_URL: `sqlite:${join(dir, `cold-${n++}.db`)}` }),
      "/healthz",
      settleMs,
    );
  try {
    const loadBefore = machineLoad();
    const samples = await interleave(starts, {
      node: async () => ({ ms: (await wallTime(["-e", "0"])).ms }),
      bare: () => bare(SETTLE_MS),
      gateway: () => gateway(SETTLE_MS),
    });
    const idle = await interleave(quick ? 1 : 3, {
      bare: () => bare(IDLE_MS),
      gateway: () => gateway(IDLE_MS),
    });
    const ms = (name) => Math.round(median(samples[name].map((s) => s.ms)));
    const rss = (name) => median(samples[name].map((s) => s.rss));
    const idleRss = (name) => median(idle[name].map((s) => s.rss));
    const gatewayMs = ms("gateway");
    const gatewayRss = idleRss("gateway");
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
        idle_after_ms: IDLE_MS,
        bare_http_mib: idleRss("bare"),
        gateway_mib: gatewayRss,
        ratio: ratio(gatewayRss, idleRss("bare"), 2),
        goal: goal(gatewayRss, IDLE_RSS_GOAL),
        just_started: { bare_http_mib: rss("bare"), gateway_mib: rss("gateway") },
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
