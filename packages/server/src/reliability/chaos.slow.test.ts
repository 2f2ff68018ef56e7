// Chaos: several `soundgate serve` instances on one Postgres database, many BFF users
// calling the API proxy, access tokens that live 8 s, a kill -9 of an instance on a
// schedule (restarted at once), bursts of SoundCloud 503/502, and once every database
// connection terminated by the server. Bounded (SOUNDGATE_CHAOS_SECONDS, default 100).
//
// What must hold: no user lost except one whose refresh was in flight on an instance at
// the moment it was killed (SoundCloud had spent the old token; the new one died with the
// process: without an idempotent token endpoint that window can be made short, not
// closed), no refresh token spent twice, no 500, no crash, no hung instance. The p99 of
// successful calls is reported.
import { createHash } from "node:crypto";
import type { TestEmulator } from "@soundgate/test-support/emulator";
import { test } from "@soundgate/test-support/fixtures";
import { loginViaBff } from "@soundgate/test-support/gateway";
import {
  type GatewayProcess,
  PROCESS_PUBLIC_URL as PUBLIC,
  spawnGatewayFor,
} from "@soundgate/test-support/gateway-process";
import type { TestDatabase } from "@soundgate/test-support/postgres";
import { describe, expect, it } from "vitest";

const SECONDS = Number(process.env.SOUNDGATE_CHAOS_SECONDS ?? 100);
const USERS = Number(process.env.SOUNDGATE_CHAOS_USERS ?? 100);
const INSTANCES = 3;
const TOKEN_TTL_S = 8;
const KILL_EVERY_MS = 15_000;
const FAULTS_EVERY_MS = 11_000;
/** A call not answered in this long is a hang (the gateway's own bounds are 5 s each). */
const CALL_TIMEOUT_MS = 30_000;
const HEALTH_TIMEOUT_MS = 10_000;
const CLIENT = { client_id: "chaos-client", client_secret: "chaos-secret" };

let emulator: TestEmulator;
let database: TestDatabase | undefined;

test.override(
  "emulatorOptions",
  { scope: "file" },
  {
    accessTokenTtlS: TOKEN_TTL_S,
    rateLimits: { client_credentials_per_ip: 1_000_000 },
  },
);
// The file's emulator and Postgres database (none: the test skips), for the helpers below.
test.beforeAll(({ emulator: fileEmulator, maybePostgres }) => {
  emulator = fileEmulator;
  database = maybePostgres;
});

interface Slot {
  index: number;
  generation: number;
  instanceId: string;
  process: GatewayProcess | undefined;
  /** Set while we kill it: its exit is ours, not a crash. */
  killing: boolean;
}

interface Kill {
  instanceId: string;
  at: number;
  /** Users with a call in flight on it at that moment. */
  inFlight: Set<number>;
}

interface Call {
  user: number;
  instanceId: string;
  started: number;
}

