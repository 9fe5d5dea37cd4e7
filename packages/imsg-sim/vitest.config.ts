import { packageProject } from "@imessage-channel/vitest-config";

// The simulator's own tests name the release each one plays; a test that names none plays the base protocol.
export default packageProject(import.meta.dirname, { env: { IMSG_SIM_VERSION: "0.9.0" } });
