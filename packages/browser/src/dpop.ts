// DPoP (RFC 9449): the gateway binds the refresh token to a key whose private half this
// browser cannot even export, and refreshes it only for proofs signed with that key. A
// stolen refresh token alone is then worth nothing.

export const base64url = (data: ArrayBuffer | Uint8Array): string =>
  btoa(String.fromCharCode(...new Uint8Array(data)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");

const encode = (value: object) => base64url(new TextEncoder().encode(JSON.stringify(value)));

/** Where the key lives: IndexedDB `soundgate`, store `keys`, key `dpop`. */
export const DPOP_DB = "soundgate";

/**
 * The browser's DPoP key: ECDSA P-256, non-extractable, made once and kept in IndexedDB,
 * so every tab and every visit of this origin signs with the same key. Where IndexedDB is
 * missing or refuses, a key for this page's lifetime (tokens then outlive it only until
 * their next refresh after a reload).
 */
export const loadDpopKey = async (): Promise<CryptoKeyPair> => {
  const made = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, [
    "sign",
  ]);
  return new Promise<CryptoKeyPair>((resolve, reject) => {
    const open = indexedDB.open(DPOP_DB, 1);
    open.onupgradeneeded = () => open.result.createObjectStore("keys");
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      // Read and write in one transaction: two tabs starting at once keep one key.
      const tx = open.result.transaction("keys", "readwrite");
      const keys = tx.objectStore("keys");
      let key = made;
      const read = keys.get("dpop");
      read.onsuccess = () => {
        if (read.result) key = read.result;
        else keys.put(made, "dpop");
      };
      tx.oncomplete = () => {
        open.result.close();
        resolve(key);
      };
      tx.onerror = tx.onabort = () => reject(tx.error);
    };
  }).catch(() => made);
};

/** A proof for `method` on `url` (its query dropped): header `typ`, `alg`, `jwk`; claims `htm`, `htu`, `iat`, `jti`. */
export const dpopProof = async (
  keys: CryptoKeyPair,
  method: string,
  url: string,
): Promise<string> => {
  const { kty, crv, x, y } = await crypto.subtle.exportKey("jwk", keys.publicKey);
  const target = new URL(url, globalThis.location?.href);
  const input = `${encode({ typ: "dpop+jwt", alg: "ES256", jwk: { kty, crv, x, y } })}.${encode({
    htm: method,
    htu: target.origin + target.pathname,
    iat: Math.floor(Date.now() / 1000),
    jti: base64url(crypto.getRandomValues(new Uint8Array(16))),
  })}`;
  const signature = await crypto.subtle.sign(
    { name: "ECDSA", hash: "SHA-256" },
    keys.privateKey,
    new TextEncoder().encode(input),
  );
  return `${input}.${base64url(signature)}`;
};
