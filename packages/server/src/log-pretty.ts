import type { LogDestination } from "./log-json.js";

interface Output extends LogDestination {
  isTTY?: boolean;
}

const LEVELS: Record<string, { label: string; color: string }> = {
  trace: { label: "TRACE", color: "90" },
  debug: { label: "DEBUG", color: "36" },
  info: { label: "INFO ", color: "32" },
  warn: { label: "WARN ", color: "33" },
  error: { label: "ERROR", color: "31" },
  fatal: { label: "FATAL", color: "35" },
};

/**
 * Log records as lines a person reads: `12:04:05.123 WARN  DPoP proof refused reason=iat`,
 * request records as `GET /auth/soundcloud/authorize 200 3ms`. It renders the JSON line the
 * logger wrote, after redaction, so it can show nothing the JSON would not. Colours only on a
 * terminal, and never with NO_COLOR set.
 */
export function prettyDestination(out: Output, env = process.env): LogDestination {
  const colors = out.isTTY === true && !env.NO_COLOR;
  return {
    write(chunk: string) {
      let text = "";
      for (const line of chunk.split("\n")) {
        if (line) text += `${prettyLine(line, colors)}\n`;
      }
      out.write(text);
    },
  };
}

/** One JSON record as a readable line; a line that is not a record is passed on as it is. */
export function prettyLine(json: string, colors = false): string {
  let record: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(json);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return json;
    record = parsed as Record<string, unknown>;
  } catch {
    return json;
  }
  const { time, level, msg, err, ...fields } = record;
  const paint = (code: string, text: string) => (colors ? `\u001b[${code}m${text}\u001b[0m` : text);
  const when = typeof time === "string" ? time.slice(11, 23) : "";
  const known = LEVELS[String(level)] ?? {
    label: String(level).toUpperCase().padEnd(5),
    color: "0",
  };
  let message = typeof msg === "string" ? msg : "";
  if (
    message === "request" &&
    typeof fields.method === "string" &&
    typeof fields.path === "string"
  ) {
    const { method, path, status, ms, ...rest } = fields;
    message = `${method} ${path} ${String(status)} ${String(ms)}ms`;
    return compose(when, paint(known.color, known.label), message, rest, err, paint);
  }
  return compose(when, paint(known.color, known.label), message, fields, err, paint);
}

function compose(
  when: string,
  level: string,
  message: string,
  fields: Record<string, unknown>,
  err: unknown,
  paint: (code: string, text: string) => string,
): string {
  const pairs = Object.entries(fields).map(([key, value]) => paint("2", `${key}=`) + show(value));
  let line = [when && paint("2", when), level, message, ...pairs].filter(Boolean).join(" ");
  if (err && typeof err === "object") {
    const { stack, message: errMessage, type } = err as Record<string, unknown>;
    line +=
      typeof stack === "string"
        ? `\n    ${stack.split("\n").join("\n    ")}`
        : ` err=${show({ type, message: errMessage })}`;
  }
  return line;
}

function show(value: unknown): string {
  if (typeof value === "string") return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return typeof value === "object" && value !== null ? JSON.stringify(value) : String(value);
}
