// 3. Complete logins per second: authorize → (auto-approved) consent → redirect →
// code exchange + /me → result, by concurrent workers for a fixed time.
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dpopKey, startGatewayProcess } from "./lib.js";

async function oneLogin(gatewayUrl, key) {
  const secret = randomBytes(32).toString("base64url");
  const challenge = createHash("sha256").update(secret).digest("base64url");
  const start = await (
    await fetch(`${gatewayUrl}/auth/soundcloud/authorize?result_challenge=${challenge}`)
  ).json();
  const approved = await fetch(start.authorization_url, { redirect: "manual" });
  const back = new URL(approved.headers.get("location"));
  const redirect = await fetch(`${gatewayUrl}${back.pathname}${back.search}`, {
    redirect: "manual",
  });
  await redirect.arrayBuffer();
  // The approving browser's half of the result, from the redirect to return_to.
  const resultKey = new URL(redirect.headers.get("location")).searchParams.get("result_key");
  const result = await fetch(
    `${gatewayUrl}/auth/soundcloud/result?state=${encodeURIComponent(start.state)}`,
    {
      headers: {
        "X-Soundgate-Result-Verifier": secret,
        "X-Soundgate-Result-Key": resultKey,
        DPoP: key.proof("GET", "/auth/soundcloud/result"),
      },
    },
  );
  const body = await result.json();
  return result.status === 200 && typeof body.access_token === "string";
}

export async function benchLogins(emulator, { duration }) {
  const dir = mkdtempSync(join(tmpdir(), "soundgate-bench-"));
  const gateway = await startGatewayProcess(emulator.url, `sqlite:${join(dir, "logins.db")}`);
  try {
    const workers = 8;
    const deadline = Date.now() + duration * 1000;
    let ok = 0;
    let failed = 0;
    const started = Date.now();
    await Promise.all(
      Array.from({ length: workers }, async () => {
        // Each worker is one browser, with its one key (the SDK keeps it in IndexedDB).
        const key = dpopKey();
        while (Date.now() < deadline) {
          if (await oneLogin(gateway.url, key).catch(() => false)) ok++;
          else failed++;
        }
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    return {
      name: "complete_logins",
      workers,
      logins: ok,
      failed,
      per_second: Math.round(ok / seconds),
    };
  } finally {
    await gateway.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
