// Restarting `npm start` keeps you signed in: real `soundgate serve` processes in
// development (no credentials: the built-in emulator; no SOUNDGATE_ENCRYPTION_KEYS),
// one data directory, a BFF login, SIGTERM, and a second process on the same directory.
import { existsSync, statSync } from "node:fs";
import { chmod, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { emulatorAt } from "@soundgate/test-support/emulator";
import { loginViaBff } from "@soundgate/test-support/gateway";
import { type GatewayProcess, spawnGateway } from "@soundgate/test-support/gateway-process";
import { EXIT } from "soundgate/exit-codes";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { freePort, soundgate } from "./test-support.js";

let dataDir: string;
const running: GatewayProcess[] = [];
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "soundgate-serve-data-"));
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop()));
  await rm(dataDir, { recursive: true, force: true });
});

const mode = (path: string) => statSync(path).mode & 0o777;

/** `soundgate serve` in development on `dataDir`, gateway and emulator on the given ports. */
async function serveDev(ports: { gateway: number; emulator: number }) {
  const gateway = await spawnGateway(
    { SOUNDGATE_DATA_DIR: dataDir, SOUNDGATE_EMULATOR_PORT: String(ports.emulator) },
    { args: ["--port", String(ports.gateway)] },
  );
  running.push(gateway);
  return gateway;
}

async function stop(gateway: GatewayProcess) {
  await gateway.stop();
  expect([gateway.child.exitCode, gateway.child.signalCode]).toEqual([0, null]);
}

describe("soundgate serve in development, restarted on the same data directory", () => {
  it("keeps the BFF session, the proxied API and refresh working across the restart", async () => {
    const ports = { gateway: await freePort(), emulator: await freePort() };
    const emulator = emulatorAt(`http://127.0.0.1:${ports.emulator}`);
    const keyFile = join(dataDir, "dev-encryption-key");

    const first = await serveDev(ports);
    expect(first.streams().stderr).toContain(`a new development key in ${keyFile}`);
    expect(mode(dataDir)).toBe(0o700);
    expect(mode(keyFile)).toBe(0o600);
    const key = await readFile(keyFile, "utf8");
    expect(key).toMatch(/^dev:[A-Za-z0-9+/]{43}=\n$/);
    // Tokens that are due at once, so the first API call after the restart must refresh.
    await emulator.configure({ access_token_ttl_s: 1 });
    const { jar } = await loginViaBff(emulator, first, { returnTo: `${first.url}/` });
    const expired = Date.now() + 1_500;
    const cookie = { Cookie: jar.header() };
    expect((await fetch(`${first.url}/auth/session`, { headers: cookie })).status).toBe(200);
    await stop(first);

    const second = await serveDev(ports);
    expect(second.streams().stderr).toContain(`the development key in ${keyFile}`);
    expect(await readFile(keyFile, "utf8")).toBe(key);
    expect(mode(keyFile)).toBe(0o600);
    expect(mode(join(dataDir, "emulator-state.json"))).toBe(0o600);

    const session = await fetch(`${second.url}/auth/session`, { headers: cookie });
    expect(session.status).toBe(200);
    expect(await session.json()).toMatchObject({ user: { username: "nightjar-audio" } });
    // A restart can take less than the token's second: wait it out, or the call below
    // would use the still-valid token and refresh nothing.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, expired - Date.now())));
    const before = await emulator.stats();
    const me = await fetch(`${second.url}/api/soundcloud/me`, { headers: cookie });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ username: "nightjar-audio" });
    const after = await emulator.stats();
    // The grant from before the restart was refreshed, by the new processes, once.
    expect(after.token_requests.refresh_token - before.token_requests.refresh_token).toBe(1);
    expect(after.token_errors.invalid_grant).toBe(0);
    expect(second.output()).not.toMatch(/sealed with|unreadable|reauth/i);
  });

  it("refuses a development key file others can read, and says how to fix it", async () => {
    const ports = { gateway: await freePort(), emulator: await freePort() };
    await stop(await serveDev(ports));
    const keyFile = join(dataDir, "dev-encryption-key");
    await chmod(keyFile, 0o644);
    const result = await soundgate(["serve", "--port", String(ports.gateway)], {
      env: { SOUNDGATE_DATA_DIR: dataDir, SOUNDGATE_EMULATOR_PORT: String(ports.emulator) },
    });
    expect(result.code).toBe(EXIT.config);
    expect(result.stderr).toContain(`${keyFile} is readable by others (mode 644)`);
    expect(result.stderr).toContain("chmod 600");
  });

  it("in production still refuses to start without keys, and writes no key file", async () => {
    const result = await soundgate(["serve", "--port", "0"], {
      env: {
        NODE_ENV: "production",
        SOUNDGATE_DATA_DIR: dataDir,
        SOUNDCLOUD_CLIENT_ID: "an-app",
        SOUNDCLOUD_CLIENT_SECRET: "its-secret",
      },
    });
    expect(result.code).toBe(EXIT.config);
    expect(result.stderr).toContain("SOUNDGATE_ENCRYPTION_KEYS");
    expect(existsSync(join(dataDir, "dev-encryption-key"))).toBe(false);
  });

  it("keeps nothing when the database is in memory: an ephemeral key, and says so", async () => {
    const gateway = await spawnGateway(
      {
        SOUNDGATE_DATA_DIR: dataDir,
        SOUNDGATE_DATABASE_URL: "sqlite::memory:",
        SOUNDGATE_EMULATOR_PORT: "0",
      },
      { args: ["--port", "0"] },
    );
    running.push(gateway);
    expect(gateway.streams().stderr).toContain("encryption key  ephemeral");
    expect(existsSync(join(dataDir, "dev-encryption-key"))).toBe(false);
    expect(existsSync(join(dataDir, "emulator-state.json"))).toBe(false);
  });
});
