/**
 * An error born at the HTTP edge (validation, CSRF, a method or path the gateway does not
 * serve, its own rate limit) that becomes `{error, message}` with this status. Services
 * throw GatewayError instead; http/status-of.ts turns those into an HttpError.
 * Messages are ours, never echoed input.
 */
export class HttpError extends Error {
  override readonly name = "HttpError";
  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  toJSON(): { error: string; message: string } {
    return { error: this.error, message: this.message };
  }

  /**
   * The response body. `detail` repeats the message for front ends written for a
   * FastAPI backend (Starlib's shows `detail`, else a bare "HTTP 401").
   */
  body(options: { detail?: boolean } = {}): { error: string; message: string; detail?: string } {
    return options.detail ? { ...this.toJSON(), detail: this.message } : this.toJSON();
  }
}
