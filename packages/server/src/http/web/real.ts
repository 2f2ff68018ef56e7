// Node's own Headers, Request and Response (undici's), reached without loading undici
// until one is really needed. Node defines them on globalThis as lazy getters; this
// module keeps those getters before web/globals.ts puts the gateway's own classes in
// their place, and calls one only when asked.

interface RealWeb {
  Headers: typeof Headers;
  Request: typeof Request;
  Response: typeof Response;
}

type Name = keyof RealWeb;
const NAMES: Name[] = ["Headers", "Request", "Response"];

const readers = new Map<Name, () => unknown>();
for (const name of NAMES) {
  const descriptor = Object.getOwnPropertyDescriptor(globalThis, name);
  if (!descriptor) continue;
  const { get, value } = descriptor;
  readers.set(name, get ? () => get.call(globalThis) : () => value);
}

let loaded: RealWeb | undefined;

/** undici's classes (loading undici the first time). */
export function realWeb(): RealWeb {
  if (!loaded) {
    const read = (name: Name) => {
      const reader = readers.get(name);
      if (!reader) throw new Error(`this runtime has no global ${name}`);
      // Node's getter puts what it loaded back on globalThis: keep whatever is there now.
      const current = Object.getOwnPropertyDescriptor(globalThis, name);
      const value = reader();
      if (current) Object.defineProperty(globalThis, name, current);
      return value;
    };
    loaded = {
      Headers: read("Headers") as typeof Headers,
      Request: read("Request") as typeof Request,
      Response: read("Response") as typeof Response,
    };
  }
  return loaded;
}
