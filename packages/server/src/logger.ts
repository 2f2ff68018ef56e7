import pino from "pino";
import type { LogFormat } from "./config.js";
import { prettyDestination } from "./log-pretty.js";

export type Logger = pino.Logger;

/**
 * One structured log, in either of two renderings of the same records: JSON lines (one
 * object per line, `level` as a word, `time` in ISO 8601) for whatever collects the
 * output, or `pretty` lines for a person at a terminal. Request lines carry method,
 * path (never the query: it holds codes and states), status and duration. Redaction is
 * a second line of defence for any object that carries a secret-looking key by
 * mistake; it runs before either rendering.
 */
export function createLogger(
  level: string,
  destination?: pino.DestinationStream,
  format: LogFormat = "json",
): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: {
      paths: [
        "*.access_token",
        "*.refresh_token",
        "*.code",
        "*.state",
        "*.code_verifier",
        "*.client_secret",
        "*.authorization",
        "*.cookie",
        "*.headers.authorization",
        "*.headers.cookie",
        "access_token",
        "refresh_token",
        "client_secret",
        "code",
        "state",
        "code_verifier",
        "authorization",
        "cookie",
        "dpop",
        "*.dpop",
      ],
      censor: "[redacted]",
    },
  };
  if (format === "pretty") {
    const out = destination ?? process.stdout;
    return pino(options, prettyDestination(out));
  }
  return destination ? pino(options, destination) : pino(options);
}
