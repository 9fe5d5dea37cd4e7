const previewLength = 200;

/** The start of a line for the log: bad lines can be megabytes long and may hold message text. */
export function linePreview(line: string): string {
  return line.length > previewLength ? `${line.slice(0, previewLength)}… (${line.length} chars)` : line;
}
