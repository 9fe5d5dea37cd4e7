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
  /** `imsg rpc` exists on this build: status lists `rpc_methods`, or `imsg rpc --help` describes rpc. */
  rpcSupported: boolean;
  /**
   * The RPC methods the binary has: status `rpc_methods` (0.7.3+), else inferred from the version
   * (docs/imsg-protocol.md#versions).
   */
  rpcMethods: string[];
  /** The IMCore bridge (private API): status `advanced_features` and the per-selector availability. */
  privateApi: { available: boolean; selectors: Record<string, boolean> };
  /** The parsed `imsg status --json`, when the build has it (0.6.0+). */
  status?: ImsgStatus;
  quirks?: ImsgQuirks;
  /** Set when imsg could not be run at all; it is then the only problem, and nothing else was asked. */
  launchFailure?: LaunchFailure;
  /**
   * One line per thing that could not be determined, for `status --probe`. When imsg cannot be run, or has no
   * `imsg rpc`, this is that one root cause (what followed from it is left out); a missing rpc's line ends in
   * `; <fix>`.
   */
  problems: string[];
}

/** Why `imsg --version` could not run, as far as the command runner says. */
export interface LaunchFailure {
  /**
   * `not-found`: the file to run does not exist (the runner's `CLI_NOT_FOUND`); `command-not-found`: it ran but exited
   * 127, the shell's "command not found" (a wrapper script, or the Mac's shell over SSH, found no imsg);
   * `not-runnable`: anything else that kept it from answering (not executable, SSH refused, timed out).
   */
  reason: "not-found" | "command-not-found" | "not-runnable";
  message: string;
}

/**
 * Asks imsg what it can do (docs/imsg-protocol.md#cli, #versions): `--version`, then `status --json` (0.6.0+), then
 * `rpc --help` only when the status has no `rpc_methods` to prove rpc exists. The version alone is never taken as proof
 * of rpc: a build that answers `rpc --help` with its general help has none. Stops at the first command when imsg cannot
 * be run at all.
 */
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
      problems.push(`imsg ${args.join(" ")} failed: ${errorText(error)}`);
      return undefined;
    }
  };

  let versionOutput: CommandOutput;
  try {
    versionOutput = await run(["--version"]);
  } catch (error) {
    const notFound = (error as { code?: unknown }).code === "CLI_NOT_FOUND";
    return unreachable({ reason: notFound ? "not-found" : "not-runnable", message: errorText(error) });
  }
  if (versionOutput.code === 127) {
    const said = firstLine(versionOutput.stderr || versionOutput.stdout);
    return unreachable({
      reason: "command-not-found",
      message: `imsg --version exited with code 127 (command not found)${said ? `: ${said}` : ""}`,
    });
  }
  let version = versionOutput.code === 0 ? versionText(versionOutput.stdout) : undefined;
  if (versionOutput.code !== 0) {
    problems.push(
      `imsg --version exited with code ${versionOutput.code}: ${firstLine(versionOutput.stderr || versionOutput.stdout)}`,
    );
  } else if (version === undefined) {
    problems.push(`imsg --version printed no version: ${firstLine(versionOutput.stdout)}`);
  }

  let status: ImsgStatus | undefined;
  if (version === undefined || versionAtLeast(version, "0.6.0")) {
    const output = await attempt(["status", "--json"]);
    if (output?.code === 0) {
      status = statusFrom(output.stdout, problems);
      if (version === undefined && status?.version !== undefined) version = versionText(status.version);
    }
  }

  const rpc = status?.rpcMethods?.length ? { supported: true } : await askRpcHelp(run, version);
  const capabilities: ImsgCapabilities = {
    rpcSupported: rpc.supported,
    rpcMethods: rpc.supported
      ? (status?.rpcMethods ?? (version !== undefined ? rpcMethodsForVersion(version) : []))
      : [],
    privateApi: { available: status?.advancedFeatures === true, selectors: status?.selectors ?? {} },
    // Without rpc nothing else matters: that is the one thing to fix.
    problems: rpc.problem === undefined ? problems : [rpc.problem],
  };
  if (version !== undefined) {
    capabilities.version = version;
    capabilities.quirks = quirksForVersion(version);
  }
  if (status !== undefined) capabilities.status = status;
  return capabilities;
}

/** `imsg rpc --help`: rpc exists only when the help describes it (a build without rpc prints its general help, exit 0). */
async function askRpcHelp(
  run: CommandRunner,
  version: string | undefined,
): Promise<{ supported: boolean; problem?: string }> {
  const fix = "install imsg 0.3.0 or newer on the Mac (0.9.0 recommended: brew upgrade steipete/tap/imsg)";
  const build = version === undefined ? "this imsg" : `this imsg (${version})`;
  let help: CommandOutput;
  try {
    help = await run(["rpc", "--help"]);
  } catch (error) {
    return {
      supported: false,
      problem: `could not ask whether imsg has rpc (imsg rpc --help failed: ${errorText(error)}); run \`imsg rpc --help\` on the Mac to see why`,
    };
  }
  if (help.code === 0 && /\bimsg rpc\b/i.test(help.stdout) && /JSON-RPC|stdin/i.test(help.stdout)) {
    return { supported: true };
  }
  const said =
    help.code === 0
      ? "printed the general help, not rpc's"
      : `exited with code ${help.code}: ${firstLine(help.stderr || help.stdout)}`;
  return { supported: false, problem: `${build} has no \`imsg rpc\` (\`imsg rpc --help\` ${said}); ${fix}` };
}

function unreachable(launchFailure: LaunchFailure): ImsgCapabilities {
  return {
    rpcSupported: false,
    rpcMethods: [],
    privateApi: { available: false, selectors: {} },
    launchFailure,
    problems: [launchFailure.message],
  };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
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
