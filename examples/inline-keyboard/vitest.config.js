"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
var vitest_shared_ts_1 = require("../../tooling/vitest.shared.ts");
exports.default = (0, vitest_shared_ts_1.project)("example-inline-keyboard");
