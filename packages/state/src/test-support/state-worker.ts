// A second process for the cross-process tests: `node state-worker.ts <command> <stateDir> [...args]`.
import { openStateStore } from "../index.ts";

const [command, stateDir, ...args] = process.argv.slice(2);
if (command === undefined || stateDir === undefined) {
  process.stderr.write(
    "usage: state-worker <churn|claim-and-hang|commit-and-die|approve|acquire-leases> <stateDir> [...args]\n",
  );
  process.exit(2);
}

const store = openStateStore({ stateDir, durability: { intervalMilliseconds: 60_000 } });
const pause = new Int32Array(new SharedArrayBuffer(4));

if (command === "churn") {
  // Pairing requests, approvals and reads interleaved with another worker doing the same.
  const [workerName = "worker", countText = "50", workersText = "1", order = "ascending"] = args;
  const count = Number(countText);
  waitForAllWorkers(workerName, Number(workersText));
  const startedAt = Date.now();
  const claimed: string[] = [];
  const shortIds: string[] = [];
  for (let index = 0; index < count; index += 1) {
    const accountId = `${workerName}-account-${index}`;
    const sender = `+1555${workerName.length}${String(index).padStart(6, "0")}`;
    const request = store.pairing.requestPairing({ accountId, sender, chatId: index });
    if (!("code" in request)) throw new Error(`unexpected cap for ${accountId}`);
    store.pairing.listPending();
    store.pairing.approve(request.code.toLowerCase());
    if (!store.pairing.isApproved(accountId, sender)) throw new Error(`approval of ${sender} not visible`);
    // Opposite orders make the two workers race for the same guids where they meet.
    const guid = `shared-guid-${order === "descending" ? count - 1 - index : index}`;
    if (store.inbound.claim(guid, { accountId: "shared", rowid: Number(guid.slice(12)) + 1 }) === "claimed") {
      claimed.push(guid);
      store.inbound.commit(guid);
    }
    shortIds.push(store.replies.rememberMessage({ accountId: "shared", chatId: 1, guid: `${workerName}-${index}` }));
    // Like a real gateway between messages: without a gap SQLite's sleeping busy handler lets one writer starve the other.
    Atomics.wait(pause, 0, 0, 1);
  }
  process.stdout.write(`${JSON.stringify({ claimed, shortIds, startedAt, finishedAt: Date.now() })}\n`);
  store.close();
} else if (command === "claim-and-hang") {
  const [guid = "guid"] = args;
  const result = store.inbound.claim(guid, { accountId: "default", rowid: 7 });
  process.stdout.write(`${result}\n`);
  // Stay alive holding the claim until the test kills us.
  setInterval(() => {}, 60_000);
} else if (command === "commit-and-die") {
  // Commits, then kills itself with SIGKILL at once: no durability tick (a minute away) and no close ran.
  const [countText = "100"] = args;
  for (let index = 0; index < Number(countText); index += 1) {
    const guid = `died-guid-${index}`;
    store.inbound.claim(guid, { accountId: "default", rowid: index + 1 });
    store.inbound.commit(guid);
  }
  process.kill(process.pid, "SIGKILL");
} else if (command === "approve") {
  const [code = ""] = args;
  const request = store.pairing.approve(code);
  process.stdout.write(`${JSON.stringify(request)}\n`);
  store.close();
} else if (command === "acquire-leases") {
  // Races the other workers for the same free leases; prints the accounts this worker won.
  const [workerName = "worker", countText = "50", workersText = "2"] = args;
  waitForAllWorkers(workerName, Number(workersText));
  const won: string[] = [];
  for (let index = 0; index < Number(countText); index += 1) {
    const accountId = `race-${index}`;
    const result = await store.leases.acquire(accountId, `host:${process.pid}:${workerName}`, 60_000);
    if (result.acquired) won.push(accountId);
  }
  process.stdout.write(`${JSON.stringify({ won })}\n`);
  store.close();
} else {
  process.stderr.write(`unknown command ${command}\n`);
  process.exit(2);
}

/** A start barrier through the database itself, so the workers' writes really overlap. */
function waitForAllWorkers(workerName: string, workers: number): void {
  store.meta.setMeta(`ready.${workerName}`, "1");
  const deadline = Date.now() + 20_000;
  while (readyWorkers() < workers) {
    if (Date.now() > deadline) throw new Error(`only ${readyWorkers()} of ${workers} workers got ready`);
    Atomics.wait(pause, 0, 0, 2);
  }
}

function readyWorkers(): number {
  return ["alpha", "beta", "gamma"].filter((name) => store.meta.getMeta(`ready.${name}`) !== undefined).length;
}
