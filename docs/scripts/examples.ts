/**
 * Writes docs/examples.md (generated, not committed): one row per folder of examples/, from
 * its package.json (name, description, start script), linking its README and source in the
 * repository. Run by `pnpm docs:build` and `pnpm docs:dev`, so a new example shows up by itself.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const docs = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const examples = join(docs, "..", "examples");

interface Manifest {
  name: string;
  description?: string;
}

const rows = readdirSync(examples)
  .filter((dir) => existsSync(join(examples, dir, "package.json")))
  .sort()
  .map((dir) => {
    const pkg = JSON.parse(readFileSync(join(examples, dir, "package.json"), "utf8")) as Manifest;
    const [title = dir, what = ""] = (pkg.description ?? "").split(/:\s(.*)/s);
    // Plain text in a table cell: no HTML (`/set <seconds>`), no cell breaks.
    const text = (t: string) =>
      t.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/\|/g, "\\|");
    const readme = existsSync(join(examples, dir, "README.md")) ? `README.md` : "";
    return `| [${text(title)}](../examples/${dir}/${readme}) | ${text(what)} | \`pnpm --filter ${pkg.name} start\` |`;
  });

writeFileSync(
  join(docs, "examples.md"),
  [
    "# Examples",
    "",
    "The repository's `examples/` holds small bots with the behaviour of python-telegram-bot's",
    "example bots, written with `@bot` as a user would. Without `BOT_TOKEN` each runs against",
    "`@bot/emulator` in process and prints the conversation; with `BOT_TOKEN` it talks to",
    "Telegram. Each has an end-to-end test through the emulator",
    "(`pnpm vitest run --project example-<name>`).",
    "",
    "| example | what it shows | run (from the repository) |",
    "| --- | --- | --- |",
    ...rows,
    "",
  ].join("\n"),
);
console.log(`examples: ${rows.length} examples`);
