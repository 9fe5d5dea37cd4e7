import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { rm } from "node:fs/promises";
import { waitFor } from "@imessage-channel/agents/test-support";
import { gatewayBinPath } from "./gateway-harness.ts";

/** One shell word in single quotes (the test's own paths: `script -c` takes a command line). */
const quoted = (value: string) => `'${value.replace(/'/g, "'\\''")}'`;

/**
 * `imessage-channel demo` as a real child process, its stdin either a pipe or a pseudo-terminal (util-linux
 * `script`, as a person's terminal: readline prompts, Ctrl-C arrives as a key). Output is collected as it comes.
 */
export class DemoSession {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly exited: Promise<number | null>;
  output = "";

  private constructor(child: ChildProcessWithoutNullStreams) {
    this.#child = child;
    this.exited = new Promise((resolve) => child.on("close", (code) => resolve(code)));
    const collect = (chunk: Buffer) => {
      this.output += chunk.toString("utf8");
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
  }

  static pipe(args: string[] = [], env: NodeJS.ProcessEnv = {}): DemoSession {
    return new DemoSession(
      spawn(process.execPath, [gatewayBinPath, "demo", ...args], { env: { ...process.env, ...env } }),
    );
  }

  /** In a pseudo-terminal: what the child prints comes back with `\r\n` and readline's cursor codes. */
  static terminal(args: string[] = []): DemoSession {
    const command = [process.execPath, gatewayBinPath, "demo", ...args].map(quoted).join(" ");
    return new DemoSession(
      spawn("script", ["-qfec", command, "/dev/null"], { env: { ...process.env, COLUMNS: "80" } }),
    );
  }

  /** Output without terminal control sequences and carriage returns. */
  get text(): string {
    return this.output.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, "").replace(/\r/g, "");
  }

  /** The demo's folder, from the `Gateway log:` line of its banner. */
  get folder(): string | undefined {
    return /Gateway log: (\S+)\/gateway\.log/.exec(this.text)?.[1];
  }

  /** The state dir of the printed second-terminal lines. */
  get stateDir(): string | undefined {
    return /IMESSAGE_CHANNEL_STATE_DIR=(\S+) imessage-channel status/.exec(this.text)?.[1];
  }

  async waitForText(pattern: RegExp, timeoutMs = 20_000, after = 0): Promise<string> {
    return waitFor(`demo output matching ${pattern}`, () => pattern.exec(this.text.slice(after))?.[0], timeoutMs);
  }

  /** Waits for `phrase` with any run of spaces and line breaks between its words: the demo wraps its output. */
  async waitForWords(phrase: string, timeoutMs = 20_000): Promise<string> {
    const escaped = phrase.split(/\s+/).map((word) => word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
    return this.waitForText(new RegExp(escaped.join("\\s+")), timeoutMs);
  }

  /** Types raw characters (`\r` is Enter in a terminal, `\x03` Ctrl-C). */
  type(characters: string): void {
    this.#child.stdin.write(characters);
  }

  line(text: string): void {
    this.#child.stdin.write(`${text}\n`);
  }

  endInput(): void {
    this.#child.stdin.end();
  }

  signal(signal: NodeJS.Signals): void {
    this.#child.kill(signal);
  }

  /** Kills what is still running and removes a folder left behind, so a failed test leaves nothing. */
  async dispose(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill("SIGKILL");
    await this.exited;
    const folder = this.folder;
    if (folder) await rm(folder, { recursive: true, force: true });
  }
}
