import { needsOperator } from "../commands/outbox.ts";
import type { AccountFacts, DoctorCheck } from "./doctor-checks.ts";

/** Parts the gateway could not settle (docs/exactly-once.md) wait for the operator: nothing sends them on its own. */
export function checkOutbox(facts: AccountFacts): DoctorCheck {
  const accountId = facts.account.accountId;
  if (facts.outbox === undefined)
    return { id: "outbox", status: "ok", message: "outbox: no state.db yet, so no outbound parts" };
  const waiting = needsOperator(facts.outbox, accountId);
  if (!waiting) return { id: "outbox", status: "ok", message: "outbox: no unknown or failed parts" };
  return {
    id: "outbox",
    status: "warn",
    message: `outbox: ${waiting.total} outbound ${waiting.total === 1 ? "part waits" : "parts wait"} for the operator (${waiting.summary}): unknown means nothing proved whether it reached the chat, failed that imsg refused it; neither is sent again on its own`,
    fix: `run \`${waiting.listCommand}\`, check the chat, then \`imessage-channel outbox resolve <id> --sent|--resend|--drop\``,
  };
}
