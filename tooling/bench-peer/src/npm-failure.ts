/**
 * The one line that says why npm failed, from its stderr: its error code and first message line
 * (`ECONNREFUSED: FetchError: request to … failed`), not the stack, the JSON dump or the "complete log" pointer that
 * follow. Undefined when npm printed no error line.
 */
export function npmFailureReason(stderr: string): string | undefined {
  const lines = stderr
    .split("\n")
    .map((line) => /^npm (?:error|ERR!) ?(.*)$/.exec(line.trimEnd())?.[1])
    .filter((line): line is string => line !== undefined);
  const code = lines.map((line) => /^code (\S+)$/.exec(line)?.[1]).find((found) => found !== undefined);
  const message = lines.find(
    (line) => line.trim() !== "" && !/^(?:code|syscall|errno) |^\s|^[{}]|^A complete log of this run/.test(line),
  );
  if (code && message) return `${code}: ${message}`;
  return message ?? code;
}
