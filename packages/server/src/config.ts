import { hostname } from "node:os";
import { ConfigError } from "./config-error.js";
import {
  anyString,
  boolean,
  type Check,
  digits,
  httpUrl,
  Invalid,
  matching,
  nonEmpty,
  oneOf,
  port,
  proxyHops,
  wholeNumber,
} from "./config-values.js";
import {
  isPrivateUseScheme,
  type LoopbackReturnTo,
  originOf,
  parseReturnToEntry,
  type ReturnToAllowlist,
} from "./return-to.js";

// Re-exported: older imports name config.ts; new code imports config-error.ts.
export { ConfigError };

/** Everything the gateway reads from its environment, validated once at start. */
export interface GatewayConfig {
  /** Undefined when no credentials are set: `npm start` then runs the built-in emulator. */
  soundcloud: SoundCloudAppConfig | undefined;
  publicUrl: string;
  host: string;
  port: number;
  /** Where SoundCloud sends the browser back; decides the flow (see flowMode). */
  redirectUri: string;
  flowMode: "backend-redirect" | "direct";
  /** Exact return_to URLs (normalized). */
  allowedReturnTo: ReadonlySet<string>;
  /** Loopback return_to entries with any port (configured as http://127.0.0.1 with port `*`). */
  loopbackReturnTo: readonly LoopbackReturnTo[];
  allowedOrigins: ReadonlySet<string>;
  databaseUrl: string;
  /** Postgres: connections per instance (SOUNDGATE_DB_POOL_SIZE). */
  dbPoolSize: number;
  /** Postgres: the longest wait for a connection, new or pooled (ms). */
  dbConnectTimeoutMs: number;
  /** Postgres: the longest wait for another instance's refresh lock (ms). */
  dbLockTimeoutMs: number;
  /**
   * Postgres: the longest any wait in this instance's queue for a connection may last
   * while the queue moves: short queries, and refreshes waiting for a lock holder's place
   * (ms). A queue with nothing coming free fails after dbConnectTimeoutMs.
   */
  dbQueueTimeoutMs: number;
  /** On SIGTERM, how long in-flight requests may take to finish before they are cut (ms). */
  shutdownTimeoutMs: number;
  /**
   * This instance's name in the database's audit columns (who refreshed a grant) and in
   * logs; default `<hostname>:<pid>`.
   */
  instanceId: string;
  /**
   * What development keeps across restarts (SOUNDGATE_DATA_DIR, default ./data): the
   * SQLite database by default, and without SOUNDGATE_ENCRYPTION_KEYS outside production
   * a generated key (dev-encryption-key) and the built-in emulator's state.
   */
  dataDir: string;
  /**
   * Who may take a login result at /result: `both` the front end that started the flow
   * (result_challenge's verifier) and the browser that approved it (the result_key in the
   * redirect to return_to); `initiator` the verifier alone (blind polling; phishable);
   * `none` whoever knows state (Starlib's behaviour; phishable and leaky).
   */
  resultBinding: ResultBinding;
  /** `starlib`: answer as Starlib's own backend did where the two differ. */
  compat: "starlib" | undefined;
  /** Said once at start (weakened protections, deprecated settings). */
  warnings: readonly string[];
  rateLimitPerMinute: number;
  /** How many proxies in front append to X-Forwarded-For (0: trust none, use the socket). */
  trustProxy: number;
  /** Open connections per client address; 0 for no cap (and none behind a trusted proxy). */
  maxConnectionsPerIp: number;
  encryptionKeys: string | undefined;
  production: boolean;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "silent";
  /** `pretty` lines for a person at a terminal, else JSON lines (one object per line). */
  logFormat: LogFormat;
  /** Bearer token for /metrics; with neither this nor metricsPort, /metrics is off (404). */
  metricsToken: string | undefined;
  /** /metrics on its own port (on `host`) instead of the main one. */
  metricsPort: number | undefined;
  /** How long a BFF session lasts (ms). */
  sessionTtlMs: number;
  /** A built front end (e.g. apps/demo/dist) served at `/`; undefined → the built-in page. */
  staticDir: string | undefined;
}

export type ResultBinding = "both" | "initiator" | "none";
export type LogFormat = "pretty" | "json";

export interface SoundCloudAppConfig {
  clientId: string;
  clientSecret: string;
  /** Origin serving /authorize, /oauth/token and /sign-out. */
  authUrl: string;
  apiUrl: string;
}

