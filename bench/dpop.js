// 8. What a DPoP proof costs the gateway: the check of one proof (compact JWS parse, the
// public key imported from its JWK, the ES256 signature, the claims), in microseconds.
// The replay cache adds one upsert per proof on top (the same kind as the rate limiter's).
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { dpopKey, root } from "./lib.js";

export async function benchDpop({ rounds }) {
  const { verifyDpopProof } = await import(
    pathToFileURL(join(root, "packages/server/dist/auth/dpop-proof.js")).href
  );
  const key = dpopKey();
  const url = "http://gateway.bench/auth/soundcloud/refresh";
  const perProof = [];
  for (let round = 0; round < rounds + 1; round++) {
    const proofs = Array.from({ length: 2000 }, () =>
      key.proof("POST", "/auth/soundcloud/refresh"),
    );
    const started = performance.now();
    for (const proof of proofs) verifyDpopProof(proof, { method: "POST", url, now: Date.now() });
    // The first round warms up.
    if (round > 0) perProof.push(((performance.now() - started) * 1000) / proofs.length);
  }
  perProof.sort((a, b) => a - b);
  return {
    name: "dpop_proof_check",
    proofs_per_round: 2000,
    median_us: Math.round(perProof[Math.floor(perProof.length / 2)] ?? 0),
  };
}
