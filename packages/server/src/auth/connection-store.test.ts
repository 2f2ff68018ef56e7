import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { BoundedMap } from "../bounded-map.js";
import { aad, Cipher } from "../crypto/cipher.js";
import { openSqliteStore } from "../store/sqlite.js";
import type { ConnectionGrant, GatewayStore } from "../store/store.js";
import { ConnectionTokenStore, sealTokens } from "./connection-store.js";

const stores: GatewayStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

/** A cipher that counts what it opens, by column. */
function countingCipher(): { cipher: Cipher; opened: string[] } {
  const cipher = Cipher.fromEnv(`k1:${randomBytes(32).toString("base64")}`);
  const opened: string[] = [];
  const open = cipher.open.bind(cipher);
  cipher.open = (sealed: string, associated: string) => {
    opened.push(associated.split("\u0000")[1] ?? associated);
    return open(sealed, associated);
  };
  return { cipher, opened };
}

function grant(cipher: Cipher, id: string): ConnectionGrant {
  const tokens = { accessToken: "access-1", refreshToken: "refresh-1", scope: "", expiresAt: 9e12 };
  return { id, ...sealTokens(cipher, id, tokens), status: "active", version: 1 };
}

describe("ConnectionTokenStore", () => {
  it("opens the refresh token only when it is read", async () => {
    const store = await openSqliteStore("sqlite::memory:");
    stores.push(store);
    const { cipher, opened } = countingCipher();
    const tokens = new ConnectionTokenStore(store, cipher, () => 0).open(grant(cipher, "c1"));
    expect(tokens.accessToken).toBe("access-1");
    expect(opened).toHaveLength(1);
    expect(tokens.refreshToken).toBe("refresh-1");
    expect(tokens.refreshToken).toBe("refresh-1");
    expect(opened).toHaveLength(2);
    expect({ ...tokens }).toMatchObject({ accessToken: "access-1", refreshToken: "refresh-1" });
  });

  it("gives no refresh token, and reports it, when that one cannot be opened", async () => {
    const store = await openSqliteStore("sqlite::memory:");
    stores.push(store);
    const { cipher } = countingCipher();
    let unreadable = 0;
    const row = grant(cipher, "c1");
    // Sealed for another row: its associated data does not match.
    row.refreshToken = cipher.seal("refresh-1", aad("connections", "refresh_token", "c2"));
    const tokens = new ConnectionTokenStore(store, cipher, () => 0, {
      onUnreadable: () => unreadable++,
    }).open(row);
    expect(tokens.accessToken).toBe("access-1");
    expect(unreadable).toBe(0);
    expect(tokens.refreshToken).toBeUndefined();
    expect(unreadable).toBe(1);
  });

  it("opens an access token's seal once, but only for the row it was sealed for", async () => {
    const store = await openSqliteStore("sqlite::memory:");
    stores.push(store);
    const { cipher, opened } = countingCipher();
    let unreadable = 0;
    const tokens = new ConnectionTokenStore(store, cipher, () => 0, {
      openedAccessTokens: new BoundedMap(2),
      onUnreadable: () => unreadable++,
    });
    const row = grant(cipher, "c1");
    for (let i = 0; i < 3; i++) expect(tokens.open(row).accessToken).toBe("access-1");
    expect(opened).toEqual(["access_token"]);

    // The same sealed value copied into another row still fails to open there.
    const moved = { ...row, id: "c2" };
    expect(tokens.open(moved).reauthRequired).toBe(true);
    expect(unreadable).toBe(1);

    // A rotated token is a new seal: opened (and then remembered) in turn.
    const rotated = grant(cipher, "c1");
    rotated.accessToken = cipher.seal("access-2", aad("connections", "access_token", "c1"));
    expect(tokens.open(rotated).accessToken).toBe("access-2");
    expect(tokens.open(rotated).accessToken).toBe("access-2");
    expect(opened.filter((column) => column === "access_token")).toHaveLength(3);
  });
});
