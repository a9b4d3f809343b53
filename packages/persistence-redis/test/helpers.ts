import { randomBytes } from "node:crypto";
import { createClient } from "redis";

/** A node-redis client as `createClient({ url })` makes it. */
export type TestClient = ReturnType<typeof createClient<{}, {}, {}, 3, {}>>;

export const REDIS_URL: string = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

/** A connected client on the test Redis. */
export async function connect(): Promise<TestClient> {
  const client = createClient({ url: REDIS_URL });
  client.on("error", () => {});
  await client.connect();
  return client;
}

/** A key prefix no other test uses. */
export function uniquePrefix(name: string): string {
  return `test:${name}:${randomBytes(6).toString("hex")}:`;
}

/**
 * Deletes every key under a prefix (SCAN + DEL; never FLUSHALL).
 *
 * @param client A connected client.
 * @param prefix The prefix.
 */
export async function dropPrefix(
  client: Awaited<ReturnType<typeof connect>>,
  prefix: string,
): Promise<void> {
  let cursor = "0";
  do {
    const r = await client.scan(cursor, { MATCH: `${prefix}*`, COUNT: 500 });
    cursor = String(r.cursor);
    if (r.keys.length > 0) await client.del(r.keys);
  } while (cursor !== "0");
}
