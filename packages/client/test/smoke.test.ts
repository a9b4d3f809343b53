import { afterEach, describe, expect, it } from "vitest";
import { Client } from "../src/index.js";
import { type FakeServer, message, startFakeServer } from "./fake-server.js";

let server: FakeServer;
let client: Client;
afterEach(async () => {
  await client?.close();
  await server?.close();
});

describe("smoke", () => {
  it("sends a JSON sendMessage and returns the result", async () => {
    server = await startFakeServer(() => ({ body: { ok: true, result: message(7, "hi") } }));
    client = new Client("123:abc", { apiRoot: server.url });
    const sent = await client.sendMessage({ chat_id: 1, text: "hi" });
    expect(sent.message_id).toBe(7);
    expect(server.calls[0]).toMatchObject({
      method: "sendMessage",
      token: "123:abc",
      params: { chat_id: 1, text: "hi" },
    });
    expect(await client.getMe()).toBe(true);
  });
});
