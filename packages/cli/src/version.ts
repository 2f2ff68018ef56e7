import { readFile } from "node:fs/promises";

/** This package's version, from its package.json (one level above dist/ and src/). */
export async function readVersion(): Promise<string> {
  const text = await readFile(new URL("../package.json", import.meta.url), "utf8");
  return (JSON.parse(text) as { version: string }).version;
}
