import { packageProject } from "@imessage-channel/vitest-config";

export default packageProject(import.meta.dirname);
