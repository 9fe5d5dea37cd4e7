import { homedir } from "node:os";
import { join } from "node:path";

/** `$IMESSAGE_CHANNEL_STATE_DIR` when set and non-empty, else `~/.imessage-channel`. */
export function resolveStateDir(env: NodeJS.ProcessEnv = process.env, homeDirectory: string = homedir()): string {
  const fromEnvironment = env.IMESSAGE_CHANNEL_STATE_DIR?.trim();
  if (fromEnvironment) return fromEnvironment;
  return join(homeDirectory, ".imessage-channel");
}

/** `<stateDir>/imessage/state.db`. */
export function stateDatabasePath(stateDir: string): string {
  return join(stateDir, "imessage", "state.db");
}
