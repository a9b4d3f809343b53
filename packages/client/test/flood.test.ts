/**
 * The 429 policy against the emulator's flood fault, over real sockets, on a manual clock: long
 * storms, the total-wait bound, bot-wide cool-downs and the spread release of waiters.
 */
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { createEmulator, type Emulator, ManualClock } from "@bot/emulator";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  ApiError,
  Client,
  type ClientOptions,
  FloodLimiter,
  MemoryRateLimitStore,
  type RateLimitStore,
  type RateRule,
  type RequestMessage,
} from "../src/index.js";

let emu: Emulator;
let token: string;
let chats: number[];
let clock: ManualClock;
let client: Client | undefined;

beforeEach(async () => {
  emu = await createEmulator();
  const bot = emu.createBot({ username: "flood_bot" });
  token = bot.token;
  chats = [];
  for (const name of ["Ann", "Bob", "Cid", "Dee"]) {
    const user = emu.user({ first_name: name, bot });
    user.send("/start");
    chats.push(user.id);
  }
  clock = new ManualClock(Date.UTC(2026, 0, 1));
});
afterEach(async () => {
  await client?.close();
  client = undefined;
  await emu.close();
});

function makeClient(options: ClientOptions = {}): Client {
  client = new Client(token, { apiRoot: emu.apiRoot, clock, ...options });
  return client;
}

/** Sends seen by the client, with the manual clock's time at each attempt. */
function recordAttempts(): { attempts: { method: string; at: number }[]; stop: () => void } {
  const attempts: { method: string; at: number }[] = [];
  const listener = (m: unknown): void => {
    attempts.push({ method: (m as RequestMessage).method, at: clock.now() });
  };
  subscribe("@bot/client:request", listener);
  return { attempts, stop: () => unsubscribe("@bot/client:request", listener) };
}

/**
 * Advances the manual clock in steps, letting real I/O run between them, until the promise
 * settles (a generous bound only detects a hang).
 */
