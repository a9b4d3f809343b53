import type { UserWorkspaceConfig } from "vitest/config";
import { project } from "../../tooling/vitest.shared.ts";

const config: UserWorkspaceConfig = project("example-poll");
export default config;
