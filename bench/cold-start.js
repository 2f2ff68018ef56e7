// 6. Cold start: from spawning `soundgate serve` (fresh SQLite file, migrations included)
// to its first 200 on /healthz; median of several starts.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BENCH_KEYS, median, root } from "./lib.js";

async function startOnce(emulatorUrl, database) {
  const port = 18_000 + Math.floor(Math.random() * 20_000);
  const started = performance.now();
  const child = spawn(
    process.execPath,
    ["packages/server/dist/cli.js", "serve", "--port", String(port)],
    {
      cwd: root,
      env: {
        ...process.env,
        SOUNDCLOUD_CLIENT_ID: "cold",
        SOUNDCLOUD_CLIENT_SECRET: "cold-secret",
        SOUNDCLOUD_AUTH_URL: emulatorUrl,
        SOUNDCLOUD_API_URL: emulatorUrl,
        SOUNDGATE_DATABASE_URL: database,
        SOUNDGATE_ENCRYPTION_KEYS: BENCH_KEYS,
        SOUNDGATE_LOG_LEVEL: "silent",
      },
      stdio: "ignore",
    },
  );
  try {
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) return performance.now() - started;
      if (performance.now() - started > 20_000) throw new Error("gateway did not start");
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  } finally {
    child.kill("SIGTERM");
    await once(child, "exit");
  }
}

export async function benchColdStart(emulator, { starts = 5 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "soundgate-bench-"));
  try {
    const times = [];
    for (let i = 0; i < starts; i++)
      times.push(await startOnce(emulator.url, `sqlite:${join(dir, `cold-${i}.db`)}`));
    return {
      name: "cold_start_to_first_200",
      starts,
      median_ms: Math.round(median(times)),
      max_ms: Math.round(Math.max(...times)),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
