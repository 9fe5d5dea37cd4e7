import type { Writable } from "node:stream";
import { TransportError } from "./transport-error.ts";

/**
 * Writes `line` plus `\n`, resolving once the stream accepted it and, when its buffer is full, once it drained.
 * A line with a newline inside would split into two frames on the other side, so it is refused. `describe` names the
 * peer in errors; it is called only for one, since building the name on every write was a measurable part of it.
 */
export function writeLineTo(stream: Writable, line: string, describe: () => string): Promise<void> {
  if (line.includes("\n") || line.includes("\r")) {
    return Promise.reject(
      new TransportError(
        "LINE_INVALID",
        `${describe()}: a line must not contain "\\n" or "\\r" (got ${line.length} characters); serialize with JSON.stringify`,
      ),
    );
  }
  if (stream.writableEnded || stream.destroyed) {
    return Promise.reject(new TransportError("NOT_RUNNING", `${describe()}: cannot write, its stdin is closed`));
  }
  return new Promise<void>((resolve, reject) => {
    let flushed = false;
    let drained = true;
    const settle = () => {
      if (flushed && drained) resolve();
    };
    const accepted = stream.write(`${line}\n`, (error) => {
      if (error) {
        reject(
          new TransportError("WRITE_FAILED", `${describe()}: write to stdin failed: ${error.message}`, {
            cause: error,
          }),
        );
        return;
      }
      flushed = true;
      settle();
    });
    if (!accepted) {
      drained = false;
      const onDrain = () => {
        stream.off("close", onClose);
        drained = true;
        settle();
      };
      // A stream destroyed while full never drains; the write callback reports the error, or this does.
      const onClose = () => {
        stream.off("drain", onDrain);
        if (flushed) resolve();
        else reject(new TransportError("NOT_RUNNING", `${describe()}: its stdin closed before the line was written`));
      };
      stream.once("drain", onDrain);
      stream.once("close", onClose);
    }
  });
}
