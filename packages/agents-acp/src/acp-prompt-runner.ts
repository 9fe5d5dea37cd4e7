import type { ContentBlock, SessionNotification, StopReason } from "@agentclientprotocol/sdk";
import type { Reply } from "@imessage-channel/agents";
import { AcpAgentExitError, AcpTimeoutError, requestFailure } from "./acp-errors.ts";
import type { AcpProcess } from "./acp-process.ts";
import { ReplyText } from "./reply-text.ts";

export interface AcpPromptRunnerOptions {
  agent: string;
  /** How long one turn may run, opening its session included, before it is cancelled. */
  timeoutMs: number;
  /** How long a cancelled prompt may take to stop before the turn fails anyway. */
  cancelGraceMs: number;
  /** True while the runtime is closing: a process that ends then was stopped, not crashed. */
  closing(): boolean;
}

/** One turn under the gateway's signal and the turn's deadline. */
export interface AcpPromptTurn {
  /** `work`, unless the turn is stopped first: then the gateway's reason, or AcpTimeoutError naming `step`. */
  until<T>(work: Promise<T>, step: string): Promise<T>;
  /**
   * Sends the prompt and collects the reply text streamed for its session. A stopped turn sends `session/cancel`
   * and waits `cancelGraceMs` for the agent to stop; a process that dies fails it with AcpAgentExitError.
   */
  prompt(
    agentProcess: AcpProcess,
    sessionId: string,
    blocks: ContentBlock[],
  ): Promise<{ text: string; stopReason: StopReason }>;
}

export interface AcpPromptRunner {
  /** Hands a `session/update` to the prompt of its session; updates outside a prompt (a load's replay) are dropped. */
  onUpdate(notification: SessionNotification): void;
  /** Starts a turn's deadline now. */
  turn(signal: AbortSignal): AcpPromptTurn;
}

export function createAcpPromptRunner(options: AcpPromptRunnerOptions): AcpPromptRunner {
  const { agent, timeoutMs, cancelGraceMs } = options;
  // Prompts of different sessions run at once over one connection; each collects only its session's text.
  const collectors = new Map<string, ReplyText>();

  return {
    onUpdate(notification) {
      collectors.get(notification.sessionId)?.add(notification.update);
    },

    turn(signal) {
      const stop = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
      /** The gateway's own reason when it stopped the turn, else the deadline's error. */
      const stoppedError = (step: string, cancelled: boolean): unknown =>
        signal.aborted ? signal.reason : new AcpTimeoutError(agent, step, timeoutMs, { cancelled });

      return {
        until: (work, step) =>
          new Promise((resolveWork, rejectWork) => {
            const onStop = () => rejectWork(stoppedError(step, false));
            if (stop.aborted) return onStop();
            stop.addEventListener("abort", onStop, { once: true });
            work.then(resolveWork, rejectWork).finally(() => stop.removeEventListener("abort", onStop));
          }),

        async prompt(agentProcess, sessionId, blocks) {
          const reply = new ReplyText();
          collectors.set(sessionId, reply);
          const stopped = new Promise<"stopped">((resolveStopped) => {
            if (stop.aborted) resolveStopped("stopped");
            stop.addEventListener("abort", () => resolveStopped("stopped"), { once: true });
          });
          const prompting = agentProcess.prompt(sessionId, blocks).then(
            (response) => ({ response }),
            (error: unknown) => ({ error }),
          );
          const crashed = agentProcess.exited.then((exit) => ({ exit }));
          try {
            const first = await Promise.race([prompting, crashed, stopped]);
            if (first === "stopped") {
              await agentProcess.cancel(sessionId);
              const grace = new Promise<void>((resolveGrace) => setTimeout(resolveGrace, cancelGraceMs).unref());
              await Promise.race([prompting, crashed, grace]);
              throw stoppedError("finish the turn", true);
            }
            if ("exit" in first) throw new AcpAgentExitError(agent, first.exit, { closing: options.closing() });
            if ("error" in first) {
              throw await requestFailure(
                agentProcess,
                { agent, request: "rejected the prompt", closing: options.closing },
                first.error,
              );
            }
            // Updates sent before the prompt's answer may still be in the connection's handler chain.
            await new Promise((resolveTick) => setImmediate(resolveTick));
            return { text: reply.text, stopReason: first.response.stopReason };
          } finally {
            collectors.delete(sessionId);
          }
        },
      };
    },
  };
}

/**
 * The reply of a finished prompt: its text, after the session's one-time `notice` when there is one; a refusal
 * without text says so; nothing to say at all is no reply.
 */
export function turnReply(
  agent: string,
  prompted: { text: string; stopReason: StopReason; notice: string | undefined },
): Reply | undefined {
  const { notice } = prompted;
  let answer = prompted.text.trim();
  if (!answer && prompted.stopReason === "refusal") answer = `(${agent} declined to answer.)`;
  if (!answer && !notice) return undefined;
  return { text: notice ? (answer ? `${notice}\n\n${answer}` : notice) : answer };
}
