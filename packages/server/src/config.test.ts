import { hostname } from "node:os";
import { describe, expect, it } from "vitest";
import { loadConfig } from "./config.js";
import { ConfigError } from "./config-error.js";

const creds = { SOUNDCLOUD_CLIENT_ID: "id", SOUNDCLOUD_CLIENT_SECRET: "secret" };

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  it("has sane defaults: port 8787, SQLite, backend-redirect flow, emulator when no credentials", () => {
    const config = loadConfig({});
    expect(config.port).toBe(8787);
    expect(config.databaseUrl).toBe("sqlite:./data/soundgate.db");
    expect(config.redirectUri).toBe("http://localhost:8787/auth/soundcloud/redirect");
    expect(config.flowMode).toBe("backend-redirect");
    expect(config.soundcloud).toBeUndefined();
    expect([...config.allowedReturnTo]).toEqual([
      "http://localhost:8787/auth/soundcloud/done",
      "http://localhost:8787/",
    ]);
    expect(config.resultBinding).toBe("both");
    expect(config.compat).toBeUndefined();
    expect(config.warnings).toEqual([]);
    expect(config.sessionTtlMs).toBe(7 * 24 * 3_600_000);
    expect(config.instanceId).toBe(`${hostname()}:${process.pid}`);
  });

  it("names the instance from SOUNDGATE_INSTANCE_ID", () => {
    expect(loadConfig({ SOUNDGATE_INSTANCE_ID: " gw-2 " }).instanceId).toBe("gw-2");
  });

  it("bounds the database pool, its waits and shutdown, and names the instance", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      dbPoolSize: 10,
      dbConnectTimeoutMs: 5_000,
      dbLockTimeoutMs: 5_000,
      dbQueueTimeoutMs: 60_000,
      shutdownTimeoutMs: 10_000,
    });
    expect(config.instanceId).toMatch(new RegExp(`:${process.pid}$`));
    expect(
      loadConfig({
        SOUNDGATE_DB_POOL_SIZE: "25",
        SOUNDGATE_DB_CONNECT_TIMEOUT_MS: "2000",
        SOUNDGATE_DB_LOCK_TIMEOUT_MS: "3000",
        SOUNDGATE_DB_QUEUE_TIMEOUT_MS: "15000",
        SOUNDGATE_SHUTDOWN_TIMEOUT_MS: "0",
        SOUNDGATE_INSTANCE_ID: "eu-1",
      }),
    ).toMatchObject({
      dbPoolSize: 25,
      dbConnectTimeoutMs: 2_000,
      dbLockTimeoutMs: 3_000,
      dbQueueTimeoutMs: 15_000,
      shutdownTimeoutMs: 0,
      instanceId: "eu-1",
    });
    expect(configError({ SOUNDGATE_DB_POOL_SIZE: "0" }).variable).toBe("SOUNDGATE_DB_POOL_SIZE");
    expect(configError({ SOUNDGATE_DB_LOCK_TIMEOUT_MS: "5s" }).message).toBe(
      "SOUNDGATE_DB_LOCK_TIMEOUT_MS: must be a whole number from 100 to 600000",
    );
    expect(configError({ SOUNDGATE_DB_QUEUE_TIMEOUT_MS: "0" }).variable).toBe(
      "SOUNDGATE_DB_QUEUE_TIMEOUT_MS",
    );
    expect(configError({ SOUNDGATE_INSTANCE_ID: "two words" }).variable).toBe(
      "SOUNDGATE_INSTANCE_ID",
    );
  });

  it("accepts Starlib's CLIENT_ID / CLIENT_SECRET", () => {
    const config = loadConfig({ CLIENT_ID: "a", CLIENT_SECRET: "b" });
    expect(config.soundcloud).toMatchObject({
      clientId: "a",
      clientSecret: "b",
      authUrl: "https://secure.soundcloud.com",
    });
  });

  it("picks the direct flow when the redirect URI points at the front end", () => {
    const config = loadConfig({
      ...creds,
      SOUNDCLOUD_REDIRECT_URI: "https://app.example/auth/soundcloud/callback",
    });
    expect(config.flowMode).toBe("direct");
  });

  it("derives CORS origins from the return_to allowlist", () => {
    const config = loadConfig({
      ...creds,
      SOUNDGATE_ALLOWED_RETURN_TO: "https://a.example/cb, https://b.example:8443/x",
    });
    expect(config.allowedOrigins).toEqual(
      new Set(["http://localhost:8787", "https://a.example", "https://b.example:8443"]),
    );
  });

  it("reads SOUNDGATE_TRUST_PROXY as a number of proxies", () => {
    const hops = (value: string) => loadConfig({ SOUNDGATE_TRUST_PROXY: value }).trustProxy;
    expect(loadConfig({}).trustProxy).toBe(0);
    expect([hops("false"), hops("true"), hops("TRUE"), hops("2"), hops("0")]).toEqual([
      0, 1, 1, 2, 0,
    ]);
    for (const value of ["maybe", "-1", "1.5", "100"]) {
      expect(configError({ SOUNDGATE_TRUST_PROXY: value }).variable).toBe("SOUNDGATE_TRUST_PROXY");
    }
  });

  it("names the variable in every error", () => {
    expect(configError({ SOUNDGATE_PORT: "eighty" }).variable).toBe("SOUNDGATE_PORT");
    expect(configError({ SOUNDGATE_PORT: "70000" }).variable).toBe("SOUNDGATE_PORT");
    expect(configError({ SOUNDCLOUD_CLIENT_ID: "x" }).variable).toBe("SOUNDCLOUD_CLIENT_SECRET");
    expect(configError({ ...creds, SOUNDCLOUD_REDIRECT_URI: "not a url" }).variable).toBe(
      "SOUNDCLOUD_REDIRECT_URI",
    );
    expect(configError({ SOUNDGATE_ALLOWED_RETURN_TO: "javascript:alert(1)" }).variable).toBe(
      "SOUNDGATE_ALLOWED_RETURN_TO",
    );
    expect(configError({ SOUNDGATE_DATABASE_URL: "mysql://x" }).variable).toBe(
      "SOUNDGATE_DATABASE_URL",
    );
    expect(configError({ SOUNDGATE_ALLOW_UNBOUND_RESULT: "maybe" }).variable).toBe(
      "SOUNDGATE_ALLOW_UNBOUND_RESULT",
    );
    expect(configError({ NODE_ENV: "production" }).variable).toBe("SOUNDCLOUD_CLIENT_ID");
    expect(configError({ SOUNDGATE_SESSION_TTL_HOURS: "0" }).variable).toBe(
      "SOUNDGATE_SESSION_TTL_HOURS",
    );
  });

  it("takes loopback return_to with any port (RFC 8252 §7.3), on 127.0.0.1 and [::1] only", () => {
    const config = loadConfig({
      ...creds,
      SOUNDGATE_ALLOWED_RETURN_TO: "http://127.0.0.1:*/callback,http://[::1]:*/cb?app=1",
    });
    expect(config.loopbackReturnTo).toEqual([
      { hostname: "127.0.0.1", rest: "/callback" },
      { hostname: "[::1]", rest: "/cb?app=1" },
    ]);
    // A listener's address is not a page: no CORS origin comes from it.
    expect(config.allowedOrigins).toEqual(new Set(["http://localhost:8787"]));
    for (const bad of [
      "http://localhost:*/callback",
      "https://127.0.0.1:*/callback",
      "http://127.0.0.2:*/callback",
      "http://app.example:*/callback",
      "http://127.0.0.1:*/call*",
      "https://app.example/*",
      "*",
    ]) {
      const error = configError({ SOUNDGATE_ALLOWED_RETURN_TO: bad });
      expect(error.variable).toBe("SOUNDGATE_ALLOWED_RETURN_TO");
      expect(error.message).toMatch(/RFC 8252/);
    }
  });

  it("takes an app's private-use scheme return_to (RFC 8252 §7.1) exactly, never a browser's own schemes", () => {
    const config = loadConfig({
      ...creds,
      SOUNDGATE_ALLOWED_RETURN_TO: "com.example.app:/callback, tauri://localhost/auth/done",
    });
    expect(config.allowedReturnTo).toContain("com.example.app:/callback");
    expect(config.allowedReturnTo).toContain("tauri://localhost/auth/done");
    // Tauri's pages run on tauri://localhost: that is an origin; com.example.app: has none.
    expect(config.allowedOrigins).toEqual(new Set(["http://localhost:8787", "tauri://localhost"]));
    for (const bad of ["data:text/html,x", "file:///etc/passwd", "javascript:alert(1)", "blob:x"]) {
      expect(configError({ SOUNDGATE_ALLOWED_RETURN_TO: bad }).variable).toBe(
        "SOUNDGATE_ALLOWED_RETURN_TO",
      );
    }
  });

  it("accepts Tauri's origins and allowed private-use origins for CORS, nothing else that is not http(s)", () => {
    const config = loadConfig({
      ...creds,
      SOUNDGATE_ALLOWED_RETURN_TO: "com.example.app://app/callback",
      SOUNDGATE_ALLOWED_ORIGINS:
        "tauri://localhost, http://tauri.localhost, https://tauri.localhost, com.example.app://app",
    });
    expect(config.allowedOrigins).toEqual(
      new Set([
        "tauri://localhost",
        "http://tauri.localhost",
        "https://tauri.localhost",
        "com.example.app://app",
      ]),
    );
    for (const bad of ["other.app://x", "tauri://localhost/path", "javascript:x", "null"]) {
      expect(configError({ SOUNDGATE_ALLOWED_ORIGINS: bad }).variable).toBe(
        "SOUNDGATE_ALLOWED_ORIGINS",
      );
    }
  });

  it("SOUNDGATE_COMPAT=starlib unbinds results, says so, and refuses a contradiction", () => {
    const config = loadConfig({ ...creds, SOUNDGATE_COMPAT: "starlib" });
    expect(config.compat).toBe("starlib");
    expect(config.resultBinding).toBe("none");
    expect(config.warnings.join(" ")).toMatch(/unbound/);
    expect(configError({ SOUNDGATE_COMPAT: "fastapi" }).variable).toBe("SOUNDGATE_COMPAT");
    expect(
      configError({ SOUNDGATE_COMPAT: "starlib", SOUNDGATE_RESULT_BINDING: "both" }).variable,
    ).toBe("SOUNDGATE_RESULT_BINDING");
  });

  it("SOUNDGATE_RESULT_BINDING picks the level; the old SOUNDGATE_ALLOW_UNBOUND_RESULT still works, with a warning", () => {
    expect(loadConfig({ SOUNDGATE_RESULT_BINDING: "initiator" }).resultBinding).toBe("initiator");
    expect(loadConfig({ SOUNDGATE_RESULT_BINDING: "initiator" }).warnings.join(" ")).toMatch(
      /phishable|someone else/,
    );
    expect(configError({ SOUNDGATE_RESULT_BINDING: "half" }).variable).toBe(
      "SOUNDGATE_RESULT_BINDING",
    );
    const legacy = loadConfig({ SOUNDGATE_ALLOW_UNBOUND_RESULT: "true" });
    expect(legacy.resultBinding).toBe("none");
    expect(legacy.warnings.join(" ")).toMatch(/deprecated/);
    expect(loadConfig({ SOUNDGATE_ALLOW_UNBOUND_RESULT: "false" }).resultBinding).toBe("both");
    expect(
      configError({ SOUNDGATE_ALLOW_UNBOUND_RESULT: "true", SOUNDGATE_RESULT_BINDING: "both" })
        .variable,
    ).toBe("SOUNDGATE_RESULT_BINDING");
  });
});
