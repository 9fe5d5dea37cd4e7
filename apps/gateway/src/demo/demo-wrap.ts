/**
 * One bubble for the terminal: `who> ` before the first line, the text word-wrapped to `width` columns and the
 * lines after the first indented under it, so a long reply reads as whole words instead of the terminal cutting
 * it anywhere. A word longer than a line is split.
 */
export function formatBubble(who: string, text: string, width: number): string {
  const prefix = `${who}> `;
  const indent = " ".repeat(prefix.length);
  const room = Math.max(20, width - prefix.length);
  const lines = text.split("\n").flatMap((line) => wrapLine(line, room));
  return lines.map((line, index) => `${index === 0 ? prefix : indent}${line}`.trimEnd()).join("\n");
}

function wrapLine(line: string, room: number): string[] {
  const words = line.split(/\s+/).filter(Boolean);
  if (words.length === 0) return [""];
  const lines: string[] = [];
  let current = "";
  for (const word of words) {
    for (const piece of splitLongWord(word, room)) {
      if (!current) current = piece;
      else if (current.length + 1 + piece.length <= room) current = `${current} ${piece}`;
      else {
        lines.push(current);
        current = piece;
      }
    }
  }
  lines.push(current);
  return lines;
}

function splitLongWord(word: string, room: number): string[] {
  const characters = [...word];
  if (characters.length <= room) return [word];
  const pieces: string[] = [];
  for (let start = 0; start < characters.length; start += room)
    pieces.push(characters.slice(start, start + room).join(""));
  return pieces;
}
