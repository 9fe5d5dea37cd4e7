import { defineConfig } from "vitest/config";

// One run covers every package; each package's vitest.config.ts names its own project.
export default defineConfig({
  test: {
    projects: ["packages/*", "apps/*", "tooling/bench-kit"],
  },
});
