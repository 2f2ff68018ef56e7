import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import type { GatewayContext } from "../auth/context.js";
import { observeProxy } from "../metrics/proxy-timing.js";
import { type ApiProxy, PROXY_PREFIX, type ProxyAnswer } from "../routes/api-proxy.js";
import { logRequest } from "./edge.js";
import { loopbackAlias } from "./loopback-alias.js";
import { writeAnswer } from "./request-listener.js";
import { AUTH_RESPONSE_HEADERS, headerObject, securityHeaderList } from "./security-headers.js";
import { answerableError } from "./status-of.js";
import { plainRequestUrl } from "./web/request.js";

/** Takes a request and answers it (true), or leaves it to the app (false). */
export type DirectPath = (incoming: IncomingMessage, outgoing: ServerResponse) => boolean;

/**
 * The API proxy's GETs (and HEADs) answered from Node's request by the same proxy the
 * app's route runs (routes/api-proxy.ts), without the app around it: no WebRequest, no
 * router or middleware chain, no Response. That is most of what a proxied call cost beyond
 * its own work (bench/PROFILE.md, finding 14), on the path every BFF page load takes.
 *
 * It does for these what the app does around the route: the proxy's answer already
 * carries every security header; the log line, the proxy's metrics and errors as the
 * app's JSON are done here. A request the app would treat otherwise is left to the app:
 * another method, a URL its parser would rewrite (dot segments, odd bytes, an unusual
 * Host), an Origin to answer with CORS, a loopback alias to redirect.
 */
export function proxyDirect(ctx: GatewayContext, proxy: ApiProxy): DirectPath {
  const prefix = `${PROXY_PREFIX}/`;
  const cors = ctx.config.allowedOrigins.size > 0;
  const isAlias = loopbackAlias(ctx.config);
  const detail = ctx.config.compat === "starlib";
  // What the app's error answers carry: c.json's type, then the edge's headers for the
  // auth and proxy paths (edge.ts).
  const errorHeaders = headerObject(
    [["Content-Type", "application/json"]],
    securityHeaderList(ctx.config),
    AUTH_RESPONSE_HEADERS,
  );
  const { logger, metrics } = ctx;

  return (incoming, outgoing) => {
    const method = incoming.method;
    if (method !== "GET" && method !== "HEAD") return false;
    const target = incoming.url;
    if (target === undefined || !target.startsWith(prefix)) return false;
    const headers = incoming.headers;
    if (cors && headers.origin !== undefined) return false;
    if (isAlias?.(headers.host)) return false;
    const url = plainRequestUrl(incoming);
    if (url === undefined) return false;
    void answer(incoming, outgoing, method, url, target);
    return true;
  };

  async function answer(
    incoming: IncomingMessage,
    outgoing: ServerResponse,
    method: string,
    url: string,
    target: string,
  ): Promise<void> {
    const started = performance.now();
    const query = target.indexOf("?");
    const path = query === -1 ? target : target.slice(0, query);
    const headers = incoming.headers;
    let result: ProxyAnswer;
    try {
      result = await proxy({
        method,
        url,
        header: (name) => headerValue(headers, name),
        body: () => null,
      });
    } catch (error) {
      result = errorAnswer(error, path);
    }
    if (metrics) observeProxy(metrics, method, result.status, started);
    logRequest(logger, method, path, result.status, started);
    try {
      await writeAnswer(outgoing, result.status, result.headers, result.body);
    } catch (error) {
      // Nothing sent yet: the error answer instead. Midway: nothing valid can follow.
      if (outgoing.headersSent) {
        outgoing.destroy(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      const failed = errorAnswer(error, path);
      await writeAnswer(outgoing, failed.status, failed.headers, failed.body).catch(() =>
        outgoing.destroy(),
      );
    }
  }

  function errorAnswer(error: unknown, path: string): ProxyAnswer {
    const refusal = answerableError(error, logger, path);
    return {
      status: refusal.status,
      headers: { ...errorHeaders, ...refusal.headers },
      body: JSON.stringify(refusal.body({ detail })),
    };
  }
}

/** A header as Fetch's Headers.get reads it: repeated fields joined (Node has joined them). */
function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}
