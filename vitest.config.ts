import { defineConfig } from "vitest/config";

// One run covers every package; each package's vitest.config.ts names its own project.
export default defineConfig({
  test: {
    // apps/gateway also runs its older-imsg subset as a project of its own (docs/testing.md).
    projects: [
      "packages/*",
      "apps/*",
      "apps/gateway/vitest.older-imsg.config.ts",
      "tooling/bench-kit",
      "tooling/bench-peer",
      "tooling/test-postgres",
    ],
    // Every project inherits this tag. A test file that starts real processes (imsg-sim, sshd, the gateway, ACP
    // agents) or runs long says `// @module-tag slow` in its first line; `pnpm test:fast` runs the rest.
    tags: [{ name: "slow", description: "real child processes or a long run; `pnpm test:fast` leaves it out" }],
  },
});
