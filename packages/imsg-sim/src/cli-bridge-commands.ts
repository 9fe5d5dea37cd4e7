import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { ensureBridgeEventLog } from "./bridge-events.ts";
import { readBridgeState, writeBridgeState } from "./bridge-state.ts";
import { resolveSimOptions, simOptionSpec } from "./cli-options.ts";
import type { Output } from "./cli-output.ts";
import { linuxTexts, macTexts } from "./platform-texts.ts";
import { simVersion } from "./rpc-methods-list.ts";
import { statusReport } from "./status-report.ts";

/**
 * `imsg-sim status [--json]`: the availability report of docs/imsg-protocol.md#status for the simulated platform,
 * bridge and build.
 */
async function runStatus(args: string[], environment: NodeJS.ProcessEnv, output: Output): Promise<number> {
  const { values } = parseArgs({ args, options: simOptionSpec, strict: true });
  const options = resolveSimOptions(values, environment);
  // imsg waits for its bridge's own status probe (3 s timeout) before it answers.
  if (options.statusDelayMs > 0) await sleep(options.statusDelayMs);
  const bridge = { ...readBridgeState(options.settings.dbPath), ...options.settings.bridgeOverrides };
  const report = statusReport(options.settings.platform, bridge, options.personality, environment);
  if (values.json || values["json-output"] || values.jsonOutput) {
    output.stdout(`${JSON.stringify(report)}\n`);
    return 0;
  }
  output.stdout(`imsg ${simVersion(environment, options.personality.version)}\n${report.message}\n`);
  return 0;
}

/** `imsg-sim launch`: injects the simulated helper once SIP is off. */
function runLaunch(args: string[], environment: NodeJS.ProcessEnv, output: Output): number {
  const { values } = parseArgs({ args, options: simOptionSpec, strict: true });
  const options = resolveSimOptions(values, environment);
  if (options.settings.platform === "linux") {
    output.stderr(`${linuxTexts.bridgeLaunch}\n`);
    return 1;
  }
  const bridge = { ...readBridgeState(options.settings.dbPath), ...options.settings.bridgeOverrides };
  if (bridge.sip !== "disabled") {
    output.stderr(`${macTexts.sipEnabled}\n`);
    return 1;
  }
  writeBridgeState(options.settings.dbPath, { sip: "disabled", launched: true, fallen: false });
  ensureBridgeEventLog(options.settings.dbPath);
  output.stdout("Messages.app launched with the imsg bridge helper injected.\n");
  return 0;
}

export async function runBridgeCommand(
  command: "status" | "launch",
  args: string[],
  environment: NodeJS.ProcessEnv,
  output: Output,
): Promise<number> {
  return command === "status" ? runStatus(args, environment, output) : runLaunch(args, environment, output);
}
