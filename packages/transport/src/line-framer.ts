/** Default cap of one stdout line: 16 MiB, far above any imsg message yet bounded against a runaway child. */
export const defaultMaxLineBytes = 16 * 1024 * 1024;

const newline = 0x0a;
const carriageReturn = 0x0d;

export interface LineFramerOptions {
  /** Called with each complete line, without its `\n` or `\r\n`. */
  onLine: (line: string) => void;
  /** Called once per discarded over-long line; the framer then skips to the next newline. */
  onWarning: (message: string) => void;
  /** Longest line kept, in bytes without the terminator (default 16 MiB). */
  maxLineBytes?: number;
}

/**
 * Splits a byte stream into UTF-8 lines. It splits on the `\n` byte before decoding, so a chunk
 * boundary inside a multi-byte character is harmless (0x0a never occurs inside a UTF-8 sequence).
 * A line that lies whole inside one chunk is decoded straight from it, with no copy: each line becomes
 * its own string, one byte per character when it is ASCII, which JSON.parse reads fastest (decoding a whole
 * chunk at once makes every line in it two bytes per character as soon as one emoji is in the chunk).
 * Only the part of a line cut by a chunk boundary is copied.
 */
export class LineFramer {
  readonly #onLine: (line: string) => void;
  readonly #onWarning: (message: string) => void;
  readonly #maxLineBytes: number;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #discarding = false;

  constructor(options: LineFramerOptions) {
    this.#onLine = options.onLine;
    this.#onWarning = options.onWarning;
    this.#maxLineBytes = options.maxLineBytes ?? defaultMaxLineBytes;
  }

  /** Feeds one chunk of the stream. */
  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    let start = 0;
    if (this.#pendingBytes > 0 || this.#discarding) {
      const end = chunk.indexOf(newline);
      if (end === -1) {
        this.#keep(chunk);
        return;
      }
      this.#finishPending(chunk.subarray(0, end));
      start = end + 1;
    }
    for (let end = chunk.indexOf(newline, start); end !== -1; end = chunk.indexOf(newline, start)) {
      const contentEnd = end > start && chunk[end - 1] === carriageReturn ? end - 1 : end;
      if (contentEnd - start > this.#maxLineBytes) this.#warnOverLong();
      else this.#onLine(chunk.toString("utf8", start, contentEnd));
      start = end + 1;
    }
    if (start < chunk.length) this.#keep(chunk.subarray(start));
  }

  /** Flushes a last line that had no terminator (a child that died mid-write still shows what it wrote). */
  end(): void {
    // Through the same length check as a terminated line: the spare byte kept for a `\r` must not let one more through.
    if (this.#pendingBytes > 0 && !this.#discarding) this.#finishPending(Buffer.alloc(0));
    this.#reset();
  }

  #keep(part: Buffer): void {
    if (this.#discarding) return;
    // One spare byte: the line may end in `\r` whose `\n` is still in flight.
    if (this.#pendingBytes + part.length > this.#maxLineBytes + 1) {
      this.#startDiscarding();
      return;
    }
    // Copy: the caller's chunk buffer may be pooled and reused after push() returns.
    this.#pending.push(Buffer.from(part));
    this.#pendingBytes += part.length;
  }

  /** Ends the line begun in earlier chunks with `tail`, the start of this chunk up to its `\n`. */
  #finishPending(tail: Buffer): void {
    if (this.#discarding) {
      this.#reset();
      return;
    }
    const lastByte = tail.length > 0 ? tail[tail.length - 1] : this.#pending.at(-1)?.at(-1);
    const contentBytes = this.#pendingBytes + tail.length - (lastByte === carriageReturn ? 1 : 0);
    if (contentBytes > this.#maxLineBytes) {
      this.#reset();
      this.#warnOverLong();
      return;
    }
    this.#pending.push(tail);
    const line = Buffer.concat(this.#pending, this.#pendingBytes + tail.length);
    this.#reset();
    this.#onLine(line.toString("utf8", 0, contentBytes));
  }

  #startDiscarding(): void {
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#discarding = true;
    this.#warnOverLong();
  }

  #warnOverLong(): void {
    this.#onWarning(
      `discarded a stdout line longer than ${this.#maxLineBytes} bytes (maxLineBytes); the stream continues with the next line`,
    );
  }

  #reset(): void {
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#discarding = false;
  }
}
