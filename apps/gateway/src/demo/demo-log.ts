import { Writable } from "node:stream";

/**
 * The gateway's log for the demo: every line goes to `file`; a message the policy did not answer (an info
 * `dropped: …` line: not mentioned, not on groupAllowFrom, …) is also handed to `onDropped`, so the person at
 * the keyboard sees why the assistant stayed silent.
 */
export class DemoLogTee extends Writable {
  readonly #file: Writable;
  readonly #onDropped: (detail: string) => void;
  #partial = "";

  constructor(file: Writable, onDropped: (detail: string) => void) {
    super({ decodeStrings: false });
    this.#file = file;
    this.#onDropped = onDropped;
  }

  override _write(chunk: unknown, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const text = typeof chunk === "string" ? chunk : String(chunk);
    this.#file.write(text);
    const lines = (this.#partial + text).split("\n");
    this.#partial = lines.pop() ?? "";
    for (const line of lines) {
      const detail = droppedDetail(line);
      if (detail !== undefined) this.#onDropped(detail);
    }
    callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#file.end(callback);
  }
}

/** Drops the access policy decided (packages/policy): the ones a person wonders about. Echoes, stale rows are not. */
const policyReasons = /^(dm-|group-|not-mentioned$|sms-untrusted$)/;

/** The detail of a `dropped:` log line (pino JSON) the access policy decided, else undefined. */
export function droppedDetail(line: string): string | undefined {
  if (!line.includes('"dropped: ')) return undefined;
  try {
    const record = JSON.parse(line) as { reason?: string; msg?: string };
    if (!policyReasons.test(record.reason ?? "") || !record.msg?.startsWith("dropped: ")) return undefined;
    return record.msg.slice("dropped: ".length);
  } catch {
    return undefined;
  }
}
