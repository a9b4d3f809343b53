"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.createBot = createBot;
var dispatcher_1 = require("@bot/dispatcher");
/**
 * The echo bot: greets on /start, explains itself on /help, repeats every other text message.
 *
 * @param token The bot token.
 * @param options Bot options (the emulator passes its API root here).
 * @returns The bot, not started.
 */
function createBot(token, options) {
    if (options === void 0) { options = {}; }
    var bot = new dispatcher_1.Bot(token, options);
    bot.command("start", function (ctx) { var _a, _b; return ctx.reply("Hi ".concat((_b = (_a = ctx.from) === null || _a === void 0 ? void 0 : _a.first_name) !== null && _b !== void 0 ? _b : "there", "! Send me text.")); });
    bot.command("help", function (ctx) { return ctx.reply("I repeat every message you send me."); });
    bot.on("message:text", function (ctx) { return ctx.reply(ctx.message.text); });
    return bot;
}
