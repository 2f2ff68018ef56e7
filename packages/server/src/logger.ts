import pino from "pino";

export type Logger = pino.Logger;

/**
 * JSON logs. Request lines carry method, path (never the query: it holds codes and
 * states), status and duration. Redaction is a second line of defence for any object
 * that carries a secret-looking key by mistake.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: undefined,
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
      ],
      censor: "[redacted]",
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
