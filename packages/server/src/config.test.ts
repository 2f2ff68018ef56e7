import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.js";

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
    expect(config.allowUnboundResult).toBe(false);
    expect(config.sessionTtlMs).toBe(7 * 24 * 3_600_000);
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
});
