import { spawn } from "node:child_process";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { createEmulator, type Emulator, type UserActor } from "@bot/emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publicOnlyDispatcher } from "../src/address-policy.js";
import {
  Client,
  InputFile,
  isNonPublicAddress,
  MAX_UPLOAD_BYTES,
  UploadSourceError,
} from "../src/index.js";

/** Runs upload-scenario.ts in a child process: a crash there is an exit code here. */
function runScenario(
  name: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const script = fileURLToPath(new URL("./upload-scenario.ts", import.meta.url));
  const child = spawn(
    process.execPath,
    ["--conditions=@bot/source", "--import", "tsx", script, name],
    { cwd: fileURLToPath(new URL("..", import.meta.url)), stdio: ["ignore", "pipe", "pipe"] },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => {
    stdout += d;
  });
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

describe("a failing upload source never takes the process down", () => {
  it.each([
    ["404", 404],
    ["500", 500],
    ["302", 302],
  ])(
    "HTTP %s: the call rejects with BOT_CLIENT_UPLOAD_SOURCE_STATUS and the process lives on",
    async (name, status) => {
      const run = await runScenario(name);
      expect(run.stderr).not.toMatch(/Unhandled|uncaught|RequestAbortedError/i);
      expect(run.code).toBe(0);
      const outcome = JSON.parse(run.stdout.trim().split("\n").at(-1) as string);
      expect(outcome).toMatchObject({
        ok: false,
        code: "BOT_CLIENT_UPLOAD_SOURCE_STATUS",
        status,
        sent: 0,
      });
      if (status === 302) expect(outcome.message).toContain("redirects are not followed");
    },
  );

  it("a media group whose second file fails to open: the first source is released quietly", async () => {
    const run = await runScenario("media-group");
    expect(run.stderr).not.toMatch(/Unhandled|uncaught|RequestAbortedError/i);
    expect(run.code).toBe(0);
    const outcome = JSON.parse(run.stdout.trim().split("\n").at(-1) as string);
    expect(outcome).toMatchObject({ ok: false, code: "BOT_CLIENT_INPUT", sent: 0 });
  });
});

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
let emu: Emulator;
let alice: UserActor;
let client: Client;
let source: Server;
let base: string;
let handler: Handler;
let hits: string[];

beforeAll(async () => {
  emu = await createEmulator();
  const bot = emu.createBot({ username: "source_bot" });
  alice = emu.user({ first_name: "Alice" });
  alice.send("/start");
  client = new Client(bot.token, { apiRoot: emu.apiRoot, retry: false });
  source = createServer((req, res) => {
    hits.push(req.url ?? "");
    handler(req, res);
  });
  await new Promise<void>((resolve) => source.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(source.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await client.close();
  source.closeAllConnections();
  source.close();
  await emu.close();
});

function serve(h: Handler): void {
  hits = [];
  handler = h;
}

const sentMessages = () => emu.events().filter((e) => e.type === "message").length;

describe("fromUrl(..., { upload: true }): addresses", () => {
  it("refuses loopback by default, before connecting", async () => {
    serve((_req, res) => res.end("bytes"));
    const before = sentMessages();
    for (const host of [base, base.replace("127.0.0.1", "[::ffff:127.0.0.1]")]) {
      const error = await client
        .sendPhoto({
          chat_id: alice.id,
          photo: InputFile.fromUrl(`${host}/a.jpg`, { upload: true }),
        })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UploadSourceError);
      expect(error).toMatchObject({ code: "BOT_CLIENT_UPLOAD_SOURCE_BLOCKED" });
    }
    expect(hits).toEqual([]);
    expect(sentMessages()).toBe(before);
  });

  it("refuses a name that resolves to loopback (checked after DNS resolution)", async () => {
    serve((_req, res) => res.end("bytes"));
    const port = new URL(base).port;
    const error = await client
      .sendPhoto({
        chat_id: alice.id,
        photo: InputFile.fromUrl(`http://localhost:${port}/a.jpg`, { upload: true }),
      })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "BOT_CLIENT_UPLOAD_SOURCE_BLOCKED" });
    expect(hits).toEqual([]);
  });

  it("checks the address actually connected to, whatever the name resolved to before", async () => {
    // An IP literal skips DNS: only the connect-time check of the socket's remote address can
    // refuse it, which is also what stops a name that re-resolves to a private address.
    serve((_req, res) => res.end("bytes"));
    const error = await publicOnlyDispatcher()
      .request({ origin: base, path: "/a.jpg", method: "GET" })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "BOT_CLIENT_UPLOAD_SOURCE_BLOCKED" });
    expect(hits).toEqual([]);
  });

  it("uploads from loopback with allowPrivateNetworks: true", async () => {
    serve((_req, res) => res.end("remote bytes"));
    const message = await client.sendPhoto({
      chat_id: alice.id,
      photo: InputFile.fromUrl(`${base}/cat.jpg`, { upload: true, allowPrivateNetworks: true }),
    });
    expect(message.photo?.length).toBeGreaterThan(0);
    expect(hits).toEqual(["/cat.jpg"]);
  });

  it.each([
    ["127.0.0.1", true],
    ["127.255.0.9", true],
    ["10.1.2.3", true],
    ["172.16.0.1", true],
    ["172.31.255.255", true],
    ["172.32.0.1", false],
    ["192.168.1.1", true],
    ["169.254.169.254", true],
    ["100.64.0.1", true],
    ["0.0.0.0", true],
    ["224.0.0.1", true],
    ["255.255.255.255", true],
    ["8.8.8.8", false],
    ["149.154.167.220", false],
    ["::1", true],
    ["::", true],
    ["fe80::1%eth0", true],
    ["fd12:3456::1", true],
    ["fc00::1", true],
    ["ff02::1", true],
    ["::ffff:127.0.0.1", true],
    ["::ffff:7f00:1", true],
    ["::ffff:10.0.0.1", true],
    ["::ffff:8.8.8.8", false],
    ["64:ff9b::a9fe:a9fe", true],
    ["2002:c0a8:0101::1", true],
    ["2001:db8::1", true],
    ["2001:4860:4860::8888", false],
    ["2606:4700::1111", false],
    ["not an address", true],
  ])("isNonPublicAddress(%s) is %s", (address, expected) => {
    expect(isNonPublicAddress(address)).toBe(expected);
  });
});

