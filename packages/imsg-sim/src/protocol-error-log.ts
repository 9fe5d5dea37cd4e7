import { appendFileSync, readFileSync } from "node:fs";

/** The codes that mean "the client sent something this imsg does not accept": parse error, invalid request, bad params. */
export const protocolErrorCodes: readonly number[] = [-32700, -32600, -32602];

/** One refused request: what the client asked and what imsg answered. */
export interface ProtocolErrorRecord {
  at: string;
  pid: number;
  code: number;
  message: string;
  /** The method named by the request; absent when the line did not name one (a parse error). */
  method?: string;
}

/** Where `RpcOutput` reports a refused request. */
export type ProtocolErrorSink = (record: { code: number; message: string; method?: string }) => void;

/**
 * The sink of `--protocol-error-log FILE`: one JSON line per -32700/-32600/-32602 answer, appended before the answer
 * is written, so a test that got the answer always finds the record. Contract tests assert the file stays empty.
 */
export function protocolErrorLog(path: string): ProtocolErrorSink {
  return (record) => {
    appendFileSync(path, `${JSON.stringify({ at: new Date().toISOString(), pid: process.pid, ...record })}\n`);
  };
}

/** The refused requests recorded at `path`, oldest first; empty when there is no file. */
export function readProtocolErrorLog(path: string): ProtocolErrorRecord[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return [];
  }
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as ProtocolErrorRecord);
}
