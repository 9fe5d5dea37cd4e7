import { StringDecoder } from "node:string_decoder";

/**
 * The bare way to read a child's JSON lines, the floor both clients are measured against: stdout chunks through a
 * StringDecoder, lines split at `\n`, each handed to `onLine` parsed with `JSON.parse`. `onLine` returns false to
 * stop reading the rest of the chunk.
 */
export function bareJsonLines(onLine: (value: unknown) => boolean | undefined): (chunk: Buffer) => void {
  const decoder = new StringDecoder("utf8");
  let buffered = "";
  return (chunk) => {
    buffered += decoder.write(chunk);
    let start = 0;
    for (let newline = buffered.indexOf("\n"); newline !== -1; newline = buffered.indexOf("\n", start)) {
      const value: unknown = JSON.parse(buffered.slice(start, newline));
      start = newline + 1;
      if (onLine(value) === false) return;
    }
    buffered = buffered.slice(start);
  };
}
