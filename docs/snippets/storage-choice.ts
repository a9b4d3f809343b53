import { Bot } from "@bot/dispatcher";
import { RedisStorage } from "@bot/persistence-redis";
import { createClient } from "redis";

export async function choose(token: string): Promise<Bot[]> {
  // #region choice
  const inMemory = new Bot(token); // MemoryStorage: tests, one process, state you can lose
  const client = await createClient({ url: "redis://127.0.0.1:6379" }).connect();
  const durable = new Bot(token, { storage: new RedisStorage({ client }) }); // durable, shared
  // #endregion choice
  return [inMemory, durable];
}
