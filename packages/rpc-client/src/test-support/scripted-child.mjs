// A tiny stand-in for `imsg rpc` that follows a script given in IMSG_SCRIPT (JSON):
// { startup: [lines printed at start], exitAtStart: code, answers: { method: { result?, error?, before?: [lines],
//   after?: [lines], silent?: true, exitAfter?: code } }, echo?: true }
// Lines may contain "$ID" (the request id). Unscripted methods get {"ok":true}; with echo, the params come back.
import { createInterface } from "node:readline";

const script = JSON.parse(process.env.IMSG_SCRIPT ?? "{}");
const write = (line, id) => process.stdout.write(`${line.replaceAll('"$ID"', JSON.stringify(id))}\n`);
for (const line of script.startup ?? []) write(line, null);
if (script.exitAtStart !== undefined) process.exit(script.exitAtStart);

const input = createInterface({ input: process.stdin });
input.on("line", (text) => {
  if (text.trim() === "") return;
  const request = JSON.parse(text);
  const answer = script.answers?.[request.method] ?? {};
  for (const line of answer.before ?? []) write(line, request.id);
  if (!answer.silent) {
    const body =
      answer.error !== undefined
        ? { error: answer.error }
        : { result: answer.result ?? (script.echo ? request.params : { ok: true }) };
    write(JSON.stringify({ jsonrpc: "2.0", id: request.id, ...body }), request.id);
  }
  for (const line of answer.after ?? []) write(line, request.id);
  if (answer.exitAfter !== undefined) process.exit(answer.exitAfter);
});
input.on("close", () => process.exit(0));
