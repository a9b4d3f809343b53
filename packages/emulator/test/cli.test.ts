import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const cli = fileURLToPath(new URL("../src/cli.ts", import.meta.url));
let child: ChildProcess | undefined;

afterEach(() => {
  if (child?.exitCode === null) child.kill("SIGTERM");
});

function start(args: string[]): Promise<{ out: string; child: ChildProcess }> {
  const c = spawn(process.execPath, ["--conditions=@bot/source", "--import", "tsx", cli, ...args], {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    stdio: ["ignore", "pipe", "pipe"],
  });
  child = c;
  return new Promise((resolve, reject) => {
    let out = "";
    c.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("apiRoot:")) resolve({ out, child: c });
    });
    c.stderr?.on("data", (d: Buffer) => {
      out += d.toString();
    });
    c.on("exit", (code) => reject(new Error(`cli exited with ${code}: ${out}`)));
  });
}

describe("bot-emulator CLI", () => {
  it("starts with a demo bot, prints its token and URL, and serves getMe", async () => {
    const { out, child: c } = await start([
      "--port",
      "0",
      "--username",
      "cli_demo_bot",
      "--token",
      "424242:cli-fixed-token",
    ]);
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
    expect(url).toBeDefined();
    expect(out).toContain("token:    424242:cli-fixed-token");
    const me = (await (await fetch(`${url}/bot424242:cli-fixed-token/getMe`)).json()) as {
      result: { id: number; username: string };
    };
    expect(me.result).toMatchObject({ id: 424242, username: "cli_demo_bot" });
    const exited = new Promise((r) => c.on("exit", r));
    c.kill("SIGTERM");
    expect(await exited).toBe(0);
  });

  it("--ui serves the chat window, with a second user and a group", async () => {
    const { out, child: c } = await start([
      "--port",
      "0",
      "--ui",
      "--token",
      "434343:cli-ui-token",
    ]);
    const ui = /Chat window: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out)?.[1];
    expect(ui).toBeDefined();
    const page = await fetch(ui as string);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("default-src 'none'");
    const state = (await (await fetch(`${ui}ui/api/state`)).json()) as {
      users: { first_name: string }[];
      chats: { title: string }[];
    };
    expect(state.users.map((u) => u.first_name)).toEqual(["Demo", "Bob"]);
    expect(state.chats.map((c) => c.title)).toEqual(["Demo group"]);
    const exited = new Promise((r) => c.on("exit", r));
    c.kill("SIGTERM");
    expect(await exited).toBe(0);
  });

  it("rejects a bad port", async () => {
    await expect(start(["--port", "nope"])).rejects.toThrow(/--port must be an integer/);
  });
});
