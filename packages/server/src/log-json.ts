import { isSecretKey, loggable, REDACTED, UNREADABLE } from "./log-redact.js";

/** Where log lines go: process.stdout, a file stream, a test's array. */
export interface LogDestination {
  write(chunk: string): unknown;
}

/** Keys the record writes itself; a field of the same name would be a second copy. */
const RECORD_KEYS = new Set(["level", "time", "msg"]);

/**
 * One record as pino wrote it with the gateway's options: `{"level":"info","time":"<ISO
 * 8601>",…fields,"msg":"…"}` and a newline, the fields in their own order with secrets
 * redacted at any depth. It never throws: a record that cannot be written at all becomes
 * a line that says so, with its level, time and message.
 */
export function jsonLine(
  level: string,
  fields: Record<string, unknown> | undefined,
  message: string | undefined,
): string {
  // The line is put together here rather than by one JSON.stringify of a new object: an
  // object puts integer-like keys ("404") first, and the order must be level, time, fields.
  const head = `{"level":"${level}","time":"${new Date().toISOString()}"`;
  let msg = "";
  try {
    if (message !== undefined) msg = `,"msg":${JSON.stringify(String(message))}`;
  } catch {
    msg = `,"msg":"${UNREADABLE}"`; // a caller's object whose toString throws
  }
  try {
    let body = "";
    if (fields) {
      const ancestors: object[] = [fields];
      for (const key of Object.keys(fields)) {
        if (RECORD_KEYS.has(key)) continue;
        let value: unknown;
        try {
          value = isSecretKey(key) ? REDACTED : loggable(fields[key], ancestors);
        } catch {
          value = UNREADABLE; // a getter that throws
        }
        if (value !== undefined) body += `,${JSON.stringify(key)}:${JSON.stringify(value)}`;
      }
    }
    return `${head}${body}${msg}}\n`;
  } catch {
    return `${head}${msg},"log_error":"the record's fields could not be serialised"}\n`;
  }
}
