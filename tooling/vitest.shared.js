"use strict";
var __assign = (this && this.__assign) || function () {
    __assign = Object.assign || function(t) {
        for (var s, i = 1, n = arguments.length; i < n; i++) {
            s = arguments[i];
            for (var p in s) if (Object.prototype.hasOwnProperty.call(s, p))
                t[p] = s[p];
        }
        return t;
    };
    return __assign.apply(this, arguments);
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.project = project;
var config_1 = require("vitest/config");
/**
 * One Vitest project per package. Workspace packages resolve to their TypeScript
 * source through the `@bot/source` export condition, so tests never need a build.
 *
 * @param name The project name, used with `vitest --project`.
 * @param extra Extra test options for this package.
 * @returns The project configuration.
 */
function project(name, extra) {
    if (extra === void 0) { extra = {}; }
    return (0, config_1.defineProject)({
        resolve: { conditions: ["@bot/source", "import", "node", "default"] },
        ssr: { resolve: { conditions: ["@bot/source", "import", "node", "default"] } },
        test: __assign({ name: name, include: ["test/**/*.test.ts", "src/**/*.test.ts"], 
            // BOT_VITEST_TYPECHECK=0 skips the type tests (.ci/run's extra Node lines: tsc's answer
            // does not depend on the Node that runs it, and the Node 24 pass runs them).
            typecheck: {
                enabled: process.env.BOT_VITEST_TYPECHECK !== "0",
                include: ["test/**/*.test-d.ts"],
                tsconfig: "./tsconfig.json",
            }, testTimeout: 30000, hookTimeout: 30000 }, extra),
    });
}
