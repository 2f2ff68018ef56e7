import { base64url, dpopProof, loadDpopKey } from "./dpop.js";
import { aborted, notConnected, SoundgateError, sleep } from "./errors.js";
import { withRefreshLock } from "./lock.js";
import {
  ACCESS_TOKEN,
  EXPIRES_AT,
  FLOW_KEY,
  REFRESH_TOKEN,
  readJson,
  TOKEN_KEYS,
  TOKEN_LIFETIME,
  type TokenStorage,
  USER,
} from "./storage.js";

/** The user as the gateway returns it and Starlib caches it (`sc_user`). */
export interface SoundgateUser {
  id: number;
  urn: string;
  username: string;
  permalink: string;
  avatar_url: string | null;
}

export interface Session {
  accessToken: string;
  refreshToken: string;
  /** Unix time in milliseconds. */
  expiresAt: number;
  user: SoundgateUser | null;
}

export interface SoundgateClientOptions {
  /** The gateway's origin (and base path, if any); `""` for the page's own origin. */
  gatewayUrl: string;
  /** The API `fetchSoundCloud` calls. Default `https://api.soundcloud.com`. */
  apiUrl?: string;
  /** Where tokens live. Default `localStorage`; tabs coordinate refreshes through it. */
  storage?: TokenStorage;
  /** Where a login in progress keeps its state and verifier. Default `sessionStorage`. */
  flowStorage?: TokenStorage;
  /**
   * Refresh when less than this is left on the access token, and never earlier than half
   * its lifetime. Default 60 000 ms.
   */
  refreshMarginMs?: number;
  /**
   * The key that signs DPoP proofs (RFC 9449) for /result, /callback and /refresh; the
   * gateway binds the refresh token to it. Default: a non-extractable ECDSA P-256 key
   * made once and kept in IndexedDB (database `soundgate`), shared by the origin's tabs.
   */
  dpopKey?: CryptoKeyPair | Promise<CryptoKeyPair>;
  fetch?: typeof fetch;
}

export interface LoginOptions {
  /** Where the gateway sends the browser back; must be on its allowlist. */
  returnTo?: string;
  /**
   * Desktop apps: instead of navigating away, `open` SoundCloud and finish the login
   * from the URL it ends on (a loopback or app-scheme `returnTo`, or a login webview;
   * RFC 8252). `"blind"`: poll the gateway without that URL; phishable (a consent link
   * sent to someone else completes for the sender), and the gateway must allow it
   * (`SOUNDGATE_RESULT_BINDING=initiator`). Needs the backend-redirect flow; `returnTo`
   * defaults to the gateway's "you can close this tab" page.
   */
  poll?: boolean | "blind";
  /**
   * Poll mode: opens the URL (a webview, Tauri's `shell.open`, Electron's
   * `shell.openExternal`) and resolves with the URL the login ended on, carrying
   * `state` and `result_key` (or `error`). Default `window.open` (blind polling only).
   */
  open?: (url: string) => unknown;
  /** Poll mode: gives up with `timeout` after this long. Default 10 minutes. */
  timeoutMs?: number;
  /** Aborting rejects with `aborted`. */
  signal?: AbortSignal;
}

export interface SoundgateClient {
  /** Starts a login and navigates to SoundCloud; with `poll` resolves with the user. */
  login(options: LoginOptions & { poll: true | "blind" }): Promise<SoundgateUser>;
  login(options?: LoginOptions): Promise<void>;
  /** Finishes a login if the URL carries one (null when it does not) and cleans the URL. */
  handleCallback(url?: string): Promise<SoundgateUser | null>;
  /** A usable access token, refreshed through the gateway when close to expiry. */
  ensureValidToken(): Promise<string>;
  getSession(): Session | null;
  getUser(): SoundgateUser | null;
  /** Clears the stored tokens, then signs out at SoundCloud through the gateway. */
  logout(): Promise<void>;
  /** Calls the SoundCloud API with `Authorization: OAuth …`; refreshes and retries once on 401. */
  fetchSoundCloud(path: string, init?: RequestInit): Promise<Response>;
  /** Called when the stored session changes, in this tab or another. Returns an unsubscribe. */
  subscribe(listener: () => void): () => void;
}

interface TokenJson {
  access_token: string;
  refresh_token?: string;
  expires_in: number;
  user?: SoundgateUser;
}

interface Flow {
  state: string;
  verifier: string;
}

const VERIFIER_HEADER = "X-Soundgate-Result-Verifier";
const KEY_HEADER = "X-Soundgate-Result-Key";

