import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Client } from "@bot/client";
import type { Message, Update } from "@bot/types";
import type { BotInfo } from "../src/index.js";

/** A token used by the tests; it must never show up in output. */
export const TOKEN = "123456:CANARY-core-token-never-print";

/** The bot's own user in tests. */
export const ME: BotInfo = { id: 123456, is_bot: true, first_name: "Test", username: "our_bot" };

/** One API call the fake server received. */
export interface SeenCall {
  method: string;
  params: Record<string, unknown>;
}

/** A fake Bot API server on 127.0.0.1 (port 0) and a real `Client` pointed at it. */
export interface FakeApi {
  client: Client;
  calls: SeenCall[];
  close(): Promise<void>;
}

/**
 * Starts a fake Bot API server that answers every call with `ok: true`.
 *
 * It stays beside `@bot/emulator` for one job: the request-shape tests of the context
 * shortcuts in `core-context.test.ts`, which hand-built updates of kinds the emulator does not
 * implement (business connections, inline messages, reactions, chat join requests, made-up
 * file ids) and check the exact parameters each shortcut sends. Everything the emulator can
 * serve runs against it (`core-formatted.test.ts`, `readme-bot.test.ts`, `core-bot.test.ts`).
 *
 * @param answer Optional results by method.
 * @returns The server's client and the calls it saw.
 */
export async function startFakeApi(
  answer: (call: SeenCall) => unknown = () => true,
): Promise<FakeApi> {
  const calls: SeenCall[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const method = (req.url ?? "").split("/").pop() ?? "";
      const body = Buffer.concat(chunks).toString("utf8");
      const json = (req.headers["content-type"] ?? "").includes("json");
      const params =
        json && body.length > 0
          ? (JSON.parse(body) as Record<string, unknown>)
          : { multipart: body.length };
      const call = { method, params };
      calls.push(call);
      const result = method === "getMe" ? ME : answer(call);
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ ok: true, result }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  const client = new Client(TOKEN, { apiRoot: `http://127.0.0.1:${port}`, retry: false });
  return {
    client,
    calls,
    close: async () => {
      await client.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

let nextId = 1;
const user = { id: 42, is_bot: false, first_name: "Ann" };
const chat = { id: 42, type: "private" as const, first_name: "Ann" };

/**
 * A message update.
 *
 * @param text The text.
 * @param extra Extra message fields.
 * @param kind The update kind.
 * @returns The update.
 */
export function textUpdate(
  text: string,
  extra: Partial<Message> = {},
  kind: "message" | "edited_message" | "channel_post" | "business_message" = "message",
): Update {
  const message: Message = { message_id: nextId, date: 1, chat, from: user, text, ...extra };
  return { update_id: nextId++, [kind]: message } as Update;
}

/**
 * A command message update with a `bot_command` entity at offset 0.
 *
 * @param text The text, starting with the command.
 * @param extra Extra message fields.
 * @returns The update.
 */
export function commandUpdate(text: string, extra: Partial<Message> = {}): Update {
  const end = text.search(/\s/);
  const length = end < 0 ? text.length : end;
  return textUpdate(text, { entities: [{ type: "bot_command", offset: 0, length }], ...extra });
}

/**
 * A callback query update.
 *
 * @param data The callback data.
 * @param inline Whether it comes from an inline message.
 * @returns The update.
 */
export function callbackUpdate(data: string | undefined, inline = false): Update {
  const id = nextId++;
  const base = {
    id: `cq${id}`,
    from: user,
    chat_instance: "ci",
    ...(data === undefined ? {} : { data }),
  };
  const q = inline
    ? { ...base, inline_message_id: "im1" }
    : { ...base, message: { message_id: 7, date: 1, chat, text: "menu" } };
  return { update_id: id, callback_query: q } as Update;
}

/**
 * An inline query update.
 *
 * @param query The query text.
 * @returns The update.
 */
export function inlineUpdate(query: string): Update {
  const id = nextId++;
  return { update_id: id, inline_query: { id: `iq${id}`, from: user, query, offset: "" } };
}
