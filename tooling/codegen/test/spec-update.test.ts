import { execFileSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import {
  CodegenError,
  generate,
  type Spec,
  serializeSpec,
  specPath,
  updateSpec,
} from "../src/index.ts";
import { smallSpec } from "./fixtures.ts";

const gramioDir = fileURLToPath(new URL("../node_modules/@gramio/types/", import.meta.url));
const raw = readFileSync(specPath(), "utf8");
const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

/** A scratch repository: a copy of the vendored spec and an empty output folder. */
function scratch() {
  const dir = mkdtempSync(join(tmpdir(), "bot-spec-update-test-"));
  temps.push(dir);
  const specFile = join(dir, "api.json");
  writeFileSync(specFile, raw);
  return { dir, specFile, outDir: join(dir, "generated") };
}

describe("updateSpec", () => {
  it("takes an api.json file, writes it, regenerates and reports the delta", () => {
    const s = scratch();
    const next: Spec = JSON.parse(raw);
    delete next.methods.deleteEphemeralMessage;
    next.types.ReplyParameters!.fields!.find((f) => f.name === "message_id")!.required = true;
    const source = join(s.dir, "next.json");
    writeFileSync(source, JSON.stringify(next));

    const result = updateSpec({ source, ...s });
    expect(result.via).toBe("api.json");
    expect(result.delta.methods.removed).toEqual(["deleteEphemeralMessage"]);
    expect(result.delta.types.changed.map((c) => c.name)).toEqual(["ReplyParameters"]);
    expect(result.report).toContain(
      "ReplyParameters: ~message_id: Integer (optional) -> Integer (required)",
    );
    expect(readFileSync(s.specFile, "utf8")).toBe(serializeSpec(next));
    for (const [name, content] of Object.entries(generate(next))) {
      expect(readFileSync(join(s.outDir, name), "utf8")).toBe(content);
    }
  });

  it("converts an @gramio/types package folder: 10.3.1 gives the vendored file unchanged", () => {
    const s = scratch();
    const result = updateSpec({ source: gramioDir, ...s });
    expect(result.via).toBe("@gramio/types@10.3.1");
    expect(readFileSync(s.specFile, "utf8")).toBe(raw);
    expect(result.report).toBe(
      "Bot API 10.3 -> Bot API 10.3\nmethods: +0 -0 ~0\ntypes: +0 -0 ~0\n",
    );
  });

  it("converts an npm tarball (.tgz)", () => {
    const s = scratch();
    const pkg = join(s.dir, "pack", "package");
    mkdirSync(join(s.dir, "pack"));
    cpSync(gramioDir, pkg, { recursive: true, dereference: true });
    const tarball = join(s.dir, "gramio-types-10.3.1.tgz");
    execFileSync("tar", ["-czf", tarball, "-C", join(s.dir, "pack"), "package"]);
    const result = updateSpec({ source: tarball, ...s });
    expect(result.via).toBe("@gramio/types@10.3.1");
    expect(readFileSync(s.specFile, "utf8")).toBe(raw);
  });

  it("leaves everything as it was when the generator rejects the new spec", () => {
    const s = scratch();
    const source = join(s.dir, "small.json");
    writeFileSync(source, JSON.stringify(smallSpec()));
    expect(() => updateSpec({ source, ...s })).toThrow(CodegenError);
    expect(readFileSync(s.specFile, "utf8")).toBe(raw);
    expect(existsSync(s.outDir)).toBe(false);
  });

  it("refuses a source it cannot read", () => {
    const s = scratch();
    expect(() => updateSpec({ source: join(s.dir, "missing"), ...s })).toThrow(
      /not an api.json file, a package folder, a .tgz or a name@version/,
    );
    expect(() => updateSpec({ source: s.dir, ...s })).toThrow(/objects\.d\.ts is missing/);
  });
});
