"use strict";
var __awaiter = (this && this.__awaiter) || function (thisArg, _arguments, P, generator) {
    function adopt(value) { return value instanceof P ? value : new P(function (resolve) { resolve(value); }); }
    return new (P || (P = Promise))(function (resolve, reject) {
        function fulfilled(value) { try { step(generator.next(value)); } catch (e) { reject(e); } }
        function rejected(value) { try { step(generator["throw"](value)); } catch (e) { reject(e); } }
        function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};
var __generator = (this && this.__generator) || function (thisArg, body) {
    var _ = { label: 0, sent: function() { if (t[0] & 1) throw t[1]; return t[1]; }, trys: [], ops: [] }, f, y, t, g = Object.create((typeof Iterator === "function" ? Iterator : Object).prototype);
    return g.next = verb(0), g["throw"] = verb(1), g["return"] = verb(2), typeof Symbol === "function" && (g[Symbol.iterator] = function() { return this; }), g;
    function verb(n) { return function (v) { return step([n, v]); }; }
    function step(op) {
        if (f) throw new TypeError("Generator is already executing.");
        while (g && (g = 0, op[0] && (_ = 0)), _) try {
            if (f = 1, y && (t = op[0] & 2 ? y["return"] : op[0] ? y["throw"] || ((t = y["return"]) && t.call(y), 0) : y.next) && !(t = t.call(y, op[1])).done) return t;
            if (y = 0, t) op = [op[0] & 2, t.value];
            switch (op[0]) {
                case 0: case 1: t = op; break;
                case 4: _.label++; return { value: op[1], done: false };
                case 5: _.label++; y = op[1]; op = [0]; continue;
                case 7: op = _.ops.pop(); _.trys.pop(); continue;
                default:
                    if (!(t = _.trys, t = t.length > 0 && t[t.length - 1]) && (op[0] === 6 || op[0] === 2)) { _ = 0; continue; }
                    if (op[0] === 3 && (!t || (op[1] > t[0] && op[1] < t[3]))) { _.label = op[1]; break; }
                    if (op[0] === 6 && _.label < t[1]) { _.label = t[1]; t = op; break; }
                    if (t && _.label < t[2]) { _.label = t[2]; _.ops.push(op); break; }
                    if (t[2]) _.ops.pop();
                    _.trys.pop(); continue;
            }
            op = body.call(thisArg, _);
        } catch (e) { op = [6, e]; y = 0; } finally { f = t = 0; }
        if (op[0] & 5) throw op[1]; return { value: op[0] ? op[1] : void 0, done: true };
    }
};
Object.defineProperty(exports, "__esModule", { value: true });
var emulator_1 = require("@bot/emulator");
var vitest_1 = require("vitest");
var bot_ts_1 = require("../src/bot.ts");
var emulator;
var alice;
var bot;
var polling;
var errors = [];
(0, vitest_1.beforeAll)(function () { return __awaiter(void 0, void 0, void 0, function () {
    var token;
    return __generator(this, function (_a) {
        switch (_a.label) {
            case 0: return [4 /*yield*/, (0, emulator_1.createEmulator)()];
            case 1:
                emulator = _a.sent();
                token = emulator.createBot({ username: "echo_bot" }).token;
                alice = emulator.user({ first_name: "Alice" });
                bot = (0, bot_ts_1.createBot)(token, { clientOptions: { apiRoot: emulator.apiRoot, retry: false } });
                bot.catch(function (err) { return void errors.push(err.error); });
                polling = bot.start({ timeout: 1 });
                return [2 /*return*/];
        }
    });
}); });
(0, vitest_1.afterAll)(function () { return __awaiter(void 0, void 0, void 0, function () {
    return __generator(this, function (_a) {
        switch (_a.label) {
            case 0: return [4 /*yield*/, bot.stop()];
            case 1:
                _a.sent();
                return [4 /*yield*/, polling];
            case 2:
                _a.sent();
                return [4 /*yield*/, bot.api.close()];
            case 3:
                _a.sent();
                return [4 /*yield*/, emulator.close()];
            case 4:
                _a.sent();
                return [2 /*return*/];
        }
    });
}); });
var next = function () { return __awaiter(void 0, void 0, void 0, function () { return __generator(this, function (_a) {
    switch (_a.label) {
        case 0: return [4 /*yield*/, alice.nextMessage({ timeoutMs: 10000 })];
        case 1: return [2 /*return*/, (_a.sent()).text];
    }
}); }); };
(0, vitest_1.it)("greets, helps, and echoes text", function () { return __awaiter(void 0, void 0, void 0, function () {
    var _a, _b, _c;
    return __generator(this, function (_d) {
        switch (_d.label) {
            case 0:
                alice.send("/start");
                _a = vitest_1.expect;
                return [4 /*yield*/, next()];
            case 1:
                _a.apply(void 0, [_d.sent()]).toBe("Hi Alice! Send me text.");
                alice.send("/help");
                _b = vitest_1.expect;
                return [4 /*yield*/, next()];
            case 2:
                _b.apply(void 0, [_d.sent()]).toBe("I repeat every message you send me.");
                alice.send("Hello, echo!");
                _c = vitest_1.expect;
                return [4 /*yield*/, next()];
            case 3:
                _c.apply(void 0, [_d.sent()]).toBe("Hello, echo!");
                (0, vitest_1.expect)(errors).toEqual([]);
                return [2 /*return*/];
        }
    });
}); });
