import { closeSync, fstatSync, openSync, readSync, statSync } from "node:fs";
import { resolveStateDir } from "@imessage-channel/state";
import { CliError, type CliIo } from "../cli-io.ts";
import { createLineFormatter } from "../logger.ts";
import { logFilePath } from "../startup-summary.ts";

export interface LogsCommandOptions {
  follow?: boolean;
  lines?: string;
  account?: string;
  json?: boolean;
}

/** How often `logs -f` looks for new lines (and for a rotation). */
const followIntervalMs = 200;
const chunkBytes = 64 * 1024;

/** The last `count` complete lines of the open file, read backwards in chunks (a log file can be large). */
function lastLines(fd: number, size: number, count: number): string[] {
  if (count === 0 || size === 0) return [];
  let start = size;
  let text = "";
  while (start > 0) {
    const length = Math.min(chunkBytes, start);
    start -= length;
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, start);
    text = buffer.toString("utf8") + text;
    // One more newline than lines wanted: the first line kept is then whole.
    if (text.split("\n").length > count + 1) break;
  }
  return text.split("\n").filter(Boolean).slice(-count);
}

function readFrom(fd: number, position: number, end: number): string {
  const buffer = Buffer.alloc(end - position);
  const read = readSync(fd, buffer, 0, buffer.length, position);
  return buffer.subarray(0, read).toString("utf8");
}

function openIfThere(path: string): number | undefined {
  try {
    return openSync(path, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** `logs [-f] [-n N] [--account ID] [--json]`: the gateway's log file, one line per event, as a terminal shows it. */
export async function logsCommand(io: CliIo, options: LogsCommandOptions): Promise<void> {
  const count = Number(options.lines ?? "50");
  if (!Number.isInteger(count) || count < 0)
    throw new CliError(`--lines: "${options.lines}" is not a whole number (0 or more)`, 2);
  const path = logFilePath(resolveStateDir(io.env), options.account);
  const format = options.json
    ? (line: string) => `${line}\n`
    : createLineFormatter(Boolean((io.stdout as NodeJS.WriteStream).isTTY));
  const print = (lines: string[]) => {
    if (lines.length > 0) io.stdout.write(lines.map(format).join(""));
  };

  let fd = openIfThere(path);
  if (fd === undefined && !options.follow)
    throw new CliError(
      `no log file at ${path}: the gateway writes it while it runs (unless logging.file is false); see also its stdout`,
      1,
    );
  let position = 0;
  if (fd !== undefined) {
    position = fstatSync(fd).size;
    print(lastLines(fd, position, count));
  }
  if (!options.follow) {
    if (fd !== undefined) closeSync(fd);
    return;
  }

  // Follows like `tail -F`: new lines as they land; after a rotation, the rest of the old file, then the new one.
  let partial = "";
  const drain = () => {
    if (fd === undefined) return;
    const size = fstatSync(fd).size;
    if (size < position) position = 0; // truncated in place
    if (size === position) return;
    const text = partial + readFrom(fd, position, size);
    position = size;
    const lines = text.split("\n");
    partial = lines.pop() ?? "";
    print(lines.filter(Boolean));
  };
  const poll = () => {
    drain();
    const current = statSync(path, { throwIfNoEntry: false });
    if (!current) return;
    if (fd !== undefined && current.ino === fstatSync(fd).ino) return;
    // Rotated: what reached the old file after the drain above is read before it is let go.
    drain();
    if (partial) print([partial]);
    if (fd !== undefined) closeSync(fd);
    fd = openIfThere(path);
    position = 0;
    partial = "";
    drain();
  };
  await new Promise<void>((resolve) => {
    const timer = setInterval(poll, followIntervalMs);
    const stop = () => {
      clearInterval(timer);
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      poll();
      if (fd !== undefined) closeSync(fd);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}
