import { open, readFile, rm, stat } from "node:fs/promises";

export interface FileLockOptions {
  /** Give up waiting after this long. Default 30 s (a refresh has its own deadlines). */
  timeoutMs?: number;
  /** A lock file older than this is presumed abandoned. Default 2 min. */
  staleMs?: number;
}

/**
 * Mutual exclusion between processes through a lock file created with O_EXCL. It is
 * what keeps two `soundgate token` runs from both spending the single-use refresh
 * token. A lock whose process is gone, or that is older than `staleMs`, is broken.
 */
export async function withFileLock<T>(
  lockPath: string,
  work: () => Promise<T>,
  options: FileLockOptions = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  const staleMs = options.staleMs ?? 120_000;
  for (;;) {
    try {
      const handle = await open(lockPath, "wx", 0o600);
      try {
        await handle.writeFile(`${process.pid}\n`);
      } finally {
        await handle.close();
      }
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    if (await isAbandoned(lockPath, staleMs)) {
      await rm(lockPath, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`another soundgate process holds ${lockPath}; try again shortly`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 30));
  }
  try {
    return await work();
  } finally {
    await rm(lockPath, { force: true });
  }
}

async function isAbandoned(lockPath: string, staleMs: number): Promise<boolean> {
  try {
    const [info, text] = await Promise.all([stat(lockPath), readFile(lockPath, "utf8")]);
    if (Date.now() - info.mtimeMs > staleMs) return true;
    const pid = Number(text.trim());
    // A lock just created may not hold its pid yet: only a written pid can be judged.
    if (!Number.isSafeInteger(pid) || pid <= 0) return false;
    return !isAlive(pid);
  } catch {
    // Gone between our attempts: not abandoned, just free. Try again.
    return false;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
