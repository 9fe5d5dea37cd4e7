import { packageProject } from "@imessage-channel/vitest-config";

/**
 * The representative subset of the end-to-end suite that runs again against imsg 0.9.0 (protocol 0, no
 * `initialize`, lenient params, one request at a time): restart recovery and catchup, the reliability faults,
 * the reference behaviours, the actions, the bridge and the probe, and the soak (docs/testing.md).
 */
export default packageProject(import.meta.dirname, {
  name: "imessage-channel@imsg-0.9.0",
  include: [
    "test/e2e/catchup.test.ts",
    "test/e2e/nothing-lost.test.ts",
    "test/e2e/reliability.test.ts",
    "test/e2e/behaviors.test.ts",
    "test/e2e/actions.test.ts",
    "test/e2e/bridge-recovery.test.ts",
    "test/e2e/imsg-probe.test.ts",
    "test/soak/soak.test.ts",
  ],
  env: { IMSG_SIM_VERSION: "0.9.0" },
});
