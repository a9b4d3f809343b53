import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import type { File } from "@bot/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, OptionsError } from "../src/index.js";

// A local Bot API server keeps files under <dir>/<token>/..., so the token is in every path.
const CANARY = `${100000 + Math.floor(Math.random() * 899999)}:CANARY_${randomBytes(12).toString("hex")}`;

let root: string;
let outside: string;
let client: Client;
const file = (file_path: string): File => ({ file_id: "f", file_unique_id: "u", file_path });
const text = async (stream: AsyncIterable<Uint8Array>) => {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks).toString("utf8");
};

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "bot-local-root-"));
  outside = await mkdtemp(join(tmpdir(), "bot-local-outside-"));
  await mkdir(join(root, CANARY, "documents"), { recursive: true });
  await writeFile(join(root, CANARY, "documents", "a.txt"), "inside");
  await writeFile(join(outside, "secret.txt"), "outside secret");
  await symlink(join(outside, "secret.txt"), join(root, CANARY, "documents", "link.txt"));
  await symlink(outside, join(root, CANARY, "escape"));
  // The API root is never reached: every File below already has its path.
  client = new Client(CANARY, {
    apiRoot: "http://127.0.0.1:9",
    localServer: true,
    localFileRoot: root,
    retry: false,
  });
});
afterAll(async () => {
  await client.close();
  await rm(root, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

describe("download() with localServer: reads confined to localFileRoot", () => {
  it("reads a file inside the root", async () => {
    const stream = await client.download(file(join(root, CANARY, "documents", "a.txt")));
    expect(await text(stream)).toBe("inside");
  });

  it.each([
    ["/proc/self/environ", "outside localFileRoot"],
    ["/etc/passwd", "outside localFileRoot"],
    ["<root>/../<outside>/secret.txt", "'..'"],
    ["<root>/<token>/documents/../../../<outside>/secret.txt", "'..'"],
    ["<root>/<token>/documents/link.txt", "outside localFileRoot"],
    ["<root>/<token>/escape/secret.txt", "outside localFileRoot"],
    ["<root>/<token>/documents", "not a regular file"],
  ])("refuses %s", async (template, reason) => {
    const path = template
      .replace("<root>", root)
      .replace("<outside>", outside.slice(tmpdir().length + 1))
      .replace("<token>", CANARY);
    const error = await client.download(file(path)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "BOT_CLIENT_INPUT" });
    expect((error as Error).message).toContain(reason);
    // No rendering of the error holds the token that was in the path.
    const rendered = `${inspect(error, { depth: 10, showHidden: true })}${JSON.stringify(error)}`;
    expect(rendered.includes(CANARY)).toBe(false);
  });

  it("refuses every absolute path when localFileRoot is not set", async () => {
    const open = new Client("1:tok", { apiRoot: "http://127.0.0.1:9", localServer: true });
    try {
      const error = await open
        .download(file(join(root, CANARY, "documents", "a.txt")))
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "BOT_CLIENT_INPUT" });
      expect((error as Error).message).toContain("localFileRoot");
      expect(await readFile(join(root, CANARY, "documents", "a.txt"), "utf8")).toBe("inside");
    } finally {
      await open.close();
    }
  });

  it("validates localFileRoot", () => {
    expect(() => new Client("1:tok", { localServer: true, localFileRoot: "relative/dir" })).toThrow(
      OptionsError,
    );
    expect(() => new Client("1:tok", { localFileRoot: 5 as never })).toThrow(OptionsError);
  });
});
