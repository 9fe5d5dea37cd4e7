/**
 * A scripted demo conversation, one step per line:
 *   `> text`            the iPhone user sends `text` (`\n` for a line break)
 *   `>> text | url`     Apple's split send: `text`, then the URL as a balloon row ~1 s later
 *   `< pattern`         expect a reply matching the regular expression (waits for it)
 *   `<< n pattern`      expect at least n replies in a row, together matching the pattern
 *   `approve`           approve the pending pairing code, as `imessage-channel pairing approve imessage <CODE>` does
 *   `# …`               a comment
 */
export type DemoStep =
  | { kind: "say"; text: string }
  | { kind: "say-split"; text: string; url: string }
  | { kind: "expect"; pattern: RegExp; count: number; source: string }
  | { kind: "approve" };

export function parseDemoScript(text: string): DemoStep[] {
  const steps: DemoStep[] = [];
  for (const [index, raw] of text.split("\n").entries()) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const where = `demo script line ${index + 1}`;
    if (line === "approve") steps.push({ kind: "approve" });
    else if (line.startsWith(">>")) {
      const [said, url] = line
        .slice(2)
        .split("|")
        .map((part) => part.trim());
      if (!said || !url) throw new Error(`${where}: ">> text | url" needs both parts`);
      steps.push({ kind: "say-split", text: said, url });
    } else if (line.startsWith(">")) steps.push({ kind: "say", text: line.slice(1).trim().replace(/\\n/g, "\n") });
    else if (line.startsWith("<<")) {
      const match = /^<<\s*(\d+)\s+(.+)$/.exec(line);
      if (!match) throw new Error(`${where}: "<< n pattern" needs a count and a pattern`);
      steps.push({ kind: "expect", count: Number(match[1]), pattern: new RegExp(match[2]!, "s"), source: match[2]! });
    } else if (line.startsWith("<")) {
      const source = line.slice(1).trim();
      steps.push({ kind: "expect", count: 1, pattern: new RegExp(source, "s"), source });
    } else throw new Error(`${where}: start with >, >>, <, <<, approve or #`);
  }
  return steps;
}

const longText = Array.from(
  { length: 6 },
  (_, index) =>
    `Paragraph ${index + 1}: iMessage bubbles read best when a long answer is split at paragraph breaks rather than in the middle of a sentence.`,
).join("\n\n");

/** The built-in conversation: pairing, approval, a reply, coalescing of a split send, and chunking. */
export const builtInDemoScript = `
# A stranger writes: the gateway answers with a pairing code and the command that approves it.
> Hi, is this the assistant?
< pairing code is [A-Z2-9]{8}.*pairing approve imessage
# The owner approves the code; the gateway tells the user so (pairing.notifyOnApprove), and from the next message on
# the agent answers.
approve
< ^You're approved
> Hello agent!
< ^Hello agent!$
# Apple splits "command + URL" into two rows about a second apart: one turn arrives at the agent.
>> Dump | https://example.com/article
< ^Dump https://example\\.com/article$
# A long answer is sent paragraph by paragraph (chunkMode "newline"), each paragraph its own bubble.
> ${longText.replace(/\n/g, "\\n")}
<< 6 Paragraph 1.*Paragraph 6
`;
