import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import Fastify from "fastify";
import { afterEach, describe, expect, it, vi } from "vitest";
import { closeGraceWithin } from "../src/close-grace.js";
import { webhook } from "../src/index.js";
import { deferred, LogSink, messageUpdate, post, SECRET, testBot } from "./helpers.js";

const script = fileURLToPath(new URL("./fixtures/close-hung.ts", import.meta.url));

/** Runs the fixture server, posts one update that hangs, sends SIGTERM, and collects the outcome. */
async function closeHungChild(
  pluginTimeout: string,
): Promise<{ code: number | null; out: string; status: number }> {
  const child = spawn(
    process.execPath,
    ["--conditions=@bot/source", "--import", "tsx", script, pluginTimeout],
    {
      stdio: ["ignore", "pipe", "pipe"],
      cwd: fileURLToPath(new URL("..", import.meta.url)),
    },
  );
  let out = "";
  let err = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  child.stderr.on("data", (d: Buffer) => {
    err += d.toString();
  });
  const base = await new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /listening (\S+)/.exec(out);
      if (m) resolve(m[1] as string);
    });
    void exited.then(() => reject(new Error(`child exited early: ${err}`)));
  });
  const answer = post(base, "/hook", messageUpdate(1)).catch(() => ({ status: 0 }));
  while (!out.includes("started")) await new Promise((r) => setTimeout(r, 10));
  child.kill("SIGTERM");
  // A close that never settles keeps the child alive: give up (and fail) after 15 s.
  const hang = setTimeout(() => child.kill("SIGKILL"), 15_000);
  const code = await exited;
  clearTimeout(hang);
  return { code, out, status: (await answer).status };
}

describe("app.close() with a hung handler", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("resolves with Fastify's and the plugin's default options (fake clock)", async () => {
    const started = deferred();
    const bot = testBot(() => {
      started.resolve();
      return new Promise(() => {}); // never settles, ignores ctx.signal
    });
    bot.catch(() => {}); // its HandlerTimeoutError at 30 s
    const app = Fastify();
    await app.register(webhook, {
      bot,
      path: "/hook",
      secretToken: SECRET,
      delivery: "await",
      healthCheck: false,
    });
    await app.ready();
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval"] });
    const answer = app.inject({
      method: "POST",
      url: "/hook",
      headers: { "x-telegram-bot-api-secret-token": SECRET },
      payload: messageUpdate(1),
    });
    await started.promise;
    let outcome: unknown = "pending";
    const closed = app.close().then(
      () => {
        outcome = "resolved";
      },
      (error: unknown) => {
        outcome = error;
      },
    );
    // Past every default: Fastify's 10 s pluginTimeout, the grace, Telegram's 60 s.
    await vi.advanceTimersByTimeAsync(70_000);
    await closed;
    expect(outcome).toBe("resolved");
    expect((await answer).statusCode).toBe(503);
  });

  it("lets the process exit 0 on SIGTERM when the grace would outlive Fastify's pluginTimeout", async () => {
    // pluginTimeout 300 ms against the default 5 s grace: the grace is shortened to fit.
    const { code, out, status } = await closeHungChild("300");
    expect(out).toContain("closed");
    expect(code).toBe(0);
    expect(status).toBe(503);
  }, 30_000);

  it("warns at registration when it shortens the grace", async () => {
    const logs = new LogSink();
    const app = Fastify({ pluginTimeout: 2000, logger: { level: "warn", stream: logs.stream } });
    await app.register(webhook, {
      bot: testBot(),
      path: "/hook",
      secretToken: SECRET,
      delivery: "ack",
      closeGraceMs: 30_000,
      healthCheck: false,
    });
    await app.ready();
    const line = logs.entries.find((e) => String(e.msg).includes("closeGraceMs shortened"));
    expect(line).toMatchObject({ closeGraceMs: 30_000, pluginTimeout: 2000, used: 1500 });
    await app.close();
  });
});

describe("closeGraceWithin", () => {
  it("keeps the grace when it fits and shortens it with a margin when it does not", () => {
    expect(closeGraceWithin(5000, 10_000)).toBe(5000);
    expect(closeGraceWithin(10_000, 10_000)).toBe(9000);
    expect(closeGraceWithin(10_000, 300)).toBe(225);
    expect(closeGraceWithin(10_000, 0)).toBe(10_000); // 0: Fastify has no timeout
    expect(closeGraceWithin(0, 10_000)).toBe(0);
    expect(closeGraceWithin(10_000, 1)).toBe(0);
  });
});
