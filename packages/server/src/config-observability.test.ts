import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.js";

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env, { stdoutIsTty: false });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

const production = {
  NODE_ENV: "production",
  SOUNDCLOUD_CLIENT_ID: "id",
  SOUNDCLOUD_CLIENT_SECRET: "secret",
};

describe("SOUNDGATE_LOG_FORMAT", () => {
  it("is pretty for a person at a terminal in development, JSON for everything else", () => {
    expect(loadConfig({}, { stdoutIsTty: true }).logFormat).toBe("pretty");
    expect(loadConfig({}, { stdoutIsTty: false }).logFormat).toBe("json");
    expect(loadConfig(production, { stdoutIsTty: true }).logFormat).toBe("json");
  });

  it("can be chosen either way, and anything else names the variable", () => {
    expect(loadConfig({ SOUNDGATE_LOG_FORMAT: "json" }, { stdoutIsTty: true }).logFormat).toBe(
      "json",
    );
    expect(
      loadConfig({ ...production, SOUNDGATE_LOG_FORMAT: "pretty" }, { stdoutIsTty: false })
        .logFormat,
    ).toBe("pretty");
    expect(configError({ SOUNDGATE_LOG_FORMAT: "xml" }).message).toBe(
      "SOUNDGATE_LOG_FORMAT: must be pretty or json",
    );
  });
});

describe("SOUNDGATE_METRICS_TOKEN and SOUNDGATE_METRICS_PORT", () => {
  it("leave /metrics off when neither is set", () => {
    const config = loadConfig({}, { stdoutIsTty: false });
    expect(config.metricsToken).toBeUndefined();
    expect(config.metricsPort).toBeUndefined();
  });

  it("take a long token and a port of its own", () => {
    const token = "a".repeat(32);
    const config = loadConfig(
      { SOUNDGATE_METRICS_TOKEN: ` ${token} `, SOUNDGATE_METRICS_PORT: "9464" },
      { stdoutIsTty: false },
    );
    expect(config.metricsToken).toBe(token);
    expect(config.metricsPort).toBe(9464);
  });

  it("refuse a short or spaced token, a bad port and the gateway's own port, without echoing the token", () => {
    const short = configError({ SOUNDGATE_METRICS_TOKEN: "short-secret" });
    expect(short.variable).toBe("SOUNDGATE_METRICS_TOKEN");
    expect(short.message).toMatch(/16-512 printable characters/);
    expect(short.message).not.toContain("short-secret");
    expect(configError({ SOUNDGATE_METRICS_TOKEN: "sixteen chars and spaces" }).variable).toBe(
      "SOUNDGATE_METRICS_TOKEN",
    );
    expect(configError({ SOUNDGATE_METRICS_PORT: "http" }).variable).toBe("SOUNDGATE_METRICS_PORT");
    expect(configError({ SOUNDGATE_PORT: "8080", SOUNDGATE_METRICS_PORT: "8080" }).message).toBe(
      "SOUNDGATE_METRICS_PORT: must differ from SOUNDGATE_PORT",
    );
  });
});
