/** An ACP chat command from an authorized sender, parsed; the gateway decides what it does. */
export type AcpChatCommand =
  | { kind: "spawn"; agent: string; bindHere: boolean; label?: string }
  | { kind: "close" }
  | { kind: "status" }
  | { kind: "new" }
  | { kind: "reset" }
  /** Looked like an ACP command but was malformed: `message` says how to write it. */
  | { kind: "invalid"; message: string };

export const acpUsage = "Usage: /acp spawn <agent> [--bind here] [--label <name>] | /acp close | /acp status";

/**
 * Reads `/acp spawn <agent> [--bind here] [--label <name>]`, `/acp close`, `/acp status`, `/new`, `/reset`.
 * Undefined when the text is none of them (it goes to the agent as a message). Command words and agent
 * names are case-insensitive, and the dashes phones "smarten" (`—bind`) count as `--`.
 */
export function parseAcpChatCommand(text: string): AcpChatCommand | undefined {
  const words = text.trim().split(/\s+/);
  const head = words[0]?.toLowerCase();
  if (head === "/new" || head === "/reset")
    return words.length === 1 ? { kind: head.slice(1) as "new" | "reset" } : undefined;
  if (head !== "/acp") return undefined;
  return parseAcpCommandArguments(words.slice(1).join(" "));
}

/**
 * The part after `/acp` (`spawn codex --bind here`), for callers that already split off the command word,
 * like the policy package's `parseControlCommand` (`{ name: "acp", args }`).
 */
export function parseAcpCommandArguments(args: string): AcpChatCommand {
  const words = args.trim().split(/\s+/).filter(Boolean);
  const verb = words[0]?.toLowerCase();
  const rest = words.slice(1).map((word) => word.replace(/^[\u2014\u2013]/, "--"));
  switch (verb) {
    case "close":
    case "status":
      return rest.length === 0 ? { kind: verb } : invalid(`/acp ${verb} takes no arguments.`);
    case "spawn":
      return parseSpawn(rest);
    default:
      return invalid(verb ? `Unknown /acp command "${verb}".` : "Missing the /acp command.");
  }
}

function parseSpawn(words: string[]): AcpChatCommand {
  const [agentWord, ...flags] = words;
  if (!agentWord || agentWord.startsWith("-"))
    return invalid("Name the agent to spawn, e.g. /acp spawn codex --bind here.");
  const agent = agentWord.toLowerCase();
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(agent)) return invalid(`"${agentWord}" is not an agent name.`);
  let bindHere = false;
  let label: string | undefined;
  for (let index = 0; index < flags.length; index++) {
    const raw = flags[index] as string;
    const [flag, inlineValue] = raw.split("=", 2) as [string, string | undefined];
    const value = inlineValue ?? flags[++index];
    if (flag === "--bind") {
      if (value?.toLowerCase() !== "here")
        return invalid('Only "--bind here" is supported: it binds this conversation.');
      bindHere = true;
    } else if (flag === "--label") {
      if (!value) return invalid("--label needs a name.");
      label = value;
    } else {
      return invalid(`Unknown option "${raw}".`);
    }
  }
  return label === undefined ? { kind: "spawn", agent, bindHere } : { kind: "spawn", agent, bindHere, label };
}

function invalid(problem: string): AcpChatCommand {
  return { kind: "invalid", message: `${problem} ${acpUsage}` };
}
