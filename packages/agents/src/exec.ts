import { spawn } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { AgentConfigError } from "./agent-config-error.ts";
import { AgentError } from "./agent-error.ts";
import type { AgentRuntime } from "./runtime.ts";
import { readReplyEnvelope } from "./turn.ts";

export interface ExecAgentOptions {
  /** argv: the program and its arguments. Never run through a shell. */
  command: string[];
  timeoutMs?: number;
  cwd?: string;
  env?: Record<string, string>;
  /**
   * The agent's staging folder for files it attaches (created 0700 before each run), passed as
   * `$IMESSAGE_CHANNEL_MEDIA_DIR`: the one folder its replies may attach from unless outboundMediaRoots adds more.
   */
  mediaDir?: string;
}

const maxOutputBytes = 4 * 1024 * 1024;
/** sysexits.h EX_TEMPFAIL: the agent says it is unavailable for now (its backend is down), so the turn is retried. */
export const execTemporaryFailureExitCode = 75;

/**
 * Runs the command once per turn: turn JSON on stdin; on stdout, Reply JSON inside the `{"version":1, …}`
 * envelope, or plain text (anything else, JSON included). Exit code 75 (EX_TEMPFAIL) or a timeout means the agent
 * is unavailable (the turn is retried); any other failure is permanent.
 */
export function createExecAgent(options: ExecAgentOptions): AgentRuntime {
  const [file, ...args] = options.command;
  if (!file)
    throw new AgentConfigError(
      "runtime.command",
      'exec agent: runtime.command must name a program, e.g. ["/usr/local/bin/my-agent"]',
    );
  const timeoutMs = options.timeoutMs ?? 120_000;
  return {
    kind: "exec",
    acceptsEvents: true,
    async run(turn, signal) {
      if (options.mediaDir) await mkdir(options.mediaDir, { recursive: true, mode: 0o700 });
      const mediaEnv = options.mediaDir ? { IMESSAGE_CHANNEL_MEDIA_DIR: options.mediaDir } : {};
      return new Promise((resolve, reject) => {
        const child = spawn(file, args, {
          cwd: options.cwd,
          env: { ...process.env, ...options.env, ...mediaEnv },
          stdio: ["pipe", "pipe", "pipe"],
          signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
          killSignal: "SIGKILL",
        });
        const stdout: Buffer[] = [];
        let stdoutBytes = 0;
        let stderr = "";
        child.stdout.on("data", (chunk: Buffer) => {
          stdoutBytes += chunk.length;
          if (stdoutBytes <= maxOutputBytes) stdout.push(chunk);
        });
        child.stderr.on("data", (chunk: Buffer) => {
          stderr = (stderr + chunk.toString("utf8")).slice(-2000);
        });
        child.stdin.on("error", () => {}); // a command that ignores stdin closes it early: not an error
        child.stdin.end(JSON.stringify(turn));
        child.on("error", (error) => {
          if (signal.aborted) return reject(error);
          const timedOut = error.name === "AbortError";
          reject(
            new AgentError(
              timedOut ? "AGENT_TIMEOUT" : "AGENT_EXIT",
              timedOut
                ? `exec agent ${file} did not finish within ${timeoutMs} ms and was killed`
                : `exec agent ${file} could not start: ${error.message}`,
              // A turn that ran out of time may finish on another try; a program that cannot start will not.
              { retryable: timedOut, cause: error },
            ),
          );
        });
        child.on("close", (code) => {
          if (code !== 0) {
            const detail = stderr.trim().split("\n").at(-1) ?? "";
            return reject(
              new AgentError(
                "AGENT_EXIT",
                `exec agent ${file} exited with code ${code}${detail ? `: ${detail}` : ""}`,
                { retryable: code === execTemporaryFailureExitCode },
              ),
            );
          }
          const reading = readReplyEnvelope(Buffer.concat(stdout).toString("utf8"));
          if (reading.ok) return resolve(reading.reply);
          reject(
            new AgentError(
              "AGENT_BAD_REPLY",
              `exec agent ${file} printed a version 1 envelope that is not Reply JSON (${reading.problem}); fix the agent's output`,
              { retryable: false },
            ),
          );
        });
      });
    },
  };
}
