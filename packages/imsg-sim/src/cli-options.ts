import { homedir } from "node:os";
import { join } from "node:path";
import type { ParseArgsConfig } from "node:util";
import type { BridgeState } from "./bridge-state.ts";
import { ImsgSimError } from "./errors.ts";
import { expandImsgHome } from "./home-path.ts";
import { parseMutationFaults } from "./mutation-faults.ts";
import { buildAtLeast, type ImsgPersonality, imsgPersonality, imsgVersions, newestImsgVersion } from "./personality.ts";
import { parseReadOrder } from "./read-order.ts";
import { type SendStatusFault, sendStatusFaults } from "./send-progress.ts";
import { noFaults, type SimFaults } from "./sim-faults.ts";
import type { SessionSettings } from "./sim-session.ts";
import type { Platform } from "./status-report.ts";

type OptionSpec = NonNullable<ParseArgsConfig["options"]>;

/** Flags every simulated-Mac command shares (each also readable from `IMSG_SIM_*`). */
export const simOptionSpec: OptionSpec = {
  db: { type: "string" },
  platform: { type: "string" },
  sip: { type: "string" },
  bridge: { type: "string" },
  "caller-id": { type: "string" },
  "poll-interval-ms": { type: "string" },
  "file-watch": { type: "string" },
  "pre-0.8.2": { type: "boolean" },
  "imsg-version": { type: "string" },
  "request-log": { type: "string" },
  "protocol-error-log": { type: "string" },
  verbose: { type: "boolean", short: "v" },
  "log-level": { type: "string" },
  logLevel: { type: "string" },
  json: { type: "boolean", short: "j" },
  "json-output": { type: "boolean" },
  jsonOutput: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  "fault-exit-after-notifications": { type: "string" },
  "fault-exit-after-responses": { type: "string" },
  "fault-hang-after-responses": { type: "string" },
  "fault-malformed-line-after": { type: "string" },
  "fault-oversized-line-after": { type: "string" },
  "fault-deep-line-after": { type: "string" },
  "fault-oversized-line-bytes": { type: "string" },
  "fault-delay-ms": { type: "string" },
  "fault-full-disk-access": { type: "boolean" },
  "fault-silent-after": { type: "string" },
  "fault-send": { type: "string" },
  "fault-notify-before-response": { type: "boolean" },
  "fault-status-delay-ms": { type: "string" },
  "fault-watch-overflow-after": { type: "string" },
  "fault-redeliver-last": { type: "string" },
  "fault-read-delay-ms": { type: "string" },
  "fault-read-order": { type: "string" },
  "fault-mutation-delay-ms": { type: "string" },
  "fault-mutation": { type: "string" },
  "fault-busy-after": { type: "string" },
  "fault-busy-count": { type: "string" },
  contacts: { type: "string" },
  "fault-send-status": { type: "string" },
  "send-progress-ms": { type: "string" },
  "sms-only": { type: "string" },
};

export type ParsedValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** A flag's value, else its `IMSG_SIM_<NAME>` environment variable (dashes become underscores). */
export function flagOrEnv(values: ParsedValues, name: string, environment: NodeJS.ProcessEnv): string | undefined {
  const flag = values[name];
  if (typeof flag === "string") return flag;
  if (flag === true) return "1";
  const variable = environment[`IMSG_SIM_${name.replace(/[-.]/g, "_").toUpperCase()}`];
  return variable === undefined || variable === "" ? undefined : variable;
}

function integerOption(values: ParsedValues, name: string, environment: NodeJS.ProcessEnv): number | undefined {
  const raw = flagOrEnv(values, name, environment);
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) {
    throw new ImsgSimError(
      "OPTION_INVALID",
      `imsg-sim: --${name} "${raw}" is not a non-negative integer; pass e.g. --${name} 3`,
    );
  }
  return Number(raw);
}

function isTruthy(value: string | undefined): boolean {
  return value !== undefined && !["0", "false", "off", "no"].includes(value.toLowerCase());
}

export interface SimCliOptions {
  settings: SessionSettings;
  faults: SimFaults;
  pre082: boolean;
  /** The imsg release played (`--imsg-version`): its commands, status keys, RPC methods and runtime. */
  personality: ImsgPersonality;
  /** `status` waits this long before answering, as imsg does while its bridge status probe times out (3 s). */
  statusDelayMs: number;
}

