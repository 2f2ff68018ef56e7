// /auth/soundcloud/authorize requests per second vs a bare node:http server answering
// JSON of the same size, alternated in one run.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { alternate, load, startProcess } from "./lib.js";

const CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

export async function benchAuthorize({ rounds = 3, duration = 5 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "soundgate-bench-"));
  const gateway = await startProcess(["packages/server/dist/cli.js", "serve", "--port", "0"], {
    SOUNDCLOUD_CLIENT_ID: "",
    SOUNDCLOUD_CLIENT_SECRET: "",
    SOUNDGATE_EMULATOR_PORT: "0",
    SOUNDGATE_DATABASE_URL: `sqlite:${join(dir, "bench.db")}`,
    SOUNDGATE_ENCRYPTION_KEYS: `bench:${Buffer.alloc(32, 1).toString("base64")}`,
    SOUNDGATE_RATE_LIMIT_PER_MINUTE: "0",
    SOUNDGATE_LOG_LEVEL: "silent",
  });
  const path = `/auth/soundcloud/authorize?result_challenge=${CHALLENGE}`;
  const sample = await fetch(gateway.url + path);
  if (sample.status !== 200) throw new Error(`gateway /authorize answered ${sample.status}`);
  const bytes = (await sample.arrayBuffer()).byteLength;
  const bare = await startProcess(["bench/bare-server.js"], { BODY_BYTES: String(bytes) });
  try {
    const summary = await alternate(rounds, {
      bare: () => load({ url: bare.url + path, duration }),
      gateway: () => load({ url: gateway.url + path, duration }),
    });
    return {
      name: "authorize_vs_bare_http",
      store: "sqlite",
      body_bytes: bytes,
      ...summary,
      ratio: Number((summary.gateway.rps / summary.bare.rps).toFixed(3)),
    };
  } finally {
    await Promise.all([gateway.stop(), bare.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
}
