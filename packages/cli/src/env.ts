import { existsSync } from "node:fs";
import { CliError, EXIT } from "./command.js";

/** Variables already in the environment win over ./.env (Node's loadEnvFile keeps them). */
export function loadDotEnv(): void {
  if (existsSync(".env")) process.loadEnvFile(".env");
}

/** The SoundCloud app's id and secret, from the environment (the gateway's names too). */
export function appCredentials(env: NodeJS.ProcessEnv = process.env): {
  clientId: string | undefined;
  clientSecret: string | undefined;
} {
  return {
    clientId: env.SOUNDCLOUD_CLIENT_ID || env.CLIENT_ID || undefined,
    clientSecret: env.SOUNDCLOUD_CLIENT_SECRET || env.CLIENT_SECRET || undefined,
  };
}

/** An http(s) origin from a flag or variable, without a trailing slash. */
export function httpUrl(value: string, name: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CliError(EXIT.config, `${name} must be an http(s) URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new CliError(EXIT.config, `${name} must be an http(s) URL`);
  }
  return url.href.replace(/\/+$/, "");
}
