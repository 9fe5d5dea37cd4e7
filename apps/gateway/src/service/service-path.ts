import { delimiter, dirname, isAbsolute } from "node:path";
import { resolveAcpAgentCommand } from "@imessage-channel/agents-acp";
import { type Config, declaredAccountIds, resolveAccount } from "@imessage-channel/config";
import { findProgram } from "../find-program.ts";
import type { ServicePlatform } from "./service-definition.ts";

/** Where the system and the package managers put programs; the rest of an interactive PATH stays out of the service. */
const systemDirectories: Record<ServicePlatform, readonly string[]> = {
  darwin: ["/opt/homebrew/bin", "/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"],
  linux: ["/usr/local/bin", "/usr/bin", "/bin"],
};

/**
 * Pure: the service's PATH. Node's own folder first (`npx` for ACP agents, `#!/usr/bin/env node` scripts), then
 * the folders where the programs the config names by bare name were found, then the system's.
 */
export function servicePath(platform: ServicePlatform, nodePath: string, programDirectories: readonly string[]) {
  const system = systemDirectories[platform];
  // A program found in a system folder keeps that folder in its system place, so no other lookup changes order.
  const own = programDirectories.filter((directory) => !system.includes(directory));
  return [...new Set([dirname(nodePath), ...own, ...system])].join(delimiter);
}

/** The programs the gateway will start by bare name (`imsg`, an exec agent's `my-agent`, ACP's `npx`). */
export function programsByBareName(config: Config | undefined): string[] {
  if (!config) return ["imsg"];
  const names = new Set<string>();
  for (const accountId of declaredAccountIds(config)) {
    try {
      const account = resolveAccount(config, accountId);
      if (account.transport === "local") names.add(account.cliPath);
    } catch {
      // An account the config cannot resolve is refused elsewhere; it names no program here.
    }
  }
  for (const agent of config.agents?.list ?? []) {
    const runtime = agent.runtime;
    if (runtime.type === "exec") names.add(runtime.command[0] ?? "");
    if (runtime.type === "acp") {
      try {
        names.add(resolveAcpAgentCommand(runtime.acp.agent, runtime.acp.command)[0] ?? "");
      } catch {
        // doctor names an ACP agent without a launcher; the PATH cannot help it.
      }
    }
  }
  return [...names].filter((name) => name !== "" && !name.includes("/") && !isAbsolute(name));
}

/** For each bare name, the first absolute folder of `searchPath` that holds it (names found nowhere add nothing). */
export async function directoriesOf(names: readonly string[], searchPath: string | undefined): Promise<string[]> {
  // Relative PATH entries depend on where install ran; the service starts elsewhere.
  const absolute = (searchPath ?? "")
    .split(delimiter)
    .filter((folder) => isAbsolute(folder))
    .join(delimiter);
  const found: string[] = [];
  for (const name of names) {
    const { foundAt } = await findProgram(name, absolute, "/");
    if (foundAt) found.push(dirname(foundAt));
  }
  return found;
}
