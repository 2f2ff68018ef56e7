import { Writable } from "node:stream";
import { createLogger, type Logger } from "@soundgate/server";

/** A gateway logger (JSON lines) whose output a test reads back: `text()` is all of it so far. */
export function recordingLogger(level = "info"): { logger: Logger; text: () => string } {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger(level, sink), text: () => chunks.join("") };
}