/**
 * A shared flag read before a command parses its own arguments (`--name value`, `--name=value`, else
 * `IMSG_SIM_<NAME>`): `main` needs `--imsg-version` for `--version` and `--request-log` for every command.
 */
export function preparsedFlag(
  args: readonly string[],
  name: string,
  environment: NodeJS.ProcessEnv,
): string | undefined {
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index];
    if (arg === `--${name}`) return args[index + 1];
    if (arg?.startsWith(`--${name}=`)) return arg.slice(name.length + 3);
  }
  return flagOrEnv({}, name, environment);
}

/**
 * `--imsg-version X.Y.Z` (anywhere on the command line), else `IMSG_SIM_VERSION`, else the newest release the sim
 * plays. Any release up to the newest is accepted; one between two personalities behaves like the older one.
 */
export function resolvePersonality(flag: string | undefined, environment: NodeJS.ProcessEnv): ImsgPersonality {
  const raw = flag ?? (environment.IMSG_SIM_VERSION || undefined);
  if (raw === undefined) return imsgPersonality(newestImsgVersion);
  const source = flag === undefined ? "IMSG_SIM_VERSION" : "--imsg-version";
  if (!/^\d+\.\d+\.\d+$/.test(raw) || !buildAtLeast(newestImsgVersion, raw)) {
    throw new ImsgSimError(
      "OPTION_INVALID",
      `imsg-sim: ${source} "${raw}" is not an imsg release the sim plays; pass one of ${imsgVersions.join(" | ")} (or an older x.y.z)`,
    );
  }
  return imsgPersonality(raw);
}

/** Hold of an ordered read batch when `--fault-read-order` comes without `--fault-read-delay-ms`. */
const defaultReadHoldMs = 100;

/** The 0.14+ runtime's fault switches that are not plain integers: the read order and the delivery outcomes. */
function runtimeFaults(
  values: ParsedValues,
  environment: NodeJS.ProcessEnv,
  readDelayMs: number | undefined,
): Partial<SimFaults> {
  const faults: Partial<SimFaults> = {};
  const order = flagOrEnv(values, "fault-read-order", environment);
  if (order !== undefined) {
    faults.readOrder = parseReadOrder(order);
    if (faults.readOrder.kind !== "fifo" && !readDelayMs) faults.readDelayMs = defaultReadHoldMs;
  }
  const mutation = flagOrEnv(values, "fault-mutation", environment);
  if (mutation !== undefined) faults.mutationFaults = parseMutationFaults(mutation);
  return faults;
}

