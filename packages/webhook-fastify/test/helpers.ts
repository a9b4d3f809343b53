import { Writable } from "node:stream";
import { Bot, type Context, type Storage } from "@bot/dispatcher";
import type { Update } from "@bot/types";
import Fastify, { type FastifyInstance } from "fastify";
import { request } from "undici";
import type { WebhookBot } from "../src/index.js";
import { type WebhookOptions, webhook } from "../src/index.js";

export const SECRET = "canary_SECRET-value_0123456789";

/** A realistic ~1 KB text message update. */
export function messageUpdate(updateId: number, chatId = 42, text = `hello ${updateId}`): Update {
  return {
    update_id: updateId,
    message: {
      message_id: updateId,
      date: 1_700_000_000,
      chat: { id: chatId, type: "private", first_name: "Ann" },
      from: { id: chatId, is_bot: false, first_name: "Ann", language_code: "en" },
      text,
    },
  } as Update;
}

/** Log lines of a Fastify instance, as parsed JSON and as raw text. */
export class LogSink {
  readonly lines: string[] = [];
  readonly stream: Writable = new Writable({
    write: (chunk: Buffer, _enc, cb) => {
      for (const line of chunk.toString("utf8").split("\n")) if (line) this.lines.push(line);
      cb();
    },
  });
  get entries(): Array<Record<string, unknown>> {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  }
  get text(): string {
    return this.lines.join("\n");
  }
}

/** A Fastify app with a captured log. */
export function makeApp(logs: LogSink = new LogSink()): { app: FastifyInstance; logs: LogSink } {
  const app = Fastify({ logger: { level: "info", stream: logs.stream } });
  return { app, logs };
}

/** Registers the plugin with defaults for tests. */
export async function withWebhook(
  bot: WebhookBot,
  extra: Partial<WebhookOptions> = {},
  logs: LogSink = new LogSink(),
): Promise<{ app: FastifyInstance; logs: LogSink }> {
  const { app } = makeApp(logs);
  await app.register(webhook, {
    bot,
    path: "/hook",
    secretToken: SECRET,
    delivery: "await",
    healthCheck: false,
    ...extra,
  } as WebhookOptions);
  await app.ready();
  return { app, logs };
}

/** Posts a JSON body over a real socket. */
export async function post(
  base: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = { "x-telegram-bot-api-secret-token": SECRET },
): Promise<{ status: number; text: string; headers: Record<string, unknown> }> {
  const res = await request(`${base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.statusCode, text: await res.body.text(), headers: res.headers };
}

/** A promise with its resolver outside. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

export type Handler = (ctx: Context) => Promise<unknown> | unknown;

export const BOT_INFO = {
  id: 777,
  is_bot: true,
  first_name: "Test",
  username: "test_bot",
} as const;

/** A real `Bot` of `@bot/dispatcher` whose one handler records every update it sees, then runs `handler`. */
export function testBot(
  handler: Handler = () => {},
  options: { storage?: Storage } = {},
): Bot & { runs: Update[] } {
  const bot = new Bot("123456:canary-token-never-printed", {
    botInfo: BOT_INFO,
    ...options,
  }) as Bot & { runs: Update[] };
  const runs: Update[] = [];
  bot.runs = runs;
  bot.use(async (ctx) => {
    runs.push(ctx.update);
    await handler(ctx);
  });
  return bot;
}
