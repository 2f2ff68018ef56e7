// The gateway as `soundgate serve` runs it (the same startGateway and configuration),
// plus one control: on SIGUSR2 it runs its own expired-row clean-up (store.deleteExpired,
// what its timer runs every minute) at once and prints `cleanup: N rows in X ms`. The
// scale run uses it to measure latency during a clean-up at a known moment.
import { createRequire } from "node:module";
import { loadConfig, startGateway } from "../packages/server/dist/index.js";

const gateway = await startGateway({ config: loadConfig(process.env, { port: 0 }) });
process.stdout.write(`listening on ${gateway.url}\n`);

// BENCH_REPORT_MEMORY=1 (bench/profile.js memory): after a short idle, print the memory by
// kind and the CommonJS modules loaded, by package (ES modules have no such registry).
if (process.env.BENCH_REPORT_MEMORY) {
  setTimeout(() => {
    const byPackage = new Map();
    const cache = Object.keys(createRequire(import.meta.url).cache);
    for (const file of cache) {
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1] ?? "(ours)";
      byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + 1);
    }
    const memory = { ...process.memoryUsage(), commonjs: cache.length, byPackage: [...byPackage] };
    process.stdout.write(`memory: ${JSON.stringify(memory)}\n`);
  }, 500);
}

process.on("SIGUSR2", async () => {
  const started = performance.now();
  try {
    const rows = await gateway.context.store.deleteExpired(Date.now());
    process.stdout.write(
      `cleanup: ${rows} rows in ${Math.round(performance.now() - started)} ms\n`,
    );
  } catch (error) {
    process.stdout.write(`cleanup failed: ${error.message}\n`);
  }
});
process.once("SIGTERM", async () => {
  await gateway.close();
  process.exit(0);
});
