import type { File, Message, MessageId, Update, User } from "@bot/types";
import { describe, expectTypeOf, it } from "vitest";
import { type ApiCalls, Client, InputFile } from "../src/index.js";

const client = new Client("1:types");

describe("typed methods", () => {
  it("returns each method's result type", () => {
    expectTypeOf(client.sendMessage({ chat_id: 1, text: "hi" })).resolves.toEqualTypeOf<Message>();
    expectTypeOf(client.getMe()).resolves.toEqualTypeOf<User>();
    expectTypeOf(client.getUpdates({ timeout: 30 })).resolves.toEqualTypeOf<Update[]>();
    expectTypeOf(
      client.copyMessage({ chat_id: 1, from_chat_id: 2, message_id: 3 }),
    ).resolves.toEqualTypeOf<MessageId>();
    expectTypeOf(client.getFile({ file_id: "x" })).resolves.toEqualTypeOf<File>();
    expectTypeOf(client.call("close")).resolves.toEqualTypeOf<true>();
    expectTypeOf(client.raw("newMethod", { a: 1 })).resolves.toBeUnknown();
  });

  it("has every method but close as a function", () => {
    expectTypeOf<keyof ApiCalls>().toEqualTypeOf<
      Exclude<keyof import("@bot/types").ApiMethods, "close">
    >();
    expectTypeOf(client.close).toEqualTypeOf<() => Promise<void>>();
  });

  it("accepts files where the spec takes them, including nested media", () => {
    client.sendPhoto({ chat_id: 1, photo: InputFile.fromPath("a.jpg") });
    client.sendPhoto({ chat_id: 1, photo: "file-id" });
    client.sendMediaGroup({
      chat_id: 1,
      media: [
        { type: "photo", media: InputFile.fromBuffer(new Uint8Array(1)) },
        { type: "photo", media: "file-id" },
      ],
    });
    client.editMessageMedia({
      chat_id: 1,
      message_id: 1,
      media: {
        type: "video",
        media: InputFile.fromPath("v.mp4"),
        thumbnail: InputFile.fromPath("t.jpg"),
      },
    });
  });

  it("rejects wrong params at compile time", () => {
    // @ts-expect-error: `txt` is not a parameter of sendMessage
    client.sendMessage({ chat_id: 1, txt: "hi" });
    // @ts-expect-error: `text` must be a string
    client.sendMessage({ chat_id: 1, text: 42 });
    // @ts-expect-error: `chat_id` is required
    client.sendMessage({ text: "hi" });
    // @ts-expect-error: sendMessage needs params
    client.sendMessage();
    // @ts-expect-error: getMe takes no params
    client.getMe({ anything: 1 });
    // @ts-expect-error: setChatPhoto's photo must be an upload, not a string
    client.setChatPhoto({ chat_id: 1, photo: "file-id" });
    const file = InputFile.fromPath("x");
    // @ts-expect-error: a nested InputFile is not allowed where no file is expected
    client.sendMessage({ chat_id: 1, text: "x", reply_parameters: { message_id: file } });
    // @ts-expect-error: no such method
    client.sendHologram({ chat_id: 1 });
    // @ts-expect-error: call() checks params the same way
    client.call("sendMessage", { chat_id: 1, text: 1 });
    // @ts-expect-error: signal must be an AbortSignal
    client.getMe(undefined, { signal: "stop" });
  });
});
