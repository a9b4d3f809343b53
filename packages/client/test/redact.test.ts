import { randomBytes } from "node:crypto";
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { inspect } from "node:util";
import { createEmulator } from "@bot/emulator";
import { describe, expect, it } from "vitest";
import { Client, redactToken } from "../src/index.js";
import { scrubError } from "../src/redact.js";

// Canary tokens: the CI scans the test output for `CANARY_<24 hex>`, so no assertion below ever
// prints one (they compare booleans and counts, never the text that might hold the token).
const canary = () =>
  `${100000 + Math.floor(Math.random() * 899999)}:CANARY_${randomBytes(12).toString("hex")}`;
const secretOf = (token: string) => token.slice(token.indexOf(":") + 1);
const holds = (text: string, token: string) =>
  text.includes(token) ||
  text.includes(secretOf(token)) ||
  text.toLowerCase().includes(token.replace(":", "%3a").toLowerCase());

describe("redactToken", () => {
  const token = canary();

  it.each([
    ["plain", (t: string) => `GET /bot${t}/getMe`],
    ["percent-encoded colon", (t: string) => `/bot${t.replace(":", "%3A")}/sendMessage`],
    ["lower-case percent-encoding", (t: string) => `/bot${t.replace(":", "%3a")}/getMe`],
    ["secret part alone", (t: string) => `the secret is ${secretOf(t)}.`],
    ["in a URL", (t: string) => `https://api.telegram.org/file/bot${t}/photos/a.jpg`],
    ["twice", (t: string) => `${t} and ${t}`],
  ])("removes the token given (%s)", (_name, render) => {
    const out = redactToken(render(token), token);
    expect(holds(out, token)).toBe(false);
    expect(out).toContain("[REDACTED]");
  });

  it("without the token, removes anything shaped like a bot token, in each spelling", () => {
    for (const text of [
      `/bot${token}/getMe`,
      `/bot${token.replace(":", "%3A")}/getMe`,
      `/bot${token.replace(":", "%3a")}/getMe`,
      "/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage",
    ]) {
      const out = redactToken(text);
      expect(holds(out, token)).toBe(false);
      expect(out).not.toMatch(/AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/);
      expect(out).toMatch(/^\/bot\[REDACTED\]\//);
    }
  });

  it("leaves other text alone", () => {
    for (const text of ["", "12:30 tomorrow", "chat 42: hello", "/bot/getMe", "a:b"]) {
      expect(redactToken(text)).toBe(text);
      expect(redactToken(text, token)).toBe(text);
    }
  });

  it("a diagnostics subscriber redacts undici's request path with it", async () => {
    const emu = await createEmulator();
    const bot = emu.createBot({ username: "diag_bot" });
    const client = new Client(bot.token, { apiRoot: emu.apiRoot, retry: false });
    const raw: string[] = [];
    const recorded: string[] = [];
    // What a tracer does: record a span name or URL from undici's own channel.
    const onCreate = (message: unknown): void => {
      const { request } = message as { request: { origin: string; path: string } };
      raw.push(request.path);
      recorded.push(redactToken(`${request.origin}${request.path}`));
    };
    subscribe("undici:request:create", onCreate);
    try {
      await client.getMe();
    } finally {
      unsubscribe("undici:request:create", onCreate);
      await client.close();
      await emu.close();
    }
    // undici does publish the token (this is why the helper exists) ...
    expect(raw.some((path) => path.includes(bot.token))).toBe(true);
    // ... and the redacted record has none of it.
    expect(recorded.length).toBeGreaterThan(0);
    expect(recorded.some((line) => holds(line, bot.token))).toBe(false);
    expect(recorded.some((line) => line.endsWith("/bot[REDACTED]/getMe"))).toBe(true);
  });
});

describe("scrubError", () => {
  /** Every string reachable from a value: own keys (symbols and accessors too), causes, stacks. */
  function everyString(value: unknown): string[] {
    const out: string[] = [];
    const seen = new Set<unknown>();
    const visit = (v: unknown, depth: number): void => {
      if (typeof v === "string") return void out.push(v);
      if (typeof v !== "object" || v === null || seen.has(v) || depth > 100) return;
      seen.add(v);
      out.push(inspect(v, { depth: 3, showHidden: true }));
      if (v instanceof Error) out.push(String(v.stack), v.message);
      for (const key of Reflect.ownKeys(v)) {
        let x: unknown;
        try {
          x = (v as Record<PropertyKey, unknown>)[key];
        } catch {
          continue;
        }
        visit(x, depth + 1);
      }
    };
    visit(value, 0);
    try {
      out.push(JSON.stringify(value) ?? "");
    } catch {
      // cycles
    }
    return out;
  }
  const leaks = (value: unknown, token: string) =>
    everyString(value).filter((s) => holds(s, token)).length;

  it("scrubs the stack, whatever kind of property it is", () => {
    const token = canary();
    const own = new Error(`failed at /bot${token}/getMe`);
    const accessor = new Error(`failed at /bot${token}/getMe`);
    const stack = accessor.stack;
    Object.defineProperty(accessor, "stack", {
      get: () => stack,
      set: () => {},
      configurable: true,
      enumerable: false,
    });
    for (const error of [own, accessor]) {
      expect(leaks(error, token)).toBeGreaterThan(0); // the check can see it
      scrubError(error, token);
      expect(leaks(error, token)).toBe(0);
      expect(String(error.stack)).toContain("[REDACTED]");
    }
  });

  it("scrubs accessor, symbol, non-enumerable and read-only-but-configurable properties", () => {
    const token = canary();
    const error = new Error("x") as Error & Record<PropertyKey, unknown>;
    let hidden = `url /bot${token}/a`;
    Object.defineProperty(error, "url", {
      get: () => hidden,
      set: (v: string) => {
        hidden = v;
      },
      enumerable: true,
      configurable: true,
    });
    error[Symbol("request")] = { path: `/bot${token.replace(":", "%3A")}/b` };
    Object.defineProperty(error, "detail", {
      value: `secret ${secretOf(token)}`,
      enumerable: false,
      writable: true,
    });
    Object.defineProperty(error, "frozenish", {
      value: `/bot${token}`,
      writable: false,
      configurable: true,
    });
    expect(leaks(error, token)).toBeGreaterThan(0);
    scrubError(error, token);
    expect(leaks(error, token)).toBe(0);
  });

  it("scrubs a cause chain 50 deep and every error of an AggregateError", () => {
    const token = canary();
    let cause: Error = new Error(`root /bot${token}/getMe`);
    for (let i = 0; i < 50; i++) cause = new Error(`level ${i}`, { cause });
    const aggregate = new AggregateError(
      [new Error(`one ${token}`), new TypeError(`two ${secretOf(token)}`), cause],
      `all of /bot${token}`,
    );
    expect(leaks(aggregate, token)).toBeGreaterThan(0);
    scrubError(aggregate, token);
    expect(leaks(aggregate, token)).toBe(0);
  });

  it("survives cycles, throwing getters and frozen errors", () => {
    const token = canary();
    const a = new Error(`a ${token}`) as Error & { other?: unknown };
    const b = new Error("b", { cause: a });
    a.other = b;
    Object.defineProperty(a, "boom", {
      get: () => {
        throw new Error("getter");
      },
      enumerable: true,
    });
    const frozen = Object.freeze(new Error("frozen, no token"));
    expect(() => scrubError(b, token)).not.toThrow();
    expect(() => scrubError(frozen, token)).not.toThrow();
    expect(holds(a.message, token)).toBe(false);
    expect(holds(String(a.stack), token)).toBe(false);
  });

  it("a string is returned redacted", () => {
    const token = canary();
    expect(holds(scrubError(`x ${token}`, token), token)).toBe(false);
  });
});
