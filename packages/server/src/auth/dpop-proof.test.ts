import { DpopKey } from "@soundgate/test-support/dpop";
import { describe, expect, it } from "vitest";
import { DpopError, type DpopRefusal, verifyDpopProof } from "./dpop-proof.js";

// RFC 9449 Figure 2 (a proof for POST https://server.example.com/token, iat 1562262616)
// and the thumbprint the RFC gives for its key (Figure 9): made by someone else's code.
const RFC_PROOF =
  "eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwieCI6Imw4dEZyaHgtMzR0VjNoUklDUkRZOXpDa0RscEJoRjQyVVFVZldWQVdCRnMiLCJ5IjoiOVZFNGpmX09rX282NHpiVFRsY3VOSmFqSG10NnY5VERWclUwQ2R2R1JEQSIsImNydiI6IlAtMjU2In19.eyJqdGkiOiItQndDM0VTYzZhY2MybFRjIiwiaHRtIjoiUE9TVCIsImh0dSI6Imh0dHBzOi8vc2VydmVyLmV4YW1wbGUuY29tL3Rva2VuIiwiaWF0IjoxNTYyMjYyNjE2fQ.2-GxA6T8lP4vfrg8v-FdWP0A0zdrj8igiMLvqRMUvwnQg4PtFLbdLXiOSsX0x7NVY-FNyJK70nfbV37xRZT3Lg";
const RFC_JKT = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I";
const RFC_EXPECTED = {
  method: "POST",
  url: "https://server.example.com/token",
  now: 1562262616_000,
};

const URL_ = "https://gateway.example/auth/soundcloud/refresh";
const now = Date.now();
const expected = { method: "POST", url: URL_, now };

function refusal(proof: string, expectation = expected): DpopRefusal {
  try {
    verifyDpopProof(proof, expectation);
  } catch (error) {
    expect(error).toBeInstanceOf(DpopError);
    return (error as DpopError).reason;
  }
  throw new Error("expected the proof to be refused");
}

describe("verifyDpopProof", () => {
  it("accepts RFC 9449's own example proof and computes the thumbprint the RFC gives", () => {
    const proof = verifyDpopProof(RFC_PROOF, RFC_EXPECTED);
    expect(proof).toEqual({ jkt: RFC_JKT, jti: "-BwC3ESc6acc2lTc", iat: 1562262616 });
    // Query and fragment are not part of htu; scheme and host case are not either.
    expect(
      verifyDpopProof(RFC_PROOF, { ...RFC_EXPECTED, url: "HTTPS://Server.Example.com:443/token" })
        .jkt,
    ).toBe(RFC_JKT);
  });

  it("accepts a proof from a fresh key, whatever query the request had", () => {
    const key = new DpopKey();
    const proof = verifyDpopProof(key.proof("POST", `${URL_}?x=1#frag`), expected);
    expect(proof.jkt).toBe(key.thumbprint);
  });

  it("refuses each way a proof can be wrong, naming the reason", () => {
    const key = new DpopKey();
    const other = new DpopKey();
    const iat = Math.floor(now / 1000);
    expect(refusal("")).toBe("malformed");
    expect(refusal("a.b")).toBe("malformed");
    expect(refusal(`${key.proof("POST", URL_)}, ${key.proof("POST", URL_)}`)).toBe("malformed");
    expect(refusal("e30.e30.!!")).toBe("malformed");
    expect(refusal(`${"e30.".repeat(2)}${"A".repeat(3000)}`)).toBe("malformed");
    expect(refusal(key.proof("POST", URL_, { typ: "JWT" }))).toBe("header");
    expect(refusal(key.proof("POST", URL_, { alg: "none" }))).toBe("header");
    expect(refusal(key.proof("POST", URL_, { alg: "HS256" }))).toBe("header");
    expect(refusal(key.proof("POST", URL_, { jwk: { ...key.jwk, d: "AAAA" } }))).toBe("header");
    expect(refusal(key.proof("POST", URL_, { jwk: { ...key.jwk, crv: "P-384" } }))).toBe("header");
    expect(refusal(key.proof("POST", URL_, { jwk: { ...key.jwk, x: key.jwk.y } }))).toBe("header");
    // Signed by another key than the one it names (someone swapping in their own jwk).
    expect(refusal(key.proof("POST", URL_, { signWith: other }))).toBe("signature");
    const [h, p] = key.proof("POST", URL_).split(".");
    const forged = Buffer.from(JSON.stringify({ jti: "x", htm: "POST", htu: URL_, iat }));
    expect(
      refusal(`${h}.${forged.toString("base64url")}.${key.proof("POST", URL_).split(".")[2]}`),
    ).toBe("signature");
    expect(refusal(`${h}.${p}.${Buffer.alloc(64).toString("base64url")}`)).toBe("signature");
    expect(refusal(key.proof("GET", URL_))).toBe("htm");
    expect(refusal(key.proof("post", URL_))).toBe("htm");
    expect(refusal(key.proof("POST", "https://gateway.example/auth/soundcloud/result"))).toBe(
      "htu",
    );
    expect(refusal(key.proof("POST", "http://gateway.example/auth/soundcloud/refresh"))).toBe(
      "htu",
    );
    expect(refusal(key.proof("POST", "https://evil.example/auth/soundcloud/refresh"))).toBe("htu");
    expect(refusal(key.proof("POST", URL_, { claims: { htu: 42 } }))).toBe("htu");
    expect(refusal(key.proof("POST", URL_, { iat: iat - 61 }))).toBe("iat");
    expect(refusal(key.proof("POST", URL_, { iat: iat + 61 }))).toBe("iat");
    expect(refusal(key.proof("POST", URL_, { claims: { iat: "now" } }))).toBe("malformed");
    expect(refusal(key.proof("POST", URL_, { jti: "" }))).toBe("malformed");
    expect(refusal(key.proof("POST", URL_, { jti: "j".repeat(257) }))).toBe("malformed");
    // Within the minute either way is fine.
    expect(() =>
      verifyDpopProof(key.proof("POST", URL_, { iat: iat - 59 }), expected),
    ).not.toThrow();
    expect(() =>
      verifyDpopProof(key.proof("POST", URL_, { iat: iat + 59 }), expected),
    ).not.toThrow();
  });
});
