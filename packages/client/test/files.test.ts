import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, InputFile } from "../src/index.js";
import { chooseBoundary, encodeMultipart } from "../src/multipart.js";
import { type FakeServer, parseMultipart, startFakeServer } from "./fake-server.js";

let server: FakeServer;
let client: Client;
let dir: string;
beforeAll(async () => {
  server = await startFakeServer();
  client = new Client("777:files-token", { apiRoot: server.url });
  dir = await mkdtemp(join(tmpdir(), "bot-client-files-"));
});
afterAll(async () => {
  await client.close();
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

function lastCall() {
  const call = server.calls.at(-1);
  if (!call) throw new Error("no call received");
  return call;
}

describe("file sources", () => {
  it("uploads from a path, opened only when sent", async () => {
    const path = join(dir, "report.pdf");
    await writeFile(path, "pdf bytes");
    await client.sendDocument({ chat_id: 1, document: InputFile.fromPath(path) });
    expect(lastCall().files.document).toMatchObject({ filename: "report.pdf" });
    expect(lastCall().files.document?.data.toString()).toBe("pdf bytes");
  });

  it("fails with a typed error, before sending, when the path does not exist", async () => {
    const before = server.calls.length;
    await expect(
      client.sendDocument({ chat_id: 1, document: InputFile.fromPath(join(dir, "missing.txt")) }),
    ).rejects.toMatchObject({ code: "BOT_CLIENT_INPUT" });
    expect(server.calls.length).toBe(before);
  });

  it("uploads from a buffer", async () => {
    await client.sendPhoto({
      chat_id: 1,
      photo: InputFile.fromBuffer(Buffer.from([1, 2, 3]), "a.jpg"),
    });
    expect([...(lastCall().files.photo?.data ?? [])]).toEqual([1, 2, 3]);
  });

  it("uploads from a Node stream and a web stream", async () => {
    await client.sendAudio({
      chat_id: 1,
      audio: InputFile.fromStream(Readable.from([Buffer.from("ab"), Buffer.from("cd")]), "s.mp3"),
    });
    expect(lastCall().files.audio?.data.toString()).toBe("abcd");
    const web = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("web"));
        controller.close();
      },
    });
    await client.sendVoice({ chat_id: 1, voice: InputFile.fromStream(web, "v.ogg") });
    expect(lastCall().files.voice?.data.toString()).toBe("web");
  });

  it("passes a URL to Telegram by default, and downloads and uploads it with upload: true", async () => {
    const origin = createServer((_req, res) => res.end("remote bytes"));
    await new Promise<void>((resolve) => origin.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(origin.address() as AddressInfo).port}/pics/cat.png`;
    try {
      await client.sendPhoto({ chat_id: 1, photo: InputFile.fromUrl(url) });
      expect(lastCall().contentType).toBe("application/json");
      expect(lastCall().params.photo).toBe(url);
      await client.sendPhoto({
        chat_id: 1,
        photo: InputFile.fromUrl(url, { upload: true, allowPrivateNetworks: true }),
      });
      expect(lastCall().files.photo).toMatchObject({ filename: "cat.png" });
      expect(lastCall().files.photo?.data.toString()).toBe("remote bytes");
    } finally {
      origin.closeAllConnections();
      origin.close();
    }
  });

  it("sends a file_id as a plain field, without multipart", async () => {
    await client.sendSticker({ chat_id: 1, sticker: InputFile.fromFileId("CAACAgIAAx") });
    expect(lastCall().contentType).toBe("application/json");
    expect(lastCall().params.sticker).toBe("CAACAgIAAx");
  });

  it("never reads a plain string from disk", async () => {
    const path = join(dir, "secret.txt");
    await writeFile(path, "do not upload");
    await client.sendDocument({ chat_id: 1, document: path });
    expect(lastCall().contentType).toBe("application/json");
    expect(lastCall().params.document).toBe(path);
    expect(lastCall().files).toEqual({});
  });

  it("rejects a file placed where the method takes none", async () => {
    const file = InputFile.fromBuffer(Buffer.from("x"));
    const before = server.calls.length;
    await expect(
      client.raw("sendMessage", { chat_id: 1, text: "t", reply_markup: { file } }),
    ).rejects.toMatchObject({ code: "BOT_CLIENT_INPUT" });
    expect(server.calls.length).toBe(before);
    // A method the spec does not know is scanned whole, so its files go as attach://.
    await client.raw("sendFutureThing", { chat_id: 1, extra: { file } });
    expect(JSON.parse(lastCall().params.extra as string)).toEqual({ file: "attach://file0" });
    expect(lastCall().files.file0).toBeDefined();
    await expect(
      client.call("sendMessage", { chat_id: 1, text: file as unknown as string }),
    ).rejects.toMatchObject({ code: "BOT_CLIENT_INPUT" });
  });
});

describe("attach://", () => {
  it("uploads the media of a media group as attached parts", async () => {
    await client.sendMediaGroup({
      chat_id: 1,
      media: [
        {
          type: "photo",
          media: InputFile.fromBuffer(Buffer.from("one"), "1.jpg"),
          caption: "first",
        },
        { type: "photo", media: InputFile.fromBuffer(Buffer.from("two"), "2.jpg") },
        { type: "photo", media: "existing-file-id" },
      ],
    });
    const call = lastCall();
    const media = JSON.parse(call.params.media as string) as { media: string }[];
    expect(media.map((m) => m.media)).toEqual([
      "attach://file0",
      "attach://file1",
      "existing-file-id",
    ]);
    expect(call.files.file0?.data.toString()).toBe("one");
    expect(call.files.file1?.data.toString()).toBe("two");
    expect(call.params.chat_id).toBe("1");
  });

  it("attaches nested media and thumbnails in edits, paid media and stickers", async () => {
    await client.editMessageMedia({
      chat_id: 1,
      message_id: 2,
      media: {
        type: "video",
        media: InputFile.fromBuffer(Buffer.from("vid"), "v.mp4"),
        thumbnail: InputFile.fromBuffer(Buffer.from("thumb"), "t.jpg"),
      },
    });
    let call = lastCall();
    expect(JSON.parse(call.params.media as string)).toEqual({
      type: "video",
      media: "attach://file0",
      thumbnail: "attach://file1",
    });
    expect(call.files.file1?.data.toString()).toBe("thumb");

    await client.sendPaidMedia({
      chat_id: 1,
      star_count: 5,
      media: [{ type: "photo", media: InputFile.fromBuffer(Buffer.from("paid"), "p.jpg") }],
    });
    call = lastCall();
    expect(JSON.parse(call.params.media as string)).toEqual([
      { type: "photo", media: "attach://file0" },
    ]);

    await client.createNewStickerSet({
      user_id: 1,
      name: "set_by_bot",
      title: "Set",
      stickers: [
        {
          sticker: InputFile.fromBuffer(Buffer.from("webp"), "s.webp"),
          format: "static",
          emoji_list: ["🙂"],
        },
      ],
    });
    call = lastCall();
    expect(JSON.parse(call.params.stickers as string)[0].sticker).toBe("attach://file0");
    expect(call.files.file0?.data.toString()).toBe("webp");
  });
});

describe("multipart escaping", () => {
  it("keeps captions and file names with quotes, CR/LF and boundary-like text intact", async () => {
    const caption = 'say "hi"\r\nline two\n--\r\n------botclient0000\r\n--x--';
    const filename = 'we"ird\r\nname.txt';
    await client.sendDocument({
      chat_id: 1,
      caption,
      document: InputFile.fromBuffer(Buffer.from("body\r\n--not-a-boundary"), filename),
    });
    const call = lastCall();
    expect(call.params.caption).toBe(caption);
    expect(call.files.document?.filename).toBe(filename);
    expect(call.files.document?.data.toString()).toBe("body\r\n--not-a-boundary");
  });

  it("picks another boundary when a field contains the first candidate", async () => {
    const candidates = ["XYZ", "ABC"];
    const parts = { fields: [["caption", "text with XYZ inside"]] as const, files: [] };
    const boundary = chooseBoundary(parts, () => candidates.shift() as string);
    expect(boundary).toBe("ABC");
    const chunks: Uint8Array[] = [];
    for await (const c of encodeMultipart(parts, boundary)) chunks.push(c);
    expect(parseMultipart(Buffer.concat(chunks), boundary).fields).toEqual({
      caption: "text with XYZ inside",
    });
  });
});

describe("a 50 MB stream", () => {
  it("is uploaded without ever being held whole in memory", async () => {
    const size = 50 * 1024 * 1024;
    const chunk = 1024 * 1024;
    // Retained memory is sampled after a forced full GC, so garbage awaiting collection does not
    // count; what remains is what the client actually holds.
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    let peak = 0;
    let peakBuffers = 0;
    const sample = (): void => {
      gc();
      const m = process.memoryUsage();
      peak = Math.max(peak, m.rss);
      peakBuffers = Math.max(peakBuffers, m.arrayBuffers);
    };
    let produced = 0;
    const template = Buffer.alloc(chunk + 251);
    for (let i = 0; i < template.length; i++) template[i] = i % 251;
    async function* source(): AsyncGenerator<Buffer> {
      for (let offset = 0; offset < size; offset += chunk) {
        const start = offset % 251;
        const b = Buffer.from(template.subarray(start, start + Math.min(chunk, size - offset)));
        produced += b.length;
        if (offset % (4 * chunk) === 0) sample();
        yield b;
      }
    }
    // The receiver runs in another process so only this process's (the client's) memory counts.
    const receiver = spawn(
      process.execPath,
      [fileURLToPath(new URL("./stream-receiver.mjs", import.meta.url))],
      {
        env: { ...process.env, SIZE: String(size) },
        stdio: ["pipe", "pipe", "inherit"],
      },
    );
    const port = await new Promise<string>((resolve) =>
      receiver.stdout.once("data", (d) => resolve(String(d).trim())),
    );
    const big = new Client("777:files-token", {
      apiRoot: `http://127.0.0.1:${port}`,
      timeoutMs: 120_000,
    });
    gc();
    const { rss: baseline, arrayBuffers: baselineBuffers } = process.memoryUsage();
    let result: unknown;
    try {
      result = await big.raw("sendDocument", {
        chat_id: 1,
        document: InputFile.fromStream(source(), "big.bin"),
      });
    } finally {
      await big.close();
      receiver.stdin.end();
    }
    sample();
    expect(produced).toBe(size);
    expect(result).toEqual({ received: size, mismatch: false, closed: true });
    // 50 MB went through; at no sample did the process hold more than a few MB of it.
    expect(peak - baseline).toBeLessThan(25 * 1024 * 1024);
    expect(peakBuffers - baselineBuffers).toBeLessThan(12 * 1024 * 1024);
  });
});
