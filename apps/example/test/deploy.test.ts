/**
 * The deployment files, checked without a container engine: compose.yaml parsed and checked
 * against the services and the configuration the bot reads; the Dockerfile's stages, user,
 * copied manifests and command.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ENV_VARS, loadConfig } from "../src/config.ts";

const app = fileURLToPath(new URL("..", import.meta.url));
const root = resolve(app, "../..");

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  ports?: string[];
  restart?: string;
  command?: string[];
  volumes?: string[];
}
const compose = parse(readFileSync(resolve(app, "compose.yaml"), "utf8")) as {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
};

/** `${NAME:-default}` as compose interpolates it, with the given shell environment. */
const interpolate = (value: string, shell: Record<string, string>) =>
  value.replace(
    /\$\{(\w+):-([^}]*)\}/g,
    (_, name: string, fallback: string) => shell[name] || fallback,
  );

describe("compose.yaml", () => {
  it("has the bot and Redis, and the workers behind the scale profile", () => {
    expect(Object.keys(compose.services).sort()).toEqual(["bot", "redis", "worker"]);
    const worker = compose.services.worker as ComposeService & {
      profiles?: string[];
      deploy?: { replicas: number };
    };
    expect(worker.profiles).toEqual(["scale"]);
    expect(worker.deploy?.replicas).toBeGreaterThan(1);
    expect(worker.build).toEqual(compose.services.bot?.build);
    expect(worker.depends_on).toEqual({ redis: { condition: "service_healthy" } });
    const env = Object.fromEntries(
      Object.entries(worker.environment ?? {}).map(([k, v]) => [k, interpolate(String(v), {})]),
    );
    for (const name of Object.keys(env)) expect(ENV_VARS).toContain(name);
    expect(loadConfig(env, false)).toMatchObject({
      mode: "worker",
      redisUrl: "redis://redis:6379",
    });
  });

  it("runs Redis with a health check, persistence and no eviction", () => {
    const redis = compose.services.redis as ComposeService;
    expect(redis.image).toMatch(/^redis:\d/);
    expect(redis.healthcheck?.test).toEqual(["CMD", "redis-cli", "ping"]);
    expect(redis.command).toEqual(
      expect.arrayContaining(["--appendonly", "yes", "--maxmemory-policy", "noeviction"]),
    );
    expect(redis.volumes?.[0]?.split(":")[0]).toBeDefined();
    expect(Object.keys(compose.volumes ?? {})).toContain(redis.volumes?.[0]?.split(":")[0]);
  });

  it("builds the bot from the repository root with this Dockerfile, after Redis is healthy", () => {
    const bot = compose.services.bot as ComposeService;
    const context = resolve(app, bot.build?.context ?? "?");
    expect(context).toBe(root);
    expect(existsSync(resolve(context, bot.build?.dockerfile ?? "?"))).toBe(true);
    expect(resolve(context, bot.build?.dockerfile ?? "?")).toBe(resolve(app, "Dockerfile"));
    expect(bot.depends_on).toEqual({ redis: { condition: "service_healthy" } });
    expect(bot.restart).toBe("on-failure"); // the tokenless demo exits 0 and stays down
  });

  it("gives the bot only variables it reads, pointing REDIS_URL at the redis service", () => {
    const env = (compose.services.bot as ComposeService).environment ?? {};
    for (const name of Object.keys(env)) expect(ENV_VARS).toContain(name);
    expect(new URL(env.REDIS_URL ?? "").hostname).toBe("redis");
    expect(new URL(env.REDIS_URL ?? "").port).toBe("6379");
    const port = (compose.services.bot as ComposeService).ports?.[0]?.split(":").at(-1);
    expect(port).toBe(env.PORT);
  });

  it("is a valid configuration as compose would fill it in: without a token, and in webhook mode", () => {
    const env = (compose.services.bot as ComposeService).environment ?? {};
    const filled = (shell: Record<string, string>) =>
      Object.fromEntries(Object.entries(env).map(([k, v]) => [k, interpolate(String(v), shell)]));
    const demo = loadConfig(filled({}), false);
    expect(demo.token).toBeUndefined();
    expect(demo.redisUrl).toBe("redis://redis:6379");
    expect(demo.interactive).toBe(false);
    const hook = loadConfig(
      filled({
        BOT_TOKEN: "123456:ABCdefGHIjklMNOpqrSTUvwx_yz-0123",
        BOT_MODE: "webhook",
        WEBHOOK_URL: "https://bot.example.com",
        WEBHOOK_SECRET: "s3cret",
      }),
      false,
    );
    expect(hook.mode).toBe("webhook");
    expect(hook.port).toBe(8080);
  });
});

describe("Dockerfile", () => {
  const lines = readFileSync(resolve(app, "Dockerfile"), "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
  const froms = lines.filter((l) => l.startsWith("FROM "));
  const lastStage = lines.slice(lines.lastIndexOf(froms.at(-1) as string));

  it("has a build stage and a run stage, both on Node 24", () => {
    expect(froms).toHaveLength(2);
    expect(froms[0]).toMatch(/^FROM node:24[\w.-]* AS build$/);
    expect(froms[1]).toMatch(/^FROM node:24[\w.-]* AS run$/);
    expect(lastStage.some((l) => l.startsWith("COPY --from=build "))).toBe(true);
  });

  it("installs with the lockfile in the build stage, and the run stage has no pnpm", () => {
    expect(lines).toContain("RUN pnpm install --frozen-lockfile --filter @bot/example...");
    expect(lastStage.some((l) => /pnpm|npm i/.test(l) && l.startsWith("RUN"))).toBe(false);
  });

  it("runs as the unprivileged node user, the example's main", () => {
    const users = lastStage.filter((l) => l.startsWith("USER "));
    expect(users).toEqual(["USER node"]);
    const cmd = lastStage.findIndex((l) => l.startsWith("CMD "));
    expect(lastStage.indexOf("USER node")).toBeLessThan(cmd);
    expect(JSON.parse((lastStage[cmd] as string).slice(4))).toEqual([
      "node",
      "--conditions=@bot/source",
      "--import",
      "tsx",
      "src/main.ts",
    ]);
  });

  it("copies the manifest of every workspace package before installing", () => {
    const install = lines.findIndex((l) => l.startsWith("RUN pnpm install"));
    const copied = new Set(
      lines.slice(0, install).flatMap((l) => /^COPY (\S+\/package\.json) /.exec(l)?.[1] ?? []),
    );
    const workspace = parse(readFileSync(resolve(root, "pnpm-workspace.yaml"), "utf8")) as {
      packages: string[];
    };
    const dirs = workspace.packages.flatMap((glob) =>
      glob.endsWith("/*")
        ? readdirSync(resolve(root, glob.slice(0, -2))).map((n) => `${glob.slice(0, -2)}/${n}`)
        : [glob],
    );
    expect(dirs.length).toBeGreaterThan(10);
    for (const dir of dirs)
      if (existsSync(resolve(root, dir, "package.json")))
        expect(copied, `${dir}/package.json`).toContain(`${dir}/package.json`);
  });
});
