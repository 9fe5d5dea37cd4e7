import { errorMessage } from "@imessage-channel/kit";
import type { AcpBindingStore } from "@imessage-channel/state";
import type { AcpAgentRuntime } from "./acp-agent.ts";
import { acpSessionKey, type BindingKey } from "./binding-session-store.ts";
import type { AcpChatCommand } from "./chat-command.ts";

export interface AcpCommandControllerOptions {
  bindings: AcpBindingStore;
  /**
   * The ACP runtime an agent name of `/acp spawn` (or a binding's `agentId`) runs on; undefined when the
   * gateway has no such ACP agent. Its session store should be `createBindingSessionStore(bindings)`.
   */
  runtimeFor(agent: string): AcpAgentRuntime | undefined;
}

export interface AcpCommandController {
  /** The session key turns of a bound conversation run under. */
  sessionKeyOf(conversation: BindingKey): string;
  /** The agent a conversation is bound to, for routing its messages; undefined when unbound. */
  boundAgentOf(conversation: BindingKey): string | undefined;
  /** The chat answer to an ACP command in this conversation; undefined for `/new` or `/reset` when unbound. */
  handle(command: AcpChatCommand, conversation: BindingKey): Promise<string | undefined>;
}

/**
 * What the ACP chat commands do to a conversation's binding, answered in one chat line each:
 * `spawn … --bind here` binds it (replacing an earlier binding) and starts the session at once, so a
 * broken agent is reported now rather than at the first message; `close` closes the session and
 * unbinds; `status` describes it; `new`/`reset` start a new session in place. `handle` resolves to
 * undefined for `new`/`reset` in a conversation that is not bound: those belong to the routed agent.
 */
export function createAcpCommandController(options: AcpCommandControllerOptions): AcpCommandController {
  const { bindings, runtimeFor } = options;

  const closeSession = async (conversation: BindingKey, agentId: string) => {
    await runtimeFor(agentId)?.reset(acpSessionKey(conversation));
  };

  async function spawn(command: Extract<AcpChatCommand, { kind: "spawn" }>, conversation: BindingKey) {
    if (!command.bindHere) {
      return `Add --bind here to bind this conversation: /acp spawn ${command.agent} --bind here`;
    }
    const runtime = runtimeFor(command.agent);
    if (!runtime) {
      return `No ACP agent "${command.agent}" on this gateway: add it to agents.list with runtime.type "acp".`;
    }
    const previous = bindings.getBinding(conversation);
    if (previous) await closeSession(conversation, previous.agentId);
    const sessionKey = acpSessionKey(conversation);
    const { mode } = await runtime.status(sessionKey);
    bindings.setBinding({
      ...conversation,
      agentId: command.agent,
      label: command.label ?? null,
      sessionId: null,
      mode,
    });
    await runtime.reset(sessionKey);
    try {
      const sessionId = await runtime.open(sessionKey);
      const session = sessionId ? `session ${sessionId}` : "a new session every message";
      return `Bound this conversation to ${command.agent} (${mode}, ${session}). Messages here go to it; /acp close unbinds.`;
    } catch (error) {
      bindings.deleteBinding(conversation);
      return `Could not start ${command.agent}, nothing is bound: ${errorMessage(error)}`;
    }
  }

  async function status(conversation: BindingKey) {
    const binding = bindings.getBinding(conversation);
    if (!binding)
      return "This conversation is not bound to an ACP agent. Bind one with /acp spawn <agent> --bind here.";
    const label = binding.label ? ` "${binding.label}"` : "";
    const runtime = runtimeFor(binding.agentId);
    if (!runtime) return `Bound to ${binding.agentId}${label}, but that agent is no longer configured as an ACP agent.`;
    const state = await runtime.status(acpSessionKey(conversation));
    const session = state.sessionId ? `session ${state.sessionId}` : "no session yet";
    const process = state.pid ? `agent running (pid ${state.pid})` : "agent not running (starts with the next message)";
    return `Bound to ${binding.agentId}${label} since ${binding.createdAt}: ${state.mode}, ${session}, ${process}.`;
  }

  return {
    sessionKeyOf: acpSessionKey,

    boundAgentOf(conversation) {
      return bindings.getBinding(conversation)?.agentId;
    },

    async handle(command, conversation) {
      switch (command.kind) {
        case "invalid":
          return command.message;
        case "spawn":
          return spawn(command, conversation);
        case "status":
          return status(conversation);
        case "close": {
          const binding = bindings.getBinding(conversation);
          if (!binding) return "Nothing to close: this conversation is not bound to an ACP agent.";
          await closeSession(conversation, binding.agentId);
          bindings.deleteBinding(conversation);
          return `Closed the ${binding.agentId} session; this conversation is no longer bound.`;
        }
        case "new":
        case "reset": {
          const binding = bindings.getBinding(conversation);
          if (!binding) return undefined;
          await closeSession(conversation, binding.agentId);
          return `Started a new ${binding.agentId} session.`;
        }
      }
    },
  };
}
