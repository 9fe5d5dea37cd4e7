import { basename } from "node:path";
import { formatRemoteHost, isValidRemoteHost, validateRemoteHost } from "./remote-host.ts";
import { type ShellWord, splitShellCommands } from "./shell-words.ts";

/** What a wrapper script's `ssh` command line says about where imsg runs. */
export interface SshWrapperTarget {
  /** `host` or `user@host`, ready for `channels.imessage.remoteHost`. */
  remoteHost: string;
  user: string | undefined;
  host: string;
  /** From `-p` or `-o Port=`, when given. */
  port: number | undefined;
  /** From `-i` or `-o IdentityFile=`, when given (as written; `~` not expanded). */
  identityFile: string | undefined;
  /** The words after the destination, e.g. `["imsg", "$@"]`. */
  remoteCommand: string[];
}

/**
 * What a script says about SSH: `none` (no ssh command: imsg runs here), `target` (one destination, read with
 * certainty), or `ambiguous` (it runs ssh, but where to cannot be read; `reason` says why, for the log line).
 */
export type SshWrapperInspection =
  | { kind: "none" }
  | { kind: "target"; target: SshWrapperTarget }
  | { kind: "ambiguous"; reason: string };

// OpenSSH's getopt string: these options take an argument, every other letter is a flag.
const optionsWithArgument = new Set("BbcDEeFIiJLlmOoPpQRSWw");
const flagOptions = new Set("46AaCfGgKkMNnqsTtVvXxYy");
// Options that move the connection somewhere the destination word does not name.
const reroutingOptions: Record<string, string> = { J: "uses a jump host", F: "reads an ssh config file" };
const reroutingConfig: Record<string, string> = {
  proxyjump: "uses a jump host",
  proxycommand: "uses a proxy command",
  hostname: "overrides the host name",
};
// Words before the command name: `exec ssh …`, `if ssh …; then`, `{ ssh …; }`, `! ssh …`.
const prefixCommands = new Set([
  "exec",
  "command",
  "nohup",
  "builtin",
  "env",
  "time",
  "!",
  "{",
  "if",
  "then",
  "else",
  "elif",
  "while",
  "until",
  "do",
]);

const none: SshWrapperInspection = { kind: "none" };
const ambiguous = (reason: string): SshWrapperInspection => ({ kind: "ambiguous", reason });

/**
 * Reads a wrapper script such as `exec ssh -T gateway-host imsg "$@"` the way a shell and OpenSSH would, and says
 * whether it runs ssh and, if so, whether its destination can be known for certain. Jump hosts, proxies, `HostName`
 * overrides, `-F` config files, destinations or option values built from variables, unknown options, invalid hosts
 * and two ssh commands to different destinations are `ambiguous`, never `none`.
 */
export function inspectSshWrapper(scriptText: string): SshWrapperInspection {
  const targets: SshWrapperTarget[] = [];
  for (const words of splitShellCommands(scriptText)) {
    const sshArguments = sshArgumentsOf(words);
    if (sshArguments === undefined) continue;
    const parsed = parseSshArguments(sshArguments);
    if (typeof parsed === "string") return ambiguous(`the ssh command ${parsed}`);
    targets.push(parsed);
  }
  const [first, ...rest] = targets;
  if (first === undefined) return none;
  const other = rest.find((candidate) => candidate.remoteHost !== first.remoteHost || candidate.port !== first.port);
  if (other !== undefined) {
    return ambiguous(`it runs ssh to two different destinations (${describe(first)} and ${describe(other)})`);
  }
  return { kind: "target", target: first };
}

/**
 * Finds the SSH destination of a wrapper such as `exec ssh -T gateway-host imsg "$@"`, so `remoteHost`
 * can be auto-detected. Returns undefined both when there is no ssh command and when it is not sure;
 * `inspectSshWrapper` tells the two apart.
 */
export function parseSshWrapper(scriptText: string): SshWrapperTarget | undefined {
  const inspection = inspectSshWrapper(scriptText);
  return inspection.kind === "target" ? inspection.target : undefined;
}

function describe(target: SshWrapperTarget): string {
  return target.port === undefined ? target.remoteHost : `${target.remoteHost} port ${target.port}`;
}

function sshArgumentsOf(words: ShellWord[]): ShellWord[] | undefined {
  let index = 0;
  while (index < words.length) {
    const word = words[index] as ShellWord;
    if (!prefixCommands.has(word.text) && !/^[A-Za-z_][A-Za-z0-9_]*=/.test(word.text)) break;
    index += 1;
  }
  const command = words[index];
  if (command === undefined || command.dynamic || basename(command.text) !== "ssh") return undefined;
  return words.slice(index + 1);
}

