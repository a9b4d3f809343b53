import { defineProject, type UserWorkspaceConfig } from "vitest/config";

/**
 * One Vitest project per package. Workspace packages resolve to their TypeScript
 * source through the `@bot/source` export condition, so tests never need a build.
 *
 * @param name The project name, used with `vitest --project`.
 * @param extra Extra test options for this package.
 * @returns The project configuration.
 */
export function project(
  name: string,
  extra: NonNullable<UserWorkspaceConfig["test"]> = {},
): UserWorkspaceConfig {
  return defineProject({
    resolve: { conditions: ["@bot/source", "import", "node", "default"] },
    ssr: { resolve: { conditions: ["@bot/source", "import", "node", "default"] } },
    test: {
      name,
      include: ["test/**/*.test.ts", "src/**/*.test.ts"],
      // BOT_VITEST_TYPECHECK=0 skips the type tests (.ci/run's extra Node lines: tsc's answer
      // does not depend on the Node that runs it, and the Node 24 pass runs them).
      typecheck: {
        enabled: process.env.BOT_VITEST_TYPECHECK !== "0",
        include: ["test/**/*.test-d.ts"],
        tsconfig: "./tsconfig.json",
      },
      testTimeout: 30_000,
      hookTimeout: 30_000,
      ...extra,
    },
  });
}
