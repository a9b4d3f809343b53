import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

/** The repository root (this file is tooling/scripts/test/checkout.ts). */
export const repoRoot: string = resolve(import.meta.dirname, "../../..");

/** A throwaway copy of the repository, removed by `dispose`. */
export interface Checkout {
  /** The copy's root directory. */
  readonly dir: string;
  /** Deletes the copy. */
  dispose(): void;
}

const git = (args: string[], cwd: string): string =>
  execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

/**
 * Clones the repository into a temporary directory and lays the working tree's uncommitted
 * changes (modified, added and deleted files) over it, so the copy is exactly what is being
 * tested. `node_modules` is linked from the real checkout, so the copy's tools resolve.
 *
 * @returns The copy and its disposer.
 */
export function cloneCheckout(): Checkout {
  const parent = mkdtempSync(join(tmpdir(), "bot-checkout-"));
  const dir = join(parent, "repo");
  git(["clone", "-q", "--no-hardlinks", repoRoot, dir], parent);
  const lines = (out: string) => out.split("\n").filter((line) => line !== "");
  for (const file of lines(git(["ls-files", "-m", "-o", "--exclude-standard"], repoRoot))) {
    const from = join(repoRoot, file);
    if (!existsSync(from)) continue;
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    cpSync(from, join(dir, file), { recursive: true });
  }
  for (const file of lines(git(["ls-files", "-d"], repoRoot)))
    rmSync(join(dir, file), { force: true });
  symlinkSync(join(repoRoot, "node_modules"), join(dir, "node_modules"), "dir");
  return { dir, dispose: () => rmSync(parent, { recursive: true, force: true }) };
}