/** The target, or why it cannot be known (a phrase that follows "the ssh command"). */
function parseSshArguments(words: ShellWord[]): SshWrapperTarget | string {
  let user: string | undefined;
  let port: number | undefined;
  let identityFile: string | undefined;
  let index = 0;
  const applyConfig = (setting: string): string | undefined => {
    const match = /^\s*([A-Za-z]+)\s*(?:=|\s)\s*(.*?)\s*$/.exec(setting);
    if (match === null) return `has an -o option it cannot read (-o ${JSON.stringify(setting)})`;
    const key = (match[1] as string).toLowerCase();
    const value = (match[2] as string).replace(/^"(.*)"$/, "$1");
    const rerouting = reroutingConfig[key];
    if (rerouting !== undefined) return `${rerouting} (-o ${setting})`;
    if (key === "port") {
      if (!/^\d+$/.test(value)) return `has a port that is not a number (-o ${setting})`;
      port ??= Number(value);
    } else if (key === "user") {
      user ??= value;
    } else if (key === "identityfile") {
      identityFile ??= value;
    }
    return undefined;
  };
  const applyOption = (letter: string, value: ShellWord): string | undefined => {
    const rerouting = reroutingOptions[letter];
    if (rerouting !== undefined) return `${rerouting} (-${letter} ${value.text})`;
    if (value.dynamic)
      return `takes -${letter} from a variable or command substitution (${JSON.stringify(value.text)})`;
    if (letter === "p") {
      if (!/^\d+$/.test(value.text)) return `has a port that is not a number (-p ${value.text})`;
      port ??= Number(value.text);
    } else if (letter === "l") {
      user ??= value.text;
    } else if (letter === "i") {
      identityFile ??= value.text;
    } else if (letter === "o") {
      return applyConfig(value.text);
    }
    return undefined;
  };

  // Like OpenSSH, options may also follow the destination; the first non-option after it starts the command.
  let destination: ShellWord | undefined;
  for (; index < words.length; index += 1) {
    const word = words[index] as ShellWord;
    if (word.text === "--") {
      index += 1;
      if (destination === undefined) {
        destination = words[index];
        index += 1;
      }
      break;
    }
    if (!word.text.startsWith("-") || word.text === "-") {
      if (destination !== undefined) break;
      destination = word;
      continue;
    }
    // A cluster like `-Tq` or `-p2222` or `-oPort=22`: flags, then at most one option with its argument.
    for (let position = 1; position < word.text.length; position += 1) {
      const letter = word.text[position] as string;
      if (flagOptions.has(letter)) continue;
      if (!optionsWithArgument.has(letter)) return `uses an option this reader does not know (-${letter})`;
      const attached = word.text.slice(position + 1);
      let value: ShellWord | undefined;
      if (attached.length > 0) {
        value = { text: attached, dynamic: word.dynamic };
      } else {
        index += 1;
        value = words[index];
      }
      if (value === undefined) return `has -${letter} without its value`;
      const problem = applyOption(letter, value);
      if (problem !== undefined) return problem;
      break;
    }
  }

  if (destination === undefined) return "names no destination";
  if (destination.dynamic) {
    return `takes its destination from a variable or command substitution (${JSON.stringify(destination.text)})`;
  }
  const parsed = parseDestination(destination.text);
  const notHost = `has a destination that is not host or user@host (${JSON.stringify(destination.text)})`;
  if (parsed === undefined) return notHost;
  const finalUser = parsed.user ?? user;
  const finalPort = parsed.port ?? port;
  const remoteHost = formatRemoteHost({ user: finalUser, host: parsed.host });
  if (!isValidRemoteHost(remoteHost)) return notHost;
  if (finalPort !== undefined && (finalPort < 1 || finalPort > 65535)) {
    return `has a port outside 1..65535 (${finalPort})`;
  }
  return {
    remoteHost,
    user: finalUser,
    host: parsed.host,
    port: finalPort,
    identityFile,
    remoteCommand: words.slice(index).map((word) => word.text),
  };
}

function parseDestination(
  text: string,
): { user: string | undefined; host: string; port: number | undefined } | undefined {
  if (text.startsWith("ssh://")) {
    const match = /^ssh:\/\/(?:([^@/]+)@)?(\[[^\]]+\]|[^:/]+)(?::(\d+))?\/?$/.exec(text);
    if (match === null) return undefined;
    const host = match[2] as string;
    const withUser = match[1] === undefined ? host : `${match[1]}@${host}`;
    if (!isValidRemoteHost(withUser)) return undefined;
    return { ...validateRemoteHost(withUser), port: match[3] === undefined ? undefined : Number(match[3]) };
  }
  if (!isValidRemoteHost(text)) return undefined;
  return { ...validateRemoteHost(text), port: undefined };
}
