/**
 * Process death against `@bot/emulator` (in this process) with the bot as a child process,
 * dedup on, and a durable store (FileStorage: marks survive kill -9).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createEmulator, type Emulator, type EmulatorBot } from "@bot/emulator";
import { afterEach, describe, expect, it } from "vitest";
import { FileStorage } from "./fixtures/file-storage.js";
import { until } from "./fixtures/polling-helpers.js";

const script = fileURLToPath(new URL("./fixtures/crash-child.ts", import.meta.url));
const cwd = fileURLToPath(new URL("..", import.meta.url));

let emu: Emulator | undefined;
let dir: string | undefined;
const children = new Set<ChildProcess>();
afterEach(async () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  children.clear();
  await emu?.close();
  emu = undefined;
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

interface World {
  readonly emu: Emulator;
  readonly bot: EmulatorBot;
  readonly store: FileStorage;
  readonly dir: string;
}

async function world(total: number, chats: number): Promise<World> {
  emu = await createEmulator({ eventLimit: 100_000 });
  dir = await mkdtemp(join(tmpdir(), "bot-crash-"));
  const bot = emu.createBot({ username: "crash_bot" });
  const users = Array.from({ length: chats }, (_, i) => emu!.user({ first_name: `U${i}`, bot }));
  for (let i = 0; i < total; i++) users[i % chats]!.send(`m${i}`);
  return { emu, bot, store: new FileStorage(dir), dir };
}

function spawnBot(
  w: World,
  extra: Record<string, string> = {},
): { child: ChildProcess; exited: Promise<number | string>; output: () => string } {
  const child = spawn(process.execPath, ["--conditions=@bot/source", "--import", "tsx", script], {
    cwd,
    env: {
      ...process.env,
      API_ROOT: w.emu.apiRoot,
      TOKEN: w.bot.token,
      BOT_ID: String(w.bot.id),
      STORE_DIR: w.dir,
      MAX_DELAY_MS: "20",
      LEASE_MS: "1500",
      ...extra,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  let stderr = "";
  let stdout = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const exited = new Promise<number | string>((resolve) => {
    child.on("exit", (code, signal) => {
      if (stderr.trim() !== "" && code !== 0 && signal === null) process.stderr.write(stderr);
      resolve(code ?? signal ?? "unknown");
    });
  });
  return { child, exited, output: () => stdout };
}

/** Per update id, how many times its side effect (the bot's message with the id) happened. */
function effects(e: Emulator): Map<number, number> {
  const counts = new Map<number, number>();
  for (const event of e.events()) {
    if (event.type !== "message" || event.message.text === undefined) continue;
    const id = Number(event.message.text);
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

const sends = (e: Emulator) => [...effects(e).values()].reduce((a, b) => a + b, 0);

/** Update ids whose claim is still "running" in the store: their handler had not finished. */
async function runningClaims(w: World): Promise<Set<number>> {
  const prefix = `${w.bot.id}:dedup:`;
  const out = new Set<number>();
  for (const [key, value] of await w.store.entries(prefix)) {
    if (String(value).startsWith("running")) out.add(Number(key.slice(prefix.length)));
  }
  return out;
}

function tally(e: Emulator, ids: readonly number[]) {
  const counts = effects(e);
  let lost = 0;
  const duplicated: number[] = [];
  for (const id of ids) {
    const n = counts.get(id) ?? 0;
    if (n === 0) lost += 1;
    for (let k = 1; k < n; k++) duplicated.push(id);
  }
  return { lost, duplicated };
}

describe("long polling survives process death (emulator, dedup on a durable store)", () => {
  it("kill -9 mid-run, 4 times: 0 lost; a rerun only for updates whose handler was running at a kill", async () => {
    const total = 800;
    const w = await world(total, 40);
    const ids = w.emu.pendingUpdates(w.bot).map((u) => u.update_id);
    const runningAtKills = new Set<number>();
    const perKill: string[] = [];
    for (let round = 0; round < 4; round++) {
      const { child, exited } = spawnBot(w);
      const target = sends(w.emu) + 60 + Math.floor(Math.random() * 60);
      await until(() => sends(w.emu) >= target, 30_000, `round ${round} progress`);
      child.kill("SIGKILL");
      expect(await exited).toBe("SIGKILL");
      const running = await runningClaims(w);
      for (const id of running) runningAtKills.add(id);
      perKill.push(`kill ${round + 1}: running=${running.size}`);
    }
    const { child, exited } = spawnBot(w);
    await until(
      () => w.emu.pendingUpdates(w.bot).length === 0,
      30_000,
      "the last process to finish",
    );
    const term = Date.now();
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    const exitMs = Date.now() - term;
    const { lost, duplicated } = tally(w.emu, ids);
    const unexplained = duplicated.filter((id) => !runningAtKills.has(id));
    console.log(
      `[kill -9] ${total} updates, 4 kills mid-run, dedup on FileStorage: lost=${lost}, duplicated=${duplicated.length} (all among the ${runningAtKills.size} running at a kill: ${unexplained.length === 0}; ${perKill.join(", ")}), final SIGTERM exit in ${exitMs} ms`,
    );
    expect(lost).toBe(0);
    expect(unexplained).toEqual([]);
    expect(await runningClaims(w)).toEqual(new Set());
  }, 120_000);

  it("SIGTERM mid-run: exit 0 within the stop budget, 0 lost, 0 duplicated after a restart", async () => {
    const total = 400;
    const w = await world(total, 40);
    const ids = w.emu.pendingUpdates(w.bot).map((u) => u.update_id);
    const first = spawnBot(w);
    await until(() => sends(w.emu) >= 120, 30_000, "progress");
    const term = Date.now();
    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    const exitMs = Date.now() - term;
    const handledAtStop = effects(w.emu).size;
    const pendingAtStop = w.emu.pendingUpdates(w.bot).length;
    const second = spawnBot(w);
    await until(() => w.emu.pendingUpdates(w.bot).length === 0, 30_000, "the rest");
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
    const { lost, duplicated } = tally(w.emu, ids);
    console.log(
      `[SIGTERM] ${total} updates, stopped mid-run after ${handledAtStop} (left unconfirmed: ${pendingAtStop}): exit 0 in ${exitMs} ms, lost=${lost}, duplicated=${duplicated.length}`,
    );
    expect(handledAtStop).toBeLessThan(total);
    expect(handledAtStop + pendingAtStop).toBe(total);
    expect(lost).toBe(0);
    expect(duplicated).toEqual([]);
    expect(exitMs).toBeLessThan(10_000); // a hang detector: the container's SIGKILL comes at 10 s
  }, 120_000);

  it("SIGTERM while handlers run past the grace: their signals abort, exit 0 inside the 10 s container budget, nothing confirmed that did not finish", async () => {
    const w = await world(16, 16); // the child runs 16 at once
    const bot = spawnBot(w, { HANDLER: "hold", HANDLER_TIMEOUT_MS: "0" });
    await until(() => bot.output().split("holding").length > 16, 30_000, "16 handlers holding");
    const term = Date.now();
    bot.child.kill("SIGTERM");
    expect(await bot.exited).toBe(0);
    const exitMs = Date.now() - term;
    console.log(
      `[SIGTERM, handlers past the grace] exit 0 in ${exitMs} ms (default graceMs 6000 + at most 2 s); unconfirmed: ${w.emu.pendingUpdates(w.bot).length}/16`,
    );
    expect(exitMs).toBeLessThan(10_000); // Docker and Kubernetes send SIGKILL at 10 s
    expect(w.emu.pendingUpdates(w.bot)).toHaveLength(16);
    expect(await runningClaims(w)).toEqual(new Set()); // released for the redelivery
  }, 60_000);
});
