// A TLS-terminating reverse proxy, as a deployment puts in front of the gateway: HTTPS
// with a self-signed certificate made by openssl, plain HTTP to the gateway, and
// X-Forwarded-For appended with the address it saw (what nginx and Caddy do).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { createServer, request as httpsRequest } from "node:https";
import { join } from "node:path";

export interface TlsProxy {
  /** https://localhost:PORT: what people (and SOUNDGATE_PUBLIC_URL) use. */
  url: string;
  /** A request through the proxy, trusting its certificate. */
  fetch(path: string, init?: FetchInit): Promise<Answer>;
  close(): Promise<void>;
}

export interface FetchInit {
  method?: string;
  headers?: Record<string, string>;
  /** The loopback address to connect from (127.0.0.2, …): another client to the proxy. */
  localAddress?: string;
}

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  setCookies: string[];
  body: string;
}

/** A key and a certificate for localhost (and 127.0.0.1), valid for a day, in `dir`. */
export function selfSignedCertificate(dir: string): { key: string; cert: string } {
  const key = join(dir, "proxy-key.pem");
  const cert = join(dir, "proxy-cert.pem");
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
      "-keyout",
      key,
      "-out",
      cert,
    ],
    { stdio: "ignore" },
  );
  return { key: readFileSync(key, "utf8"), cert: readFileSync(cert, "utf8") };
}

/** Starts the proxy on a free port; `target()` is the gateway's http://host:port. */
export async function startTlsProxy(dir: string, target: () => string): Promise<TlsProxy> {
  const tls = selfSignedCertificate(dir);
  const server = createServer(tls, (req, res) => {
    const upstream = new URL(target());
    const seen = req.socket.remoteAddress ?? "unknown";
    const prior = req.headers["x-forwarded-for"];
    const out = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: {
          ...req.headers,
          "x-forwarded-for": prior ? `${prior}, ${seen}` : seen,
          "x-forwarded-proto": "https",
        },
      },
      (answer) => {
        // Raw headers keep every Set-Cookie line as it was.
        res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
        answer.pipe(res);
      },
    );
    out.on("error", () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(out);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const url = `https://localhost:${port}`;
  return {
    url,
    fetch: (path, init = {}) =>
      new Promise<Answer>((resolve, reject) => {
        const request = httpsRequest(
          {
            // localhost may resolve to ::1 first; the proxy listens on 127.0.0.1.
            host: "127.0.0.1",
            servername: "localhost",
            port,
            path,
            method: init.method ?? "GET",
            ca: tls.cert,
            ...(init.localAddress ? { localAddress: init.localAddress } : {}),
            headers: { Host: `localhost:${port}`, ...init.headers },
          },
          (response) => {
            let body = "";
            response.setEncoding("utf8");
            response.on("data", (chunk: string) => {
              body += chunk;
            });
            response.on("end", () =>
              resolve({
                status: response.statusCode ?? 0,
                headers: response.headers,
                setCookies: response.headers["set-cookie"] ?? [],
                body,
              }),
            );
          },
        );
        request.on("error", reject);
        request.end();
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