export const REDIRECT_PATH = "/auth/soundcloud/redirect";
export const DONE_PATH = "/auth/soundcloud/done";

type Env = Record<string, string | undefined>;

/**
 * Read the gateway's configuration. Every problem is a ConfigError naming the variable,
 * so `soundgate serve` can print one clear line and exit non-zero.
 */
export function loadConfig(
  env: Env = process.env,
  overrides: { port?: number; staticDir?: string; stdoutIsTty?: boolean } = {},
): GatewayConfig {
  const read: Read = (name, check, fallback) => {
    const raw = env[name] === undefined || env[name] === "" ? fallback : env[name];
    if (raw === undefined) throw new ConfigError(name, "is required");
    try {
      return check(raw);
    } catch (error) {
      if (error instanceof Invalid) throw new ConfigError(name, error.message);
      throw error;
    }
  };
  const optional = (name: string, ...aliases: string[]): string | undefined => {
    for (const key of [name, ...aliases]) {
      const value = env[key]?.trim();
      if (value) return value;
    }
    return undefined;
  };

  const production = env.NODE_ENV === "production";
  const listenPort = overrides.port ?? read("SOUNDGATE_PORT", port, "8787");
  const host = read("SOUNDGATE_HOST", nonEmpty, "127.0.0.1");
  const publicUrl = trimSlash(
    read(
      "SOUNDGATE_PUBLIC_URL",
      httpUrl,
      `http://localhost:${listenPort === 0 ? 8787 : listenPort}`,
    ),
  );

  const clientId = optional("SOUNDCLOUD_CLIENT_ID", "CLIENT_ID");
  const clientSecret = optional("SOUNDCLOUD_CLIENT_SECRET", "CLIENT_SECRET");
  if (Boolean(clientId) !== Boolean(clientSecret)) {
    throw new ConfigError(
      clientId ? "SOUNDCLOUD_CLIENT_SECRET" : "SOUNDCLOUD_CLIENT_ID",
      "is required when the other SoundCloud credential is set",
    );
  }
  const authUrl = trimSlash(read("SOUNDCLOUD_AUTH_URL", httpUrl, "https://secure.soundcloud.com"));
  const apiUrl = trimSlash(read("SOUNDCLOUD_API_URL", httpUrl, "https://api.soundcloud.com"));
  if (!clientId && production) {
    throw new ConfigError(
      "SOUNDCLOUD_CLIENT_ID",
      "is required in production (the built-in emulator is for development)",
    );
  }

  const redirectUri = read("SOUNDCLOUD_REDIRECT_URI", httpUrl, `${publicUrl}${REDIRECT_PATH}`);
  const redirect = new URL(redirectUri);
  const flowMode =
    redirect.origin === new URL(publicUrl).origin && redirect.pathname === REDIRECT_PATH
      ? "backend-redirect"
      : "direct";

  const returnToList = read("SOUNDGATE_ALLOWED_RETURN_TO", anyString, `${publicUrl}/`)
    .split(",")
    .map((value) => value.trim())
    .filter(Boolean);
  const allowedReturnTo = new Set<string>([`${publicUrl}${DONE_PATH}`]);
  const loopbackReturnTo: LoopbackReturnTo[] = [];
  for (const value of returnToList) {
    const entry = parseReturnToEntry(value);
    if (entry.kind === "invalid") {
      throw new ConfigError("SOUNDGATE_ALLOWED_RETURN_TO", `"${value}" ${entry.reason}`);
    }
    if (entry.kind === "loopback") loopbackReturnTo.push(entry.pattern);
    else allowedReturnTo.add(entry.href);
  }

  const allowedOrigins = new Set<string>();
  const returnToOrigins = [...allowedReturnTo].map(originOf).filter((o) => o !== undefined);
  const originList = optional("SOUNDGATE_ALLOWED_ORIGINS");
  if (originList) {
    const schemes = new Set(
      [...allowedReturnTo].map((href) => new URL(href).protocol).filter(isPrivateUseScheme),
    );
    for (const value of originList
      .split(",")
      .map((v) => v.trim())
      .filter(Boolean)) {
      const origin = parseOrigin(value, schemes);
      if (!origin) {
        throw new ConfigError(
          "SOUNDGATE_ALLOWED_ORIGINS",
          `"${value}" is not an http(s) origin, tauri://localhost, or the origin of an allowed private-use return_to`,
        );
      }
      allowedOrigins.add(origin);
    }
  } else {
    // By default the pages we may return to are the pages that may call us. Loopback
    // entries are native apps' listeners, not pages, and add no origin.
    for (const origin of returnToOrigins) allowedOrigins.add(origin);
  }

  const compat = read(
    "SOUNDGATE_COMPAT",
    oneOf(["starlib", "none"], "must be starlib (or unset)"),
    "none",
  );
  const { resultBinding, warnings } = resultBindingFrom(env, compat === "starlib", read);

  const dataDir = read("SOUNDGATE_DATA_DIR", nonEmpty, "./data").replace(/(.)[/\\]+$/, "$1");
  const databaseUrl = read(
    "SOUNDGATE_DATABASE_URL",
    matching(
      /^(sqlite:|postgres(ql)?:\/\/.)/,
      "must be sqlite:<file>, sqlite::memory: or postgres://user@host:port/database",
      { trim: true },
    ),
    `sqlite:${dataDir}/soundgate.db`,
  );

  return {
    soundcloud: clientId && clientSecret ? { clientId, clientSecret, authUrl, apiUrl } : undefined,
    publicUrl,
    host,
    port: listenPort,
    redirectUri,
    flowMode,
    allowedReturnTo,
    loopbackReturnTo,
    allowedOrigins,
    databaseUrl,
    dbPoolSize: read("SOUNDGATE_DB_POOL_SIZE", wholeNumber(1, 1_000), "10"),
    dbConnectTimeoutMs: read("SOUNDGATE_DB_CONNECT_TIMEOUT_MS", wholeNumber(100, 600_000), "5000"),
    dbLockTimeoutMs: read("SOUNDGATE_DB_LOCK_TIMEOUT_MS", wholeNumber(100, 600_000), "5000"),
    dbQueueTimeoutMs: read("SOUNDGATE_DB_QUEUE_TIMEOUT_MS", wholeNumber(100, 600_000), "60000"),
    shutdownTimeoutMs: read("SOUNDGATE_SHUTDOWN_TIMEOUT_MS", wholeNumber(0, 600_000), "10000"),
    instanceId: read(
      "SOUNDGATE_INSTANCE_ID",
      matching(/^[\x21-\x7e]{1,100}$/, "must be 1-100 printable ASCII characters, no spaces", {
        trim: true,
      }),
      `${hostname()}:${process.pid}`,
    ),
    dataDir,
    resultBinding,
    compat: compat === "starlib" ? "starlib" : undefined,
    warnings,
    rateLimitPerMinute: read(
      "SOUNDGATE_RATE_LIMIT_PER_MINUTE",
      digits(/^\d+$/, "must be a whole number (0 disables)"),
      "120",
    ),
    trustProxy: read("SOUNDGATE_TRUST_PROXY", proxyHops, "false"),
    maxConnectionsPerIp: read(
      "SOUNDGATE_MAX_CONNECTIONS_PER_IP",
      digits(/^\d{1,6}$/, "must be a whole number (0 disables)"),
      "64",
    ),
    encryptionKeys: optional("SOUNDGATE_ENCRYPTION_KEYS"),
    production,
    staticDir: overrides.staticDir ?? optional("SOUNDGATE_STATIC_DIR"),
    sessionTtlMs:
      read(
        "SOUNDGATE_SESSION_TTL_HOURS",
        digits(/^\d+$/, "must be a whole number of hours", {
          min: 1,
          max: 24 * 400,
          rangeMessage: "must be between 1 and 9600 hours",
        }),
        "168",
      ) * 3_600_000,
    logLevel: read(
      "SOUNDGATE_LOG_LEVEL",
      oneOf(["fatal", "error", "warn", "info", "debug", "silent"]),
      env.NODE_ENV === "test" ? "silent" : "info",
    ),
    ...observability(env, read, listenPort, production, overrides.stdoutIsTty),
  };
}

