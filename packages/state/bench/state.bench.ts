// Throughput of the state.db operations on the gateway's hot path. Run: pnpm --filter @imessage-channel/state bench
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { recordFigure } from "@imessage-channel/bench-kit";
import { openStateStore } from "../src/index.ts";

const stateDir = mkdtempSync(join(tmpdir(), "imessage-channel-state-bench-"));
const store = openStateStore({ stateDir });

function measure(id: string, label: string, iterations: number, operation: (index: number) => void): number {
  const started = process.hrtime.bigint();
  for (let index = 0; index < iterations; index += 1) operation(index);
  const elapsedMilliseconds = Number(process.hrtime.bigint() - started) / 1e6;
  const perSecond = Math.round((iterations / elapsedMilliseconds) * 1000);
  console.log(
    `${label.padEnd(44)} ${String(perSecond).padStart(8)} ops/s  (${(elapsedMilliseconds / iterations).toFixed(3)} ms each)`,
  );
  recordFigure({ id, figure: `state.db: ${label}`, value: perSecond, unit: "ops/s" });
  return perSecond;
}

try {
  const claimCommit = measure("claim-commit", "claim + commit (2 IMMEDIATE txns, WAL, NORMAL)", 5000, (index) => {
    store.inbound.claim(`guid-${index}`, { accountId: "default", rowid: index });
    store.inbound.commit(`guid-${index}`);
  });
  const duplicate = measure("claim-duplicate", "claim of a delivered guid (duplicate)", 2000, (index) => {
    store.inbound.claim(`guid-${index % 500}`, { accountId: "default", rowid: index });
  });
  measure("pairing-request-approve", "pairing request + approve", 1000, (index) => {
    const request = store.pairing.requestPairing({ accountId: `account-${index}`, sender: `+1555${index}` });
    if ("code" in request) store.pairing.approve(request.code);
  });
  const isApproved = measure("is-approved", "isApproved (read, no transaction)", 20_000, (index) => {
    store.pairing.isApproved(`account-${index % 1000}`, `+1555${index % 1000}`);
  });
  measure("record-sent", "recordSent (3 chat keys)", 5000, (index) => {
    store.echoes.recordSent({
      accountId: "default",
      chatKeys: ["42", "chat-guid", "+15555550123"],
      text: `reply ${index}`,
    });
  });
  measure("is-echo-miss", "isEcho miss by guid and text", 5000, (index) => {
    store.echoes.isEcho({
      accountId: "default",
      chatKeys: ["42"],
      text: `inbound ${index}`,
      guid: `in-${index}`,
      ours: true,
    });
  });
  measure("remember-message", "rememberMessage (new short id)", 1000, (index) => {
    store.replies.rememberMessage({ accountId: "default", chatId: 42, guid: `message-${index}` });
  });
  console.log(
    `ratio reads/claim+commit: ${(isApproved / claimCommit).toFixed(1)}x; duplicate claims vs fresh: ${(duplicate / claimCommit).toFixed(1)}x`,
  );
} finally {
  store.close();
  rmSync(stateDir, { recursive: true, force: true });
}
