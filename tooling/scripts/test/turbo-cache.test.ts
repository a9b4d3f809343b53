import { execFileSync } from "node:child_process";
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Checkout, cloneCheckout, repoRoot } from "./checkout.ts";

/** The hash turbo would give each typecheck task now (a dry run: nothing executes). */
const typecheckHashes = (dir: string): Map<string, string> => {
  const turbo = join(repoRoot, "node_modules/.bin/turbo");
  const out = execFileSync(turbo, ["run", "typecheck", "--dry=json"], {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1", DO_NOT_TRACK: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const plan = JSON.parse(out) as { tasks: { taskId: string; hash: string }[] };
  return new Map(plan.tasks.map((t) => [t.taskId, t.hash]));
};

describe("turbo's typecheck cache follows what a package type-checks against", () => {
  let copy: Checkout;
  beforeAll(() => {
    copy = cloneCheckout();
  });
  afterAll(() => copy?.dispose());

  it("misses when a dependency's source or the shared tsconfig changes", () => {
    const before = typecheckHashes(copy.dir);
    appendFileSync(join(copy.dir, "packages/types/src/index.ts"), "\nexport type Probe = 1;\n");
    const afterTypes = typecheckHashes(copy.dir);
    for (const dependent of ["@bot/client", "@bot/dispatcher", "@bot/webhook-fastify"]) {
      expect(afterTypes.get(`${dependent}#typecheck`), dependent).not.toBe(
        before.get(`${dependent}#typecheck`),
      );
    }
    appendFileSync(join(copy.dir, "tooling/tsconfig/base.json"), "\n");
    const afterBase = typecheckHashes(copy.dir);
    expect(afterBase.get("@bot/client#typecheck")).not.toBe(
      afterTypes.get("@bot/client#typecheck"),
    );
  }, 120_000);
});
