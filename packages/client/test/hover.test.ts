/**
 * What an editor shows on hover, read with the TypeScript language service over the package's
 * own sources: each client method and each params field carries its doc comment.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { beforeAll, describe, expect, it } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const probePath = join(root, "test", "__hover_probe__.ts");
const probe = `import { Client } from "../src/index.js";
const client = new Client("1:probe");
void client.sendMessage({ chat_id: 1, text: "hi", parse_mode: "HTML" });
void client.getMe();
void client.call("sendMessage", { chat_id: 1, text: "hi" });
`;

let service: ts.LanguageService;

beforeAll(() => {
  // (the language service starts lazily: the first query pays for the program)
  const configPath = join(root, "tsconfig.json");
  const config = ts.readConfigFile(configPath, (p) => ts.sys.readFile(p));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  const files = new Map<string, string>([[probePath, probe]]);
  const host: ts.LanguageServiceHost = {
    getCompilationSettings: () => parsed.options,
    getScriptFileNames: () => [probePath],
    getScriptVersion: () => "1",
    getScriptSnapshot: (name) => {
      const text = files.get(name) ?? ts.sys.readFile(name);
      return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
    },
    getCurrentDirectory: () => root,
    getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
    fileExists: (name) => files.has(name) || ts.sys.fileExists(name),
    readFile: (name) => files.get(name) ?? ts.sys.readFile(name),
    readDirectory: ts.sys.readDirectory,
    directoryExists: ts.sys.directoryExists,
    getDirectories: ts.sys.getDirectories,
  };
  service = ts.createLanguageService(host, ts.createDocumentRegistry());
});

/** The hover text (signature and documentation) at the n-th occurrence of `needle`. */
function hover(needle: string, nth = 0): string {
  let at = -1;
  for (let i = 0; i <= nth; i++) at = probe.indexOf(needle, at + 1);
  if (at < 0) throw new Error(`no ${needle} in the probe`);
  const info = service.getQuickInfoAtPosition(probePath, at + 1);
  if (info === undefined) return "";
  const text = (parts: readonly ts.SymbolDisplayPart[] | undefined) =>
    (parts ?? []).map((p) => p.text).join("");
  const tags = (info.tags ?? []).map((t) => `@${t.name} ${text(t.text)}`).join("\n");
  return `${text(info.displayParts)}\n${text(info.documentation)}\n${tags}`;
}

describe("hover docs", { timeout: 120_000 }, () => {
  it("the probe compiles against the package", () => {
    const errors = service
      .getSemanticDiagnostics(probePath)
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    expect(errors).toEqual([]);
    expect(readFileSync(join(root, "src", "types.ts"), "utf8")).toContain("ApiCallMethods");
  });

  it("shows a method's own doc with its link", () => {
    const send = hover("sendMessage");
    expect(send).toContain("sendMessage");
    expect(send).toContain("https://core.telegram.org/bots/api#sendmessage");
    expect(hover("getMe")).toContain("https://core.telegram.org/bots/api#getme");
  });

  it("shows a params field's doc with its link and stated constraints", () => {
    const text = hover("text");
    expect(text).toContain("1-4096");
    expect(text).toContain("https://core.telegram.org/bots/api#sendmessage");
    expect(hover("chat_id")).toContain("https://core.telegram.org/bots/api#sendmessage");
  });
});
