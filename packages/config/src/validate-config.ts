import { databaseIdentityOf, databaseKey } from "./database-identity.ts";
import { suggestClosest } from "./did-you-mean.ts";
import { formatIssues } from "./format-issues.ts";
import {
  accountKeyPath,
  declaredAccountIds,
  type ResolvedAccount,
  resolveAccountWithWarnings,
} from "./resolve-account.ts";
import { type Config, configSchema } from "./schema.ts";

/** Every problem at once: `config` is present only when `errors` is empty. */
export interface ConfigResult {
  config: Config | undefined;
  warnings: string[];
  errors: string[];
}

function crossFieldErrors(config: Config, accounts: ResolvedAccount[]): string[] {
  const errors: string[] = [];
  for (const account of accounts) {
    if (account.dmPolicy === "open" && !account.allowFrom.includes("*")) {
      const where = accountKeyPath(config, account.accountId, "dmPolicy");
      errors.push(
        `${where}: "open" requires "*" in allowFrom; add "*" to ${accountKeyPath(config, account.accountId, "allowFrom")} or use "pairing"`,
      );
    }
    if (account.transport === "ssh" && !account.remoteHost) {
      const where = accountKeyPath(config, account.accountId, "transport");
      errors.push(
        `${where}: "ssh" requires remoteHost; set ${accountKeyPath(config, account.accountId, "remoteHost")} to host or user@host`,
      );
    }
  }

  const agents = config.agents?.list ?? [];
  const seen = new Set<string>();
  agents.forEach((agent, index) => {
    if (seen.has(agent.id))
      errors.push(
        `agents.list[${index}].id: ${JSON.stringify(agent.id)} is used by an earlier agent; ids must be unique`,
      );
    seen.add(agent.id);
  });
  const defaultIndexes = agents.flatMap((agent, index) => (agent.default ? [index] : []));
  if (defaultIndexes.length > 1) {
    errors.push(
      `agents.list[${defaultIndexes[1]}].default: true is also set on agents.list[${defaultIndexes[0]}]; mark one agent as default`,
    );
  }

  const agentIds = agents.length > 0 ? agents.map((agent) => agent.id) : ["main"];
  const accountIds = declaredAccountIds(config);
  (config.bindings ?? []).forEach((binding, index) => {
    if (!agentIds.includes(binding.agentId)) {
      const suggestion = suggestClosest(binding.agentId, agentIds);
      errors.push(
        `bindings[${index}].agentId: ${JSON.stringify(binding.agentId)} is not an agent in agents.list; ${suggestion ? `did you mean "${suggestion}"?` : `known agents: ${agentIds.join(", ")}`}`,
      );
    }
    const accountId = binding.match.accountId;
    if (accountId !== undefined && accountId !== "*" && !accountIds.includes(accountId)) {
      errors.push(
        `bindings[${index}].match.accountId: ${JSON.stringify(accountId)} is not one of ${[...accountIds, "*"].join(" | ")}`,
      );
    }
  });
  return [...new Set(errors)];
}

/**
 * Under `groupPolicy: "allowlist"` a group message needs a sender-list entry (`groups` entries admit nobody),
 * so an empty `groupAllowFrom` (or, unset, an empty `allowFrom`) drops every group message. Says so, with the fix.
 */
export function everyGroupMessageDropped(account: ResolvedAccount): string | undefined {
  if (account.groupPolicy !== "allowlist") return undefined;
  if ((account.groupAllowFrom ?? account.allowFrom).length > 0) return undefined;
  const senders =
    account.groupAllowFrom === null ? "groupAllowFrom is unset and allowFrom is empty" : "groupAllowFrom is empty";
  return `${senders}, so groupPolicy "allowlist" drops every group message (groups entries choose chats and their settings, never senders); add handles or chat_id:<id> to channels.imessage.groupAllowFrom, or set groupPolicy: "open" to admit everyone in the chats under groups`;
}

function advisoryWarnings(accounts: ResolvedAccount[]): string[] {
  const warnings: string[] = [];
  const byDatabase = new Map<string, string>();
  for (const account of accounts.filter((candidate) => candidate.enabled)) {
    const where = databaseKey(databaseIdentityOf(account));
    const other = byDatabase.get(where);
    if (other) {
      warnings.push(
        `accounts "${other}" and "${account.accountId}" read the same Messages database; both would answer every message`,
      );
    } else {
      byDatabase.set(where, account.accountId);
    }
    const groupsDropped = everyGroupMessageDropped(account);
    if (groupsDropped) warnings.push(`account "${account.accountId}": ${groupsDropped}`);
    if (account.allowSmsSenders) {
      warnings.push(
        `account "${account.accountId}": allowSmsSenders is on; SMS sender ids can be spoofed, so allowlisted numbers are not proof of identity over SMS`,
      );
    }
  }
  return warnings;
}

/** Validates a parsed config object: schema, then cross-field rules. Never throws for bad input. */
export function validateConfig(raw: unknown): ConfigResult {
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success)
    return { config: undefined, warnings: [], errors: formatIssues(parsed.error.issues, configSchema, raw) };
  const config = parsed.data;
  const warnings: string[] = [];
  const accounts: ResolvedAccount[] = [];
  for (const accountId of declaredAccountIds(config)) {
    const resolved = resolveAccountWithWarnings(config, accountId);
    accounts.push(resolved.account);
    warnings.push(...resolved.warnings);
  }
  const errors = crossFieldErrors(config, accounts);
  warnings.push(...advisoryWarnings(accounts));
  return { config: errors.length === 0 ? config : undefined, warnings: [...new Set(warnings)], errors };
}
