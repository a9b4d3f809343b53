import { describe, expect, it } from "vitest";
import { ReplySlot } from "../src/reply.js";

const file = { [Symbol.for("@bot/input-file")]: true };

describe("ReplySlot", () => {
  it("takes one call and renders it with the method last", () => {
    const slot = new ReplySlot();
    expect(slot.offer("sendMessage", { chat_id: 1, text: "a", method: "deleteMessage" })).toBe(
      true,
    );
    expect(slot.offer("sendMessage", { chat_id: 1, text: "b" })).toBe(false);
    expect(JSON.parse(slot.close() ?? "")).toEqual({
      chat_id: 1,
      text: "a",
      method: "sendMessage",
    });
  });

  it("refuses offers after the response left", () => {
    const slot = new ReplySlot();
    expect(slot.close()).toBeUndefined();
    expect(slot.offer("sendMessage", { chat_id: 1, text: "late" })).toBe(false);
  });

  it("refuses file uploads, even nested, and odd method names", () => {
    const slot = new ReplySlot();
    expect(slot.offer("sendPhoto", { chat_id: 1, photo: file })).toBe(false);
    expect(
      slot.offer("sendMediaGroup", { chat_id: 1, media: [{ type: "photo", media: file }] }),
    ).toBe(false);
    expect(slot.offer("send/../Message", { chat_id: 1 })).toBe(false);
    expect(slot.offer("sendMessage", { chat_id: 1, text: "ok" })).toBe(true);
  });

  it("refuses values JSON cannot carry", () => {
    const slot = new ReplySlot();
    expect(slot.offer("sendMessage", { chat_id: 1n as unknown as number })).toBe(false);
  });
});
