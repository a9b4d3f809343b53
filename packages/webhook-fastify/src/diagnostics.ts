import { channel } from "node:diagnostics_channel";

/**
 * Published when a request is refused before any handler ran:
 * `{ path, status, reason }` where `reason` is one of `"secret"`, `"method"`, `"invalid"`,
 * `"closing"`, `"overloaded"`, `"queue"`, `"busy"`.
 */
export const rejectedChannel = channel("@bot/webhook-fastify:rejected");

/** Published when a valid update was accepted: `{ path, updateId, delivery }`. */
export const updateChannel = channel("@bot/webhook-fastify:update");

/** Published when `await` mode hit its deadline and answered while the handler still runs: `{ path, updateId }`. */
export const deadlineChannel = channel("@bot/webhook-fastify:deadline");

/** Published when an update is skipped as a duplicate: `{ path, updateId }`. */
export const duplicateChannel = channel("@bot/webhook-fastify:duplicate");
