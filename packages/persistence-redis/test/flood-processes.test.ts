import { type ChildProcess, spawn } from "node:child_process";
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { callChannel, createEmulator } from "@bot/emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, dropPrefix, REDIS_URL, uniquePrefix } from "./helpers.js";

const SENDER = fileURLToPath(new URL("./fixtures/flood-sender.ts", import.meta.url));
const RATE = 20; // per second, per chat
const PER_PROCESS = 100;
const RETRY_AFTER_S = 2;

let redis: Awaited<ReturnType<typeof connect>>;
const prefixes: string[] = [];
beforeAll(async () => {
  redis = await connect();
});
afterAll(async () => {
  for (const p of prefixes) await dropPrefix(redis, p);
  await redis.close();
});

/** Starts a sender; resolves once it is ready, with its output line to come. */
async function sender(args: string[]): Promise<{ go(): void; result: Promise<string> }> {
  const child: ChildProcess = spawn(
    process.execPath,
    ["--conditions=@bot/source", "--import", "tsx", SENDER, ...args],
    { cwd: fileURLToPath(new URL("..", import.meta.url)), stdio: ["pipe", "pipe", "inherit"] },
  );
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const out: string[] = [];
  let ready: () => void = () => {};
  const isReady = new Promise<void>((resolve) => {
    ready = resolve;
  });
  lines.on("line", (line) => {
    if (line === "ready") ready();
    else out.push(line);
  });
  const result = new Promise<string>((resolve, reject) => {
    child.on("exit", (code) =>
      code === 0 ? resolve(out.at(-1) ?? "") : reject(new Error(`sender exited ${code}`)),
    );
  });
  await isReady;
  return { go: () => child.stdin?.end("go\n"), result };
}

/** The most timestamps in any window of `ms` (sliding, starting at each timestamp). */
function maxInWindow(times: readonly number[], ms: number): number {
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < times.length; hi++) {
    while ((times[hi] as number) - (times[lo] as number) >= ms) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

describe("flood limiter shared by two processes through RedisRateLimitStore (emulator)", () => {
  it("200 messages to one chat from two processes stay within the per-chat rate; a 429 seen by one blocks both for retry_after", async () => {
    const emu = await createEmulator();
    try {
      const bot = emu.createBot({ username: "flood_bot" });
      const alice = emu.user({ first_name: "Alice" });
      alice.send("/start"); // the bot may write to her
      const prefix = uniquePrefix("flood");
      prefixes.push(prefix);
      const sent: number[] = [];
      let flood: number | undefined;
      const onCall = (message: unknown) => {
        const m = message as { method: string; status: number };
        if (m.method.toLowerCase() !== "sendmessage") return;
        const now = performance.now();
        if (m.status === 429) flood = now;
        else if (m.status === 200) {
          sent.push(now);
          // Mid-run, the next send (of either process) gets a 429 with retry_after.
          if (sent.length === 120) {
            emu.inject({
              method: "sendMessage",
              times: 1,
              fault: { type: "flood", retryAfter: RETRY_AFTER_S },
            });
          }
        }
      };
      subscribe(callChannel.name, onCall);
      try {
        const args = (tag: string) => [
          REDIS_URL,
          prefix,
          emu.apiRoot,
          bot.token,
          String(alice.id),
          String(PER_PROCESS),
          tag,
          String(RATE),
        ];
        const [one, two] = await Promise.all([sender(args("p1")), sender(args("p2"))]);
        one.go();
        two.go();
        const results = (await Promise.all([one.result, two.result])).map(
          (line) => JSON.parse(line) as { sent: number; errors: string[] },
        );
        expect(results).toEqual([
          { sent: PER_PROCESS, errors: [] },
          { sent: PER_PROCESS, errors: [] },
        ]);
      } finally {
        unsubscribe(callChannel.name, onCall);
      }
      expect(sent).toHaveLength(2 * PER_PROCESS);
      const texts = emu.chat(alice.id).messages.map((m) => m.text ?? "");
      expect(texts.filter((t) => t.startsWith("p1-"))).toHaveLength(PER_PROCESS);
      expect(texts.filter((t) => t.startsWith("p2-"))).toHaveLength(PER_PROCESS);

      // Within the rate: GCRA lets a burst of RATE go at once, then one per 1/RATE s, so any
      // 1 s window holds at most 2 × RATE (the burst plus a second's worth); arrival jitter at
      // the emulator (a loaded machine bunches arrivals) gets RATE / 2 more. Two unshared
      // limiters would reach about 4 × RATE.
      const max1s = maxInWindow(sent, 1000);
      expect(max1s).toBeLessThanOrEqual(2.5 * RATE);
      // Between the first burst and the 429 the pair sends at about RATE per second (jitter
      // allowed up to 1.5 × RATE), not the 2 × RATE of two unshared limiters (after the
      // cool-down the bucket allows one more burst).
      expect(flood).toBeDefined();
      const steady = maxInWindow(
        sent.filter((t) => t >= (sent[0] as number) + 1500 && t < (flood as number)),
        1000,
      );
      expect(steady).toBeLessThanOrEqual(1.5 * RATE);

      // The 429 went to one process; the other was held too: no send for that chat from
      // either of them until retry_after passed (requests already on the wire when the 429
      // came back may still arrive within 0.5 s).
      const at = flood as number;
      const during = sent.filter((t) => t > at + 500 && t < at + RETRY_AFTER_S * 1000);
      expect(during).toEqual([]);
      const after = sent.filter((t) => t >= at + RETRY_AFTER_S * 1000);
      expect(after.length).toBeGreaterThan(0);
      const span = ((sent.at(-1) as number) - (sent[0] as number)) / 1000;
      console.log(
        `flood: 200 messages in ${span.toFixed(1)} s; max in any 1 s window ${max1s} (steady ${steady}, rate ${RATE}/s); ` +
          `after the 429 the next send came ${((after[0] as number) - at).toFixed(0)} ms later (retry_after ${RETRY_AFTER_S} s)`,
      );
    } finally {
      await emu.close();
    }
  }, 90_000);
});
