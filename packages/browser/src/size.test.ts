import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, it } from "vitest";

it("stays within 4 KB min+gzip, as a page bundles it", async () => {
  const script = fileURLToPath(new URL("../scripts/size.js", import.meta.url));
  const { stdout } = await promisify(execFile)(process.execPath, [script, "--json"]);
  const size = JSON.parse(stdout) as { min: number; gzip: number };
  expect(size.min).toBeGreaterThan(1000); // the bundle really has the SDK in it
  expect(size.gzip).toBeLessThanOrEqual(4096);
});
