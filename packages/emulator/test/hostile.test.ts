import { METHOD_SPECS } from "@bot/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmulator, type Emulator, type EmulatorBot, supportedMethods } from "../src/index.js";

let emu: Emulator;
let bot: EmulatorBot;
let chatId: number;

beforeAll(async () => {
  emu = await createEmulator({ maxPollSeconds: 0 });
  bot = emu.createBot({ username: "fuzz_bot" });
  const alice = emu.user({ first_name: "Alice" });
  alice.send("/start");
  chatId = alice.id;
});
afterAll(() => emu.close());

/** A small seeded PRNG so a failure can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("hostile input", () => {
  it("answers every random call with a Telegram envelope and never a 500 (501 only for unsupported features)", async () => {
    const rand = rng(20261124);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
    const methods = supportedMethods().filter(
      (m) => m !== "getUpdates" && m !== "setWebhook" && m !== "close" && m !== "logOut",
    );
    const keys = [
      "chat_id",
      "text",
      "message_id",
      "from_chat_id",
      "reply_markup",
      "media",
      "photo",
      "document",
      "options",
      "question",
      "commands",
      "results",
      "callback_query_id",
      "inline_query_id",
      "file_id",
      "user_id",
      "entities",
      "parse_mode",
      "reply_parameters",
      "message_ids",
      "action",
      "caption",
      "__proto__",
      "constructor",
    ];
    const values: unknown[] = [
      null,
      true,
      0,
      -1,
      1e308,
      "",
      "x",
      "<b>",
      "*_~",
      "attach://nope",
      "{",
      "[]",
      "{}",
      [],
      {},
      [[{}]],
      { inline_keyboard: "no" },
      { inline_keyboard: [[null]] },
      { message_id: "1" },
      [1, "a"],
      [{ type: "photo" }, { type: "photo", media: 5 }],
      chatId,
      String(chatId),
      "😀".repeat(3000),
    ];
    const failures: string[] = [];
    for (let i = 0; i < 1500; i++) {
      const method = pick(methods);
      const params: Record<string, unknown> = {};
      // Fill the method's own parameters most of the time so deeper code paths run.
      for (const p of METHOD_SPECS[method].params) if (rand() < 0.7) params[p.name] = pick(values);
      if (rand() < 0.8) params.chat_id = chatId;
      for (let k = Math.floor(rand() * 6); k > 0; k--) params[pick(keys)] = pick(values);
      const kind = Math.floor(rand() * 3);
      let init: RequestInit;
      if (kind === 0)
        init = {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: rand() < 0.1 ? "[1,2" : JSON.stringify(params),
        };
      else if (kind === 1)
        init = {
          method: "POST",
          body: new URLSearchParams(
            Object.entries(params).map(([k, v]): [string, string] => [
              k,
              typeof v === "string" ? v : (JSON.stringify(v) ?? ""),
            ]),
          ),
        };
      else {
        const form = new FormData();
        for (const [k, v] of Object.entries(params))
          form.set(k, typeof v === "string" ? v : (JSON.stringify(v) ?? ""));
        if (rand() < 0.5)
          form.set(pick(["photo", "document", "nope"]), new Blob([Buffer.from("data")]), "f.bin");
        init = { method: "POST", body: form };
      }
      const res = await fetch(`${emu.apiRoot}/bot${bot.token}/${method}`, init);
      const body = (await res.json()) as { ok: boolean; error_code?: number; description?: string };
      const unsupported =
        res.status === 501 && body.description?.startsWith("Not Implemented: ") === true;
      if (
        (res.status >= 500 && !unsupported) ||
        typeof body.ok !== "boolean" ||
        (!body.ok && body.error_code !== res.status)
      ) {
        failures.push(
          `${method} ${JSON.stringify(params).slice(0, 200)} -> ${res.status} ${body.description}`,
        );
      }
    }
    expect(failures).toEqual([]);
    expect(Object.prototype).not.toHaveProperty("x");
    expect((await fetch(`${emu.apiRoot}/bot${bot.token}/getMe`)).status).toBe(200);
  });
});
