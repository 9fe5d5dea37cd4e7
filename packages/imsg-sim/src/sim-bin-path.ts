import { fileURLToPath } from "node:url";

/** Absolute path of `bin/imsg-sim.js`; spawn it as `spawn(process.execPath, [simBinPath, "rpc", "--db", path])`. */
export const simBinPath = fileURLToPath(new URL("../bin/imsg-sim.js", import.meta.url));