async function settle<T>(promise: Promise<T>, stepMs: number, maxMs = 3_600_000): Promise<T> {
  let done = false;
  promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  for (let spent = 0; !done; spent += stepMs) {
    if (spent > maxMs) throw new Error("the call did not settle");
    await clock.advanceAsync(stepMs);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  return promise;
}

/** Lets real I/O run while the manual clock stands still. */
async function realPause(ms = 30): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

describe("429 storms", () => {
  it("keeps waiting through a storm longer than three attempts and sends the message once", async () => {
    const c = makeClient();
    const fault = emu.inject({
      method: "sendMessage",
      times: 5,
      fault: { type: "flood", retryAfter: 3 },
    });
    const { attempts, stop } = recordAttempts();
    const start = clock.now();
    try {
      const sent = await settle(c.sendMessage({ chat_id: chats[0] as number, text: "hi" }), 100);
      expect(sent.text).toBe("hi");
    } finally {
      stop();
    }
    expect(fault.hits).toBe(5);
    expect(attempts.filter((a) => a.method === "sendMessage")).toHaveLength(6);
    // Five waits of retry_after (3 s) each, before the sixth attempt.
    expect(clock.now() - start).toBeGreaterThanOrEqual(15_000);
    expect(emu.chat(chats[0] as number).messages.filter((m) => m.text === "hi")).toHaveLength(1);
  });

  it("gives up when the next wait would pass maxFloodWaitMs, and after maxFloodAttempts", async () => {
    emu.inject({
      method: "sendMessage",
      times: Infinity,
      fault: { type: "flood", retryAfter: 10 },
    });
    const c = makeClient({ retry: { maxFloodWaitMs: 25_000 } });
    const { attempts, stop } = recordAttempts();
    try {
      const error = await settle(
        c.sendMessage({ chat_id: chats[0] as number, text: "x" }).catch((e: unknown) => e),
        250,
      );
      expect(error).toBeInstanceOf(ApiError);
      expect(error).toMatchObject({ code: "BOT_CLIENT_API_TOO_MANY_REQUESTS", retryAfter: 10 });
      // 10 s + 10 s waited; a third wait would make 30 s > 25 s.
      expect(attempts).toHaveLength(3);
      await c.close();
      attempts.length = 0;
      const d = makeClient({ retry: { maxFloodAttempts: 2 } });
      await expect(
        settle(d.sendMessage({ chat_id: chats[1] as number, text: "y" }), 250),
      ).rejects.toMatchObject({ code: "BOT_CLIENT_API_TOO_MANY_REQUESTS" });
      expect(attempts).toHaveLength(2);
    } finally {
      stop();
    }
  });
});

describe("bot-wide cool-downs", () => {
  it("holds every chat back after a 429 on a method without chat_id", async () => {
    const c = makeClient({ retry: false, cooldown: { spreadMs: 0 } });
    emu.inject({ method: "getMe", fault: { type: "flood", retryAfter: 5 } });
    await expect(c.getMe()).rejects.toMatchObject({ code: "BOT_CLIENT_API_TOO_MANY_REQUESTS" });
    const { attempts, stop } = recordAttempts();
    try {
      const sent = c.sendMessage({ chat_id: chats[3] as number, text: "later" });
      for (let i = 0; i < 49; i++) await clock.advanceAsync(100);
      await realPause();
      expect(attempts).toEqual([]);
      await settle(sent, 100);
      expect(attempts).toHaveLength(1);
    } finally {
      stop();
    }
  });

  it("takes 429s for three chats within a second for the bot-wide limit", async () => {
    const c = makeClient({ retry: false, cooldown: { spreadMs: 0 } });
    const flooded = new Set(chats.slice(0, 3));
    emu.inject({
      method: "sendMessage",
      times: 3,
      match: (params) => flooded.has(Number(params.chat_id)),
      fault: { type: "flood", retryAfter: 5 },
    });
    for (const chat of flooded) {
      await expect(c.sendMessage({ chat_id: chat, text: "a" })).rejects.toMatchObject({
        code: "BOT_CLIENT_API_TOO_MANY_REQUESTS",
      });
    }
    const { attempts, stop } = recordAttempts();
    try {
      // A fourth chat that Telegram never refused waits out the bot-wide cool-down too.
      const sent = c.sendMessage({ chat_id: chats[3] as number, text: "b" });
      for (let i = 0; i < 49; i++) await clock.advanceAsync(100);
      await realPause();
      expect(attempts).toEqual([]);
      await settle(sent, 100);
      expect(attempts).toHaveLength(1);
    } finally {
      stop();
    }
  });

  it("keeps such 429s per chat with botWideAfter: false", async () => {
    const c = makeClient({ retry: false, cooldown: { botWideAfter: false } });
    const flooded = new Set(chats.slice(0, 3));
    emu.inject({
      method: "sendMessage",
      times: 3,
      match: (params) => flooded.has(Number(params.chat_id)),
      fault: { type: "flood", retryAfter: 5 },
    });
    for (const chat of flooded) {
      await expect(c.sendMessage({ chat_id: chat, text: "a" })).rejects.toMatchObject({
        code: "BOT_CLIENT_API_TOO_MANY_REQUESTS",
      });
    }
    await expect(c.sendMessage({ chat_id: chats[3] as number, text: "b" })).resolves.toMatchObject({
      text: "b",
    });
  });

  it("fails a call at once, unsent, when the cool-down is longer than maxRetryAfterMs", async () => {
    const c = makeClient({ retry: { maxRetryAfterMs: 10_000 } });
    emu.inject({ method: "getMe", fault: { type: "flood", retryAfter: 60 } });
    await expect(c.getMe()).rejects.toMatchObject({ retryAfter: 60 });
    const { attempts, stop } = recordAttempts();
    try {
      await expect(c.sendMessage({ chat_id: chats[0] as number, text: "x" })).rejects.toMatchObject(
        { code: "BOT_CLIENT_API_TOO_MANY_REQUESTS", retryAfter: 60 },
      );
      expect(attempts).toEqual([]);
    } finally {
      stop();
    }
  });
});

describe("release of waiters", () => {
  it("releases 40 waiters spread over the window after the cool-down, none inside it", async () => {
    const c = makeClient({ cooldown: { spreadMs: 1000 } });
    const chat = chats[0] as number;
    emu.inject({ method: "sendMessage", fault: { type: "flood", retryAfter: 2 } });
    const { attempts, stop } = recordAttempts();
    try {
      const first = c.sendMessage({ chat_id: chat, text: "first" });
      while (attempts.length === 0) await realPause(2);
      await realPause();
      const cooledAt = clock.now();
      const waiters = Array.from({ length: 40 }, (_, i) =>
        c.sendMessage({ chat_id: chat, text: `w${i}` }),
      );
      await settle(Promise.all([first, ...waiters]), 10);
      const released = attempts.slice(1).map((a) => a.at - cooledAt);
      expect(released).toHaveLength(41);
      // Nothing inside the 2 s cool-down; everything within it plus the 1 s spread.
      expect(Math.min(...released)).toBeGreaterThanOrEqual(2000);
      expect(Math.max(...released)).toBeLessThanOrEqual(3000 + 100);
      // Spread, not one burst: many distinct release times, the first and last far apart.
      expect(new Set(released).size).toBeGreaterThanOrEqual(10);
      expect(Math.max(...released) - Math.min(...released)).toBeGreaterThanOrEqual(300);
    } finally {
      stop();
    }
  });
});

describe("a shared, asynchronous store", () => {
  it("keeps cool-downs in a store that answers with promises (as a Redis store does), seen by a second client", async () => {
    const inner = new MemoryRateLimitStore();
    const blocked: string[] = [];
    const store: RateLimitStore = {
      reserve: async (rules: readonly RateRule[], now: number) => inner.reserve(rules, now),
      block: async (key: string, untilMs: number) => {
        blocked.push(key);
        inner.block(key, untilMs);
      },
    };
    const shared = { store, namespace: "b7", spreadMs: 0 };
    const a = makeClient({ retry: false, cooldown: shared });
    const b = new Client(token, { apiRoot: emu.apiRoot, clock, retry: false, cooldown: shared });
    try {
      emu.inject({ method: "sendMessage", fault: { type: "flood", retryAfter: 4 } });
      await expect(a.sendMessage({ chat_id: chats[0] as number, text: "a" })).rejects.toMatchObject(
        { code: "BOT_CLIENT_API_TOO_MANY_REQUESTS" },
      );
      expect(blocked).toEqual([`b7:cooldown:chat:${chats[0]}`]);
      const { attempts, stop } = recordAttempts();
      try {
        // The other client (another process, with a Redis store) holds back the same chat.
        const later = b.sendMessage({ chat_id: chats[0] as number, text: "b" });
        for (let i = 0; i < 39; i++) await clock.advanceAsync(100);
        await realPause();
        expect(attempts).toEqual([]);
        await settle(later, 100);
        expect(attempts).toHaveLength(1);
      } finally {
        stop();
      }
    } finally {
      await b.close();
    }
  });
});

describe("the limiter and the cool-down together", () => {
  it("does not send a call that waited for its limiter slot while a 429 cool-down began", async () => {
    const store = new MemoryRateLimitStore();
    const limiter = new FloodLimiter({ store, namespace: "b9", now: () => clock.now() });
    const c = makeClient({ limiter, cooldown: { spreadMs: 0 } });
    const chat = chats[0] as number;
    emu.inject({ method: "sendMessage", fault: { type: "flood", retryAfter: 5 } });
    const { attempts, stop } = recordAttempts();
    try {
      const start = clock.now();
      // One message per second in a private chat: "b" and "c" wait 1 s and 2 s for their slots,
      // and the 429 of "a" starts a 5 s cool-down meanwhile.
      const sends = ["a", "b", "c"].map((text) => c.sendMessage({ chat_id: chat, text }));
      await settle(Promise.all(sends), 50);
      const at = attempts.filter((a) => a.method === "sendMessage").map((a) => a.at - start);
      expect(at).toHaveLength(4);
      const refused = at[0] as number;
      expect(refused).toBeLessThan(1000);
      // Nothing else went out inside the cool-down that the 429 began.
      expect(Math.min(...at.slice(1)) - refused).toBeGreaterThanOrEqual(5000);
    } finally {
      stop();
    }
    expect(
      emu
        .chat(chat)
        .messages.map((m) => m.text)
        .filter((t) => t !== "/start"),
    ).toHaveLength(3);
  });
});
