#!/usr/bin/env node
// Packs every public package the way `changeset publish` would (pnpm pack rewrites
// `workspace:` and `catalog:` ranges and applies publishConfig), then checks each
// tarball: no `workspace:`/`catalog:` left in its manifest, publint clean, and
// are-the-types-wrong clean for ESM under node16 and bundler resolution.
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "../..");
const out = join(root, ".packs");
rmSync(out, { recursive: true, force: true });
mkdirSync(out);

// The pnpm that runs this script (`pnpm run check:packs`), else the one on PATH.
const execPath = process.env.npm_execpath ?? "";
const pnpm = (args) =>
  /pnpm/.test(execPath) ? [process.execPath, [execPath, ...args]] : ["pnpm", args];
const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });
let failures = 0;
for (const dir of readdirSync(join(root, "packages"))) {
  const pkgDir = join(root, "packages", dir);
  const pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
  if (pkg.private) continue;
  const tgzName = run(...pnpm(["pack", "--pack-destination", out]), pkgDir)
    .trim()
    .split("\n")
    .pop();
  const tgz = resolve(pkgDir, tgzName);
  const manifest = run("tar", ["-xOzf", tgz, "package/package.json"], root);
  const problems = [];
  if (/"(workspace|catalog):/.test(manifest))
    problems.push("manifest still has workspace: or catalog: ranges");
  if (/@bot\/source/.test(manifest)) problems.push("manifest still has the @bot/source condition");
  try {
    run(...pnpm(["exec", "publint", "--strict", tgz]), root);
  } catch (e) {
    problems.push(`publint:\n${e.stdout}${e.stderr}`);
  }
  try {
    run(...pnpm(["exec", "attw", tgz, "--profile", "esm-only", "--format", "table-flipped"]), root);
  } catch (e) {
    problems.push(`are-the-types-wrong:\n${e.stdout}${e.stderr}`);
  }
  if (problems.length) {
    failures++;
    console.error(`✗ ${pkg.name}\n  ${problems.join("\n  ")}`);
  } else {
    console.log(`✓ ${pkg.name} (${tgzName.split("/").pop()})`);
  }
}
rmSync(out, { recursive: true, force: true });
if (failures) process.exit(1);