/** A statement on the test database, outside the gateways' pools. */
function sql(text: string, values: unknown[] = []) {
  if (!database) throw new Error("no test database");
  return database.query(text, values);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

describe("chaos", () => {
  it(
    `keeps ${USERS} users through ${SECONDS} s of kill -9, upstream 5xx and terminated connections on ${INSTANCES} instances`,
    async (context) => {
      if (!database) return context.skip();
      const url = database.url;
      const crashes: string[] = [];
      const slots: Slot[] = [];

      const startSlot = async (slot: Slot) => {
        slot.generation++;
        slot.instanceId = `chaos-${slot.index}-${slot.generation}`;
        const gateway = await spawnGatewayFor(emulator, url, CLIENT, {
          SOUNDGATE_INSTANCE_ID: slot.instanceId,
        });
        const id = slot.instanceId;
        gateway.child.once("exit", (code, signal) => {
          if (slot.killing && slot.instanceId === id) return;
          crashes.push(`${id} exited (${code ?? signal}):\n${gateway.output().slice(-2_000)}`);
          if (slot.instanceId === id) slot.process = undefined;
        });
        slot.process = gateway;
      };
      // One at a time: the first runs the migrations.
      for (let index = 0; index < INSTANCES; index++) {
        const slot: Slot = {
          index,
          generation: 0,
          instanceId: "",
          process: undefined,
          killing: false,
        };
        slots.push(slot);
        await startSlot(slot);
      }
      const alive = () => slots.filter((s) => s.process && !s.killing);
      const pick = () => {
        const up = alive();
        return up[Math.floor(Math.random() * up.length)];
      };

      // Log every user in (spread over the instances), and learn their connection ids.
      const cookies: string[] = [];
      for (let batch = 0; batch < USERS; batch += 10) {
        const jars = await Promise.all(
          Array.from({ length: Math.min(10, USERS - batch) }, (_, i) =>
            loginViaBff(emulator, slots[(batch + i) % INSTANCES]?.process as GatewayProcess, {
              returnTo: `${PUBLIC}/`,
            }),
          ),
        );
        for (const { jar } of jars) cookies.push(jar.header());
      }
      const connectionOf = new Map<number, string>();
      for (const [user, cookie] of cookies.entries()) {
        const value = /soundgate_session=([^;]+)/.exec(cookie)?.[1] as string;
        const id = createHash("sha256").update(value).digest("base64url");
        const [row] = await sql("select connection_id from sessions where id = $1", [id]);
        connectionOf.set(user, row?.connection_id as string);
      }
      const before = await emulator.stats();

      // The load: each user calls the proxy, one call at a time, on a random live instance.
      const statuses = new Map<number, number>();
      const latencies: number[] = [];
      const hangs: string[] = [];
      const inFlight = new Map<number, Call>();
      const kills: Kill[] = [];
      let cut = 0;
      let running = true;
      const users = cookies.map(async (cookie, user) => {
        await sleep(Math.random() * 1_000);
        while (running) {
          const slot = pick();
          if (!slot?.process) {
            await sleep(100);
            continue;
          }
          const call: Call = { user, instanceId: slot.instanceId, started: Date.now() };
          inFlight.set(user, call);
          try {
            const response = await fetch(`${slot.process.url}/api/soundcloud/me`, {
              headers: { Cookie: cookie },
              signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
            });
            await response.arrayBuffer();
            statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
            if (response.ok) latencies.push(Date.now() - call.started);
          } catch (error) {
            if ((error as Error).name === "TimeoutError") {
              hangs.push(`call by user ${user} on ${call.instanceId}`);
            } else cut++; // the instance was killed under it
          } finally {
            inFlight.delete(user);
          }
          await sleep(300 + Math.random() * 700);
        }
      });

      // Health: every live instance answers /healthz within its bound, all along.
      const health = (async () => {
        while (running) {
          await Promise.all(
            alive().map(async (slot) => {
              const id = slot.instanceId;
              try {
                await fetch(`${slot.process?.url}/healthz`, {
                  signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS),
                });
              } catch (error) {
                if (
                  (error as Error).name === "TimeoutError" &&
                  slot.instanceId === id &&
                  !slot.killing
                )
                  hangs.push(`healthz of ${id}`);
              }
            }),
          );
          await sleep(2_000);
        }
      })();

      // The chaos schedule.
      const started = Date.now();
      const end = started + SECONDS * 1000;
      let nextKill = started + KILL_EVERY_MS;
      let nextFaults = started + 5_000;
      let terminatedAt = started + (SECONDS * 1000) / 2;
      let terminated = 0;
      let faultBursts = 0;
      while (Date.now() < end) {
        const now = Date.now();
        if (now >= nextKill) {
          nextKill += KILL_EVERY_MS;
          const victim = slots[kills.length % INSTANCES] as Slot;
          if (victim.process) {
            const kill: Kill = {
              instanceId: victim.instanceId,
              at: Date.now(),
              inFlight: new Set(),
            };
            for (const call of inFlight.values()) {
              if (call.instanceId === victim.instanceId) kill.inFlight.add(call.user);
            }
            victim.killing = true;
            await victim.process.kill9();
            kills.push(kill);
            victim.process = undefined;
            victim.killing = false;
            await startSlot(victim);
          }
        }
        if (now >= nextFaults) {
          nextFaults += FAULTS_EVERY_MS;
          faultBursts++;
          await emulator.configure({
            fail_next: [
              { target: "token", count: 8, status: faultBursts % 2 ? 503 : 502 },
              { target: "api", count: 15, status: faultBursts % 2 ? 502 : 503, mode: "html" },
            ],
          });
        }
        if (now >= terminatedAt) {
          terminatedAt = Number.POSITIVE_INFINITY;
          const rows = await sql(
            `select pg_terminate_backend(pid) from pg_stat_activity
             where datname = current_database() and pid <> pg_backend_pid()`,
          );
          terminated = rows.length;
        }
        await sleep(100);
      }
      running = false;
      await Promise.all(users);
      await health;
      await emulator.configure({ fail_next: null });

      // Settle: every stored access token expires, then each user calls once more (a 503
      // from the store or SoundCloud is retried), so a spent refresh token is found out.
      await sleep((TOKEN_TTL_S + 1) * 1000);
      const lost: number[] = [];
      const final = new Map<number, number>();
      await Promise.all(
        cookies.map(async (cookie, user) => {
          for (let attempt = 0; attempt < 5; attempt++) {
            const slot = pick() as Slot;
            const response = await fetch(`${slot.process?.url}/api/soundcloud/me`, {
              headers: { Cookie: cookie },
              signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
            });
            const body = (await response.json()) as { error?: string };
            final.set(response.status, (final.get(response.status) ?? 0) + 1);
            if (response.status === 200) return;
            if (response.status === 401 && body.error === "reauth_required") {
              lost.push(user);
              return;
            }
            await sleep(1_000);
          }
          lost.push(user);
        }),
      );
      for (const slot of slots) {
        slot.killing = true;
        await slot.process?.stop();
      }

      // Who was lost, and why: a user is explained by a kill when it had a call in flight
      // on the instance at that moment, a refresh of its grant had started before the
      // kill and was never stored (refresh_started_at after refreshed_at: the lease's
      // record of a refresh in flight), and nothing was stored for it after (refreshed_at).
      const rows = new Map<string, Record<string, unknown>>();
      for (const row of await sql(
        "select id, status, refreshed_at, refreshed_by, refresh_started_at, refresh_started_by from connections",
      ))
        rows.set(row.id as string, row);
      const atKill: string[] = [];
      const unexplained: string[] = [];
      for (const user of lost) {
        const row = rows.get(connectionOf.get(user) as string) ?? {};
        const lastStored = Number(row.refreshed_at ?? 0);
        const startedAt = Number(row.refresh_started_at ?? 0);
        const unfinished = startedAt > lastStored;
        const kill = kills.find(
          (k) => k.inFlight.has(user) && lastStored < k.at && unfinished && startedAt <= k.at,
        );
        const story = `user ${user}: last stored by ${row.refreshed_by} at ${lastStored}, first unfinished attempt by ${row.refresh_started_by} at ${row.refresh_started_at}`;
        if (kill)
          atKill.push(`${story}; ${kill.instanceId} killed at ${kill.at} with its call in flight`);
        else unexplained.push(story);
      }
      const stats = await emulator.stats();
      const reuse = stats.refresh_reuse - before.refresh_reuse;
      // Each user lost at a kill presents its spent token once more (how it is found out).
      const spentTwice = Math.max(0, reuse - atKill.length);
      const sorted = [...latencies].sort((a, b) => a - b);
      const calls = [...statuses.values()].reduce((a, b) => a + b, 0);
      const report = {
        seconds: SECONDS,
        users: USERS,
        calls,
        statuses: Object.fromEntries(statuses),
        cut_by_kill: cut,
        kills: kills.length,
        in_flight_at_kills: kills.reduce((n, k) => n + k.inFlight.size, 0),
        fault_bursts: faultBursts,
        connections_terminated: terminated,
        refreshes: stats.token_requests.refresh_token - before.token_requests.refresh_token,
        lost: lost.length,
        lost_at_kill: atKill.length,
        lost_unexplained: unexplained.length,
        refresh_reuse: reuse,
        spent_twice: spentTwice,
        gateway_500s: statuses.get(500) ?? 0,
        crashes: crashes.length,
        hangs: hangs.length,
        p50_ms: percentile(sorted, 50),
        p99_ms: percentile(sorted, 99),
        final: Object.fromEntries(final),
      };
      console.log(`chaos: ${JSON.stringify(report)}`);
      for (const line of atKill) console.log(`  lost at a kill: ${line}`);

      expect(crashes).toEqual([]);
      expect(hangs).toEqual([]);
      expect(report.gateway_500s).toBe(0);
      expect(unexplained).toEqual([]);
      expect(spentTwice).toBe(0);
      expect(kills.length).toBeGreaterThanOrEqual(Math.floor(SECONDS / 15) - 1);
      expect(report.refreshes).toBeGreaterThan(USERS);
      expect(statuses.get(200) ?? 0).toBeGreaterThan(calls / 2);
    },
    (SECONDS + 240) * 1000,
  );
});
