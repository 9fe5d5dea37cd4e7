import { join } from "node:path";

export type ServicePlatform = "darwin" | "linux";

/** Everything a service file says, gathered from the environment; the renderers turn it into text. */
export interface ServiceDefinition {
  platform: ServicePlatform;
  accountId: string | undefined;
  /** launchd label, e.g. `dev.imessage-channel.gateway.work`. */
  label: string;
  /** systemd unit name, e.g. `imessage-channel-work.service`. */
  unitName: string;
  /** Where the file goes: `~/Library/LaunchAgents/<label>.plist` or `~/.config/systemd/user/<unit>`. */
  filePath: string;
  /** Absolute paths: the running Node, the CLI bin, then `gateway` and its flags. */
  programArguments: string[];
  stateDir: string;
  workingDirectory: string;
  stdoutPath: string;
  stderrPath: string;
  environment: Array<[name: string, value: string]>;
}

export interface ServiceDefinitionInput {
  platform: ServicePlatform;
  homeDirectory: string;
  stateDir: string;
  nodePath: string;
  cliPath: string;
  accountId?: string;
  configPath?: string;
  /** The PATH the service runs with; launchd otherwise gives agents only /usr/bin:/bin:/usr/sbin:/sbin, without Homebrew's imsg. */
  searchPath?: string;
}

export const launchdLabelPrefix = "dev.imessage-channel.gateway";
const accountIdPattern = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export function isValidAccountId(accountId: string): boolean {
  return accountIdPattern.test(accountId);
}

/** Pure: the service for one account (or all enabled accounts when `accountId` is undefined). */
export function serviceDefinition(input: ServiceDefinitionInput): ServiceDefinition {
  const { accountId } = input;
  const label = accountId ? `${launchdLabelPrefix}.${accountId}` : launchdLabelPrefix;
  const unitName = accountId ? `imessage-channel-${accountId}.service` : "imessage-channel.service";
  const filePath =
    input.platform === "darwin"
      ? join(input.homeDirectory, "Library", "LaunchAgents", `${label}.plist`)
      : join(input.homeDirectory, ".config", "systemd", "user", unitName);
  const programArguments = [input.nodePath, input.cliPath, "gateway"];
  if (accountId) programArguments.push("--account", accountId);
  if (input.configPath) programArguments.push("--config", input.configPath);
  const logName = accountId ? `gateway-${accountId}` : "gateway";
  const environment: Array<[string, string]> = [["IMESSAGE_CHANNEL_STATE_DIR", input.stateDir]];
  if (input.searchPath) environment.push(["PATH", input.searchPath]);
  return {
    platform: input.platform,
    accountId,
    label,
    unitName,
    filePath,
    programArguments,
    stateDir: input.stateDir,
    workingDirectory: input.stateDir,
    stdoutPath: join(input.stateDir, "logs", `${logName}.out.log`),
    stderrPath: join(input.stateDir, "logs", `${logName}.err.log`),
    environment,
  };
}
