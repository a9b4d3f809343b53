/** The published packages: one API reference section each (scripts/api.ts, config.ts). */
export const apiPackages = [
  { dir: "types", name: "@bot/types" },
  { dir: "client", name: "@bot/client" },
  { dir: "dispatcher", name: "@bot/dispatcher" },
  { dir: "webhook-fastify", name: "@bot/webhook-fastify" },
  { dir: "persistence-redis", name: "@bot/persistence-redis" },
  { dir: "jobs", name: "@bot/jobs" },
  { dir: "conversations", name: "@bot/conversations" },
  { dir: "emulator", name: "@bot/emulator" },
] as const;
