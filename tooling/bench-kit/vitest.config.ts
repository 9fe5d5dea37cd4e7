import { join } from "node:path";
import { packageProject } from "@imessage-channel/vitest-config";

// Scanned from the repository root, so `pnpm vitest run tooling` picks these tests by their path.
export default packageProject(import.meta.dirname, {
  dir: join(import.meta.dirname, "..", ".."),
  include: ["tooling/bench-kit/src/**/*.test.ts"],
});
