import { isIP } from "node:net";
import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context } from "hono";
import { HttpError } from "./errors.js";

/**
 * The address of the client, as far as the gateway can know it. Without trusted proxies
 * it is the socket's peer. Behind `hops` trusted proxies it is the X-Forwarded-For entry
 * `hops` places from the right: each proxy appends the address it saw, so everything to
 * the left of that entry was written by the client and proves nothing.
 */
export function clientAddress(c: Context, hops: number): string {
  if (hops > 0) {
    const header = c.req.header("x-forwarded-for");
    if (header !== undefined) return forwardedAddress(header, hops);
  }
  return socketAddress(c);
}

/**
 * The X-Forwarded-For entry `hops` from the right (the leftmost when there are fewer, as
 * a direct request to the innermost proxy would give). Anything that is not an address is
 * refused: a proxy that writes garbage there is misconfigured, and guessing would let a
 * client choose its own identity.
 */
export function forwardedAddress(header: string, hops: number): string {
  const entries = header.split(",");
  const entry = entries[Math.max(0, entries.length - hops)] ?? "";
  const address = parseAddress(entry.trim());
  if (!address) {
    throw new HttpError(
      400,
      "invalid_forwarded_for",
      "X-Forwarded-For does not end in the client addresses the gateway's trusted proxies write",
    );
  }
  return address;
}

/**
 * The key a client is counted under: its IPv4 address, or the /64 of an IPv6 address
 * (one host commonly holds a whole /64, so counting single addresses would let it pick
 * a fresh one per request).
 */
export function rateLimitKey(address: string): string {
  if (isIP(address) !== 6) return address;
  const groups = expandIPv6(address);
  if (!groups) return address;
  const v4 = mappedIPv4(groups);
  if (v4) return v4;
  return `${groups.slice(0, 4).join(":")}::/64`;
}

function socketAddress(c: Context): string {
  try {
    const address = getConnInfo(c).remote.address;
    return address ? (parseAddress(address) ?? address) : "unknown";
  } catch {
    // Not served by @hono/node-server (mounted in another host): one shared bucket.
    return "unknown";
  }
}

/** `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1`, `[2001:db8::1]:443`; IPv4-mapped IPv6 as IPv4. */
function parseAddress(value: string): string | undefined {
  let candidate = value;
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(candidate);
  if (bracketed) candidate = bracketed[1] as string;
  else if (/^[\d.]+:\d{1,5}$/.test(candidate))
    candidate = candidate.slice(0, candidate.indexOf(":"));
  const family = isIP(candidate);
  if (family === 4) return candidate;
  if (family !== 6) return undefined;
  const groups = expandIPv6(candidate);
  return (groups && mappedIPv4(groups)) ?? candidate.toLowerCase();
}

/** Eight 4-digit lowercase hex groups, or undefined (zone ids and the like). */
function expandIPv6(address: string): string[] | undefined {
  let text = address.toLowerCase();
  if (text.includes("%")) text = text.slice(0, text.indexOf("%"));
  // A trailing dotted IPv4 (::ffff:1.2.3.4) becomes two hex groups.
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    const hex = (x: number, y: number) => ((x << 8) | y).toString(16);
    text = `${text.slice(0, dotted.index)}${hex(a, b)}:${hex(c, d)}`;
  }
  const [head = "", tail] = text.split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? missing !== 0 : missing < 1) return undefined;
  const groups = [...left, ...Array<string>(tail === undefined ? 0 : missing).fill("0"), ...right];
  if (groups.some((group) => !/^[0-9a-f]{1,4}$/.test(group))) return undefined;
  return groups.map((group) => group.padStart(4, "0"));
}

function mappedIPv4(groups: string[]): string | undefined {
  if (groups.slice(0, 5).some((g) => g !== "0000") || groups[5] !== "ffff") return undefined;
  const high = Number.parseInt(groups[6] as string, 16);
  const low = Number.parseInt(groups[7] as string, 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join(".");
}
