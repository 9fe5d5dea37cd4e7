import { AcpRuntimeClosedError } from "./acp-errors.ts";
import { AcpProcess, type AcpProcessOptions } from "./acp-process.ts";
import { type AcpWorkspaceOptions, agentProcessCwd } from "./acp-workspace.ts";

export interface AcpProcessPoolOptions extends Omit<AcpProcessOptions, "cwd">, AcpWorkspaceOptions {}

/**
 * The agent process of one ACP runtime. ACP multiplexes sessions over one connection, so the pool holds at
 * most one process: started by the first caller, shared by every later one, and started again by the next
 * caller after it died.
 */
export interface AcpProcessPool {
  /** The running process; starts one when there is none (or it died), one start for concurrent callers. */
  running(): Promise<AcpProcess>;
  /** The last process that started, while it runs: for status, without waiting on a start in progress. */
  live(): AcpProcess | undefined;
  /** True once `close()` was called: `running()` then fails with AcpRuntimeClosedError. */
  readonly closed: boolean;
  /** Stops the process (waiting for a start in progress first) and starts none again. */
  close(): Promise<void>;
}

export function createAcpProcessPool(options: AcpProcessPoolOptions): AcpProcessPool {
  let current: Promise<AcpProcess> | undefined;
  let started: AcpProcess | undefined;
  let closed = false;

  const running = async (): Promise<AcpProcess> => {
    if (closed) throw new AcpRuntimeClosedError(options.agent);
    const previous = current;
    if (previous) {
      const agentProcess = await previous.catch(() => undefined);
      if (agentProcess?.alive) return agentProcess;
      if (current !== previous) return running(); // another caller is already restarting it
    }
    const starting = agentProcessCwd(options).then((cwd) =>
      AcpProcess.start({
        agent: options.agent,
        command: options.command,
        cwd,
        env: options.env,
        startTimeoutMs: options.startTimeoutMs,
        onStderr: options.onStderr,
        onUpdate: options.onUpdate,
        onPermission: options.onPermission,
      }),
    );
    current = starting;
    void starting.then(
      (agentProcess) => {
        started = agentProcess;
      },
      () => {},
    );
    return starting;
  };

  return {
    running,
    live: () => (started?.alive ? started : undefined),
    get closed() {
      return closed;
    },
    async close() {
      closed = true;
      const agentProcess = await current?.catch(() => undefined);
      current = undefined;
      await agentProcess?.kill();
    },
  };
}
