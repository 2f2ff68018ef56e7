// 5. Client credentials: 10,000 public API calls through the core's API client with a
// ClientCredentialsCache → how many token requests reach SoundCloud (goal 1).
import {
  ApiClient,
  ClientCredentialsCache,
  endpointsForOrigin,
} from "../packages/soundgate/dist/index.js";
import { post, stats } from "./lib.js";

export async function benchClientCredentials(emulator) {
  const client = {
    clientId: "bench-public",
    clientSecret: "bench-public-secret",
    endpoints: endpointsForOrigin(emulator.url),
  };
  await post(`${emulator.url}/_emulator/clients`, {
    client_id: client.clientId,
    client_secret: client.clientSecret,
    redirect_uris: ["http://public.bench/cb"],
  });
  const api = new ApiClient({
    auth: new ClientCredentialsCache({ client }),
    apiBaseUrl: emulator.url,
  });
  const before = await stats(emulator.url);
  const calls = 10_000;
  const concurrency = 50;
  let next = 0;
  let failures = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < calls) {
        const i = next++;
        await api.get(`/tracks/soundcloud:tracks:${2000001 + (i % 500)}`).catch(() => {
          failures++;
        });
      }
    }),
  );
  const after = await stats(emulator.url);
  return {
    name: "client_credentials_cache",
    calls,
    token_requests:
      after.token_requests.client_credentials - before.token_requests.client_credentials,
    failures,
    calls_per_second: Math.round(calls / ((Date.now() - started) / 1000)),
  };
}
