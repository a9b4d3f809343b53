/**
 * The fake Bot API of the client benchmark, in its own process: a bare `node:http` server with
 * a canned `sendMessage` reply. It sends `{ url }` to its parent once it listens.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

const REPLY = JSON.stringify({
  ok: true,
  result: {
    message_id: 1,
    date: 1_700_000_000,
    chat: { id: 42, type: "private", first_name: "Bench" },
    from: { id: 123456789, is_bot: true, first_name: "bench", username: "bench_bot" },
    text: "hello",
  },
});
const LENGTH = String(Buffer.byteLength(REPLY));

const server = createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    res.writeHead(200, { "content-type": "application/json", "content-length": LENGTH });
    res.end(REPLY);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  process.send?.({ url: `http://127.0.0.1:${port}` });
});
process.on("disconnect", () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
