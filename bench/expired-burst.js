// The scale run's burst on its own: N users whose tokens all expired, one proxied call each at
// once, over 3 gateway instances on one Postgres. `node bench/expired-burst.js [--users=5000]`.
// Takes a minute or two; the full scale run (`npm run bench -- --only=scale`) runs the same part.
import { fillUsers, migrate, openTarget } from "./fill.js";
import { postgresDatabase, startEmulatorProcess } from "./lib.js";
import { expiredUsersRun } from "./scale.js";

const users = Number(
  process.argv.find((a) => a.startsWith("--users="))?.slice("--users=".length) ?? 5_000,
);
const prof = process.argv.find((a) => a.startsWith("--cpu-prof="))?.slice("--cpu-prof=".length);
const emulator = await startEmulatorProcess();
const db = await postgresDatabase();
if (!db) throw new Error("PostgreSQL not reachable");
try {
  await migrate(db.url);
  // `--fill=N`: N other users in the store first, as in the scale run's big database.
  const fill = Number(
    process.argv.find((a) => a.startsWith("--fill="))?.slice("--fill=".length) ?? 0,
  );
  if (fill > 0) {
    const target = await openTarget(db.url);
    try {
      await fillUsers(target, fill);
      await target.query("analyze");
    } finally {
      await target.close();
    }
  }
  const result = await expiredUsersRun(
    emulator,
    db.url,
    { expiredUsers: users, instances: 3 },
    {
      // `--cpu-prof=DIR`: each gateway writes a CPU profile there.
      nodeArgs: prof ? ["--cpu-prof", `--cpu-prof-dir=${prof}`] : [],
    },
  );
  console.log(JSON.stringify(result, null, 2));
} finally {
  await db.drop();
  await emulator.stop();
}
