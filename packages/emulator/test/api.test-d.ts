import type { Message } from "@bot/types";
import { describe, expectTypeOf, it } from "vitest";
import {
  createEmulator,
  type Emulator,
  type EmulatorEvent,
  type FaultRule,
  type UserActor,
} from "../src/index.js";

declare const emu: Emulator;
declare const alice: UserActor;

describe("public types", () => {
  it("waitFor resolves with what the check returns", () => {
    expectTypeOf(emu.waitFor((e) => e?.type === "edit" && e.message)).toEqualTypeOf<
      Promise<Message>
    >();
    expectTypeOf(emu.waitFor(() => 42)).toEqualTypeOf<Promise<number>>();
  });

  it("events narrow by type", () => {
    const e = {} as EmulatorEvent;
    if (e.type === "callback_answer") expectTypeOf(e.queryId).toEqualTypeOf<string>();
    if (e.type === "delete") expectTypeOf(e.messageId).toEqualTypeOf<number>();
  });

  it("actors return Bot API shapes", () => {
    expectTypeOf(alice.send("hi")).toEqualTypeOf<Message>();
    expectTypeOf(alice.nextMessage()).toEqualTypeOf<Promise<Message>>();
  });

  it("rejects bad options and faults at compile time", () => {
    // @ts-expect-error port is a number
    void createEmulator({ port: "8081" });
    // @ts-expect-error unknown fault type
    const bad: FaultRule = { fault: { type: "explode" } };
    // @ts-expect-error flood needs retryAfter
    const flood: FaultRule = { fault: { type: "flood" } };
    void bad;
    void flood;
  });
});
