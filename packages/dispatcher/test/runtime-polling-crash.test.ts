import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { type FakeBotApi, startFakeBotApi, textUpdate } from "./fixtures/fake-bot-api.js";
import { sleep, until } from "./fixtures/polling-helpers.js";

const script = fileURLToPath(new URL("./fixtures/poll-child.ts", import.meta.url));
const cwd = fileURLToPath(new URL("..", import.meta.url));

let fake: FakeBotApi | undefined;
const children = new Set<ChildProcess>();
afterEach(async () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  children.clear();
  await fake?.close();
  fake = undefined;
});

function spawnBot(api: FakeBotApi): { child: ChildProcess; exited: Promise<number | string> } {
  const child = spawn(process.execPath, ["--conditions=@bot/source", "--import", "tsx", script], {
    cwd,
    env: { ...process.env, FAKE_API_ROOT: api.apiRoot, FAKE_TOKEN: api.token, MAX_DELAY_MS: "20" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | string>((resolve) => {
    child.on("exit", (code, signal) => {
      if (stderr.trim() !== "" && code !== 0 && signal === null) process.stderr.write(stderr);
      resolve(code ?? signal ?? "unknown");
    });
  });
  return { child, exited };
}

/** Per update id, how many times its side effect (sendMessage) happened. */
function effects(api: FakeBotApi): Map<number, number> {
  const counts = new Map<number, number>();
  for (const call of api.calls) {
    if (call.method !== "sendMessage") continue;
    const id = Number(call.params.text);
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

function tally(api: FakeBotApi, total: number) {
  const counts = effects(api);
  let lost = 0;
  let duplicates = 0;
  for (let id = 1; id <= total; id++) {
    const n = counts.get(id) ?? 0;
    if (n === 0) lost += 1;
    else duplicates += n - 1;
  }
  return { lost, duplicates, handled: counts.size };
}

const sends = (api: FakeBotApi) => api.calls.filter((c) => c.method === "sendMessage").length;

describe("long polling survives process death", () => {
  it("kill -9 mid-batch, 4 times: 0 lost, duplicates at most the in-flight updates", async () => {
    const api = await startFakeBotApi();
    fake = api;
    const total = 800;
    for (let id = 1; id <= total; id++) api.push(textUpdate(id, 1 + (id % 40), "x"));
    const kills = 4;
    let inFlightAtKills = 0;
    const perKill: string[] = [];
    for (let round = 0; round < kills; round++) {
      const { child, exited } = spawnBot(api);
      const target = sends(api) + 60 + Math.floor(Math.random() * 60);
      await until(() => sends(api) >= target, 20_000, `round ${round} progress`);
      child.kill("SIGKILL");
      // what Telegram would redeliver: delivered to this process but not confirmed
      const inFlight = Math.max(0, api.highestDelivered - api.confirmedOffset + 1);
      inFlightAtKills += inFlight;
      expect(await exited).toBe("SIGKILL");
      perKill.push(`kill ${round + 1}: unconfirmed in flight=${inFlight}`);
    }
    const { child, exited } = spawnBot(api);
    await until(() => api.confirmedOffset === total + 1, 20_000, "the last process to finish");
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    const { lost, duplicates, handled } = tally(api, total);
    console.log(
      `[kill -9] ${total} updates, ${kills} kills mid-batch: lost=${lost}, duplicated=${duplicates}, in flight at the kills=${inFlightAtKills} (${perKill.join("; ")}), handled=${handled}`,
    );
    expect(handled).toBe(total);
    expect(lost).toBe(0);
    expect(duplicates).toBeLessThanOrEqual(inFlightAtKills);
  }, 60_000);

  it("SIGTERM mid-batch: 0 lost, 0 duplicated, exit code 0", async () => {
    const api = await startFakeBotApi();
    fake = api;
    const total = 400;
    for (let id = 1; id <= total; id++) api.push(textUpdate(id, 1 + (id % 40), "x"));
    const first = spawnBot(api);
    await until(() => sends(api) >= 120, 20_000, "progress");
    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    const confirmedAtStop = api.confirmedOffset;
    const handledAtStop = effects(api).size;
    const second = spawnBot(api);
    await until(() => api.confirmedOffset === total + 1, 20_000, "the rest");
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
    const { lost, duplicates, handled } = tally(api, total);
    console.log(
      `[SIGTERM] ${total} updates, stopped mid-batch after ${handledAtStop} (confirmed offset ${confirmedAtStop}): lost=${lost}, duplicated=${duplicates}, handled=${handled}`,
    );
    expect(handledAtStop).toBeLessThan(total);
    expect(confirmedAtStop).toBe(handledAtStop + 1);
    expect(lost).toBe(0);
    expect(duplicates).toBe(0);
    await sleep(0);
  }, 60_000);
});
