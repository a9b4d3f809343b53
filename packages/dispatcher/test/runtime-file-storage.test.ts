import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileStorage } from "./fixtures/file-storage.js";
import { describeStorage } from "./runtime-storage-conformance.js";

// The crash tests' durable store is a real Storage: the shared conformance suite, real clock.
describeStorage("FileStorage (crash-test fixture)", async () => {
  const dir = await mkdtemp(join(tmpdir(), "bot-file-storage-"));
  return {
    storage: new FileStorage(dir),
    advance: (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});
