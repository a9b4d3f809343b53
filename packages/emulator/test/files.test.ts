import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createEmulator, type Emulator, type EmulatorBot, type UserActor } from "../src/index.js";
import { call, ok } from "./helpers.js";

let emu: Emulator;
let bot: EmulatorBot;
let alice: UserActor;

beforeEach(async () => {
  emu = await createEmulator();
  bot = emu.createBot({ username: "file_bot" });
  alice = emu.user({ first_name: "Alice" });
  alice.send("/start");
});
afterEach(() => emu.close());

async function multipart(method: string, form: FormData) {
  const res = await fetch(`${emu.apiRoot}/bot${bot.token}/${method}`, {
    method: "POST",
    body: form,
  });
  return {
    status: res.status,
    body: (await res.json()) as {
      ok: boolean;
      result: Record<string, unknown>;
      description?: string;
    },
  };
}

const bytes = Buffer.from("%PDF-1.4 hello emulator");

describe("uploads, getFile and downloads (FACTS §6)", () => {
  it("stores a multipart document; getFile gives a path that downloads the same bytes", async () => {
    const form = new FormData();
    form.set("chat_id", String(alice.id));
    form.set("caption", "<b>report</b>");
    form.set("parse_mode", "HTML");
    form.set(
      "reply_markup",
      JSON.stringify({ inline_keyboard: [[{ text: "ok", callback_data: "ok" }]] }),
    );
    form.set("document", new Blob([bytes], { type: "application/pdf" }), "report.pdf");
    const { status, body } = await multipart("sendDocument", form);
    expect(status).toBe(200);
    const doc = body.result.document as {
      file_id: string;
      file_name: string;
      mime_type: string;
      file_size: number;
    };
    expect(doc).toMatchObject({
      file_name: "report.pdf",
      mime_type: "application/pdf",
      file_size: bytes.length,
    });
    expect(body.result.caption).toBe("report");
    expect(body.result.caption_entities).toEqual([{ type: "bold", offset: 0, length: 6 }]);
    expect(body.result.reply_markup).toEqual({
      inline_keyboard: [[{ text: "ok", callback_data: "ok" }]],
    });

    const file = await ok<{ file_path: string; file_size: number; file_id: string }>(
      emu,
      bot.token,
      "getFile",
      { file_id: doc.file_id },
    );
    expect(file.file_size).toBe(bytes.length);
    const download = await fetch(`${emu.apiRoot}/file/bot${bot.token}/${file.file_path}`);
    expect(download.status).toBe(200);
    expect(download.headers.get("content-type")).toBe("application/pdf");
    expect(Buffer.from(await download.arrayBuffer()).equals(bytes)).toBe(true);

    expect((await fetch(`${emu.apiRoot}/file/bot${bot.token}/documents/nope.pdf`)).status).toBe(
      404,
    );
    expect((await fetch(`${emu.apiRoot}/file/bot1:wrong/${file.file_path}`)).status).toBe(401);
  });

  it("uploads a photo and resends it by file_id", async () => {
    const form = new FormData();
    form.set("chat_id", String(alice.id));
    form.set(
      "photo",
      new Blob([Buffer.from("not really a jpeg")], { type: "image/jpeg" }),
      "cat.jpg",
    );
    const { body } = await multipart("sendPhoto", form);
    const sizes = body.result.photo as { file_id: string; width: number }[];
    expect(sizes.length).toBeGreaterThan(0);
    const again = await ok<{ photo: { file_id: string }[] }>(emu, bot.token, "sendPhoto", {
      chat_id: alice.id,
      photo: sizes[0]?.file_id,
    });
    expect(again.photo[0]?.file_id).toBe(sizes[0]?.file_id);
    const bad = await call(emu, bot.token, "sendPhoto", {
      chat_id: alice.id,
      photo: "no-such-file-id",
    });
    expect(bad.status).toBe(400);
    expect(bad.body.description).toBe("Bad Request: wrong file identifier/HTTP URL specified");
  });

  it("sends an album with attach:// parts and checks its size", async () => {
    const form = new FormData();
    form.set("chat_id", String(alice.id));
    form.set(
      "media",
      JSON.stringify([
        { type: "photo", media: "attach://one", caption: "first" },
        { type: "photo", media: "attach://two" },
      ]),
    );
    form.set("one", new Blob([Buffer.from("1")]), "1.jpg");
    form.set("two", new Blob([Buffer.from("2")]), "2.jpg");
    const { status, body } = await multipart("sendMediaGroup", form);
    expect(status).toBe(200);
    const messages = body.result as unknown as { media_group_id: string; caption?: string }[];
    expect(messages).toHaveLength(2);
    expect(messages[0]?.media_group_id).toBe(messages[1]?.media_group_id);
    expect(messages[0]?.caption).toBe("first");
    const single = await call(emu, bot.token, "sendMediaGroup", {
      chat_id: alice.id,
      media: [{ type: "photo", media: "https://x.y/a.jpg" }],
    });
    expect(single.status).toBe(400);
    const missing = new FormData();
    missing.set("chat_id", String(alice.id));
    missing.set(
      "media",
      JSON.stringify([
        { type: "photo", media: "attach://a" },
        { type: "photo", media: "attach://b" },
      ]),
    );
    expect((await multipart("sendMediaGroup", missing)).status).toBe(400);
  });

  it("answers 400 to a broken multipart body and stays up", async () => {
    const res = await fetch(`${emu.apiRoot}/bot${bot.token}/sendDocument`, {
      method: "POST",
      headers: { "content-type": "multipart/form-data; boundary=xyz" },
      body: '--xyz\r\nContent-Disposition: form-data; name="document"; filename="a"\r\n\r\nunterminated',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { ok: boolean }).ok).toBe(false);
    const noBoundary = await fetch(`${emu.apiRoot}/bot${bot.token}/sendDocument`, {
      method: "POST",
      headers: { "content-type": "multipart/form-data" },
      body: "garbage",
    });
    expect(noBoundary.status).toBe(400);
    expect((await call(emu, bot.token, "getMe")).status).toBe(200);
  });

  it("sends stickers, and files a user sent can be fetched by the bot", async () => {
    const sticker = await ok<{ sticker: { type: string; emoji: string } }>(
      emu,
      bot.token,
      "sendSticker",
      {
        chat_id: alice.id,
        sticker: "https://example.com/s.webp",
        emoji: "👍",
      },
    );
    expect(sticker.sticker).toMatchObject({ type: "regular", emoji: "👍" });
    const photo = alice.sendPhoto(undefined, { caption: "look" });
    const id = photo.photo?.[0]?.file_id as string;
    const file = await ok<{ file_path: string }>(emu, bot.token, "getFile", { file_id: id });
    const png = Buffer.from(
      await (await fetch(`${emu.apiRoot}/file/bot${bot.token}/${file.file_path}`)).arrayBuffer(),
    );
    expect(png.subarray(1, 4).toString()).toBe("PNG");
  });
});