/** Resolves the shared flags and environment into session settings and fault switches. */
export function resolveSimOptions(values: ParsedValues, environment: NodeJS.ProcessEnv): SimCliOptions {
  const versionFlag = values["imsg-version"];
  const personality = resolvePersonality(typeof versionFlag === "string" ? versionFlag : undefined, environment);
  const platformValue = flagOrEnv(values, "platform", environment) ?? "mac";
  if (platformValue !== "mac" && platformValue !== "linux") {
    throw new ImsgSimError("OPTION_INVALID", `imsg-sim: --platform "${platformValue}" is not one of mac | linux`);
  }
  const platform: Platform = platformValue;
  const bridgeOverrides: Partial<BridgeState> = {};
  const sip = flagOrEnv(values, "sip", environment);
  if (sip !== undefined) {
    if (sip !== "enabled" && sip !== "disabled" && sip !== "unknown") {
      throw new ImsgSimError("OPTION_INVALID", `imsg-sim: --sip "${sip}" is not one of enabled | disabled | unknown`);
    }
    bridgeOverrides.sip = sip;
  }
  const bridge = flagOrEnv(values, "bridge", environment);
  if (bridge === "up") Object.assign(bridgeOverrides, { sip: "disabled", launched: true, fallen: false });
  else if (bridge === "fallen") Object.assign(bridgeOverrides, { sip: "disabled", launched: true, fallen: true });
  else if (bridge === "down") Object.assign(bridgeOverrides, { launched: false, fallen: false });
  else if (bridge !== undefined) {
    throw new ImsgSimError("OPTION_INVALID", `imsg-sim: --bridge "${bridge}" is not one of up | down | fallen`);
  }
  const fileWatch = flagOrEnv(values, "file-watch", environment);
  const sendFault = flagOrEnv(values, "fault-send", environment);
  const contactsPath = flagOrEnv(values, "contacts", environment);
  if (sendFault !== undefined && sendFault !== "ghost-row" && sendFault !== "unverified") {
    throw new ImsgSimError(
      "OPTION_INVALID",
      `imsg-sim: --fault-send "${sendFault}" is not one of ghost-row | unverified`,
    );
  }
  const sendStatusFault = flagOrEnv(values, "fault-send-status", environment);
  if (sendStatusFault !== undefined && !(sendStatusFaults as readonly string[]).includes(sendStatusFault)) {
    throw new ImsgSimError(
      "OPTION_INVALID",
      `imsg-sim: --fault-send-status "${sendStatusFault}" is not one of ${sendStatusFaults.join(" | ")}`,
    );
  }
  const sendProgressMs = integerOption(values, "send-progress-ms", environment);
  const smsOnly = flagOrEnv(values, "sms-only", environment);
  const dbPath = expandImsgHome(
    flagOrEnv(values, "db", environment) ?? join(homedir(), "Library", "Messages", "chat.db"),
  );
  const requestLog = flagOrEnv(values, "request-log", environment);
  const protocolErrorLogPath = flagOrEnv(values, "protocol-error-log", environment);
  const watchOverflowAfter = integerOption(values, "fault-watch-overflow-after", environment);
  const redeliverLast = integerOption(values, "fault-redeliver-last", environment);
  const faults: SimFaults = {
    ...noFaults,
    responseDelayMs: integerOption(values, "fault-delay-ms", environment) ?? 0,
    fullDiskAccess: isTruthy(flagOrEnv(values, "fault-full-disk-access", environment)),
    oversizedLineBytes: integerOption(values, "fault-oversized-line-bytes", environment) ?? noFaults.oversizedLineBytes,
  };
  const optional: [keyof SimFaults, string][] = [
    ["exitAfterNotifications", "fault-exit-after-notifications"],
    ["exitAfterResponses", "fault-exit-after-responses"],
    ["hangAfterResponses", "fault-hang-after-responses"],
    ["malformedLineAfterResponses", "fault-malformed-line-after"],
    ["oversizedLineAfterResponses", "fault-oversized-line-after"],
    ["deepLineAfterResponses", "fault-deep-line-after"],
    ["silentAfterNotifications", "fault-silent-after"],
    ["readDelayMs", "fault-read-delay-ms"],
    ["mutationDelayMs", "fault-mutation-delay-ms"],
    ["busyAfter", "fault-busy-after"],
    ["busyCount", "fault-busy-count"],
  ];
  for (const [key, name] of optional) {
    const value = integerOption(values, name, environment);
    if (value !== undefined) Object.assign(faults, { [key]: value });
  }
  Object.assign(faults, runtimeFaults(values, environment, faults.readDelayMs));
  return {
    settings: {
      dbPath,
      platform,
      bridgeOverrides,
      callerId: flagOrEnv(values, "caller-id", environment) ?? "me@icloud.com",
      pollIntervalMs: integerOption(values, "poll-interval-ms", environment) ?? 5000,
      fileWatch: fileWatch === undefined ? platform === "mac" : isTruthy(fileWatch),
      ...(sendFault === undefined ? {} : { sendFault }),
      ...(sendStatusFault === undefined ? {} : { sendStatusFault: sendStatusFault as SendStatusFault }),
      ...(sendProgressMs === undefined ? {} : { sendProgressMs }),
      ...(smsOnly === undefined
        ? {}
        : {
            smsOnlyRecipients: smsOnly
              .split(",")
              .map((entry) => entry.trim())
              .filter((entry) => entry !== ""),
          }),
      ...(contactsPath === undefined ? {} : { contactsPath: expandImsgHome(contactsPath) }),
      notifyBeforeResponse: isTruthy(flagOrEnv(values, "fault-notify-before-response", environment)),
      personality,
      ...(requestLog === undefined ? {} : { requestLog: expandImsgHome(requestLog) }),
      ...(protocolErrorLogPath === undefined ? {} : { protocolErrorLog: expandImsgHome(protocolErrorLogPath) }),
      ...(watchOverflowAfter === undefined ? {} : { watchOverflowAfter }),
      ...(redeliverLast === undefined ? {} : { redeliverLast }),
    },
    faults,
    pre082: isTruthy(flagOrEnv(values, "pre-0.8.2", environment)),
    personality,
    statusDelayMs: integerOption(values, "fault-status-delay-ms", environment) ?? 0,
  };
}
