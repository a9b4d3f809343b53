import { redactToken } from "@bot/client";
import { type Bot, bold, type Context, fmt } from "@bot/dispatcher";
import { safeParseUpdate } from "@bot/types/schemas";

export function examples(bot: Bot<Context>, body: string): void {
  // #region redact
  // Anything you log that might hold a request URL: pass it through redactToken.
  const line = `GET https://api.telegram.org/bot${process.env.BOT_TOKEN}/getMe`;
  console.log(redactToken(line)); // "... /bot[REDACTED]/getMe"
  // #endregion redact

  // #region validate
  // Updates from anywhere but the framework's own polling or webhook: validate first.
  const result = safeParseUpdate(JSON.parse(body));
  if (!result.success) console.warn("bad update at", result.error.path);
  else void bot.handleUpdate(result.output);
  // #endregion validate

  // #region input
  // User text inside fmt stays text: it cannot open a link or fake formatting.
  bot.command("greet", (ctx) => ctx.reply(fmt`Hello ${bold(ctx.match)}`));
  // #endregion input
}
