import type { Hono } from "hono";
import type { FetchLike } from "soundgate";
import type { GatewayContext } from "./auth/context.js";
import type { GatewayConfig, SoundCloudAppConfig } from "./config.js";
import { ConfigError } from "./config-error.js";
import { Counters } from "./counters.js";
import { Cipher } from "./crypto/cipher.js";
import { type DevKey, DevKeyError, loadOrCreateDevKey } from "./crypto/dev-key.js";
import { appParts, createApp } from "./http/app.js";
import { trackRequests } from "./http/drain.js";
import { isLoopbackName } from "./http/loopback-alias.js";
import { metricsEnabled, startMetricsServer } from "./http/metrics-endpoint.js";
import { createNodeServer, DEFAULT_LIMITS, type ServerLimits } from "./http/node-server.js";
import { type DirectPath, proxyDirect } from "./http/proxy-direct.js";
import { createLogger, type Logger } from "./logger.js";
import { instrumentedFetch } from "./metrics/instrumented-fetch.js";
import { timedStore } from "./metrics/timed-store.js";
import { openStore } from "./store/open.js";
import type { GatewayStore } from "./store/store.js";

export interface GatewayOptions {
  config: GatewayConfig;
  /** Overrides config.soundcloud (the dev emulator fills it in). */
  soundcloud?: SoundCloudAppConfig | undefined;
  store?: GatewayStore | undefined;
  cipher?: Cipher | undefined;
  logger?: Logger | undefined;
  now?: (() => number) | undefined;
  fetch?: FetchLike | undefined;
  /** Timeouts and the per-address connection cap of the HTTP server (startGateway). */
  limits?: Partial<ServerLimits> | undefined;
}

export interface Gateway {
  app: Hono;
  context: GatewayContext;
  /** Where the encryption key came from: configured, a development key file, or ephemeral. */
  keySource: KeySource;
  close(): Promise<void>;
}

export interface RunningGateway extends Gateway {
  /** Where it listens (the bound address, e.g. http://127.0.0.1:8787). */
  url: string;
  port: number;
  /**
   * The one URL to show a person: the public URL when it reaches this process (a
   * loopback public URL on the port it listens on, as in development), else `url`.
   */
  openUrl: string;
  /** Where /metrics is, when it has a port of its own (SOUNDGATE_METRICS_PORT). */
  metricsUrl?: string | undefined;
}

const CLEANUP_INTERVAL_MS = 60_000;

/** Build the gateway without listening: for tests, or to mount its fetch handler elsewhere. */
export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  return (await buildGateway(options)).gateway;
}

/** The gateway, and what its own Node server answers before the app (proxy-direct.ts). */
async function buildGateway(
  options: GatewayOptions,
): Promise<{ gateway: Gateway; direct: DirectPath }> {
  const { config } = options;
  const soundcloud = options.soundcloud ?? config.soundcloud;
  if (!soundcloud)
    throw new ConfigError(
      "SOUNDCLOUD_CLIENT_ID",
      "is required (or run `npm start` for the emulator)",
    );
  const logger = options.logger ?? createLogger(config.logLevel, undefined, config.logFormat);
  const resolved = options.cipher
    ? { cipher: options.cipher, source: { kind: "configured" } as const }
    : resolveCipher(config, logger);
  const { cipher } = resolved;
  const counters = new Counters();
  // Loaded only when /metrics is on: prom-client costs start-up time and memory.
  const metrics = metricsEnabled(config)
    ? new (await import("./metrics/metrics.js")).Metrics(counters)
    : undefined;
  const opened =
    options.store ??
    (await openStore(config.databaseUrl, {
      poolSize: config.dbPoolSize,
      connectTimeoutMs: config.dbConnectTimeoutMs,
      lockTimeoutMs: config.dbLockTimeoutMs,
      queueTimeoutMs: config.dbQueueTimeoutMs,
      log: logger,
    }));
  const store = metrics ? timedStore(opened, metrics) : opened;
  const now = options.now ?? Date.now;
  const upstream = options.fetch;
  const context: GatewayContext = {
    config,
    instanceId: config.instanceId,
    soundcloud,
    redirectUri: config.redirectUri,
    store,
    cipher,
    logger,
    now,
    // Resolved per call, so a fetch replaced after start (tests, instrumentation) is used.
    fetch: metrics
      ? instrumentedFetch((input, init) => (upstream ?? fetch)(input, init), soundcloud, metrics)
      : upstream,
    counters,
    metrics,
  };

  // Expired flows and grace entries are refused on read anyway; this only keeps tables small.
  const cleanup = setInterval(() => {
    store.deleteExpired(now()).catch(() => logger.warn("cleanup of expired rows failed"));
  }, CLEANUP_INTERVAL_MS);
  cleanup.unref();

  const parts = appParts(context);
  const gateway: Gateway = {
    app: createApp(context, parts),
    context,
    keySource: resolved.source,
    close: async () => {
      clearInterval(cleanup);
      if (!options.store) await store.close();
    },
  };
  return { gateway, direct: proxyDirect(context, parts.proxy) };
}

