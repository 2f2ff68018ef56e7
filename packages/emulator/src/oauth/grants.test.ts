import { describe, expect, it } from "vitest";
import { pkcePair } from "../test-support.js";
import { GrantStore } from "./grants.js";

const MINUTE = 60_000;

function setup() {
  let now = Date.UTC(2025, 0, 1);
  const store = new GrantStore(() => now);
  const issue = () => {
    const { verifier, challenge } = pkcePair();
    const request = {
      client_id: "c",
      redirect_uri: "https://a.example/cb",
      code_challenge: challenge,
    };
    const code = store.issueCode({ ...request, user_id: 1 }, 60);
    return {
      code,
      exchange: {
        code,
        client_id: "c",
        redirect_uri: request.redirect_uri,
        code_verifier: verifier,
      },
    };
  };
  return { store, issue, advance: (ms: number) => (now += ms) };
}

describe("GrantStore memory", () => {
  it("still treats a replay 30 minutes later as reuse and revokes the grant", () => {
    const { store, issue, advance } = setup();
    const { exchange } = issue();
    const first = store.exchangeCode(exchange, 3599);
    expect(first.ok).toBe(true);
    const token = first.ok ? first.tokens.access_token : "";
    advance(30 * MINUTE);
    expect(store.exchangeCode(exchange, 3599)).toEqual({ ok: false, reason: "reused" });
    expect(store.checkAccessToken(token).status).toBe("revoked");
  });

  it("forgets long-expired codes once enough pile up", () => {
    const { store, issue, advance } = setup();
    const old = issue();
    advance(2 * 60 * MINUTE);
    for (let i = 0; i < 10_000; i++) issue();
    expect(store.exchangeCode(old.exchange, 3599)).toEqual({ ok: false, reason: "unknown" });
    const fresh = issue();
    expect(store.exchangeCode(fresh.exchange, 3599).ok).toBe(true);
  });
});
