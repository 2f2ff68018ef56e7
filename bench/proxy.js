// 2. The BFF proxy `GET /api/soundcloud/me` vs calling the emulator's /me directly with
// the same kind of token: throughput ratio and added p50/p99 latency. Also samples the
// gateway's resident memory under this load (6).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { alternate, bffLogin, load, rssMiB, startGatewayProcess } from "./lib.js";
import { directUserToken } from "./user-token.js";

export async function benchProxy(emulator, { rounds, duration }) {
  const dir = mkdtempSync(join(tmpdir(), "soundgate-bench-"));
  const gateway = await startGatewayProcess(emulator.url, `sqlite:${join(dir, "proxy.db")}`);
  try {
    const cookie = await bffLogin(gateway.url);
    const token = await directUserToken(emulator.url);
    let peakRss = 0;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, rssMiB(gateway.child.pid) ?? 0);
    }, 200);
    const idleRss = rssMiB(gateway.child.pid);
    const summary = await alternate(rounds, {
      direct: () =>
        load({ url: `${emulator.url}/me`, headers: { Authorization: `OAuth ${token}` }, duration }),
      proxy: () =>
        load({ url: `${gateway.url}/api/soundcloud/me`, headers: { Cookie: cookie }, duration }),
    });
    clearInterval(sampler);
    return {
      name: "bff_proxy_me_vs_direct",
      ...summary,
      ratio: Number((summary.proxy.rps / summary.direct.rps).toFixed(3)),
      added_p50_ms: summary.proxy.p50 - summary.direct.p50,
      added_p99_ms: summary.proxy.p99 - summary.direct.p99,
      gateway_rss_mib: { idle: idleRss, peak_under_load: peakRss },
    };
  } finally {
    await gateway.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
