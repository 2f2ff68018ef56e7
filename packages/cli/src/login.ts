import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import {
  ApiClient,
  buildAuthorizeUrl,
  createPkce,
  createState,
  endpointsForOrigin,
  exchangeCode,
  type OAuthClientOptions,
  type SoundCloudEndpoints,
  TokenManager,
} from "soundgate";
import { openBrowser } from "./browser.js";
import { CliError, type Command, EXIT, parsePort, UsageError } from "./command.js";
import { configDir } from "./config-dir.js";
import { appCredentials, httpUrl, loadDotEnv } from "./env.js";
import { FileTokenStore } from "./file-token-store.js";
import { type Loopback, startLoopback } from "./loopback.js";
import { TOKEN_KEY, writeSavedLogin } from "./saved-login.js";

/** The loopback port for real SoundCloud; register http://127.0.0.1:8789/callback. */
export const DEFAULT_LOGIN_PORT = 8789;
/** Where `soundgate emulator` listens by default; `login --emulator` tries it first. */
const DEFAULT_EMULATOR_URL = "http://127.0.0.1:8788";

const HELP = `Usage: soundgate login [options]

Connects soundgate to your SoundCloud account: opens SoundCloud's authorization page
in your browser (authorization code + PKCE) and receives the answer on
http://127.0.0.1:<port>/callback. Tokens are kept in your config directory
($SOUNDGATE_CONFIG_DIR, else ~/.config/soundgate or %APPDATA%\\soundgate), mode 0600.

Your app's credentials come from SOUNDCLOUD_CLIENT_ID and SOUNDCLOUD_CLIENT_SECRET
(environment or ./.env); its redirect URI must be http://127.0.0.1:<port>/callback.

Options:
  --no-browser         print the URL instead of opening a browser
  --port N             loopback port (default ${DEFAULT_LOGIN_PORT}; with --emulator, any free port)
  --timeout S          give up after S seconds without an answer (default 300)
  --client-id ID       the app's client id (default: $SOUNDCLOUD_CLIENT_ID)
  --auth-url URL       authorization server (default: $SOUNDCLOUD_AUTH_URL or SoundCloud's)
  --api-url URL        API (default: $SOUNDCLOUD_API_URL or SoundCloud's)
  --emulator           log in to a running SoundCloud emulator instead (start one with
                       \`soundgate emulator\`): the one at --emulator-url, else
                       $SOUNDGATE_EMULATOR_URL, else ${DEFAULT_EMULATOR_URL}
  --emulator-url URL   the emulator to use with --emulator
  --auto-approve       with --emulator: approve this login as the first seeded user, no
                       browser (consent for every other app is left as it is)
  -h, --help           show this help
`;

interface Target {
  client: OAuthClientOptions & { clientSecret: string; endpoints: SoundCloudEndpoints };
  /** The secret is ours (a client registered on an emulator) and may be stored. */
  ownSecret: boolean;
  emulator: boolean;
  /** Drive the consent step here instead of in a browser (emulator auto-approve). */
  autoApprove: boolean;
  /** Called once the code has arrived (an emulator client's auto-approve is switched off). */
  approved?: (() => Promise<void>) | undefined;
}

