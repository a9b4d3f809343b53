"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
/**
 * With BOT_TOKEN: long-polls Telegram until Ctrl-C. Without: starts the @bot emulator
 * in process, lets a user talk to the bot, prints the conversation and exits.
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
    var fake = emulator.createBot({ username: "echo_bot" }).token;
    var alice = emulator.user({ first_name: "Alice" });
    var bot = (0, bot_ts_1.createBot)(fake, { clientOptions: { apiRoot: emulator.apiRoot } });
    var polling = bot.start({ timeout: 1 });
    for (var _i = 0, _a = ["/start", "/help", "Hello, echo!"]; _i < _a.length; _i++) {
        var text = _a[_i];
        console.log("Alice: ".concat(text));
        alice.send(text);
        console.log("  bot: ".concat((await alice.nextMessage({ timeoutMs: 10000 })).text));
    }
    await bot.stop();
    await polling;
    await bot.api.close();
    await emulator.close();
}
