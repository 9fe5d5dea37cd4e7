import { readFileSync } from "node:fs";
import { join } from "node:path";
import { defaultClientConditions, defaultServerConditions } from "vite";
import { defineProject, type UserWorkspaceConfig } from "vitest/config";

/** Workspace packages export their TypeScript sources under this condition, so tests need no build. */
export const sourceCondition = "@imessage-channel/source";

/**
 * The imsg release the simulated Macs of the test suites play: 0.15.10 (what users run) unless
 * `IMESSAGE_TEST_IMSG_VERSION` picks another (docs/testing.md). Older releases run as their own projects.
 */
export const testedImsgVersion = process.env.IMESSAGE_TEST_IMSG_VERSION ?? "0.15.10";

/** The vitest project of one package: named after the package, tests beside the code. */
export function packageProject(packageDir: string, overrides: UserWorkspaceConfig["test"] = {}): UserWorkspaceConfig {
  const { name } = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as { name: string };
  return defineProject({
    resolve: { conditions: [sourceCondition, ...defaultClientConditions] },
    ssr: { resolve: { conditions: [sourceCondition, ...defaultServerConditions] } },
    test: {
      name,
      root: packageDir,
      include: ["src/**/*.test.ts", "test/**/*.test.ts"],
      environment: "node",
      // Every simulated Mac a test starts plays this release unless the test picks one (`--imsg-version`).
      env: { IMSG_SIM_VERSION: testedImsgVersion },
      testTimeout: 30_000,
      hookTimeout: 30_000,
      ...overrides,
    },
  });
}
