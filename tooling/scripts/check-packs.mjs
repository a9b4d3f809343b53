#!/usr/bin/env node
// Packs every public package the way `changeset publish` would (pnpm pack rewrites
// `workspace:` and `catalog:` ranges and applies publishConfig), then checks each
// tarball: no `workspace:`/`catalog:` left in its manifest, a LICENSE file, every export
// with a `default` condition, publint clean, and are-the-types-wrong clean for ESM under
// node16 and bundler resolution. Last, it installs the tarballs side by side and loads
// every export with both `import()` and `require()` in a child process: the packages are
// ES modules only, and `require()` works because Node 22.12+ loads ESM synchronously.
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

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
const report = (name, label, problems) => {
  if (problems.length) {
    failures++;
    console.error(`✗ ${name}\n  ${problems.join("\n  ")}`);
  } else {
    console.log(`✓ ${name} (${label})`);
  }
};

// Where the packed packages are installed side by side for the load check.
const installRoot = join(out, "install");
const installed = join(installRoot, "node_modules");
mkdirSync(join(installed, "@bot"), { recursive: true });
const packed = [];

for (const dir of readdirSync(join(root, "packages"))) {
  const pkgDir = join(root, "packages", dir);
  const pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
  if (pkg.private) continue;
  const tgzName = run(...pnpm(["pack", "--pack-destination", out]), pkgDir)
    .trim()
    .split("\n")
    .pop();
  const tgz = resolve(pkgDir, tgzName);
  const manifestText = run("tar", ["-xOzf", tgz, "package/package.json"], root);
  const manifest = JSON.parse(manifestText);
  const entries = run("tar", ["-tzf", tgz], root).split("\n");
  const problems = [];
  if (/"(workspace|catalog):/.test(manifestText))
    problems.push("manifest still has workspace: or catalog: ranges");
  if (/@bot\/source/.test(manifestText))
    problems.push("manifest still has the @bot/source condition");
  if (!entries.includes("package/LICENSE")) problems.push("no LICENSE file in the tarball");
  for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
    if (typeof target !== "object" || !("default" in target))
      problems.push(`export "${subpath}" has no "default" condition (require() would fail)`);
  }
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
  const target = join(installed, manifest.name);
  mkdirSync(target, { recursive: true });
  run("tar", ["-xzf", tgz, "-C", target, "--strip-components=1"], root);
  packed.push({ pkgDir, manifest, problems, label: tgzName.split("/").pop() });
}

// Third-party dependencies come from the workspace install (pnpm links each package's
// dependencies into its own node_modules); @bot/* ones are the tarballs extracted above.
const linked = new Set();
for (const { pkgDir, manifest } of packed) {
  for (const dep of Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies })) {
    if (dep.startsWith("@bot/") || linked.has(dep)) continue;
    linked.add(dep);
    const link = join(installed, dep);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(realpathSync(join(pkgDir, "node_modules", dep)), link, "dir");
  }
}

// Each export, loaded in a fresh process both ways: import() and require() give the same names.
const loader = `
const spec = process.argv[1];
const viaImport = await import(spec);
const viaRequire = (await import("node:module")).createRequire(process.cwd() + "/")(spec);
const a = Object.keys(viaImport).filter((k) => k !== "default").sort().join();
const b = Object.keys(viaRequire).filter((k) => k !== "default" && k !== "module.exports" && k !== "__esModule").sort().join();
if (a !== b) throw new Error("require() and import() disagree: " + a + " vs " + b);
console.log(a.split(",").length);
`;
// Node binaries to load with: this one, plus any in CHECK_PACKS_NODES (":"-separated paths;
// .ci/run passes its Node 22 and 26 binaries, so require() is checked on every supported line).
const nodes = [
  process.execPath,
  ...(process.env.CHECK_PACKS_NODES ?? "").split(":").filter((p) => p !== ""),
];
const versions = nodes.map((node) => run(node, ["-v"], root).trim());
for (const { manifest, problems, label } of packed) {
  for (const subpath of Object.keys(manifest.exports ?? {})) {
    const spec = subpath === "." ? manifest.name : `${manifest.name}/${subpath.slice(2)}`;
    nodes.forEach((node, i) => {
      try {
        execFileSync(node, ["--input-type=module", "-e", loader, spec], {
          cwd: installRoot,
          stdio: ["ignore", "pipe", "pipe"],
          encoding: "utf8",
        });
      } catch (e) {
        problems.push(`loading ${spec} from the tarball on Node ${versions[i]}:\n${e.stderr}`);
      }
    });
  }
  report(
    manifest.name,
    `${label}; import() and require() on Node ${versions.join(", ")}`,
    problems,
  );
}
rmSync(out, { recursive: true, force: true });
if (failures) process.exit(1);
