// Throughput of evaluateInbound for a DM and a group message against a 200-entry allowlist.
// Run: pnpm --filter @imessage-channel/policy bench
import { recordFigure } from "@imessage-channel/bench-kit";
import { evaluateInbound, type InboundMessage, type PolicyAccount } from "../src/index.ts";

const allowFrom = Array.from({ length: 200 }, (_, index) => `(555) 555-${String(1000 + index).padStart(4, "0")}`);
const account: PolicyAccount = {
  accountId: "default",
  dmPolicy: "allowlist",
  allowFrom,
  groupPolicy: "allowlist",
  groupAllowFrom: null,
  groups: { "*": { systemPrompt: "Use British spelling." } },
  phoneRegion: "US",
};
const context = { mentionPatterns: ["\\bbot\\b", "@?openclaw"], approvedSenders: ["friend@example.com"] };
const dm: InboundMessage = {
  chatId: 7,
  sender: "+15555551199",
  isFromMe: false,
  text: "hello",
  isGroup: false,
  chatGuid: "iMessage;-;+15555551199",
  chatIdentifier: "+15555551199",
};
const group: InboundMessage = {
  ...dm,
  chatId: 8421,
  isGroup: true,
  chatGuid: "iMessage;+;chat8421",
  text: "bot, hi",
};

function measure(name: string, message: InboundMessage, iterations: number): number {
  for (let index = 0; index < 200; index++) evaluateInbound(message, account, context);
  const started = process.hrtime.bigint();
  for (let index = 0; index < iterations; index++) {
    if (evaluateInbound(message, account, context).kind !== "dispatch") throw new Error("expected dispatch");
  }
  const perSecond = iterations / (Number(process.hrtime.bigint() - started) / 1e9);
  console.log(`${name}: ${Math.round(perSecond).toLocaleString("en-US")} decisions/s`);
  return perSecond;
}

const dmRate = measure("DM, 200-entry allowlist, last entry matches", dm, 5_000);
const groupRate = measure("group, mention patterns, wildcard prompt", group, 5_000);
console.log(`group/DM ratio: ${(groupRate / dmRate).toFixed(2)}`);
recordFigure({
  id: "evaluate-dm",
  figure: "evaluateInbound, DM matched by the last entry of a 200-entry allowlist",
  value: dmRate,
  unit: "decisions/s",
});
recordFigure({
  id: "evaluate-group",
  figure: "evaluateInbound, group message with mention patterns and a wildcard prompt",
  value: groupRate,
  unit: "decisions/s",
});
