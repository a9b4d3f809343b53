/**
 * Client benchmark: 20k `sendMessage` calls with 50 in flight against one local fake Bot API
 * server (bare `node:http`, canned reply), through @bot/client, grammY's `Api`, Telegraf's
 * `Telegram` and a bare undici `Pool` (the limit).
 */
import { createServer, Agent as HttpAgent, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Client } from "@bot/client";
import { Api } from "grammy";
import { Telegram } from "telegraf";
import { Pool } from "undici";
import { type BenchResult, measure } from "./harness.ts";

const TOKEN = "123456789:bench-token-not-secret";
const IN_FLIGHT = 50;
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

async function startServer(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(200, {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(REPLY),
      });
      res.end(REPLY);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/**
 * Runs `calls` sends with `IN_FLIGHT` workers and returns calls per second.
 *
 * @param calls How many calls.
 * @param send Sends call number `i`.
 * @returns Calls per second.
 */
async function drive(calls: number, send: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < calls) {
      const i = next++;
      await send(i);
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return calls / ((performance.now() - start) / 1000);
}

/**
 * The client benchmark.
 *
 * @param opts How many calls per run (default 20 000) and measured runs (default 5).
 * @returns One result per subject.
 */
export async function benchClient(
  opts: { calls?: number; runs?: number } = {},
): Promise<BenchResult[]> {
  const calls = opts.calls ?? 20_000;
  const runs = Math.max(opts.runs ?? 5, 1);
  const { server, url } = await startServer();
  const results: BenchResult[] = [];
  const params = (i: number) => ({ chat_id: 42, text: `hello ${i}` });
  try {
    {
      const pool = new Pool(url, { pipelining: 1 });
      const path = `/bot${TOKEN}/sendMessage`;
      const headers = { "content-type": "application/json" };
      results.push(
        await measure("client", "bare undici", "calls/s", runs, () =>
          drive(calls, async (i) => {
            const res = await pool.request({
              path,
              method: "POST",
              headers,
              body: JSON.stringify(params(i)),
            });
            const body = (await res.body.json()) as { ok: boolean; result: unknown };
            if (!body.ok) throw new Error("bare undici: not ok");
            return body.result;
          }),
        ),
      );
      await pool.close();
    }
    {
      const client = new Client(TOKEN, { apiRoot: url });
      results.push(
        await measure("client", "@bot/client", "calls/s", runs, () =>
          drive(calls, (i) => client.sendMessage(params(i))),
        ),
      );
      await client.close();
    }
    {
      const api = new Api(TOKEN, { apiRoot: url });
      results.push(
        await measure("client", "grammY", "calls/s", runs, () =>
          drive(calls, (i) => api.sendMessage(42, `hello ${i}`)),
        ),
      );
    }
    {
      const agent = new HttpAgent({ keepAlive: true, maxSockets: IN_FLIGHT });
      const telegram = new Telegram(TOKEN, { apiRoot: url, agent });
      results.push(
        await measure("client", "Telegraf", "calls/s", runs, () =>
          drive(calls, (i) => telegram.sendMessage(42, `hello ${i}`)),
        ),
      );
      agent.destroy();
    }
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  return results;
}
