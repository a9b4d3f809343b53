import { type Channel, channel } from "node:diagnostics_channel";

/**
 * Published when a request is refused before any handler ran:
 * `{ path, status, reason }` where `reason` is one of `"secret"`, `"method"`, `"invalid"`,
 * `"closing"`, `"overloaded"`, `"queue"`, `"busy"`.
 */
export const rejectedChannel: Channel = channel("@bot/webhook-fastify:rejected");

/** Published when a valid update was accepted: `{ path, updateId, delivery }`. */
export const updateChannel: Channel = channel("@bot/webhook-fastify:update");

/**
 * Published when `await` mode hit its deadline: `{ path, updateId, started }`. A started
 * update was answered 200 while its handler runs on; one still queued behind its chat got 503
 * (Telegram resends it) and is skipped.
 */
export const deadlineChannel: Channel = channel("@bot/webhook-fastify:deadline");

/** Published when an update is skipped as a duplicate: `{ path, updateId }`. */
export const duplicateChannel: Channel = channel("@bot/webhook-fastify:duplicate");

/**
 * Published when an `ack`-mode update (already answered 200) is dropped unhandled because the
 * close grace ran out: `{ path, updateId, update }`, so it can be stored and run elsewhere.
 */
export const droppedChannel: Channel = channel("@bot/webhook-fastify:dropped");
