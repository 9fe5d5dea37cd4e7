/** What one typed line of the interactive demo asks for (`/help` lists them; apps/gateway/README.md, demo). */
export type DemoInput =
  | { kind: "say"; text: string; from?: string; group?: string }
  | { kind: "split"; text: string; url: string }
  | { kind: "approve" }
  | { kind: "help" }
  | { kind: "quit" }
  | { kind: "nothing" }
  | { kind: "usage"; message: string };

export const demoHelp = [
  "Type a message and press Enter: you write from your iPhone (+15555550123) to the Mac.",
  "End a line with \\ to go on on the next line (one message with line breaks).",
  "  /approve                  approve the pending pairing code (as `imessage-channel pairing approve imessage CODE`)",
  "  /as HANDLE TEXT           someone else writes, e.g. /as +15555550124 hi (a stranger: pairing first)",
  "  /group NAME TEXT          you write in the group chat NAME (created on first use with +15555550124);",
  "                            the assistant answers only when a message mentions it: @assistant",
  "  /as HANDLE /group NAME TEXT   someone else writes in the group (not on groupAllowFrom: dropped)",
  "  /split TEXT | URL         Apple's split send: TEXT, then the URL as its own row a second later",
  "  /help                     this list",
  "  /quit                     leave (Ctrl-C and Ctrl-D too); the demo folder is removed unless --keep",
  "Other lines starting with / (e.g. /status, /reset) are sent as messages: they are the gateway's chat commands.",
].join("\n");

/** Parses one complete (already joined) input. Unknown `/words` are messages: the gateway has chat commands. */
export function parseDemoInput(input: string): DemoInput {
  const line = input.trim();
  if (!line) return { kind: "nothing" };
  const [word = "", ...restWords] = line.split(/\s+/);
  const rest = line.slice(word.length).trim();
  switch (word) {
    case "/quit":
    case "/exit":
      return { kind: "quit" };
    case "/help":
    case "/?":
      return { kind: "help" };
    case "/approve":
      return { kind: "approve" };
    case "/split": {
      const [text, url] = rest.split("|").map((part) => part.trim());
      return text && url ? { kind: "split", text, url } : { kind: "usage", message: "usage: /split TEXT | URL" };
    }
    case "/as": {
      const handle = restWords[0];
      const said = handle ? rest.slice(handle.length).trim() : "";
      if (!handle || !said)
        return { kind: "usage", message: "usage: /as HANDLE TEXT (or /as HANDLE /group NAME TEXT)" };
      const inner = parseDemoInput(said);
      if (inner.kind === "say" && inner.from === undefined) return { ...inner, from: handle };
      if (inner.kind === "usage") return inner;
      return { kind: "usage", message: "usage: /as HANDLE takes a message or /group NAME TEXT" };
    }
    case "/group": {
      const name = restWords[0];
      const said = name ? rest.slice(name.length).trim() : "";
      if (!name || !said)
        return { kind: "usage", message: "usage: /group NAME TEXT, e.g. /group family @assistant hi" };
      return { kind: "say", text: said, group: name };
    }
    default:
      return { kind: "say", text: line };
  }
}

/**
 * Joins typed lines into one input: a line ending in `\` goes on on the next one (joined with a line break), so a
 * message can hold paragraphs. Returns the input once a line does not end in `\`.
 */
export class LineJoiner {
  #pending: string[] = [];

  /** True while an input is unfinished (the prompt shows that). */
  get continuing(): boolean {
    return this.#pending.length > 0;
  }

  push(line: string): string | undefined {
    if (line.endsWith("\\")) {
      this.#pending.push(line.slice(0, -1).trimEnd());
      return undefined;
    }
    const joined = [...this.#pending, line].join("\n");
    this.#pending = [];
    return joined;
  }

  /** What was typed so far (input ended inside a continued line). */
  flush(): string | undefined {
    if (this.#pending.length === 0) return undefined;
    const joined = this.#pending.join("\n");
    this.#pending = [];
    return joined;
  }
}
