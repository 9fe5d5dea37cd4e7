import type { ImsgStatus } from "./imsg-objects.ts";
import { parseStatus } from "./parse-wire.ts";
import {
  type ImsgQuirks,
  parseImsgVersion,
  quirksForVersion,
  rpcMethodsForVersion,
  versionAtLeast,
} from "./version-compatibility.ts";

/** What a one-shot imsg command printed; the shape of the transport's `runOnce` result. */
export interface CommandOutput {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `imsg <args>` once (locally or over SSH) with a timeout. The gateway passes the transport's `runOnce`:
 * `(args) => runOnce({ transport: "local", cliPath, args, timeoutMs })`.
 */
export type CommandRunner = (args: readonly string[]) => Promise<CommandOutput>;

export interface ImsgCapabilities {
  /** `x.y.z` from `imsg --version` (or status `version`), undefined when neither answered. */
  version?: string;
  /** `imsg rpc` exists on this build. */
  rpcSupported: boolean;
  /** The RPC methods the binary has: status `rpc_methods` (0.7.3+), else inferred from the version (§11). */
  rpcMethods: string[];
  /** The IMCore bridge (private API): status `advanced_features` and the per-selector availability. */
  privateApi: { available: boolean; selectors: Record<string, boolean> };
  /** The parsed `imsg status --json`, when the build has it (0.6.0+). */
  status?: ImsgStatus;
  quirks?: ImsgQuirks;
  /** One line per thing that could not be determined, for `status --probe`. */
  problems: string[];
}

/** Asks imsg what it can do: `--version`, `rpc --help` and `status --json`, degrading for older builds (§10, §11). */
export async function probeCapabilities(run: CommandRunner): Promise<ImsgCapabilities> {
  const problems: string[] = [];
  const attempt = async (args: readonly string[]): Promise<CommandOutput | undefined> => {
    try {
      const output = await run(args);
      if (output.code !== 0) {
        problems.push(
          `imsg ${args.join(" ")} exited with code ${output.code}: ${firstLine(output.stderr || output.stdout)}`,
        );
      }
      return output;
    } catch (error) {
      problems.push(`imsg ${args.join(" ")} failed: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  };

  const versionOutput = await attempt(["--version"]);
  let version = versionOutput?.code === 0 ? versionText(versionOutput.stdout) : undefined;
  if (versionOutput?.code === 0 && version === undefined) {
    problems.push(`imsg --version printed no version: ${firstLine(versionOutput.stdout)}`);
  }

  const help = await attempt(["rpc", "--help"]);
  const helpOk = help?.code === 0 && /\brpc\b/i.test(help.stdout) && /JSON-RPC|stdin/i.test(help.stdout);

  let status: ImsgStatus | undefined;
  if (version === undefined || versionAtLeast(version, "0.6.0")) {
    const output = await attempt(["status", "--json"]);
    if (output?.code === 0) {
      status = statusFrom(output.stdout, problems);
      if (version === undefined && status?.version !== undefined) version = versionText(status.version);
    }
  }

  const rpcSupported = helpOk || (version !== undefined && versionAtLeast(version, "0.3.0"));
  if (!rpcSupported) problems.push("this imsg has no `imsg rpc`: install imsg 0.3.0 or newer (0.9.0 recommended)");
  const rpcMethods = status?.rpcMethods ?? (version !== undefined ? rpcMethodsForVersion(version) : []);
  const capabilities: ImsgCapabilities = {
    rpcSupported,
    rpcMethods: rpcSupported ? rpcMethods : [],
    privateApi: { available: status?.advancedFeatures === true, selectors: status?.selectors ?? {} },
    problems,
  };
  if (version !== undefined) {
    capabilities.version = version;
    capabilities.quirks = quirksForVersion(version);
  }
  if (status !== undefined) capabilities.status = status;
  return capabilities;
}

function versionText(text: string): string | undefined {
  const parts = parseImsgVersion(text);
  return parts === undefined ? undefined : parts.join(".");
}

function statusFrom(stdout: string, problems: string[]): ImsgStatus | undefined {
  const line = stdout
    .split("\n")
    .map((candidate) => candidate.trim())
    .find((candidate) => candidate.startsWith("{"));
  if (line === undefined) {
    problems.push(`imsg status --json printed no JSON: ${firstLine(stdout)}`);
    return undefined;
  }
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    problems.push(`imsg status --json printed invalid JSON: ${firstLine(line)}`);
    return undefined;
  }
  const parsed = parseStatus(value);
  if (parsed.success) return parsed.value;
  problems.push(`imsg status --json has unexpected fields: ${parsed.problem}`);
  return undefined;
}

function firstLine(text: string): string {
  const line = text.trim().split("\n", 1)[0] ?? "";
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
