import type { BotSubscriptionUpdated, Chat, MessageGenerationStopped } from "@bot/types";
import { describe, expectTypeOf, it } from "vitest";
import { Bot } from "../src/index.js";

const bot = new Bot("1:x");

describe("the Bot API 10.3 update kinds in filters", () => {
  it("subscription narrows ctx.subscription", () => {
    bot.on("subscription", (ctx) => {
      expectTypeOf(ctx.subscription).toEqualTypeOf<BotSubscriptionUpdated>();
      expectTypeOf(ctx.update.subscription).toEqualTypeOf<BotSubscriptionUpdated>();
    });
  });

  it("stopped_message_generation narrows its getter, its chat and its optional fields", () => {
    bot.on("stopped_message_generation", (ctx) => {
      expectTypeOf(ctx.stoppedMessageGeneration).toEqualTypeOf<MessageGenerationStopped>();
      expectTypeOf(ctx.chat).toEqualTypeOf<Chat>();
    });
    bot.on("stopped_message_generation:message_thread_id", (ctx) => {
      expectTypeOf(ctx.stoppedMessageGeneration.message_thread_id).toEqualTypeOf<number>();
    });
  });
});