describe("fromUrl(..., { upload: true }): size, signal and timeout", () => {
  const allow = { upload: true, allowPrivateNetworks: true } as const;

  it("defaults maxBytes to Telegram's 50 MB and validates it", () => {
    expect(MAX_UPLOAD_BYTES).toBe(50 * 1024 * 1024);
    expect(() => InputFile.fromUrl(`${base}/x`, { ...allow, maxBytes: 0 })).toThrow(/maxBytes/);
  });

  it("refuses a source whose content-length exceeds maxBytes, before sending", async () => {
    serve((_req, res) => res.writeHead(200, { "content-length": "2048" }).end(Buffer.alloc(2048)));
    const before = sentMessages();
    const error = await client
      .sendPhoto({
        chat_id: alice.id,
        photo: InputFile.fromUrl(`${base}/big.jpg`, { ...allow, maxBytes: 1000 }),
      })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "BOT_CLIENT_UPLOAD_SOURCE_TOO_LARGE" });
    expect(sentMessages()).toBe(before);
  });

  it("stops a chunked source that sends more than maxBytes", async () => {
    serve((_req, res) => {
      res.writeHead(200);
      const timer = setInterval(() => res.write(Buffer.alloc(512)), 5);
      res.on("close", () => clearInterval(timer));
    });
    const before = sentMessages();
    const error = await deadline(
      client
        .sendPhoto({
          chat_id: alice.id,
          photo: InputFile.fromUrl(`${base}/endless.jpg`, { ...allow, maxBytes: 4096 }),
        })
        .catch((e: unknown) => e),
    );
    expect(error).toBeInstanceOf(UploadSourceError);
    expect(codes(error)[0]).toBe("BOT_CLIENT_UPLOAD_SOURCE_TOO_LARGE");
    expect(sentMessages()).toBe(before);
  });

  it("aborts the wait for the source with the call's signal", async () => {
    serve(() => {}); // never answers
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const error = await deadline(
      client
        .sendPhoto(
          { chat_id: alice.id, photo: InputFile.fromUrl(`${base}/hang.jpg`, allow) },
          { signal: controller.signal },
        )
        .catch((e: unknown) => e),
    );
    expect(error).toMatchObject({ code: "BOT_CLIENT_ABORTED" });
  });

  it("gives up waiting for the source at the call's timeout", async () => {
    serve(() => {}); // never answers
    const error = await deadline(
      client
        .sendPhoto(
          { chat_id: alice.id, photo: InputFile.fromUrl(`${base}/hang.jpg`, allow) },
          { timeoutMs: 100 },
        )
        .catch((e: unknown) => e),
    );
    expect(error).toMatchObject({ code: "BOT_CLIENT_TIMEOUT" });
  });
});

/** The codes along an error's cause chain. */
function codes(error: unknown): string[] {
  const out: string[] = [];
  for (let at = error; typeof at === "object" && at !== null; at = (at as Error).cause) {
    out.push(String((at as { code?: unknown }).code));
  }
  return out;
}

/** Fails (instead of hanging) when a call does not settle in 10 s: only to detect a hang. */
function deadline<T>(promise: Promise<T>): Promise<T | "hung"> {
  return Promise.race([
    promise,
    new Promise<"hung">((resolve) => setTimeout(() => resolve("hung"), 10_000).unref()),
  ]);
}
