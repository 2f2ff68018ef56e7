import type { LogFormat } from "./config.js";
import { jsonLine, type LogDestination } from "./log-json.js";
import { prettyDestination } from "./log-pretty.js";

export type { LogDestination } from "./log-json.js";

/** One level's call: structured fields first (never a secret), then the message. */
export interface LogCall {
  (fields: Record<string, unknown>, message: string): void;
  (message: string): void;
}

/**
 * What the gateway asks of a logger: three levels. Pino's loggers fit, and so do wrappers
 * around console, winston or a test's array, so embedders are not tied to a library.
 */
export interface Logger {
  info: LogCall;
  warn: LogCall;
  error: LogCall;
}

/** The levels, most severe first; "silent" writes nothing. */
export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";

/**
 * One level of the gateway's own logger: also pino's `logger.error(err)` and
 * `logger.error(err, "message")`, written as `{ err }` with the error's message by default.
 */
export interface GatewayLogCall extends LogCall {
  (error: Error, message?: string): void;
}

/** The gateway's own logger: every level, and the one it was made with. */
export interface GatewayLogger extends Logger {
  fatal: GatewayLogCall;
  error: GatewayLogCall;
  warn: GatewayLogCall;
  info: GatewayLogCall;
  debug: GatewayLogCall;
  trace: GatewayLogCall;
  readonly level: LogLevel;
}

const LEVELS = ["fatal", "error", "warn", "info", "debug", "trace"] as const;

const ignore: GatewayLogCall = () => {};

/**
 * One structured log, in either of two renderings of the same records: JSON lines (one
 * object per line, `level` as a word, `time` in ISO 8601, the shape pino wrote) for
 * whatever collects the output, or `pretty` lines for a person at a terminal. Request
 * lines carry method, path (never the query: it holds codes and states), status and
 * duration. Redaction is a second line of defence for any object that carries a
 * secret-looking key by mistake, at any depth; it runs before either rendering. A level
 * below the one asked for is a function that does nothing, so a silent logger costs a call.
 */
export function createLogger(
  level: string,
  destination?: LogDestination,
  format: LogFormat = "json",
): GatewayLogger {
  const threshold = level === "silent" ? -1 : LEVELS.indexOf(level as (typeof LEVELS)[number]);
  if (threshold === -1 && level !== "silent") throw new Error(`unknown log level "${level}"`);
  const out = destination ?? process.stdout;
  const sink = format === "pretty" ? prettyDestination(out) : out;
  const call = (index: number): GatewayLogCall =>
    index > threshold ? ignore : writer(LEVELS[index] as string, sink);
  return {
    level: level as LogLevel,
    fatal: call(0),
    error: call(1),
    warn: call(2),
    info: call(3),
    debug: call(4),
    trace: call(5),
  };
}

function writer(level: string, sink: LogDestination): GatewayLogCall {
  return (first: Record<string, unknown> | string | Error, message?: string) => {
    let line: string;
    if (typeof first === "string") line = jsonLine(level, undefined, first);
    else if (first instanceof Error) {
      line = jsonLine(level, { err: first }, message ?? stringAt(first, "message"));
    } else {
      // pino's `logger.info({ msg: "…" })`: the message given as a field.
      line = jsonLine(level, first ?? undefined, message ?? stringAt(first, "msg"));
    }
    try {
      sink.write(line);
    } catch {
      // Logging never throws into the request it describes; a sink that cannot take a
      // line (a closed file) has nowhere to say so either.
    }
  };
}

/** `object[key]` if it is a string; nothing if it is not, or if reading it throws. */
function stringAt(object: object | undefined, key: string): string | undefined {
  try {
    const value = (object as Record<string, unknown> | undefined)?.[key];
    return typeof value === "string" ? value : undefined;
  } catch {
    return undefined;
  }
}