export const loginCommand: Command = {
  help: () => HELP,
  async run(args) {
    const { values } = parseArgs({
      args,
      options: {
        "no-browser": { type: "boolean" },
        port: { type: "string" },
        timeout: { type: "string" },
        "client-id": { type: "string" },
        "auth-url": { type: "string" },
        "api-url": { type: "string" },
        emulator: { type: "boolean" },
        "emulator-url": { type: "string" },
        "auto-approve": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    });
    if (values.help) {
      process.stdout.write(HELP);
      return EXIT.ok;
    }
    if (values["auto-approve"] && !values.emulator) {
      throw new UsageError("--auto-approve only works with --emulator");
    }
    if (values["emulator-url"] && !values.emulator) {
      throw new UsageError("--emulator-url only works with --emulator");
    }
    const timeoutS = values.timeout === undefined ? 300 : Number(values.timeout);
    if (!Number.isInteger(timeoutS) || timeoutS < 1) {
      throw new UsageError("--timeout takes a whole number of seconds");
    }
    const defaultPort = values.emulator ? 0 : DEFAULT_LOGIN_PORT;
    const port = values.port === undefined ? defaultPort : parsePort(values.port);
    loadDotEnv();

    // Listen for Ctrl-C before anything is printed: the person may press it at once.
    const interrupt = onInterrupt();
    const loopback = await startLoopback(port);
    let target: Target | undefined;
    try {
      target = values.emulator
        ? await emulatorTarget(loopback, values["emulator-url"], values["auto-approve"] === true)
        : realTarget(loopback, values);
      return await login(target, loopback, {
        openBrowser: !values["no-browser"] && !target.autoApprove,
        timeoutMs: timeoutS * 1000,
        interrupt,
      });
    } finally {
      interrupt.dispose();
      await loopback.close();
    }
  },
};

async function login(
  target: Target,
  loopback: Loopback,
  options: { openBrowser: boolean; timeoutMs: number; interrupt: Interrupt },
): Promise<number> {
  const pkce = await createPkce(); // a fresh verifier for this login, never reused
  const state = createState();
  const { client } = target;
  const authorizeUrl = buildAuthorizeUrl({
    clientId: client.clientId,
    redirectUri: loopback.redirectUri,
    codeChallenge: pkce.challenge,
    state,
    endpoints: client.endpoints,
  });

  const answer = loopback.waitForCode(state, options.timeoutMs);
  if (target.autoApprove) {
    // The emulator approves at once; play the browser: follow its redirect home.
    void actAsBrowser(authorizeUrl).catch(() => {});
  } else {
    // The terminal is the person's own; the opener's argv is readable by every local
    // account, so the opener gets a one-time local link instead of the state-bearing URL.
    process.stderr.write(
      `Open this URL in your browser to connect soundgate to SoundCloud:\n\n  ${authorizeUrl}\n\nWaiting for SoundCloud to send you back to ${loopback.redirectUri} (Ctrl-C to cancel)...\n`,
    );
    if (options.openBrowser) openBrowser(loopback.launchUrl(authorizeUrl));
  }
  const code = await Promise.race([answer, options.interrupt.promise]);
  // From here on Ctrl-C stops the process at once, as usual.
  options.interrupt.dispose();
  await target.approved?.();

  const tokens = await exchangeCode(client, {
    code,
    codeVerifier: pkce.verifier,
    redirectUri: loopback.redirectUri,
  });
  const me = await new ApiClient({
    auth: tokens.accessToken,
    apiBaseUrl: client.endpoints.apiBaseUrl,
  }).me();

  const dir = configDir();
  const store = new FileTokenStore(dir);
  await new TokenManager({ client, store }).save(TOKEN_KEY, tokens);
  await writeSavedLogin(dir, {
    version: 1,
    clientId: client.clientId,
    clientSecret: target.ownSecret ? client.clientSecret : undefined,
    redirectUri: loopback.redirectUri,
    endpoints: client.endpoints,
    user: { urn: me.urn, username: me.username },
    emulator: target.emulator,
    loggedInAt: new Date().toISOString(),
  });
  process.stderr.write(`Logged in to SoundCloud as ${me.username} (${me.urn}).\n`);
  return EXIT.ok;
}

function realTarget(
  loopback: Loopback,
  values: {
    "client-id"?: string | undefined;
    "auth-url"?: string | undefined;
    "api-url"?: string | undefined;
  },
): Target {
  const credentials = appCredentials();
  const clientId = values["client-id"] ?? credentials.clientId;
  const clientSecret = credentials.clientSecret;
  if (!clientId || !clientSecret) {
    throw new CliError(
      EXIT.config,
      "set SOUNDCLOUD_CLIENT_ID and SOUNDCLOUD_CLIENT_SECRET (environment or ./.env) to your SoundCloud app's, or use --emulator",
    );
  }
  const authUrl = httpUrl(
    values["auth-url"] ?? process.env.SOUNDCLOUD_AUTH_URL ?? "https://secure.soundcloud.com",
    "--auth-url",
  );
  const apiUrl = httpUrl(
    values["api-url"] ?? process.env.SOUNDCLOUD_API_URL ?? "https://api.soundcloud.com",
    "--api-url",
  );
  const endpoints = endpointsForOrigin(authUrl, apiUrl);
  return {
    client: { clientId, clientSecret, redirectUri: loopback.redirectUri, endpoints },
    ownSecret: false,
    emulator: false,
    autoApprove: false,
  };
}

/**
 * The running emulator to log in to: the given one, else $SOUNDGATE_EMULATOR_URL, else
 * the one `soundgate emulator` runs by default. None answering is exit 4: tokens from an
 * emulator that stops with this command would be accepted by no one. A client of our own
 * is registered for this loopback redirect URI, with a fresh id and secret; with
 * --auto-approve that client alone skips consent, and only until its code has arrived.
 */
async function emulatorTarget(
  loopback: Loopback,
  url: string | undefined,
  autoApprove: boolean,
): Promise<Target> {
  const clientId = `soundgate-cli-${randomBytes(6).toString("hex")}`;
  const clientSecret = randomBytes(24).toString("base64url");
  const registration = {
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: [loopback.redirectUri],
    name: "soundgate CLI",
  };
  const base = httpUrl(
    url ?? process.env.SOUNDGATE_EMULATOR_URL ?? DEFAULT_EMULATOR_URL,
    url === undefined ? "SOUNDGATE_EMULATOR_URL" : "--emulator-url",
  );
  await control(
    base,
    "clients",
    autoApprove ? { ...registration, auto_approve: true } : registration,
  );
  return {
    client: {
      clientId,
      clientSecret,
      redirectUri: loopback.redirectUri,
      endpoints: endpointsForOrigin(base),
    },
    ownSecret: true,
    emulator: true,
    autoApprove,
    // The client stays registered (its tokens refresh through it), but from now on a
    // login with it asks for consent like any other.
    approved: autoApprove ? () => control(base, "clients", registration) : undefined,
  };
}

async function control(base: string, path: string, body: unknown): Promise<void> {
  let response: Response;
  try {
    response = await fetch(`${base}/_emulator/${path}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
  } catch {
    throw new CliError(
      EXIT.unreachable,
      `no SoundCloud emulator answers at ${base}; start one with \`soundgate emulator\` (or \`npx soundgate-emulator\`), or name another with --emulator-url`,
    );
  }
  await response.body?.cancel();
  if (!response.ok) {
    throw new CliError(
      EXIT.config,
      `${base} refused the emulator's ${path} request (HTTP ${response.status}); is it a SoundCloud emulator?`,
    );
  }
}

/** What a browser does with an auto-approving emulator: follow its redirect to us. */
async function actAsBrowser(authorizeUrl: string): Promise<void> {
  const consent = await fetch(authorizeUrl, { redirect: "manual" });
  await consent.body?.cancel();
  const location = consent.headers.get("location");
  if (!location) return;
  const back = await fetch(location, { redirect: "manual" });
  await back.body?.cancel();
}

/** Ctrl-C (or SIGTERM) while logging in ends the login with exit code 130 and cleans up. */
interface Interrupt {
  promise: Promise<never>;
  dispose(): void;
}

function onInterrupt(): Interrupt {
  let onSignal = () => {};
  const promise = new Promise<never>((_, reject) => {
    onSignal = () => reject(new CliError(EXIT.interrupted, "login cancelled"));
  });
  promise.catch(() => {}); // observed by whoever races it; never an unhandled rejection
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    promise,
    dispose: () => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}
