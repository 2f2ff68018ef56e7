/**
 * A configuration problem, naming the variable (or option) to fix. In a module of its
 * own, free of dependencies, so code that only needs to recognise it (the CLI's error
 * handling) does not load zod and the rest of config.ts.
 */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
  }
}
