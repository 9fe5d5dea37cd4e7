import { createRequire } from "node:module";
import { type Logger, pino } from "pino";

export type { Logger } from "pino";

export interface LoggerOptions {
  level?: string;
  /** Mask phone numbers and emails in log output (default true): logs get shared, handles are personal data. */
  redactHandles?: boolean;
  /** Human-readable output (default: when stdout is a TTY). */
  pretty?: boolean;
  destination?: NodeJS.WritableStream;
  /**
   * Lines logged in one turn of the event loop go out in one write (before the loop turns again, and at exit),
   * instead of one synchronous write each: under load the gateway logs a line per row, and each write to a pipe
   * or the journal is a system call that wakes the reader. Off by default (tests read lines as they are logged).
   */
  batchWrites?: boolean;
  /**
   * Also write every line, as JSON whatever the format, here (the rotating log file `imessage-channel logs`
   * reads); its lines are batched as stdout's are.
   */
  file?: LineSink;
}

/** Where lines go: a stream, or anything with a `write` (the rotating log file). */
export interface LineSink {
  write(text: string): unknown;
}

/** A destination that joins the lines written in one turn of the event loop into one write to `target`. */
export class BatchedLines {
  readonly #target: LineSink;
  #pending: string[] = [];
  #scheduled = false;
  readonly #flushAtExit = () => this.flush();

  constructor(target: LineSink) {
    this.#target = target;
    // Whatever is still pending when the process exits (process.exit, an uncaught exception) is written then.
    process.once("exit", this.#flushAtExit);
  }

  write(line: string): boolean {
    this.#pending.push(line);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.flush());
    }
    return true;
  }

  flush(): void {
    this.#scheduled = false;
    if (this.#pending.length === 0) return;
    const lines = this.#pending.join("");
    this.#pending = [];
    this.#target.write(lines);
  }
}

const phonePattern = /\+\d{6,15}\b/g;
const emailPattern = /\b([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})\b/g;

/** `+15555550123` → `+1555…0123`, `jane@example.com` → `j…@example.com`. */
export function redactHandles(text: string): string {
  return text
    .replace(phonePattern, (phone) => `${phone.slice(0, 5)}…${phone.slice(-4)}`)
    .replace(emailPattern, (_email, first: string, domain: string) => `${first}…@${domain}`);
}

function redactDeep(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return redactHandles(value);
  if (depth > 4 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((item) => redactDeep(item, depth + 1));
  if (value instanceof Error) return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactDeep(item, depth + 1)]));
}

/** Secrets are removed by key wherever they appear, whatever the redactHandles setting. */
const secretPaths = [
  "apiKey",
  "token",
  "password",
  "authorization",
  "headers.authorization",
  "headers.Authorization",
  "*.apiKey",
  "*.token",
  "*.password",
  "*.headers",
  "*.*.headers",
];

type PrettyModule = typeof import("pino-pretty");
/** The module's export: the stream factory, with `prettyFactory` (one object → one formatted line) on it. */
type PrettyFactory = ((options: import("pino-pretty").PrettyOptions) => import("pino-pretty").PrettyStream) & {
  prettyFactory?: PrettyModule["prettyFactory"];
};

/**
 * pino-pretty is an optional dependency, for people reading logs on a terminal: a service writes JSON lines and
 * needs none of it, so an install without it just logs JSON.
 */
function loadPretty(): PrettyFactory | undefined {
  try {
    const loaded = createRequire(import.meta.url)("pino-pretty") as PrettyFactory | { default: PrettyFactory };
    return typeof loaded === "function" ? loaded : loaded.default;
  } catch {
    return undefined;
  }
}

/**
 * One line per event, on a terminal as in `imessage-channel logs`: time, level, message, then the fields as one JSON
 * object on the same line (pino-pretty's default spreads them over a line each, 4 to 8 lines per message).
 */
function prettyOptions(colorize: boolean) {
  return { colorize, translateTime: "HH:MM:ss", ignore: "pid,hostname", singleLine: true } as const;
}

/**
 * Turns one JSON log line into what a terminal shows (pino-pretty's own formatter, as the gateway uses); without
 * the optional pino-pretty the line stays JSON.
 */
export function createLineFormatter(colorize: boolean): (line: string) => string {
  const format = loadPretty()?.prettyFactory?.(prettyOptions(colorize));
  if (!format) return (line) => (line.endsWith("\n") ? line : `${line}\n`);
  return (line) => {
    try {
      return format(JSON.parse(line));
    } catch {
      return `${line}\n`; // not a log object (a torn last line): shown as it is
    }
  };
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const redactHandlesOn = options.redactHandles ?? true;
  const destination = options.destination ?? process.stdout;
  const usePretty = options.pretty ?? Boolean((destination as NodeJS.WriteStream).isTTY);
  const pretty = usePretty ? loadPretty() : undefined;
  const terminal: LineSink = pretty
    ? pretty({ destination, sync: true, ...prettyOptions(Boolean((destination as NodeJS.WriteStream).isTTY)) })
    : options.batchWrites
      ? new BatchedLines(destination)
      : destination;
  const file = options.file && options.batchWrites ? new BatchedLines(options.file) : options.file;
  // Each stream takes every line the logger's level lets through (a multistream entry defaults to info).
  const stream = file
    ? pino.multistream([
        { level: "trace", stream: terminal },
        { level: "trace", stream: file },
      ])
    : terminal;
  return pino(
    {
      level: options.level ?? process.env.IMESSAGE_CHANNEL_LOG_LEVEL ?? "info",
      redact: { paths: secretPaths, censor: "[redacted]" },
      formatters: redactHandlesOn ? { log: (object) => redactDeep(object) as Record<string, unknown> } : {},
      hooks: redactHandlesOn
        ? {
            logMethod(args, method) {
              const mapped = args.map((arg) => (typeof arg === "string" ? redactHandles(arg) : arg)) as Parameters<
                typeof method
              >;
              method.apply(this, mapped);
            },
          }
        : {},
    },
    stream,
  );
}
