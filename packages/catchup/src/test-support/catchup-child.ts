// A gateway start reduced to its catchup pass, run as a real child process so a test can SIGKILL it mid-pass.
// Usage: node --conditions=@imessage-channel/source catchup-child.ts <dbPath> <stateDir> <dispatchedLog> <blockAt>
//        [<cursor write interval ms>]
// Each dispatched row's guid is appended (fsync'd) to <dispatchedLog>. The dispatch of row number <blockAt>
// (1-based) writes `<dispatchedLog>.blocked` and never returns, so the kill lands mid-dispatch.
import { appendFileSync, closeSync, fsyncSync, openSync, writeFileSync } from "node:fs";
import { ImsgClient } from "@imessage-channel/rpc-client";
import { CursorStore } from "../cursor-store.ts";
import { runCatchup } from "../run-catchup.ts";
import { simTransport } from "./sim-transport.ts";
import { childIdentity, testNowMs } from "./sim-world.ts";

const [dbPath, stateDir, dispatchedLog, blockAtText, intervalText] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string | undefined,
];
const blockAt = Number(blockAtText);

function appendDurably(path: string, line: string): void {
  appendFileSync(path, line);
  const descriptor = openSync(path, "r");
  fsyncSync(descriptor);
  closeSync(descriptor);
}

const client = new ImsgClient({ transport: simTransport(dbPath) });
await client.start();
const cursorStore = await CursorStore.open({
  stateDir,
  accountId: "default",
  identity: childIdentity,
  ...(intervalText === undefined ? {} : { writeIntervalMilliseconds: Number(intervalText) }),
});
let count = 0;
await runCatchup({
  imsg: client,
  cursorStore,
  dispatch: async (row) => {
    count += 1;
    if (count === blockAt) {
      writeFileSync(`${dispatchedLog}.blocked`, row.guid);
      await new Promise(() => setInterval(() => {}, 60_000));
    }
    appendDurably(dispatchedLog, `${row.guid}\n`);
  },
  options: { enabled: true },
  now: () => testNowMs,
});
await client.close();
