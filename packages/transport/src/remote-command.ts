import { TransportError } from "./transport-error.ts";

const safeWord = /^[A-Za-z0-9_/.,:=@%+-]+$/;

/** Quotes one word for a POSIX shell: left bare when it is plainly safe, else single-quoted. */
export function quoteShellWord(word: string): string {
  if (safeWord.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * The command line sshd hands to the remote user's login shell. Built from configuration only
 * (`remoteCliPath` and fixed arguments such as `rpc --db <path>`), never from message data, which
 * travels inside JSON-RPC on stdin. A leading `~/` stays expandable by the remote shell.
 */
export function buildRemoteCommand(remoteCliPath: string, args: readonly string[]): string {
  if (remoteCliPath.length === 0 || /[\0\n\r]/.test(remoteCliPath) || args.some((arg) => /[\0\n\r]/.test(arg))) {
    throw new TransportError(
      "SPAWN_FAILED",
      `channels.imessage.remoteCliPath: ${JSON.stringify(remoteCliPath)} (or its arguments) is empty or contains a line break or NUL; set it to the imsg path on the Mac`,
    );
  }
  const program = remoteCliPath.startsWith("~/")
    ? `~/${quoteShellWord(remoteCliPath.slice(2))}`
    : quoteShellWord(remoteCliPath);
  return [program, ...args.map(quoteShellWord)].join(" ");
}
