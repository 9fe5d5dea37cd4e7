// A stand-in for `imsg rpc` for the bench. With a file in argv[2] (read before the first request, so the stream is
// not slowed by the disk): answers `watch.subscribe` with subscription 1, then writes the whole file to stdout as fast
// as the pipe takes it. `chats.list` gets the first `limit` chats of the recorded answer; every other request is
// answered with its own params as the result.
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";

const stream = process.argv[2] === undefined ? undefined : readFileSync(process.argv[2]);
const chatsFixture = new URL("../src/__fixtures__/chats-list.response.jsonl", import.meta.url);
const { chats } = JSON.parse(readFileSync(chatsFixture, "utf8")).result;

const answer = (id, result) => process.stdout.write(`${JSON.stringify({ jsonrpc: "2.0", id, result })}\n`);
const input = createInterface({ input: process.stdin });
input.on("line", (text) => {
  const request = JSON.parse(text);
  if (request.method === "watch.subscribe" && stream !== undefined) {
    answer(request.id, { subscription: 1 });
    // One write of the whole file: the pipe then runs as fast as the client reads it.
    process.stdout.write(stream);
  } else if (request.method === "chats.list") {
    answer(request.id, { chats: chats.slice(0, request.params?.limit ?? chats.length) });
  } else {
    answer(request.id, request.params);
  }
});
input.on("close", () => process.exit(0));
