// Real-browser tests: Debian's Chromium driven by playwright-core, and the demo served by
// a real gateway on a real localhost port, wired to a real emulator.
import { existsSync, mkdirSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { getRequestListener } from "@hono/node-server";
import { createGateway, type Gateway, loadConfig } from "@soundgate/server";
import { type Browser, chromium, type Page } from "playwright-core";
import { startTestEmulator, type TestEmulator } from "./emulator.js";
import { TEST_ENCRYPTION_KEYS } from "./gateway.js";

export const CHROMIUM_PATH = process.env.SOUNDGATE_CHROMIUM ?? "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];
export const DEMO_DIST = fileURLToPath(new URL("../apps/demo/dist", import.meta.url));
export const ARTIFACTS = fileURLToPath(new URL("../test-artifacts", import.meta.url));

const inCi = () => Boolean(process.env.CI) && process.env.CI !== "false" && process.env.CI !== "0";

/**
 * Chromium, headless. When it cannot start, CI fails loudly (a skipped browser suite must
 * never look green there); elsewhere the suite is skipped with the reason printed.
 */
export async function launchChromium(): Promise<Browser | undefined> {
  try {
    if (!existsSync(CHROMIUM_PATH)) {
      throw new Error(`${CHROMIUM_PATH} not found (install it: apt-get install -y chromium)`);
    }
    return await chromium.launch({
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_ARGS,
      timeout: 30_000,
    });
  } catch (error) {
    const reason = `Chromium could not start: ${String((error as Error).message).split("\n")[0]}`;
    if (inCi()) throw new Error(`${reason}. Browser tests must run under CI.`);
    console.warn(`\n[browser tests skipped] ${reason}\n`);
    return undefined;
  }
}

export interface DemoStack {
  /** Where the demo and the gateway are, e.g. http://127.0.0.1:41234 */
  url: string;
  emulator: TestEmulator;
  /** The gateway answering now (a new one after `restart`). */
  readonly gateway: Gateway;
  /** Stops the gateway and starts a new one at the same address (see LiveGateway). */
  restart(env?: Record<string, string>): Promise<void>;
  close(): Promise<void>;
}

let clients = 0;

/**
 * The built demo (apps/demo/dist) served by an in-process gateway on a free port, whose
 * public URL is that real address (so return_to and CORS match the page's origin).
 * `direct` makes the page itself SoundCloud's redirect URI.
 */
export async function startDemoStack(
  options: {
    flow?: "backend-redirect" | "direct";
    emulator?: TestEmulator;
    /** More gateway configuration, e.g. a database file that outlives a restart. */
    env?: Record<string, string>;
  } = {},
): Promise<DemoStack> {
  if (!existsSync(join(DEMO_DIST, "index.html"))) {
    throw new Error("apps/demo/dist is missing: run `npm run build` (npm test does it first)");
  }
  const emulator = options.emulator ?? (await startTestEmulator());
  const live = await startLiveGateway(emulator, (url) => ({
    SOUNDGATE_STATIC_DIR: DEMO_DIST,
    ...(options.flow === "direct" ? { SOUNDCLOUD_REDIRECT_URI: `${url}/` } : {}),
    ...options.env,
  }));
  return {
    url: live.url,
    emulator,
    get gateway() {
      return live.gateway;
    },
    restart: (env) => live.restart(env),
    close: async () => {
      await live.close();
      if (!options.emulator) await emulator.close();
    },
  };
}

export interface LiveGateway {
  /** Where the gateway listens, and its public URL, e.g. http://127.0.0.1:41234 */
  url: string;
  /** The gateway answering now (a new one after `restart`). */
  readonly gateway: Gateway;
  /**
   * A restart as the browser sees it: the gateway is closed and a new one answers at the
   * same address, with the same configuration plus `env`. Whatever it kept in memory (an
   * in-memory database, logins in progress) is gone; a database file stays.
   */
  restart(env?: Record<string, string>): Promise<void>;
  close(): Promise<void>;
}

/**
 * An in-process gateway on a free 127.0.0.1 port whose public URL is that real address,
 * with its own client registered at `emulator`. `env(url)` adds configuration that
 * depends on the address (return_to allowlist, redirect URI).
 */
export async function startLiveGateway(
  emulator: TestEmulator,
  env: (url: string) => Record<string, string> = () => ({}),
): Promise<LiveGateway> {
  // Listen first, so the public URL is the real one; the gateway attaches after.
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = { client_id: `live-gateway-${process.pid}-${++clients}`, client_secret: "s3cret" };
  const configure = (extra: Record<string, string> = {}) =>
    loadConfig({
      SOUNDCLOUD_CLIENT_ID: client.client_id,
      SOUNDCLOUD_CLIENT_SECRET: client.client_secret,
      SOUNDCLOUD_AUTH_URL: emulator.url,
      SOUNDCLOUD_API_URL: emulator.url,
      SOUNDGATE_PUBLIC_URL: url,
      SOUNDGATE_DATABASE_URL: "sqlite::memory:",
      SOUNDGATE_ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS,
      SOUNDGATE_LOG_LEVEL: "silent",
      SOUNDGATE_RATE_LIMIT_PER_MINUTE: "0",
      ...env(url),
      ...extra,
    });
  let gateway: Gateway;
  let handle: ReturnType<typeof getRequestListener>;
  const listener = (...args: Parameters<typeof handle>) => handle(...args);
  try {
    const config = configure();
    await emulator.register({
      ...client,
      name: "Soundgate demo",
      redirect_uris: [config.redirectUri],
    });
    gateway = await createGateway({ config });
    handle = getRequestListener(gateway.app.fetch);
    server.on("request", listener);
    return {
      url,
      get gateway() {
        return gateway;
      },
      restart: async (extra = {}) => {
        server.closeAllConnections();
        await gateway.close();
        gateway = await createGateway({ config: configure(extra) });
        handle = getRequestListener(gateway.app.fetch);
      },
      close: async () => {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await gateway.close();
      },
    };
  } catch (error) {
    server.close();
    throw error;
  }
}

/** Saves a screenshot under test-artifacts/ (gitignored) and returns its path. */
export async function screenshot(page: Page, name: string, fullPage = false): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage });
  return path;
}

/** Exceptions thrown in the page and console errors (CSP violations among them). */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console: ${message.text()}`);
  });
  return errors;
}
