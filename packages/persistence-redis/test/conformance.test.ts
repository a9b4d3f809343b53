import { afterAll, beforeAll } from "vitest";
// The dispatcher's own conformance suite, run unchanged against Redis.
import { describeStorage } from "../../dispatcher/test/runtime-storage-conformance.js";
import { RedisStorage } from "../src/index.js";
import { connect, dropPrefix, uniquePrefix } from "./helpers.js";

let client: Awaited<ReturnType<typeof connect>>;
beforeAll(async () => {
  client = await connect();
});
afterAll(async () => {
  await client.close();
});

describeStorage(
  "RedisStorage",
  async () => {
    const prefix = uniquePrefix("conformance");
    return {
      storage: new RedisStorage({ client, prefix }),
      advance: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      cleanup: () => dropPrefix(client, prefix),
    };
  },
  { lock: true },
);
