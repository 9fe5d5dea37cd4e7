import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const workerPath = fileURLToPath(new URL("./state-worker.ts", import.meta.url));

export interface WorkerRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts the state worker as a real child process of this Node binary. */
export function startWorker(args: string[]): ChildProcess {
  // The source condition: the worker imports workspace packages (kit) from their TypeScript, not a built dist/.
  return spawn(process.execPath, ["--conditions=@imessage-channel/source", workerPath, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** Resolves when the child exits, with everything it printed. */
export function waitForExit(child: ChildProcess): Promise<WorkerRun> {
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (exitCode, signal) => resolve({ exitCode, signal, stdout, stderr }));
  });
}

export function runWorker(args: string[]): Promise<WorkerRun> {
  return waitForExit(startWorker(args));
}

/** Resolves with the child's first stdout line, or rejects when none arrives before the deadline. */
export function firstLine(child: ChildProcess, deadlineMilliseconds = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = "";
    let stderr = "";
    const timer = setTimeout(
      () => reject(new Error(`no line from child within ${deadlineMilliseconds} ms; stderr: ${stderr}`)),
      deadlineMilliseconds,
    );
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      buffered += chunk;
      const newline = buffered.indexOf("\n");
      if (newline >= 0) {
        clearTimeout(timer);
        resolve(buffered.slice(0, newline));
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`child exited with ${code} before printing a line; stderr: ${stderr}`));
    });
  });
}
