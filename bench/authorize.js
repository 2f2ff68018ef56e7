// 1. /auth/soundcloud/authorize requests per second vs a bare node:http server answering
// JSON of the same size, alternated in one run, on SQLite and on Postgres.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { alternate, load, postgresDatabase, startGatewayProcess, startProcess } from "./lib.js";

const CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
const PATH = `/auth/soundcloud/authorize?result_challenge=${CHALLENGE}`;

export async function benchAuthorize(emulator, { rounds, duration }) {
  const results = [];
  const dir = mkdtempSync(join(tmpdir(), "soundgate-bench-"));
  const pg = await postgresDatabase();
  const stores = [["sqlite", `sqlite:${join(dir, "authorize.db")}`]];
  if (pg) stores.push(["postgres", pg.url]);
  try {
    for (const [store, database] of stores) {
      const gateway = await startGatewayProcess(emulator.url, database);
      const sample = await fetch(gateway.url + PATH);
      if (sample.status !== 200) throw new Error(`gateway /authorize answered ${sample.status}`);
      const bytes = (await sample.arrayBuffer()).byteLength;
      const bare = await startProcess(["bench/bare-server.js"], { BODY_BYTES: String(bytes) });
      try {
        const summary = await alternate(rounds, {
          bare: () => load({ url: bare.url + PATH, duration }),
          gateway: () => load({ url: gateway.url + PATH, duration }),
        });
        results.push({
          name: "authorize_vs_bare_http",
          store,
          body_bytes: bytes,
          ...summary,
          ratio: Number((summary.gateway.rps / summary.bare.rps).toFixed(3)),
        });
      } finally {
        await Promise.all([gateway.stop(), bare.stop()]);
      }
    }
  } finally {
    await pg?.drop();
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}
