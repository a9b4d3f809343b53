/**
 * One upload scenario, run in its own process by upload-source.test.ts: a bug that leaves an
 * error event unhandled exits this process (code 1 and the error on stderr) instead of taking
 * the test worker down. It prints one JSON line with the call's outcome, after giving any late
 * error a chance to surface, and exits 0.
 *
 * Usage: node --conditions=@bot/source --import tsx upload-scenario.ts <404|500|302|media-group>
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createEmulator } from "@bot/emulator";
import { Client, InputFile } from "../src/index.js";

const scenario = process.argv[2] ?? "";
const source = createServer((req, res) => {
  if (req.url === "/status/404") return void res.writeHead(404).end(`missing ${"x".repeat(4096)}`);
  if (req.url === "/status/500") return void res.writeHead(500).end("boom");
  if (req.url === "/status/302") return void res.writeHead(302, { location: "/ok" }).end();
  // A whole small file: received, but not yet read when the call gives up on it.
  res.writeHead(200, { "content-type": "image/jpeg" }).end(Buffer.alloc(1024, 1));
});
await new Promise<void>((resolve) => source.listen(0, "127.0.0.1", resolve));
const base = `http://127.0.0.1:${(source.address() as AddressInfo).port}`;
const emu = await createEmulator();
const bot = emu.createBot({ username: "upload_bot" });
const alice = emu.user({ first_name: "Alice" });
alice.send("/start");
const client = new Client(bot.token, { apiRoot: emu.apiRoot, retry: false });
const url = (path: string) =>
  InputFile.fromUrl(`${base}${path}`, { upload: true, allowPrivateNetworks: true });

let outcome: Record<string, unknown>;
try {
  if (scenario === "media-group") {
    await client.sendMediaGroup({
      chat_id: alice.id,
      media: [
        { type: "photo", media: url("/first.jpg") },
        { type: "photo", media: InputFile.fromPath("/nonexistent/second.jpg") },
      ],
    });
  } else {
    await client.sendPhoto({ chat_id: alice.id, photo: url(`/status/${scenario}`) });
  }
  outcome = { ok: true };
} catch (error) {
  const e = error as { code?: string; status?: number; name?: string; message?: string };
  outcome = { ok: false, code: e.code, status: e.status, name: e.name, message: e.message };
}
// Late errors (an error event on a destroyed body) fire within a few ticks; wait a little more.
await new Promise((resolve) => setTimeout(resolve, 300));
const sent = emu.events().filter((e) => e.type === "message").length;
console.log(JSON.stringify({ ...outcome, sent }));
await client.close();
source.closeAllConnections();
source.close();
await emu.close();
