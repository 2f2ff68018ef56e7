import { sleep } from "./errors.js";
import { LEASE_KEY, readJson, type TokenStorage } from "./storage.js";

export const LOCK_NAME = "soundgate-refresh";
/** A holder that vanished (tab closed mid-refresh) blocks the others for at most this long. */
const LEASE_MS = 15_000;

/**
 * Runs `task` while no other tab of this origin runs one: the Web Locks API where it
 * exists (secure contexts in current browsers), else a lease in the shared storage.
 * `task` learns whether it had to wait for another tab: that tab has probably just
 * refreshed, and its writes to localStorage reach this tab a moment after the lock does.
 */
export function withRefreshLock<T>(
  storage: TokenStorage,
  task: (waited: boolean) => Promise<T>,
): Promise<T> {
  const locks = typeof navigator === "undefined" ? undefined : navigator.locks;
  if (!locks?.request) return lease(storage, task);
  return locks.request(LOCK_NAME, { ifAvailable: true }, (lock) =>
    lock ? task(false) : locks.request(LOCK_NAME, () => task(true)),
  ) as Promise<T>;
}

interface Lease {
  owner: string;
  until: number;
}

/**
 * localStorage has no compare-and-swap, so a tab writes its claim, waits for other
 * tabs' writes to arrive, and proceeds only if its claim is still the one stored
 * (the last writer wins everywhere). A race this misses is still harmless: the
 * gateway answers a repeated refresh of one token with the same new tokens.
 */
export async function lease<T>(
  storage: TokenStorage,
  task: (waited: boolean) => Promise<T>,
): Promise<T> {
  const owner = Math.random().toString(36).slice(2);
  let waited = false;
  const holder = () => {
    const held = readJson<Lease>(storage, LEASE_KEY);
    return held && held.until > Date.now() ? held.owner : null;
  };
  for (;;) {
    if (!holder()) {
      storage.setItem(LEASE_KEY, JSON.stringify({ owner, until: Date.now() + LEASE_MS }));
      await sleep(50);
      if (holder() === owner) break;
    }
    waited = true;
    // Jitter, so tabs that collided do not collide again.
    await sleep(40 + Math.random() * 80);
  }
  try {
    return await task(waited);
  } finally {
    if (holder() === owner) storage.removeItem(LEASE_KEY);
  }
}
