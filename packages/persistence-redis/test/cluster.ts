import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

async function free(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}

/** Three free ports whose cluster bus ports (+10000) are free too. */
async function ports(): Promise<number[]> {
  const out: number[] = [];
  for (let tries = 0; out.length < 3 && tries < 200; tries++) {
    const p = 20_000 + Math.floor(Math.random() * 9_000);
    if (!out.includes(p) && (await free(p)) && (await free(p + 10_000))) out.push(p);
  }
  if (out.length < 3) throw new Error("no free ports for a test cluster");
  return out;
}

/** A 3-master Redis Cluster on loopback, in a temp folder, for one test file. */
export interface TestCluster {
  readonly ports: readonly number[];
  stop(): Promise<void>;
}

/**
 * Starts `redis-server --cluster-enabled yes` three times and joins them with
 * `redis-cli --cluster create`. Fails (never skips) when the tools are missing.
 *
 * @returns The running cluster.
 */
export async function startCluster(): Promise<TestCluster> {
  // `--cluster help` exits 1 even when it works: look for its help text.
  const help = await run("redis-cli", ["--cluster", "help"]).then(
    (r) => r.stdout,
    (e: { stdout?: string }) => e.stdout ?? "",
  );
  if (!help.includes("Cluster Manager Commands"))
    throw new Error("redis-cli --cluster is not available: the Redis Cluster tests cannot run");
  const dir = await mkdtemp(join(tmpdir(), "bot-redis-cluster-"));
  const list = await ports();
  const procs: ChildProcess[] = [];
  for (const port of list) {
    const p = spawn(
      "redis-server",
      [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--cluster-enabled",
        "yes",
        "--cluster-config-file",
        join(dir, `nodes-${port}.conf`),
        "--dir",
        dir,
        "--save",
        "",
        "--appendonly",
        "no",
        "--cluster-node-timeout",
        "2000",
      ],
      { stdio: "ignore" },
    );
    procs.push(p);
  }
  const stop = async () => {
    for (const p of procs) p.kill("SIGKILL");
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (const port of list) {
      for (let i = 0; ; i++) {
        try {
          await run("redis-cli", ["-p", String(port), "ping"]);
          break;
        } catch (e) {
          if (i > 100) throw e;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    }
    await run("redis-cli", [
      "--cluster",
      "create",
      ...list.map((p) => `127.0.0.1:${p}`),
      "--cluster-replicas",
      "0",
      "--cluster-yes",
    ]);
    for (let i = 0; ; i++) {
      const { stdout } = await run("redis-cli", ["-p", String(list[0]), "cluster", "info"]);
      if (stdout.includes("cluster_state:ok")) break;
      if (i > 200) throw new Error("the test cluster did not reach cluster_state:ok");
      await new Promise((r) => setTimeout(r, 50));
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { ports: list, stop };
}
