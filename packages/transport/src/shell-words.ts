/** One word of a shell command line as written, after quote removal. */
export interface ShellWord {
  text: string;
  /** True when the word contains an expansion (`$x`, `$(…)`, backquotes, globs) whose value is not known statically. */
  dynamic: boolean;
}

const operatorCharacters = new Set([";", "&", "|", "<", ">", "(", ")"]);

/**
 * Splits POSIX shell text into simple commands (lists of words), honouring quotes, backslashes,
 * line continuations, comments and the `; & | && || ( )` separators. Enough to read a wrapper script,
 * not a shell: anything it cannot know statically is marked `dynamic`.
 */
export function splitShellCommands(script: string): ShellWord[][] {
  const commands: ShellWord[][] = [];
  let words: ShellWord[] = [];
  let text = "";
  let dynamic = false;
  let inWord = false;
  const endWord = () => {
    if (inWord) words.push({ text, dynamic });
    text = "";
    dynamic = false;
    inWord = false;
  };
  const endCommand = () => {
    endWord();
    if (words.length > 0) commands.push(words);
    words = [];
  };

  for (let index = 0; index < script.length; index += 1) {
    const character = script[index] as string;
    if (character === "\\") {
      const next = script[index + 1];
      index += 1;
      if (next === "\n" || next === undefined) continue;
      text += next;
      inWord = true;
    } else if (character === "'") {
      const end = script.indexOf("'", index + 1);
      if (end === -1) return commands; // unterminated quote: stop reading rather than guess
      text += script.slice(index + 1, end);
      inWord = true;
      index = end;
    } else if (character === '"') {
      inWord = true;
      index += 1;
      for (; index < script.length && script[index] !== '"'; index += 1) {
        const inner = script[index] as string;
        if (inner === "\\" && '$`"\\\n'.includes(script[index + 1] ?? "")) {
          index += 1;
          if (script[index] !== "\n") text += script[index];
        } else {
          if (inner === "$" || inner === "`") dynamic = true;
          text += inner;
        }
      }
      if (index >= script.length) return commands;
    } else if (character === "#" && !inWord) {
      const end = script.indexOf("\n", index);
      index = end === -1 ? script.length : end - 1;
    } else if (character === "\n") {
      endCommand();
    } else if (character === " " || character === "\t" || character === "\r") {
      endWord();
    } else if (operatorCharacters.has(character)) {
      endCommand();
    } else {
      // `[` would glob too, but `user@[v6]` matching a file in the cwd is not a case worth refusing.
      if ("$`*?".includes(character)) dynamic = true;
      text += character;
      inWord = true;
    }
  }
  endCommand();
  return commands;
}
