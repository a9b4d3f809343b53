import type { Context } from "@bot/dispatcher";
import { describe, expectTypeOf, it } from "vitest";
import { type ConversationFlavor, child, conversation, END, steps } from "../src/index.js";

type C = Context & ConversationFlavor<{ name?: string }>;
const { command, hears, on, callbackQuery } = steps<C, "A" | "B">();

describe("conversation types", () => {
  it("narrows inside steps and types the data", () => {
    on("message:photo", async (ctx) => {
      expectTypeOf(ctx.message.photo).toBeArray();
      expectTypeOf(ctx.conversation.data.name).toEqualTypeOf<string | undefined>();
    });
    hears(/^(a)$/, async (ctx) => {
      expectTypeOf(ctx.match).toEqualTypeOf<RegExpMatchArray>();
    });
    callbackQuery("x", async (ctx) => {
      expectTypeOf(ctx.callbackQuery.data).toBeString();
    });
  });

  it("accepts known states, END and nothing", () => {
    conversation({
      name: "ok",
      entry: [command("start", async () => "A")],
      states: {
        A: [hears("b", async () => "B"), on("message", async () => undefined)],
        B: [on("message:text", async () => END), command("x", async () => {})],
      },
      fallbacks: [command("cancel", async () => END)],
    });
  });

  it("takes the message key and persistent, and rejects unknown keys", () => {
    const perMessage = conversation({
      name: "menu",
      key: "message",
      persistent: false,
      entry: [callbackQuery("go", async () => "A")],
      states: { A: [callbackQuery("b", async () => "B")], B: [] },
    });
    expectTypeOf(perMessage.cancel).parameter(1).toHaveProperty("messageId");
    expectTypeOf(perMessage.cancel).parameter(1).toHaveProperty("inlineMessageId");
    conversation({
      name: "bad",
      // @ts-expect-error not a key kind
      key: "msg",
      entry: [],
      states: { A: [], B: [] },
    });
  });

  it("rejects a state that does not exist, and states that do not match the names", () => {
    // @ts-expect-error "C" is not a state
    command("start", async () => "C");
    // @ts-expect-error "C" is not a state
    hears("x", async () => "C");
    conversation({
      name: "missing",
      entry: [command("start", async () => "A")],
      // @ts-expect-error state "B" is missing
      states: { A: [] },
    });
    conversation({
      name: "extra",
      entry: [command("start", async () => "A")],
      // @ts-expect-error "C" is not a state name
      states: { A: [], B: [], C: [] },
    });
  });

  it("types a child conversation's map to its parent", () => {
    const inner = steps<C, "X" | "STOPPING">();
    const good = child({
      name: "inner",
      entry: [inner.command("in", async () => "X")],
      states: {
        X: [inner.command("stop", async () => "STOPPING"), inner.command("end", async () => END)],
      },
      mapToParent: { [END]: "A", STOPPING: END },
    });
    conversation({
      name: "parent",
      entry: [command("start", async () => "A")],
      states: { A: [good], B: [] },
    });
    const bad = child({
      name: "bad",
      entry: [inner.command("in", async () => "X")],
      states: { X: [] },
      mapToParent: { [END]: "NOPE", STOPPING: END },
    });
    conversation({
      name: "parent2",
      entry: [command("start", async () => "A")],
      // @ts-expect-error the child maps to "NOPE", not a parent state
      states: { A: [bad], B: [] },
    });
    child({
      name: "unmapped",
      // @ts-expect-error "STOPPING" is neither a child state nor mapped to the parent
      entry: [inner.command("in", async () => "X")],
      states: { X: [] },
    });
  });
});
