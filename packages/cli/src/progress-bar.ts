/**
 * A one-line progress bar for a terminal, redrawn in place with \r. Only used when
 * stderr is a TTY: in a pipe or a log it would be noise.
 */
export function renderProgress(loaded: number, total: number, width = 30): string {
  const ratio = total > 0 ? Math.min(1, loaded / total) : 1;
  const filled = Math.round(ratio * width);
  const percent = `${Math.floor(ratio * 100)}%`.padStart(4);
  return `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${percent}  ${size(loaded)} / ${size(total)}`;
}

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

export class ProgressBar {
  readonly #out: NodeJS.WriteStream;
  #lastDraw = 0;
  #lastLine = "";

  constructor(out: NodeJS.WriteStream) {
    this.#out = out;
  }

  update(loaded: number, total: number): void {
    const now = Date.now();
    // At most ten redraws a second, but always the last one.
    if (loaded < total && now - this.#lastDraw < 100) return;
    this.#lastDraw = now;
    const line = renderProgress(loaded, total);
    if (line === this.#lastLine) return;
    this.#lastLine = line;
    this.#out.write(`\r${line}`);
  }

  /** Ends the line so what follows starts on its own. */
  finish(): void {
    if (this.#lastLine !== "") this.#out.write("\n");
    this.#lastLine = "";
  }
}
