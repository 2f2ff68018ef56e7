// 4. A refresh storm: 1,000 concurrent API calls for one user whose token has expired →
// how many refreshes reach SoundCloud (goal 1) and how many calls fail (goal 0), with
// one gateway instance and with three on one Postgres database.
import { bffLogin, post, postgresDatabase, startGatewayProcess, stats } from "./lib.js";

async function expire(databaseUrl, emulatorUrl) {
  const pg = (await import("pg")).default;
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query("update connections set expires_at = 0");
  await client.end();
  await post(`${emulatorUrl}/_emulator/tokens/expire`, {});
}

export async function benchRefreshStorm(emulator) {
  const database = await postgresDatabase();
  if (!database) return [{ name: "refresh_storm", skipped: "PostgreSQL not reachable" }];
  const results = [];
  const gateways = [];
  try {
    for (let i = 0; i < 3; i++)
      gateways.push(await startGatewayProcess(emulator.url, database.url));
    for (const instances of [1, 3]) {
      const cookie = await bffLogin(gateways[0].url);
      await expire(database.url, emulator.url);
      const before = await stats(emulator.url);
      const started = Date.now();
      const statuses = await Promise.all(
        Array.from({ length: 1000 }, (_, i) =>
          fetch(`${gateways[i % instances].url}/api/soundcloud/me`, {
            headers: { Cookie: cookie },
          }).then(
            async (r) => {
              await r.arrayBuffer();
              return r.status;
            },
            () => 0,
          ),
        ),
      );
      const after = await stats(emulator.url);
      results.push({
        name: "refresh_storm",
        instances,
        calls: 1000,
        upstream_refreshes:
          after.token_requests.refresh_token - before.token_requests.refresh_token,
        failures: statuses.filter((s) => s !== 200).length,
        ms: Date.now() - started,
      });
    }
  } finally {
    await Promise.all(gateways.map((g) => g.stop()));
    await database.drop();
  }
  return results;
}
