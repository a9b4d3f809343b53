import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config.ts";

describe("loadConfig", () => {
  it("runs against the emulator without a token", () => {
    const c = loadConfig({}, false);
    expect(c.token).toBeUndefined();
    expect(c.mode).toBe("polling");
    expect(c.interactive).toBe(false);
    expect(loadConfig({ BOT_TOKEN: "" }, true).interactive).toBe(true);
  });

  it("accepts a well-formed token", () => {
    expect(loadConfig({ BOT_TOKEN: "123456:ABCdefGHIjklMNOpqrSTUvwx_yz-0123" }).token).toMatch(
      /^123456:/,
    );
  });

  it("rejects a malformed token without echoing it", () => {
    const secret = "not-a-token-SECRET-CANARY";
    let error: unknown;
    try {
      loadConfig({ BOT_TOKEN: secret });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain("BOT_TOKEN must look like");
    expect(String((error as Error).stack)).not.toContain(secret);
  });

  it("needs the webhook settings in webhook mode", () => {
    expect(() =>
      loadConfig({ BOT_TOKEN: "123456:ABCdefGHIjklMNOpqrSTUvwx_yz-0123", BOT_MODE: "webhook" }),
    ).toThrow(/needs BOT_TOKEN, WEBHOOK_URL and WEBHOOK_SECRET/);
    expect(() => loadConfig({ WEBHOOK_URL: "http://insecure.example" })).toThrow(/https/);
    expect(() => loadConfig({ PORT: "eighty" })).toThrow(/PORT/);
  });

  it("reads Redis settings: a redis:// URL and a key prefix", () => {
    const c = loadConfig({ REDIS_URL: "redis://127.0.0.1:6379" });
    expect(c.redisUrl).toBe("redis://127.0.0.1:6379");
    expect(c.redisPrefix).toBe("bot-example:");
    expect(loadConfig({}).redisUrl).toBeUndefined();
    expect(loadConfig({ REDIS_URL: "" }).redisUrl).toBeUndefined();
    expect(() => loadConfig({ REDIS_URL: "http://127.0.0.1:6379" })).toThrow(/redis:\/\//);
    expect(() => loadConfig({ REDIS_PREFIX: "has space" })).toThrow(/REDIS_PREFIX/);
  });

  it("does not leak a Redis password into its error", () => {
    const secret = "SECRET-CANARY";
    let error: unknown;
    try {
      loadConfig({ REDIS_URL: `mysql://user:${secret}@db:3306` });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(String((error as Error).stack)).not.toContain(secret);
  });

  it("runs BOT_MODE=worker only with Redis (the update queue lives there)", () => {
    expect(() => loadConfig({ BOT_MODE: "worker" })).toThrow(/BOT_MODE=worker needs REDIS_URL/);
    expect(loadConfig({ BOT_MODE: "worker", REDIS_URL: "redis://127.0.0.1:6379" }).mode).toBe(
      "worker",
    );
  });
});
