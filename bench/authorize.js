// /auth/soundcloud/authorize on SQLite vs its limit: the bare server's /authorize (PKCE
// verifier + S256 challenge, state + its hash, AES-GCM seal, one prepared insert into the
// same table in WAL mode, the same JSON; see bare-server.js), alternated in one run. The
// gateway on Postgres runs beside them for information (the goal is SQLite's).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrate } from "./fill.js";
import {
  alternate,
  BENCH_KEYS,
  goal,
  load,
  machineLoad,
  pairedRatio,
  postgresDatabase,
  startGatewayProcess,
  startProcess,
} from "./lib.js";

const CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
export const AUTHORIZE_PATH = `/auth/soundcloud/authorize?result_challenge=${CHALLENGE}`;
export const AUTHORIZE_GOAL = { at_least: 0.8 };

/** The bare server with its own migrated SQLite file, ready for /authorize. */
export async function startBareAuthorize(emulatorUrl, dir) {
  const file = join(dir, "bare-authorize.db");
  await migrate(`sqlite:${file}`);
  return startProcess(["bench/bare-server.js"], {
    BARE_DB: file,
    BARE_API_URL: emulatorUrl,
    SOUNDGATE_ENCRYPTION_KEYS: BENCH_KEYS,
  });
}

/** One GET, checked: a 200 of the shape both sides answer with; returns the body size. */
export async function checkAuthorize(url) {
  const response = await fetch(url + AUTHORIZE_PATH);
  const body = await response.text();
  if (response.status !== 200 || !JSON.parse(body).state)
    throw new Error(`${url} /authorize answered ${response.status}: ${body}`);
  return Buffer.byteLength(body);
}

export async function benchAuthorize(emulator, { rounds, duration }) {
  const dir = mkdtempSync(join(tmpdir(), "soundgate-bench-"));
  const pg = await postgresDatabase();
  const servers = [];
  try {
    const bare = await startBareAuthorize(emulator.url, dir);
    servers.push(bare);
    const sqlite = await startGatewayProcess(emulator.url, `sqlite:${join(dir, "authorize.db")}`);
    servers.push(sqlite);
    const postgres = pg && (await startGatewayProcess(emulator.url, pg.url));
    if (postgres) servers.push(postgres);
    const bytes = {
      baseline: await checkAuthorize(bare.url),
      gateway: await checkAuthorize(sqlite.url),
    };
    // Warmed first, not counted (as the proxy bench: see proxy.js).
    for (const server of servers) await load({ url: server.url + AUTHORIZE_PATH, duration: 1 });
    const loadBefore = machineLoad();
    const summary = await alternate(rounds, {
      baseline: () => load({ url: bare.url + AUTHORIZE_PATH, duration, pid: bare.child.pid }),
      gateway: () => load({ url: sqlite.url + AUTHORIZE_PATH, duration, pid: sqlite.child.pid }),
      ...(postgres
        ? {
            gateway_postgres: () =>
              load({ url: postgres.url + AUTHORIZE_PATH, duration, pid: postgres.child.pid }),
          }
        : {}),
    });
    const value = pairedRatio(summary, "gateway", "baseline");
    return {
      name: "authorize",
      store: "sqlite",
      body_bytes: bytes,
      ...summary,
      ratio: value,
      goal: goal(value, AUTHORIZE_GOAL),
      cpu_ratio: pairedRatio(summary, "baseline", "gateway", "cpu_us"),
      ...(postgres
        ? { postgres_ratio: pairedRatio(summary, "gateway_postgres", "baseline") }
        : { postgres: "skipped: PostgreSQL not reachable" }),
      load: loadBefore,
    };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await pg?.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}
