// @soundgate/server as an app installs it, for tests of what an install without its
// optional peers (the database drivers) does.
import { realpathSync } from "node:fs";
import { cp, mkdir, readFile, symlink } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const repo = fileURLToPath(new URL("..", import.meta.url));

/**
 * Into `root`/node_modules: the server's built files and package.json, and links to its
 * dependencies as the monorepo has them, plus only the `peers` named (none: what
 * `npm install @soundgate/server` gives, optional peers being left out).
 */
export async function installServer(
  root: string,
  peers: ReadonlyArray<"better-sqlite3" | "pg"> = [],
): Promise<void> {
  const source = join(repo, "packages", "server");
  const target = join(root, "node_modules", "@soundgate", "server");
  await mkdir(target, { recursive: true });
  for (const part of ["dist", "package.json"]) {
    await cp(join(source, part), join(target, part), { recursive: true });
  }
  const manifest = JSON.parse(await readFile(join(source, "package.json"), "utf8")) as {
    dependencies: Record<string, string>;
  };
  for (const name of [...Object.keys(manifest.dependencies), ...peers]) {
    const link = join(root, "node_modules", name);
    await mkdir(join(link, ".."), { recursive: true });
    // The real directory, so that what the package imports resolves beside it in the repo.
    await symlink(realpathSync(join(repo, "node_modules", name)), link, "dir");
  }
}
