// A tiny stand-in for `imsg rpc` that follows a script given in IMSG_SCRIPT (JSON):
// { startup: [lines printed at start], exitAtStart: code, answers: { method: { result?, error?, before?: [lines],
//   after?: [lines], silent?: true, exitAfter?: code } }, echo?: true }
// An answer may be an array: the n-th call of the method gets the n-th entry (the last one repeats).
// Lines may contain "$ID" (the request id). Unscripted methods get {"ok":true}; with echo, the params come back.
// Every request line is also written to stderr as `request <json>`, so tests can see what was sent.
import { createInterface } from "node:readline";

const script = JSON.parse(process.env.IMSG_SCRIPT ?? "{}");
const write = (line, id) => process.stdout.write(`${line.replaceAll('"$ID"', JSON.stringify(id))}\n`);
for (const line of script.startup ?? []) write(line, null);
if (script.exitAtStart !== undefined) process.exit(script.exitAtStart);

const calls = new Map();
const input = createInterface({ input: process.stdin });
input.on("line", (text) => {
  if (text.trim() === "") return;
  const request = JSON.parse(text);
  process.stderr.write(`request ${text}\n`);
  const scripted = script.answers?.[request.method] ?? {};
  const call = (calls.get(request.method) ?? 0) + 1;
  calls.set(request.method, call);
  const answer = Array.isArray(scripted) ? scripted[Math.min(call, scripted.length) - 1] : scripted;
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