export function createSoundgateClient(options: SoundgateClientOptions): SoundgateClient {
  const gateway = `${options.gatewayUrl.replace(/\/+$/, "")}/auth/soundcloud`;
  const apiUrl = (options.apiUrl ?? "https://api.soundcloud.com").replace(/\/+$/, "");
  const store = options.storage ?? localStorage;
  const flows = options.flowStorage ?? sessionStorage;
  const margin = options.refreshMarginMs ?? 60_000;
  const send = options.fetch ?? ((input, init) => fetch(input, init));
  const listeners = new Set<() => void>();
  let refreshing: Promise<string> | undefined;
  let dpopKey: Promise<CryptoKeyPair> | undefined;

  const notify = () => {
    for (const listener of listeners) listener();
  };
  if (typeof addEventListener === "function") {
    addEventListener("storage", (event) => {
      if (event.storageArea === store && (!event.key || TOKEN_KEYS.includes(event.key))) notify();
    });
  }

  const getUser = () => readJson<SoundgateUser>(store, USER);
  const getSession = (): Session | null => {
    const accessToken = store.getItem(ACCESS_TOKEN);
    const refreshToken = store.getItem(REFRESH_TOKEN);
    return accessToken && refreshToken
      ? { accessToken, refreshToken, expiresAt: Number(store.getItem(EXPIRES_AT)), user: getUser() }
      : null;
  };
  const save = (body: TokenJson) => {
    // Other tabs see these writes one key at a time, in this order: a tab that reads a
    // new expiry with the old token just uses the old token (still valid) a moment longer.
    store.setItem(EXPIRES_AT, String(Date.now() + body.expires_in * 1000));
    store.setItem(TOKEN_LIFETIME, String(body.expires_in * 1000));
    store.setItem(ACCESS_TOKEN, body.access_token);
    if (body.refresh_token) store.setItem(REFRESH_TOKEN, body.refresh_token);
    if (body.user) store.setItem(USER, JSON.stringify(body.user));
    notify();
    return body;
  };
  const clear = () => {
    for (const key of TOKEN_KEYS) store.removeItem(key);
    notify();
  };

  const request = async (url: string, init: RequestInit) => {
    try {
      return await send(url, init);
    } catch {
      throw init.signal?.aborted
        ? aborted()
        : new SoundgateError("network_error", `Could not reach ${new URL(url).host}`);
    }
  };

  /**
   * A gateway call: `[status, body]` on 2xx, else the gateway's `{error, message}` thrown.
   * `signed`: with a DPoP proof of this browser's key (the calls that hand out or refresh tokens).
   */
  const call = async (
    path: string,
    init: RequestInit = {},
    signed?: boolean,
    // biome-ignore lint/suspicious/noExplicitAny: the gateway's JSON, checked where used
  ): Promise<[number, any]> => {
    if (signed) {
      dpopKey ??= Promise.resolve(options.dpopKey ?? loadDpopKey());
      const headers = new Headers(init.headers);
      headers.set("DPoP", await dpopProof(await dpopKey, init.method ?? "GET", gateway + path));
      init = { ...init, headers };
    }
    const response = await request(gateway + path, init);
    const body = await response.json().catch(() => ({}));
    if (response.ok) return [response.status, body];
    throw new SoundgateError(
      body.error ?? "gateway_error",
      body.message ?? `The gateway answered HTTP ${response.status}`,
      response.status,
    );
  };
  const post = (path: string, body: object, headers?: Record<string, string>, signed = true) =>
    call(
      path,
      {
        method: "POST",
        headers: { "Content-Type": "application/json", ...headers },
        body: JSON.stringify(body),
      },
      signed,
    );

  /** Asks for the login result until it is there (202 means not yet). */
  const poll = async (
    state: string,
    headers: Record<string, string>,
    timeoutMs: number,
    signal?: AbortSignal,
  ) => {
    const deadline = Date.now() + timeoutMs;
    for (let delay = 500; ; delay = Math.min(delay * 1.5, 5000)) {
      try {
        const [status, body] = await call(
          `/result?state=${encodeURIComponent(state)}`,
          { headers, signal },
          true,
        );
        if (status === 200) return save(body).user as SoundgateUser;
      } catch (error) {
        // A dropped connection is worth another try; what the gateway refused is not.
        if ((error as SoundgateError).code !== "network_error") throw error;
      }
      if (Date.now() + delay > deadline) {
        throw new SoundgateError("timeout", "The login was not completed in time");
      }
      await sleep(delay, signal);
    }
  };

  /**
   * Finishes the login `flow` from the URL it ended on: refused unless the URL's state is
   * the flow's (a link someone else started); then the code (direct flow) or the result,
   * with both halves: this flow's verifier and the URL's result_key.
   */
  const finish = async (url: URL, flow: Flow | null, timeoutMs: number, signal?: AbortSignal) => {
    const params = url.searchParams;
    const state = params.get("state");
    const error = params.get("error");
    const code = params.get("code");
    const key = params.get("result_key");
    if (!flow || flow.state !== state) {
      throw new SoundgateError(
        "state_mismatch",
        "This login was not started here (or it was already completed)",
      );
    }
    if (error) {
      throw new SoundgateError(
        error,
        error === "access_denied"
          ? "The connection was cancelled at SoundCloud"
          : "The login did not complete",
      );
    }
    const headers: Record<string, string> = { [VERIFIER_HEADER]: flow.verifier };
    if (code)
      return save((await post("/callback", { code, state }, headers))[1]).user as SoundgateUser;
    if (key) headers[KEY_HEADER] = key;
    return poll(flow.state, headers, timeoutMs, signal);
  };

  /**
   * One refresh at a time per browser: tabs queue on a lock, and whoever gets it
   * second finds the new tokens already stored and uses them. `seen` is the token the
   * caller found stale; any other unexpired token in storage is newer.
   */
  const refresh = (seen: string) =>
    (refreshing ??= withRefreshLock(store, async (waited) => {
      const fresh = (s: Session | null) =>
        s && s.accessToken !== seen && s.expiresAt > Date.now() ? s.accessToken : undefined;
      let session = getSession();
      // After waiting for another tab, give its new tokens a moment to arrive here.
      for (let i = 0; waited && i < 20 && session && !fresh(session); i++) {
        await sleep(25);
        session = getSession();
      }
      if (!session) throw notConnected();
      const newer = fresh(session);
      if (newer) return newer;
      try {
        const once = () => post("/refresh", { refresh_token: session.refreshToken });
        // An answer lost on the way: the gateway gives this browser the same pair again.
        const [, body] = await once().catch((error: SoundgateError) =>
          error.code === "network_error" ? once() : Promise.reject(error),
        );
        // Signed out (here or in another tab) while the refresh was under way.
        if (!getSession()) throw notConnected();
        return save(body).access_token;
      } catch (error) {
        // The grant is gone, or no longer this browser's key (its IndexedDB was cleared).
        if (/^(reauth_required|invalid_dpop_proof)$/.test((error as SoundgateError).code)) clear();
        throw error;
      }
    }).finally(() => {
      refreshing = undefined;
    }));

  const ensureValidToken = async () => {
    const session = getSession();
    if (!session) throw notConnected();
    // Never more than half the lifetime: with tokens of 60 s or less a 60 s margin would
    // refresh on every call.
    const lifetime = Number(store.getItem(TOKEN_LIFETIME));
    return session.expiresAt - Date.now() > (lifetime > 0 ? Math.min(margin, lifetime / 2) : margin)
      ? session.accessToken
      : refresh(session.accessToken);
  };

  return {
    // biome-ignore lint/suspicious/noExplicitAny: the overloads above type the result
    async login(options: LoginOptions = {}): Promise<any> {
      const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
      const query = new URLSearchParams({
        result_challenge: base64url(
          await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)),
        ),
      });
      if (options.returnTo) query.set("return_to", options.returnTo);
      const [, body] = await call(`/authorize?${query}`, { signal: options.signal });
      const flow: Flow = { state: body.state, verifier };
      const url: string = body.authorization_url;
      if (!options.poll) {
        flows.setItem(FLOW_KEY, JSON.stringify(flow));
        location.assign(url);
        return;
      }
      const ended = await (options.open ?? ((href: string) => open(href, "_blank", "noopener")))(
        url,
      );
      const timeout = options.timeoutMs ?? 600_000;
      if (ended) return finish(new URL(String(ended)), flow, timeout, options.signal);
      if (options.poll !== "blind") {
        throw new SoundgateError(
          "result_key_required",
          'open() must resolve with the URL the login ended on, or use poll: "blind"',
        );
      }
      return poll(flow.state, { [VERIFIER_HEADER]: verifier }, timeout, options.signal);
    },

    async handleCallback(href = location.href) {
      const url = new URL(href);
      const params = url.searchParams;
      if (!params.has("state") && !params.has("code") && !params.has("error")) return null;
      // Codes, states and keys do not belong in the history, bookmarks or a shared link.
      for (const key of ["code", "state", "error", "error_description", "result_key"]) {
        params.delete(key);
      }
      try {
        history.replaceState(history.state, "", url);
      } catch {
        // Not in a page (tests), or another origin's URL: nothing to clean.
      }
      const flow = readJson<Flow>(flows, FLOW_KEY);
      flows.removeItem(FLOW_KEY);
      return finish(new URL(href), flow, 15_000);
    },

    ensureValidToken,
    getSession,
    getUser,

    async logout() {
      const session = getSession();
      clear();
      flows.removeItem(FLOW_KEY);
      if (session) await post("/sign-out", { access_token: session.accessToken }, {}, false);
    },

    async fetchSoundCloud(path, init = {}) {
      const url = /^https?:/i.test(path) ? path : apiUrl + path;
      // The token goes to the API only, never to wherever a next_href might point.
      if (new URL(url).origin !== new URL(apiUrl).origin) {
        throw new SoundgateError("invalid_url", "Only SoundCloud API URLs get the token");
      }
      const attempt = (token: string) => {
        const headers = new Headers(init.headers);
        headers.set("Authorization", `OAuth ${token}`);
        return request(url, { ...init, headers });
      };
      const token = await ensureValidToken();
      const response = await attempt(token);
      return response.status === 401 ? attempt(await refresh(token)) : response;
    },

    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
