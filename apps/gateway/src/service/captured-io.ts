import { PassThrough, Writable } from "node:stream";
import type { CliIo } from "../cli-io.ts";

/** A CliIo that keeps what the command printed (for tests and for callers that want the text). */
export function capturedIo(env: NodeJS.ProcessEnv, cwd: string): CliIo & { out: () => string; err: () => string } {
  let out = "";
  let err = "";
  const sink = (append: (text: string) => void) =>
    new Writable({
      write(chunk, _encoding, done) {
        append(String(chunk));
        done();
      },
    });
  return {
    stdout: sink((text) => {
      out += text;
    }),
    stderr: sink((text) => {
      err += text;
    }),
    stdin: new PassThrough(),
    env,
    cwd,
    out: () => out,
    err: () => err,
  };
}
