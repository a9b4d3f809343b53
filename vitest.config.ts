import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      "packages/*/vitest.config.ts",
      "apps/*/vitest.config.ts",
      "tooling/*/vitest.config.ts",
      "examples/*/vitest.config.ts",
      "docs/vitest.config.ts",
    ],
    reporters: ["default", "./tooling/vitest-summary-reporter.ts"],
  },
});
