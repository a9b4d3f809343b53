"use strict";
var _a;
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * With BOT_TOKEN: long-polls Telegram until Ctrl-C. Without: starts the @bot emulator
 * in process, lets a user open the menu and click a button, prints it and exits.
 */
var emulator_1 = require("@bot/emulator");
var bot_ts_1 = require("./bot.ts");
var token = process.env.BOT_TOKEN;
if (token !== undefined && token !== "") {
    var bot = (0, bot_ts_1.createBot)(token);
    console.log("Polling Telegram; Ctrl-C stops.");
    await bot.start({ signals: ["SIGINT", "SIGTERM"] });
}
else {
    console.log("No BOT_TOKEN: running against the @bot emulator.\n");
    var emulator = await (0, emulator_1.createEmulator)();
    var fake = emulator.createBot({ username: "keyboard_bot" }).token;
    var alice = emulator.user({ first_name: "Alice" });
    var bot = (0, bot_ts_1.createBot)(fake, { clientOptions: { apiRoot: emulator.apiRoot } });
    var polling = bot.start({ timeout: 1 });
    console.log("Alice: /start");
    alice.send("/start");
    var shown = await alice.nextMessage({ timeoutMs: 10000 });
    var labels = (_a = shown.reply_markup) === null || _a === void 0 ? void 0 : _a.inline_keyboard.flat().map(function (b) { return "[".concat(b.text, "]"); });
    console.log("  bot: ".concat(shown.text, " ").concat(labels === null || labels === void 0 ? void 0 : labels.join(" ")));
    console.log("Alice clicks [Option 2]");
    alice.click("Option 2");
    console.log("  bot (edited): ".concat((await alice.nextEdit({ timeoutMs: 10000 })).text));
    await bot.stop();
    await polling;
    await bot.api.close();
    await emulator.close();
}
