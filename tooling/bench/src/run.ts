/**
 * Runs every benchmark (or the ones named on the command line) and prints
 * medians and ratios. Usage: `pnpm bench [schema|client|dispatch|webhook|sessions|redis|jobs|e2e]...`.
 */
import { report } from "./harness.ts";

const all: Record<
  string,
  { reference: string; run: () => Promise<import("./harness.ts").BenchResult[]> }
> = {
  schema: {
    reference: "@bot/types schemas",
    run: async () => (await import("./schema.ts")).benchSchema(),
  },
  client: {
    reference: "bare undici",
    run: async () => (await import("./client.ts")).benchClient(),
  },
  dispatch: {
    reference: "grammY",
    run: async () => (await import("./dispatch.ts")).benchDispatch(),
  },
  webhook: {
    reference: "bare Fastify",
    run: async () => (await import("./webhook.ts")).benchWebhook(),
  },
  sessions: {
    reference: "grammY session() in memory",
    run: async () => (await import("./sessions.ts")).benchSessions(),
  },
  redis: {
    reference: "node-redis GET+SET (raw)",
    run: async () => (await import("./redis.ts")).benchRedis(),
  },
  jobs: {
    reference: "raw BullMQ",
    run: async () => (await import("./jobs.ts")).benchJobs(),
  },
  e2e: {
    reference: "hand loop",
    run: async () => (await import("./e2e.ts")).benchE2e(),
  },
  queue: {
    reference: "1 worker process",
    run: async () => (await import("./queue.ts")).benchQueue(),
  },
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith("-"));
for (const [name, b] of Object.entries(all)) {
  if (wanted.length && !wanted.includes(name)) continue;
  console.log(`\n== ${name} ==`);
  report(await b.run(), b.reference);
}
