import { project } from "../tooling/vitest.shared.ts";

// test/snippets.test.ts runs the runnable snippets against @bot/emulator, and
// snippets/testing.test.ts is the testing guide's own test; test/site.test.ts builds the site
// when it is not built yet and drives it in Debian's Chromium.
export default project("docs", {
  include: ["test/**/*.test.ts", "snippets/**/*.test.ts"],
  testTimeout: 60_000,
  hookTimeout: 300_000,
});
