// Claims of the routing guide that the compiler checks (not shown on a page).
import type { Bot } from "@bot/dispatcher";

export function typos(bot: Bot): void {
  // @ts-expect-error: a filter query with a typo does not compile
  bot.on("mesage:text", () => {});
  bot.on("message:photo", (ctx) => {
    // narrowed: photo is an array here, not optional
    const sizes: readonly { file_id: string }[] = ctx.message.photo;
    void sizes;
  });
}
