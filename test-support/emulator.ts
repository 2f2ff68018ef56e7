// Shared by tests across packages: a real emulator on a free port, with one registered
// client, plus small helpers to drive it over HTTP.
import { type EmulatorOptions, type EmulatorStats, startEmulator } from "@soundgate/emulator";
import {
  buildAuthorizeUrl,
  createPkce,
  createState,
  endpointsForOrigin,
  exchangeCode,
  type SoundCloudEndpoints,
  TokenManager,
} from "soundgate";

export const TEST_CLIENT = {
  client_id: "test-client",
  client_secret: "test-client-secret",
  redirect_uris: ["http://127.0.0.1:9/callback"],
} as const;

export interface TestEmulator {
  url: string;
  endpoints: SoundCloudEndpoints;
  /** OAuthClientOptions for TEST_CLIENT against this emulator. */
  client: {
    clientId: string;
    clientSecret: string;
    redirectUri: string;
    endpoints: SoundCloudEndpoints;
  };
  stats(): Promise<EmulatorStatsJson>;
  configure(patch: Record<string, unknown>): Promise<void>;
  /** Register (or replace) a client, as an app registration on SoundCloud would. */
  register(client: {
    client_id: string;
    client_secret: string;
    redirect_uris: readonly string[];
    name?: string;
  }): Promise<void>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

/** What GET /_emulator/stats answers. */
export type EmulatorStatsJson = EmulatorStats;

export async function startTestEmulator(options: EmulatorOptions = {}): Promise<TestEmulator> {
  const emulator = await startEmulator({
    port: 0,
    clients: [{ ...TEST_CLIENT, redirect_uris: [...TEST_CLIENT.redirect_uris] }],
    ...options,
  });
  return emulatorAt(emulator.url, () => emulator.close());
}

/**
 * Drive an emulator that is already running at `url` (another process's, such as the
 * one `soundgate serve` starts) through its control surface. `close` stops it, if ours.
 */
export function emulatorAt(url: string, close: () => Promise<void> = async () => {}): TestEmulator {
  const endpoints = endpointsForOrigin(url);
  const control = async (path: string, body?: unknown) => {
    const response = await fetch(`${url}/_emulator/${path}`, {
      method: body === undefined ? "GET" : "POST",
      headers: { "Content-Type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok)
      throw new Error(`emulator ${path}: HTTP ${response.status} ${await response.text()}`);
    return response.json() as Promise<unknown>;
  };
  return {
    url,
    endpoints,
    client: {
      clientId: TEST_CLIENT.client_id,
      clientSecret: TEST_CLIENT.client_secret,
      redirectUri: TEST_CLIENT.redirect_uris[0],
      endpoints,
    },
    stats: () => control("stats") as Promise<EmulatorStatsJson>,
    configure: async (patch) => {
      await control("config", patch);
    },
    register: async (client) => {
      await control("clients", client);
    },
    reset: async () => {
      await control("reset", {});
    },
    close,
  };
}

/**
 * Runs the authorize step the way a browser would with auto-approve on: returns the
 * code and the verifier that goes with it.
 */
export async function authorizeCode(
  emulator: TestEmulator,
  options: { redirectUri?: string } = {},
): Promise<{ code: string; verifier: string; state: string }> {
  await emulator.configure({ auto_approve: true });
  const pkce = await createPkce();
  const state = createState();
  const url = buildAuthorizeUrl({
    clientId: emulator.client.clientId,
    redirectUri: options.redirectUri ?? emulator.client.redirectUri,
    codeChallenge: pkce.challenge,
    state,
    endpoints: emulator.endpoints,
  });
  const response = await fetch(url, { redirect: "manual" });
  const location = response.headers.get("location");
  if (response.status !== 302 || !location) throw new Error(`authorize: HTTP ${response.status}`);
  const back = new URL(location);
  if (back.searchParams.get("state") !== state)
    throw new Error("authorize: state did not round-trip");
  const code = back.searchParams.get("code");
  if (!code) throw new Error(`authorize: no code (${back.searchParams.get("error")})`);
  return { code, verifier: pkce.verifier, state };
}

/** A TokenManager holding a freshly authorized user grant under the key "me" (the full code flow with PKCE). */
export async function signedInUser(emulator: TestEmulator): Promise<TokenManager> {
  const { code, verifier } = await authorizeCode(emulator);
  const manager = new TokenManager({ client: emulator.client });
  await manager.save("me", await exchangeCode(emulator.client, { code, codeVerifier: verifier }));
  return manager;
}
