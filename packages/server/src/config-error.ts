/**
 * A configuration problem, naming the variable (or option) to fix. In a module of its
 * own, free of dependencies, so code that only needs to recognise it (the CLI's error
 * handling) does not load the rest of config.ts.
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

/**
 * A package the configuration needs is not installed: the database driver for the URL's
 * scheme (better-sqlite3, pg), which @soundgate/server leaves to the app to install.
 */
export class MissingPackageError extends ConfigError {
  constructor(
    variable: string,
    readonly packageName: string,
    what: string,
  ) {
    super(
      variable,
      `${what} needs the ${packageName} package, which is not installed; install it beside @soundgate/server: npm install ${packageName}`,
    );
  }
}
