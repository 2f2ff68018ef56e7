import { describe, expect, it } from "vitest";
import { forwardedAddress, rateLimitKey } from "./client-address.js";
import { HttpError } from "./errors.js";

describe("forwardedAddress", () => {
  it("takes the entry the trusted hops wrote, counting from the right", () => {
    expect(forwardedAddress("1.1.1.1, 2.2.2.2, 3.3.3.3", 1)).toBe("3.3.3.3");
    expect(forwardedAddress("1.1.1.1, 2.2.2.2, 3.3.3.3", 2)).toBe("2.2.2.2");
    expect(forwardedAddress("1.1.1.1,2.2.2.2", 5)).toBe("1.1.1.1");
  });

  it("reads ports, brackets and IPv4-mapped IPv6 as the plain address", () => {
    expect(forwardedAddress("203.0.113.7:51234", 1)).toBe("203.0.113.7");
    expect(forwardedAddress("[2001:DB8::1]:443", 1)).toBe("2001:db8::1");
    expect(forwardedAddress("::ffff:198.51.100.4", 1)).toBe("198.51.100.4");
    expect(forwardedAddress("::FFFF:c633:6404", 1)).toBe("198.51.100.4");
  });

  it("refuses anything else", () => {
    for (const value of ["", "unknown", "1.2.3", "1.2.3.4.5", "::g", "a, b", "1.2.3.4 5", "_"]) {
      expect(() => forwardedAddress(value, 1), value).toThrow(HttpError);
    }
  });
});

describe("rateLimitKey", () => {
  it("keeps IPv4 and groups IPv6 by /64", () => {
    expect(rateLimitKey("198.51.100.4")).toBe("198.51.100.4");
    expect(rateLimitKey("2001:db8:1:2::1")).toBe("2001:0db8:0001:0002::/64");
    expect(rateLimitKey("2001:db8:1:2:ffff:ffff:ffff:ffff")).toBe("2001:0db8:0001:0002::/64");
    expect(rateLimitKey("::1")).toBe("0000:0000:0000:0000::/64");
    expect(rateLimitKey("fe80::1%eth0")).toBe("fe80:0000:0000:0000::/64");
  });
});
