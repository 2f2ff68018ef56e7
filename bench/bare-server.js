// The baseline: node:http answering a fixed JSON body of the size given in BODY_BYTES.
import { createServer } from "node:http";

const size = Number(process.env.BODY_BYTES ?? "256");
const skeleton = { url: "", state: "" };
const pad = Math.max(0, size - JSON.stringify(skeleton).length);
const body = JSON.stringify({ ...skeleton, url: "x".repeat(pad) });

const server = createServer((_req, res) => {
  res.writeHead(200, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(body),
  });
  res.end(body);
});
server.listen(0, "127.0.0.1", () => {
  const { port } = server.address();
  process.stdout.write(`listening on http://127.0.0.1:${port}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