export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const { gateway, direct } = await buildGateway(options);
  const { config } = options;
  const server = createNodeServer(gateway.app, {
    direct,
    limits: {
      ...DEFAULT_LIMITS,
      // Behind a proxy every connection comes from the proxy: the cap belongs there.
      maxConnectionsPerClient: config.trustProxy > 0 ? 0 : config.maxConnectionsPerIp,
      ...options.limits,
    },
    https: config.publicUrl.startsWith("https:"),
    detail: config.compat === "starlib",
    onConnectionRefused: () =>
      gateway.context.counters.increment("soundgate_rate_limited_total", { limit: "connections" }),
  });
  const requests = trackRequests(server);
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
    server.listen(config.port, config.host);
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const host = config.host.includes(":") ? `[${config.host}]` : config.host;
  const { metrics } = gateway.context;
  const metricsServer =
    metrics && config.metricsPort !== undefined
      ? await startMetricsServer(metrics, {
          host: config.host,
          port: config.metricsPort,
          token: config.metricsToken,
        }).catch(async (error: unknown) => {
          // The main server is already listening: do not leave it (and the store) open.
          server.close();
          await gateway.close();
          throw error;
        })
      : undefined;
  const url = `http://${host}:${port}`;
  const openUrl = localPublicUrl(config, port) ?? url;
  const metricsUrl = metricsServer && `http://${host}:${metricsServer.port}/metrics`;
  gateway.context.logger.info(
    {
      url: openUrl,
      ...(openUrl === config.publicUrl ? {} : { public_url: config.publicUrl }),
      ...(metricsUrl ? { metrics: metricsUrl } : {}),
    },
    "listening",
  );
  return {
    ...gateway,
    url,
    openUrl,
    port,
    metricsUrl,
    /**
     * Graceful: stop accepting, let the requests in flight finish (a refresh among them
     * commits its rotated token) for up to SOUNDGATE_SHUTDOWN_TIMEOUT_MS, then cut what is
     * left and close the database pool.
     */
    close: async () => {
      await metricsServer?.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const inFlight = requests.inFlight();
      if (inFlight > 0) {
        gateway.context.logger.info({ in_flight: inFlight }, "shutting down: finishing requests");
      }
      if (!(await requests.drain(config.shutdownTimeoutMs))) {
        gateway.context.logger.warn(
          { in_flight: requests.inFlight(), timeout_ms: config.shutdownTimeoutMs },
          "shutdown timeout reached: closing requests still in flight",
        );
      }
      // Keep-alive sockets would otherwise hold close() open.
      server.closeAllConnections();
      await closed;
      await gateway.close();
    },
  };
}

/** Where the gateway's encryption key came from (the start-up banner says so). */
export type KeySource =
  | { kind: "configured" }
  | { kind: "development"; path: string; created: boolean }
  | { kind: "ephemeral" };

/**
 * Keys from SOUNDGATE_ENCRYPTION_KEYS. In development only, without them: a key kept in
 * the data directory (so a restart keeps everyone signed in), or, when the database
 * itself is in memory and nothing survives a restart anyway, an ephemeral one.
 */
export function resolveCipher(
  config: GatewayConfig,
  logger: Logger,
): { cipher: Cipher; source: KeySource } {
  if (config.encryptionKeys) {
    try {
      return { cipher: Cipher.fromEnv(config.encryptionKeys), source: { kind: "configured" } };
    } catch (error) {
      throw new ConfigError("SOUNDGATE_ENCRYPTION_KEYS", (error as Error).message);
    }
  }
  if (config.production) {
    throw new ConfigError("SOUNDGATE_ENCRYPTION_KEYS", "is required when NODE_ENV=production");
  }
  if (config.databaseUrl === "sqlite::memory:") {
    logger.warn(
      "SOUNDGATE_ENCRYPTION_KEYS is not set: using an ephemeral key (the database is in memory too). Generate a key with `soundgate keys generate`.",
    );
    return { cipher: Cipher.ephemeral(), source: { kind: "ephemeral" } };
  }
  let dev: DevKey;
  let cipher: Cipher;
  try {
    dev = loadOrCreateDevKey(config.dataDir);
    cipher = Cipher.fromEnv(dev.keys);
  } catch (error) {
    throw new ConfigError(
      "SOUNDGATE_ENCRYPTION_KEYS",
      `is not set, and ${error instanceof DevKeyError ? error.message : `the development key in ${config.dataDir} is unusable: ${(error as Error).message}`}`,
    );
  }
  logger.warn(
    { path: dev.path, created: dev.created },
    "SOUNDGATE_ENCRYPTION_KEYS is not set: using the development key file (never in production)",
  );
  return { cipher, source: { kind: "development", path: dev.path, created: dev.created } };
}

/**
 * The public URL when this process answers it directly: plain-http loopback (localhost,
 * 127.0.0.1, [::1]) on the port it listens on, with the gateway on a loopback or every
 * interface. Another loopback name reaches it too and is redirected there
 * (loopback-alias.ts), so this is the only URL worth printing.
 */
function localPublicUrl(config: GatewayConfig, port: number): string | undefined {
  const pub = new URL(config.publicUrl);
  const listensLocally =
    isLoopbackName(config.host.includes(":") ? `[${config.host}]` : config.host) ||
    ["0.0.0.0", "::", "[::]"].includes(config.host);
  return pub.protocol === "http:" &&
    isLoopbackName(pub.hostname) &&
    (pub.port || "80") === String(port) &&
    listensLocally
    ? config.publicUrl
    : undefined;
}
