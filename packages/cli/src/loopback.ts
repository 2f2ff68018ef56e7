import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { CliError, EXIT } from "./command.js";

/** The redirect URI's path; register `http://127.0.0.1:<port>/callback` with the app. */
export const CALLBACK_PATH = "/callback";
/** The one-time link the browser opener gets instead of SoundCloud's URL. */
const LAUNCH_PATH = "/start";
const LAUNCH_COOKIE = "soundgate_login";

export interface Loopback {
  port: number;
  redirectUri: string;
  /**
   * The authorization code, once the browser comes back with `state`. Answers with
   * the wrong state get a 400 page and are otherwise ignored (they are not this
   * login's); an `error` with the right state ends the login.
   */
  waitForCode(state: string, timeoutMs: number): Promise<string>;
  /**
   * A local link that redirects to `authorizeUrl`, for the browser opener: its argv is
   * readable by every local account, and SoundCloud's URL carries the login's state.
   * The first client to open it gets the redirect (again when it comes back, by a
   * cookie); any other client opening it calls the login off, since someone else has
   * seen the state.
   */
  launchUrl(authorizeUrl: string): string;
  close(): Promise<void>;
}

/**
 * The loopback redirect target of a terminal login (RFC 8252 §7.3): a one-route HTTP
 * server on 127.0.0.1 only, never on other interfaces, answering the browser with a
 * small page and no referrer, so the code in the URL goes nowhere else.
 */
export async function startLoopback(port: number): Promise<Loopback> {
  let onRequest: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) =>
    page(res, 404, "Nothing here", "This address only receives a SoundCloud sign-in.");
  const server = createServer((req, res) => onRequest(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      reject(
        error.code === "EADDRINUSE" || error.code === "EACCES"
          ? new CliError(
              EXIT.config,
              `cannot listen on 127.0.0.1:${port} (${error.code}); choose another --port and register http://127.0.0.1:<port>${CALLBACK_PATH} with your SoundCloud app`,
            )
          : error,
      );
    });
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  let stopWaiting = () => {};
  /** Ends the wait with an error (a second client opened the launch link). */
  let callOff: (error: CliError) => void = () => {};
  let launch: { key: string; target: string; opener?: string } | undefined;

  /** The launch link's answer; false when the request was not for it. */
  const onLaunch = (req: IncomingMessage, res: ServerResponse, url: URL): boolean => {
    if (req.method !== "GET" || url.pathname !== LAUNCH_PATH) return false;
    if (!launch || !sameSecret(url.searchParams.get("k"), launch.key)) {
      page(res, 404, "Nothing here", "This address only receives a SoundCloud sign-in.");
      return true;
    }
    const cookie = readCookie(req.headers.cookie, LAUNCH_COOKIE);
    if (launch.opener === undefined) {
      launch.opener = randomBytes(16).toString("base64url");
      redirect(res, launch.target, `${LAUNCH_COOKIE}=${launch.opener}`);
    } else if (sameSecret(cookie ?? null, launch.opener)) {
      redirect(res, launch.target); // the same browser, back on the link
    } else {
      page(
        res,
        400,
        "Sign-in called off",
        "This sign-in link has already been opened elsewhere, so another program on this computer may have seen it. For your safety the sign-in was called off: run <code>soundgate login</code> again.",
      );
      callOff(
        new CliError(
          EXIT.auth,
          "the sign-in link was opened twice, so another program on this computer may be trying to take over this login; nothing was saved. Run `soundgate login` again",
        ),
      );
    }
    return true;
  };

  return {
    port: actual,
    redirectUri: `http://127.0.0.1:${actual}${CALLBACK_PATH}`,
    waitForCode(state, timeoutMs) {
      return new Promise<string>((resolve, reject) => {
        let done = false;
        // close() ends the wait too (Ctrl-C), so no timer keeps the process alive.
        stopWaiting = () => {
          done = true;
          clearTimeout(timer);
        };
        const timer = setTimeout(() => {
          done = true;
          reject(
            new CliError(
              EXIT.auth,
              `no answer from the browser within ${Math.round(timeoutMs / 1000)} s; run \`soundgate login\` again`,
            ),
          );
        }, timeoutMs);
        callOff = (error) => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          reject(error);
        };
        onRequest = (req, res) => {
          const url = new URL(req.url ?? "/", "http://127.0.0.1");
          if (onLaunch(req, res, url)) return;
          if (req.method !== "GET" || url.pathname !== CALLBACK_PATH) {
            page(res, 404, "Nothing here", "This address only receives a SoundCloud sign-in.");
            return;
          }
          if (done) {
            page(res, 400, "Already done", "This sign-in has finished. You can close this tab.");
            return;
          }
          if (!sameSecret(url.searchParams.get("state"), state)) {
            page(
              res,
              400,
              "Not this sign-in",
              "This answer does not belong to the sign-in running in your terminal.",
            );
            return;
          }
          done = true;
          clearTimeout(timer);
          const error = url.searchParams.get("error");
          const code = url.searchParams.get("code");
          if (error !== null || !code) {
            const reason = error !== null && /^[a-z_]{1,64}$/.test(error) ? error : "no code";
            page(
              res,
              200,
              "Not connected",
              "SoundCloud did not grant access. You can close this tab.",
            );
            reject(new CliError(EXIT.auth, `SoundCloud did not grant access (${reason})`));
            return;
          }
          page(res, 200, "Connected", "You are connected to SoundCloud. You can close this tab.");
          resolve(code);
        };
      });
    },
    launchUrl(authorizeUrl) {
      launch = { key: randomBytes(16).toString("base64url"), target: authorizeUrl };
      return `http://127.0.0.1:${actual}${LAUNCH_PATH}?k=${launch.key}`;
    },
    close: () =>
      new Promise<void>((resolve) => {
        stopWaiting();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of header?.split(";") ?? []) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) return value.join("=");
  }
  return undefined;
}

function redirect(res: ServerResponse, location: string, cookie?: string): void {
  res.writeHead(302, {
    Location: location,
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    ...(cookie ? { "Set-Cookie": `${cookie}; Path=${LAUNCH_PATH}; HttpOnly; SameSite=Lax` } : {}),
    "Content-Length": 0,
    Connection: "close",
  });
  res.end();
}

// Constant-time comparison of two secrets of any length.
function sameSecret(given: string | null, expected: string): boolean {
  if (given === null) return false;
  const digest = (s: string) => createHash("sha256").update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

const PAGE_STYLE =
  "body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:15vh auto;padding:0 1rem;color:#222}h1{font-size:1.4rem}";
const PAGE_CSP = `default-src 'none'; style-src 'sha256-${createHash("sha256").update(PAGE_STYLE).digest("base64")}'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`;

function page(res: ServerResponse, status: number, title: string, text: string): void {
  const body = `<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${title} · soundgate</title><style>${PAGE_STYLE}</style><h1>${title}</h1><p>${text}</p></html>`;
  res.writeHead(status, {
    "Content-Type": "text/html; charset=utf-8",
    "Content-Length": Buffer.byteLength(body),
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": PAGE_CSP,
    Connection: "close",
  });
  res.end(body);
}
