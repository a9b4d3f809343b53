import type { UserWorkspaceConfig } from "vitest/config";
import { project } from "../../tooling/vitest.shared.ts";

const config: UserWorkspaceConfig = project("example-arbitrary-callback-data");
export default config;
