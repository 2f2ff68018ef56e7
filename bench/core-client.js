// The core's API client: `createSoundCloud()` `me.get()` through a TokenManager (a valid
// stored token, so no refresh), 20 calls in flight, vs its limit: a plain fetch loop with a
// fixed token that parses the same JSON. Both run here, against the same emulator process,
// alternated.
import {
  createSoundCloud,
  endpointsForOrigin,
  TokenManager,
} from "../packages/soundgate/dist/index.js";
import { goal, interleave, machineLoad, median } from "./lib.js";
import { directUserToken } from "./user-token.js";

export const CORE_CLIENT_GOAL = { at_least: 0.95 };
const CONCURRENCY = 20;

/** Calls/s of `call` with CONCURRENCY in flight for `seconds`; any failure throws. */
async function throughput(call, seconds) {
  const deadline = performance.now() + seconds * 1000;
  let done = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        await call();
        done++;
      }
    }),
  );
  return done / ((performance.now() - started) / 1000);
}

export async function benchCoreClient(emulator, { rounds, duration }) {
  const token = await directUserToken(emulator.url);
  const manager = new TokenManager({
    client: {
      clientId: "bench-direct",
      clientSecret: "bench-direct-secret",
      redirectUri: "http://direct.bench/cb",
      endpoints: endpointsForOrigin(emulator.url),
    },
  });
  await manager.save("bench", {
    accessToken: token,
    refreshToken: "unused: the token stays valid for the whole run",
    expiresAt: Date.now() + 3_600_000,
    scope: "",
  });
  const sc = createSoundCloud({ auth: manager.provider("bench"), apiBaseUrl: emulator.url });
  const meUrl = `${emulator.url}/me`;
  const headers = { Authorization: `OAuth ${token}` };
  const plain = async () => {
    const response = await fetch(meUrl, { headers });
    if (response.status !== 200) throw new Error(`plain fetch: ${response.status}`);
    return response.json();
  };
  const core = async () => {
    const me = await sc.me.get();
    if (typeof me.id !== "number") throw new Error("core me(): no id");
    return me;
  };
  await Promise.all([plain(), core()]); // warm both paths (JIT, keep-alive sockets)
  const loadBefore = machineLoad();
  const samples = await interleave(rounds, {
    baseline: () => throughput(plain, duration),
    core: () => throughput(core, duration),
  });
  const baseline = Math.round(median(samples.baseline));
  const coreRate = Math.round(median(samples.core));
  // Paired by round (see pairedRatio in lib.js).
  const value = Number(
    median(samples.core.map((rate, i) => rate / samples.baseline[i])).toFixed(3),
  );
  return {
    name: "core_client_me",
    concurrency: CONCURRENCY,
    baseline: { calls_per_second: baseline, samples: samples.baseline.map(Math.round) },
    core: { calls_per_second: coreRate, samples: samples.core.map(Math.round) },
    ratio: value,
    goal: goal(value, CORE_CLIENT_GOAL),
    load: loadBefore,
  };
}
