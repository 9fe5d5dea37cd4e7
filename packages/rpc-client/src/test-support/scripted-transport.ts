import { fileURLToPath } from "node:url";
import { LocalTransport } from "@imessage-channel/transport";

const scriptPath = fileURLToPath(new URL("./scripted-child.mjs", import.meta.url));

export interface ChildScript {
  startup?: string[];
  exitAtStart?: number;
  echo?: boolean;
  answers?: Record<
    string,
    { result?: unknown; error?: unknown; before?: string[]; after?: string[]; silent?: boolean; exitAfter?: number }
  >;
}

/** A real child process that speaks JSON lines as the script says (see scripted-child.mjs). */
export function scriptedTransport(script: ChildScript): LocalTransport {
  return new LocalTransport({
    cliPath: process.execPath,
    args: [scriptPath],
    env: { ...process.env, IMSG_SCRIPT: JSON.stringify(script) },
    closeGraceMs: 1000,
    terminateGraceMs: 1000,
  });
}
