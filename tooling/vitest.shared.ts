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
      typecheck: { enabled: true, include: ["test/**/*.test-d.ts"], tsconfig: "./tsconfig.json" },
      testTimeout: 30_000,
      hookTimeout: 30_000,
      ...extra,
    },
  });
}
