// The BFF proxy `GET /api/soundcloud/me` (a signed-in session, SQLite) vs its limit: the
// bare server's /api/soundcloud/me (cookie hash, one indexed read, one AES-GCM open, a
// keep-alive fetch to the same emulator; see bare-server.js). At 20 connections and at 1,
// alternated. The emulator's own /me is run beside them at 20 for scale. Also samples the
// gateway's memory: idle after the login, and the peak under this load.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectionRow, migrate, openTarget, sessionRow } from "./fill.js";
import {
  alternate,
  BENCH_KEYS,
  bffLogin,
  goal,
  load,
  machineLoad,
  pairedRatio,
  rssMiB,
  startGatewayProcess,
  startProcess,
} from "./lib.js";
import { directUserToken } from "./user-token.js";

export const PROXY_GOAL = { at_least: 0.9 };

/** The bare server with a database holding one signed-in session; returns it and its cookie. */
export async function startBareProxy(emulatorUrl, dir) {
  const file = join(dir, "bare-proxy.db");
  await migrate(`sqlite:${file}`);
  const target = await openTarget(`sqlite:${file}`);
  const cookie = "bench-bare-session-cookie-0123456789abcdef";
  const now = Date.now();
  const connection = connectionRow({ now, accessToken: await directUserToken(emulatorUrl) });
  await target.insert("connections", [connection]);
  await target.insert("sessions", [sessionRow({ cookie, connectionId: connection.id, now })]);
  await target.close();
  const server = await startProcess(["bench/bare-server.js"], {
    BARE_DB: file,
    BARE_API_URL: emulatorUrl,
    SOUNDGATE_ENCRYPTION_KEYS: BENCH_KEYS,
  });
  const check = await fetch(`${server.url}/api/soundcloud/me`, {
    headers: { Cookie: `soundgate_session=${cookie}` },
  });
  if (check.status !== 200) throw new Error(`bare proxy answered ${check.status}`);
  await check.arrayBuffer();
  return { server, cookie: `soundgate_session=${cookie}` };
}

export async function benchProxy(emulator, { rounds, duration }) {
  const dir = mkdtempSync(join(tmpdir(), "soundgate-bench-"));
  const gateway = await startGatewayProcess(emulator.url, `sqlite:${join(dir, "proxy.db")}`);
  let bare;
  try {
    const cookie = await bffLogin(gateway.url);
    bare = await startBareProxy(emulator.url, dir);
    const token = await directUserToken(emulator.url);
    const idleRss = rssMiB(gateway.child.pid);
    let peakRss = 0;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, rssMiB(gateway.child.pid) ?? 0);
    }, 200);
    // One second of load on each side first, not counted: the steady state is what is
    // compared, not the first round on code the JIT has not compiled yet (the bare server's
    // few lines are compiled by its start-up check; the gateway's whole path is not).
    for (const [url, sessionCookie] of [
      [`${bare.server.url}/api/soundcloud/me`, bare.cookie],
      [`${gateway.url}/api/soundcloud/me`, cookie],
    ]) {
      await load({ url, headers: { Cookie: sessionCookie }, duration: 1 });
    }
    const results = [];
    for (const connections of [20, 1]) {
      const loadBefore = machineLoad();
      const summary = await alternate(rounds, {
        ...(connections === 20
          ? {
              emulator: () =>
                load({
                  url: `${emulator.url}/me`,
                  headers: { Authorization: `OAuth ${token}` },
                  pid: emulator.child.pid,
                  connections,
                  duration,
                }),
            }
          : {}),
        baseline: () =>
          load({
            url: `${bare.server.url}/api/soundcloud/me`,
            headers: { Cookie: bare.cookie },
            pid: bare.server.child.pid,
            connections,
            duration,
          }),
        gateway: () =>
          load({
            url: `${gateway.url}/api/soundcloud/me`,
            headers: { Cookie: cookie },
            pid: gateway.child.pid,
            connections,
            duration,
          }),
      });
      const value = pairedRatio(summary, "gateway", "baseline");
      results.push({
        name: "bff_proxy_me",
        connections,
        ...summary,
        ratio: value,
        goal: goal(value, PROXY_GOAL),
        // CPU per request of the server alone, baseline / gateway: the same comparison
        // with the machine's other load mostly taken out.
        cpu_ratio: pairedRatio(summary, "baseline", "gateway", "cpu_us"),
        added_p50_ms: summary.gateway.p50 - summary.baseline.p50,
        added_p99_ms: summary.gateway.p99 - summary.baseline.p99,
        load: loadBefore,
      });
    }
    clearInterval(sampler);
    results.push({
      name: "gateway_rss_under_proxy_load",
      idle_after_login_mib: idleRss,
      peak_mib: peakRss,
    });
    return results;
  } finally {
    await Promise.all([gateway.stop(), bare?.server.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
}