/**
 * Logs and metrics. Pretty logs only for a person at a terminal in development; a
 * process whose output is collected (a container, systemd, a pipe) gets JSON lines.
 */
function observability(
  env: Env,
  read: Read,
  listenPort: number,
  production: boolean,
  stdoutIsTty = process.stdout.isTTY === true,
): Pick<GatewayConfig, "logFormat" | "metricsToken" | "metricsPort"> {
  const logFormat = read(
    "SOUNDGATE_LOG_FORMAT",
    oneOf(["pretty", "json"], "must be pretty or json"),
    stdoutIsTty && !production ? "pretty" : "json",
  );
  const metricsToken = env.SOUNDGATE_METRICS_TOKEN?.trim()
    ? read(
        "SOUNDGATE_METRICS_TOKEN",
        matching(
          /^[\x21-\x7e]{16,512}$/,
          "must be 16-512 printable characters without spaces (e.g. `openssl rand -hex 32`)",
          { trim: true },
        ),
      )
    : undefined;
  const metricsPort = env.SOUNDGATE_METRICS_PORT?.trim()
    ? read("SOUNDGATE_METRICS_PORT", port)
    : undefined;
  if (metricsPort !== undefined && metricsPort !== 0 && metricsPort === listenPort) {
    throw new ConfigError("SOUNDGATE_METRICS_PORT", "must differ from SOUNDGATE_PORT");
  }
  return { logFormat, metricsToken, metricsPort };
}

