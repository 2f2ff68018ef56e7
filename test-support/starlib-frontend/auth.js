// A front end shaped like Starlib's (its lib/auth.ts and login/callback pages), written from
// the contract in the project's reference notes: what its code sends, stores and shows.
// It knows nothing of Soundgate; tests run it unchanged against the gateway.
import { API_BASE, DESKTOP_BACKEND } from "/config.js";

const KEYS = { access: "access_token", refresh: "refresh_token", expires: "token_expires_at" };

/** Its fetch wrapper's error: the HTTP status, and FastAPI's `detail` as the message. */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export async function fetchApi(path, init = {}) {
  const response = await fetch(API_BASE + path, {
    ...init,
    headers: { "Content-Type": "application/json", ...init.headers },
  });
  if (!response.ok) {
    let message = `HTTP ${response.status}`;
    try {
      const body = await response.json();
      if (body?.detail) message = typeof body.detail === "string" ? body.detail : "Request failed";
    } catch {
      // not JSON: keep "HTTP <status>"
    }
    throw new ApiError(response.status, message);
  }
  return response.json();
}

export const isTauri = () => "__TAURI_INTERNALS__" in window;

export function storeLogin(data) {
  localStorage.setItem(KEYS.access, data.access_token);
  if (data.refresh_token) localStorage.setItem(KEYS.refresh, data.refresh_token);
  localStorage.setItem(KEYS.expires, String(Date.now() + data.expires_in * 1000));
  if (data.user) localStorage.setItem("sc_user", JSON.stringify(data.user));
}

function finishLogin(data) {
  storeLogin(data);
  sessionStorage.removeItem("oauth_state");
  window.dispatchEvent(new Event("auth-changed"));
}

/** The login button: the web build goes to SoundCloud; the desktop build opens a webview. */
export async function login() {
  if (isTauri()) return desktopLogin();
  const returnTo = `${window.location.origin}/auth/soundcloud/callback`;
  const { authorization_url, state } = await fetchApi(
    `/auth/soundcloud/authorize?return_to=${encodeURIComponent(returnTo)}`,
  );
  sessionStorage.setItem("oauth_state", state);
  window.location.href = authorization_url;
}

async function desktopLogin() {
  const returnTo = `${DESKTOP_BACKEND}/auth/soundcloud/done`;
  const { authorization_url, state } = await fetchApi(
    `/auth/soundcloud/authorize?return_to=${encodeURIComponent(returnTo)}`,
  );
  sessionStorage.setItem("oauth_state", state);
  // Resolves when the login webview starts loading the done page.
  await window.__TAURI_INTERNALS__.invoke("open_login_window", { url: authorization_url });
  const deadline = Date.now() + 5 * 60_000;
  for (;;) {
    try {
      finishLogin(await fetchApi(`/auth/soundcloud/result?state=${encodeURIComponent(state)}`));
      break;
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 404 || Date.now() > deadline) {
        throw error;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 1500));
  }
  try {
    await fetchApi("/auth/soundcloud/session-cookie", {
      method: "POST",
      body: JSON.stringify({ oauth_token: "2-000000-0000000-desktop" }),
    });
  } catch (error) {
    console.warn(`Could not save the SoundCloud session cookie: ${error.message}`);
  }
  window.location.href = "/library?source=soundcloud";
}

/** The callback page: a denial, the direct flow (code) or the backend-redirect flow (state). */
export async function handleCallbackPage(params) {
  const error = params.get("error");
  if (error) throw new Error(`SoundCloud denied access: ${error}`);
  const code = params.get("code");
  const state = params.get("state");
  if (code && state) {
    finishLogin(
      await fetchApi("/auth/soundcloud/callback", {
        method: "POST",
        body: JSON.stringify({ code, state }),
      }),
    );
  } else if (state) {
    finishLogin(await fetchApi(`/auth/soundcloud/result?state=${encodeURIComponent(state)}`));
  } else {
    throw new Error("Missing state");
  }
  window.location.href = "/library?source=soundcloud";
}

/** Called before every SoundCloud API request. */
export async function ensureValidToken() {
  const token = localStorage.getItem(KEYS.access);
  const expiresAt = Number(localStorage.getItem(KEYS.expires));
  if (!token) throw new Error("Not connected to SoundCloud");
  if (Date.now() < expiresAt - 60_000) return token;
  const data = await fetchApi("/auth/soundcloud/refresh", {
    method: "POST",
    body: JSON.stringify({ refresh_token: localStorage.getItem(KEYS.refresh) }),
  });
  storeLogin(data);
  return data.access_token;
}
