import { describe, expectTypeOf, it } from "vitest";
import { Bot, Context, type DataFlavor, type SessionFlavor } from "../src/index.js";

class MyContext extends Context {
  get shout(): string {
    return (this.message?.text ?? "").toUpperCase();
  }
}

describe("custom context: one pattern, no ceremony", () => {
  it("a class alone: the bot's context type is inferred from contextConstructor", () => {
    const bot = new Bot("1:x", { contextConstructor: MyContext });
    expectTypeOf(bot).toEqualTypeOf<Bot<MyContext>>();
    bot.on("message:text", (ctx) => {
      expectTypeOf(ctx.shout).toEqualTypeOf<string>();
    });
  });

  it("a class plus flavors: no declare lines in the class", () => {
    type Ctx = MyContext & DataFlavor<{ count: number }> & SessionFlavor<{ step: string }>;
    const bot = new Bot<Ctx>("1:x", { contextConstructor: MyContext });
    bot.command("start", async (ctx) => {
      expectTypeOf(ctx.shout).toEqualTypeOf<string>();
      expectTypeOf((await ctx.chatData).count).toEqualTypeOf<number>();
      expectTypeOf((await ctx.session).step).toEqualTypeOf<string>();
    });
    // the README's line
    bot.on("message", async (ctx) => ctx.reply(`${ctx.shout} #${(await ctx.chatData).count}`));
  });

  it("flavors alone need no class", () => {
    const bot = new Bot<Context & DataFlavor<{ n: number }>>("1:x");
    bot.on("message", async (ctx) => {
      expectTypeOf((await ctx.chatData).n).toEqualTypeOf<number>();
    });
  });

  it("a class whose members disagree with the context type is refused", () => {
    class Other extends Context {
      get shout(): number {
        return 1;
      }
    }
    // @ts-expect-error Other's `shout` is a number, the context type says string
    new Bot<MyContext>("1:x", { contextConstructor: Other });
    // @ts-expect-error not a Context subclass
    new Bot<MyContext>("1:x", { contextConstructor: class {} });
  });
});