/** The allowlist flows check return_to against. */
export function returnToAllowlist(config: GatewayConfig): ReturnToAllowlist {
  return { exact: config.allowedReturnTo, loopback: config.loopbackReturnTo };
}

type Read = <T>(name: string, check: Check<T>, fallback?: string) => T;

/**
 * SOUNDGATE_RESULT_BINDING, with the Starlib profile implying `none` and the old
 * SOUNDGATE_ALLOW_UNBOUND_RESULT=true read as `none` (it allowed flows without
 * result_challenge). Contradicting settings are an error rather than a guess.
 */
function resultBindingFrom(
  env: Env,
  starlib: boolean,
  read: Read,
): { resultBinding: ResultBinding; warnings: string[] } {
  const warnings: string[] = [];
  const explicit = env.SOUNDGATE_RESULT_BINDING?.trim()
    ? read("SOUNDGATE_RESULT_BINDING", oneOf(["both", "initiator", "none"]))
    : undefined;
  const legacy = read("SOUNDGATE_ALLOW_UNBOUND_RESULT", boolean, "false");
  if (env.SOUNDGATE_ALLOW_UNBOUND_RESULT?.trim()) {
    warnings.push(
      "SOUNDGATE_ALLOW_UNBOUND_RESULT is deprecated: use SOUNDGATE_RESULT_BINDING=none (or SOUNDGATE_COMPAT=starlib)",
    );
  }
  const implied: ResultBinding | undefined = starlib ? "none" : legacy ? "none" : undefined;
  if (explicit && implied && explicit !== implied) {
    throw new ConfigError(
      "SOUNDGATE_RESULT_BINDING",
      `is ${explicit}, but ${starlib ? "SOUNDGATE_COMPAT=starlib" : "SOUNDGATE_ALLOW_UNBOUND_RESULT=true"} needs none`,
    );
  }
  const resultBinding = explicit ?? implied ?? "both";
  if (resultBinding === "none") {
    warnings.push(
      `Login results are unbound (${starlib ? "SOUNDGATE_COMPAT=starlib" : "SOUNDGATE_RESULT_BINDING=none"}): whoever learns a login's state can take its tokens at /result. Move front ends to @soundgate/browser and bound results (docs/migrating-from-starlib.md).`,
    );
  } else if (resultBinding === "initiator") {
    warnings.push(
      "SOUNDGATE_RESULT_BINDING=initiator: results are released without the approving browser's result_key (blind polling), so a consent link sent to someone else can hand their tokens to the sender. Prefer loopback, app-scheme or webview return_to.",
    );
  }
  return { resultBinding, warnings };
}

/** An allowed CORS origin: http(s), Tauri's own, or a private-use scheme we return to. */
function parseOrigin(value: string, privateSchemes: ReadonlySet<string>): string | undefined {
  if (!URL.canParse(value)) return undefined;
  const url = new URL(value);
  if (url.username || url.password || url.search || url.hash) return undefined;
  if (url.protocol === "http:" || url.protocol === "https:") return url.origin;
  if (url.pathname !== "" && url.pathname !== "/") return undefined;
  const origin = originOf(url.href);
  if (origin === "tauri://localhost") return origin;
  return origin && privateSchemes.has(url.protocol) ? origin : undefined;
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, "");
}
