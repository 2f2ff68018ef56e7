// Soak: mixed traffic at a steady rate (3 minutes by default; SOUNDGATE_SOAK_SECONDS or
// `npm run test:reliability -- --soak-seconds N` for longer). Every answer must be the
// right one, and the gateway's memory must stay flat.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DpopKey } from "@soundgate/test-support/dpop";
import { startTestEmulator, type TestEmulator } from "@soundgate/test-support/emulator";
import {
  dpopHeader,
  loginViaBff,
  loginViaRedirect,
  refreshAt,
} from "@soundgate/test-support/gateway";
import {
  type GatewayProcess,
  PROCESS_PUBLIC_URL as PUBLIC,
  spawnGatewayFor,
} from "@soundgate/test-support/gateway-process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const SECONDS = Number(process.env.SOUNDGATE_SOAK_SECONDS ?? 180);
const RATE_PER_SECOND = 25;
const CLIENT = { client_id: "soak-client", client_secret: "soak-secret" };

let emulator: TestEmulator;
let gateway: GatewayProcess;
let dir: string;

beforeAll(async () => {
  // Tokens live 70 s: with the 60 s window, sessions refresh about every 10 s.
  emulator = await startTestEmulator({
    accessTokenTtlS: 70,
    rateLimits: { client_credentials_per_ip: 1_000_000 },
  });
  await emulator.configure({ auto_approve: true });
  dir = mkdtempSync(join(tmpdir(), "soundgate-soak-"));
  gateway = await spawnGatewayFor(emulator, `sqlite:${join(dir, "soak.db")}`, CLIENT);
});
afterAll(async () => {
  await gateway?.stop();
  await emulator.close();
  rmSync(dir, { recursive: true, force: true });
});

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

async function bffLogin(): Promise<string> {
  return (await loginViaBff(emulator, gateway, { returnTo: `${PUBLIC}/` })).jar.header();
}

function starlibLogin(): Promise<{ refresh_token: string; dpop: DpopKey }> {
  return loginViaRedirect(emulator, gateway, { return_to: `${PUBLIC}/` });
}

describe("soak", () => {
  it(
    `serves mixed traffic for ${SECONDS} s with every answer right and flat memory`,
    async () => {
      const sessions = [await bffLogin(), await bffLogin(), await bffLogin()];
      let starlib = await starlibLogin();
      const wrong: string[] = [];
      const counts = new Map<string, number>();
      const memory: number[] = [];
      const expectStatus = async (
        label: string,
        pending: Promise<Response>,
        status: number,
        /** What the body must contain, where the status alone does not say it is right. */
        contains?: string,
      ) => {
        counts.set(label, (counts.get(label) ?? 0) + 1);
        try {
          const response = await pending;
          const body = await response.text();
          if (response.status !== status) wrong.push(`${label}: ${response.status}`);
          else if (contains && !body.includes(contains))
            wrong.push(`${label}: ${body.slice(0, 80)}`);
        } catch (error) {
          wrong.push(`${label}: ${(error as Error).message}`);
        }
      };
      const mix: Array<(i: number) => Promise<void>> = [
        (i) =>
          expectStatus(
            "proxy /me",
            fetch(`${gateway.url}/api/soundcloud/me`, {
              headers: { Cookie: sessions[i % 3] as string },
            }),
            200,
          ),
        (i) =>
          expectStatus(
            "proxy likes page",
            fetch(
              `${gateway.url}/api/soundcloud/me/likes/tracks?linked_partitioning=true&limit=50`,
              {
                headers: { Cookie: sessions[i % 3] as string },
              },
            ),
            200,
          ),
        (i) =>
          expectStatus(
            "session",
            fetch(`${gateway.url}/auth/session`, {
              headers: { Cookie: sessions[i % 3] as string },
            }),
            200,
            '"signed_in":true',
          ),
        () =>
          expectStatus(
            "authorize",
            fetch(
              `${gateway.url}/auth/soundcloud/authorize?result_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM`,
            ),
            200,
          ),
        () =>
          expectStatus(
            "bad input",
            fetch(`${gateway.url}/auth/soundcloud/refresh`, { method: "POST", body: "{" }),
            415,
          ),
        () =>
          expectStatus(
            "unknown result",
            fetch(`${gateway.url}/auth/soundcloud/result?state=nope`, {
              headers: {
                "X-Soundgate-Result-Verifier": "v",
                "X-Soundgate-Result-Key": "k",
                ...dpopHeader(gateway, new DpopKey(), "GET", "/auth/soundcloud/result"),
              },
            }),
            404,
          ),
      ];
      const started = Date.now();
      const inFlight = new Set<Promise<void>>();
      let i = 0;
      let lastLogin = started;
      let lastRefresh = started;
      let lastSample = 0;
      while (Date.now() - started < SECONDS * 1000) {
        const tick = Date.now();
        const task = (mix[i % mix.length] as (n: number) => Promise<void>)(i).finally(() =>
          inFlight.delete(task),
        );
        inFlight.add(task);
        i++;
        if (tick - lastLogin > 5_000) {
          lastLogin = tick;
          const login = starlibLogin().then(
            (next) => {
              counts.set("starlib login", (counts.get("starlib login") ?? 0) + 1);
              starlib = next;
            },
            (error: Error) => void wrong.push(`starlib login: ${error.message}`),
          );
          inFlight.add(login);
        }
        if (tick - lastRefresh > 3_000) {
          lastRefresh = tick;
          const { refresh_token: current, dpop } = starlib;
          const refresh = refreshAt(gateway, current, dpop).then(async (r) => {
            counts.set("starlib refresh", (counts.get("starlib refresh") ?? 0) + 1);
            if (r.status !== 200) wrong.push(`starlib refresh: ${r.status}`);
            else if (starlib.refresh_token === current)
              starlib = { ...((await r.json()) as { refresh_token: string }), dpop };
          });
          inFlight.add(refresh);
        }
        if (tick - lastSample > 5_000) {
          lastSample = tick;
          memory.push(rssMiB(gateway.child.pid as number));
        }
        await new Promise((resolve) => setTimeout(resolve, 1000 / RATE_PER_SECOND));
      }
      await Promise.all(inFlight);

      expect(wrong.slice(0, 20)).toEqual([]);
      const stats = await emulator.stats();
      expect(stats.refresh_reuse).toBe(0);
      expect(stats.token_requests.refresh_token).toBeGreaterThan(SECONDS / 20);
      // Flat memory: the last third of the samples is not above the first third by much.
      const third = Math.max(1, Math.floor(memory.length / 3));
      const early = Math.max(...memory.slice(0, third));
      const late = Math.max(...memory.slice(-third));
      console.log(
        `soak: ${i} requests in ${SECONDS} s; ${[...counts].map(([k, v]) => `${k} ${v}`).join(", ")}; refreshes ${stats.token_requests.refresh_token}; RSS early ${early.toFixed(0)} MiB, late ${late.toFixed(0)} MiB`,
      );
      expect(late).toBeLessThan(early * 1.3 + 16);
    },
    (SECONDS + 120) * 1000,
  );
});
