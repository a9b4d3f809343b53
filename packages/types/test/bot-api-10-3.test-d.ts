import { describe, expectTypeOf, it } from "vitest";
import type {
  BotSubscriptionUpdated,
  EphemeralMessageParameters,
  InputRichBlock,
  InputRichBlockParagraph,
  MessageGenerationStopped,
  MethodName,
  MethodParams,
  ReplyParameters,
  Update,
  UpdateKind,
} from "../src/index.ts";

describe("Bot API 10.3", () => {
  it("has the two new update kinds with their payloads", () => {
    expectTypeOf<"subscription">().toExtend<UpdateKind>();
    expectTypeOf<"stopped_message_generation">().toExtend<UpdateKind>();
    expectTypeOf<Update["subscription"]>().toEqualTypeOf<BotSubscriptionUpdated | undefined>();
    expectTypeOf<Update["stopped_message_generation"]>().toEqualTypeOf<
      MessageGenerationStopped | undefined
    >();
    expectTypeOf<BotSubscriptionUpdated["state"]>().toEqualTypeOf<
      "canceled" | "active" | "failed"
    >();
  });

  it("makes ReplyParameters.message_id optional (a reply may name an ephemeral message)", () => {
    const reply: ReplyParameters = { ephemeral_message_id: 3 };
    expectTypeOf(reply.message_id).toEqualTypeOf<number | undefined>();
  });

  it("narrows the 26th union InputRichBlock by type", () => {
    const block = {} as InputRichBlock;
    if (block.type === "paragraph") expectTypeOf(block).toEqualTypeOf<InputRichBlockParagraph>();
  });

  it("has the ephemeral message methods and parameters", () => {
    expectTypeOf<"deleteEphemeralMessage">().toExtend<MethodName>();
    expectTypeOf<"editEphemeralMessageText">().toExtend<MethodName>();
    expectTypeOf<MethodParams<"sendMessage">["ephemeral_message_parameters"]>().toEqualTypeOf<
      EphemeralMessageParameters | undefined
    >();
  });
});
