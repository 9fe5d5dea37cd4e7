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

// OpenSSH's getopt string: these options take an argument, every other letter is a flag.
const optionsWithArgument = new Set("BbcDEeFIiJLlmOoPpQRSWw");
const flagOptions = new Set("46AaCfGgKkMNnqsTtVvXxYy");
// Options that move the connection somewhere the destination word does not name.
const reroutingOptions = new Set(["J", "F"]);
const reroutingConfig = new Set(["proxyjump", "proxycommand", "hostname"]);
const prefixCommands = new Set(["exec", "command", "nohup", "builtin"]);

/**
 * Finds the SSH destination of a wrapper such as `exec ssh -T gateway-host imsg "$@"`, so `remoteHost`
 * can be auto-detected. Returns undefined whenever it is not sure: no ssh command, two different
 * destinations, a destination built from variables, a jump host, proxy or config file, or an invalid host.
 */
export function parseSshWrapper(scriptText: string): SshWrapperTarget | undefined {
  const targets: SshWrapperTarget[] = [];
  for (const words of splitShellCommands(scriptText)) {
    const sshArguments = sshArgumentsOf(words);
    if (sshArguments === undefined) continue;
    const target = parseSshArguments(sshArguments);
    if (target === undefined) return undefined;
    targets.push(target);
  }
  const [first, ...rest] = targets;
  if (first === undefined) return undefined;
  const sameDestination = rest.every((other) => other.remoteHost === first.remoteHost && other.port === first.port);
  return sameDestination ? first : undefined;
}

function sshArgumentsOf(words: ShellWord[]): ShellWord[] | undefined {
  let index = 0;
  while (index < words.length) {
    const word = words[index] as ShellWord;
    if (prefixCommands.has(word.text) || /^[A-Za-z_][A-Za-z0-9_]*=/.test(word.text)) {
      index += 1;
    } else if (word.text === "env") {
      index += 1;
    } else {
      break;
    }
  }
  const command = words[index];
  if (command === undefined || command.dynamic || basename(command.text) !== "ssh") return undefined;
  return words.slice(index + 1);
}

function parseSshArguments(words: ShellWord[]): SshWrapperTarget | undefined {
  let user: string | undefined;
  let port: number | undefined;
  let identityFile: string | undefined;
  let index = 0;
  const applyConfig = (setting: string): boolean => {
    const match = /^\s*([A-Za-z]+)\s*(?:=|\s)\s*(.*?)\s*$/.exec(setting);
    if (match === null) return false;
    const key = (match[1] as string).toLowerCase();
    const value = (match[2] as string).replace(/^"(.*)"$/, "$1");
    if (reroutingConfig.has(key)) return false;
    if (key === "port") {
      if (!/^\d+$/.test(value)) return false;
      port ??= Number(value);
    } else if (key === "user") {
      user ??= value;
    } else if (key === "identityfile") {
      identityFile ??= value;
    }
    return true;
  };
  const applyOption = (letter: string, value: ShellWord): boolean => {
    if (value.dynamic || reroutingOptions.has(letter)) return false;
    if (letter === "p") {
      if (!/^\d+$/.test(value.text)) return false;
      port ??= Number(value.text);
    } else if (letter === "l") {
      user ??= value.text;
    } else if (letter === "i") {
      identityFile ??= value.text;
    } else if (letter === "o") {
      return applyConfig(value.text);
    }
    return true;
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
      if (!optionsWithArgument.has(letter)) return undefined;
      const attached = word.text.slice(position + 1);
      let value: ShellWord | undefined;
      if (attached.length > 0) {
        value = { text: attached, dynamic: word.dynamic };
      } else {
        index += 1;
        value = words[index];
      }
      if (value === undefined || !applyOption(letter, value)) return undefined;
      break;
    }
  }

  if (destination === undefined || destination.dynamic) return undefined;
  const parsed = parseDestination(destination.text);
  if (parsed === undefined) return undefined;
  const finalUser = parsed.user ?? user;
  const finalPort = parsed.port ?? port;
  const remoteHost = formatRemoteHost({ user: finalUser, host: parsed.host });
  if (!isValidRemoteHost(remoteHost)) return undefined;
  if (finalPort !== undefined && (finalPort < 1 || finalPort > 65535)) return undefined;
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
