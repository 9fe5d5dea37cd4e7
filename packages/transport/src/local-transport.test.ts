// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { errorMessage } from "@imessage-channel/kit";
import { waitFor } from "@imessage-channel/vitest-config/wait-for";
import { afterEach, describe, expect, it } from "vitest";
import { LocalTransport } from "./local-transport.ts";
import type { TransportExit } from "./transport.ts";
import { TransportError } from "./transport-error.ts";

const support = join(import.meta.dirname, "test-support");
const transports: LocalTransport[] = [];
const temporaryDirectories: string[] = [];

function nodeChild(
  script: string,
  args: string[] = [],
  options: Partial<ConstructorParameters<typeof LocalTransport>[0]> = {},
) {
  const transport = new LocalTransport({
    cliPath: process.execPath,
    args: [join(support, script), ...args],
    ...options,
  });
  transports.push(transport);
  return transport;
}

function record(transport: LocalTransport) {
  const seen = { lines: [] as string[], stderr: "", warnings: [] as string[], exits: [] as TransportExit[] };
  transport.on("line", (line) => seen.lines.push(line));
  transport.on("stderr", (text) => {
    seen.stderr += text;
  });
  transport.on("warning", (message) => seen.warnings.push(message));
  transport.on("exit", (exit) => seen.exits.push(exit));
  return seen;
}

function temporaryDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), "transport-local-"));
  temporaryDirectories.push(directory);
  return directory;
}

afterEach(async () => {
  await Promise.all(transports.splice(0).map((transport) => transport.close()));
  for (const directory of temporaryDirectories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

describe("LocalTransport", () => {
  it("writes lines to the child and emits its stdout lines and stderr", async () => {
    const transport = nodeChild("echo-child.mjs");
    const seen = record(transport);
    await transport.start();
    expect(transport.running).toBe(true);
    expect(transport.description).toMatch(/echo-child\.mjs \(pid \d+\)$/);
    await transport.writeLine('{"id":1}');
    await transport.writeLine("héllo 👋");
    await waitFor(() => seen.lines.length === 2, "two echoed lines");
    expect(seen.lines).toEqual(['echo:{"id":1}', "echo:héllo 👋"]);
    await waitFor(() => seen.stderr.includes("echo-child ready"), "stderr text");
  });

  it("closes by ending stdin: the child exits 0 and exit is emitted exactly once", async () => {
    const transport = nodeChild("echo-child.mjs");
    const seen = record(transport);
    await transport.start();
    const exit = await transport.close();
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(seen.stderr).toContain("stdin closed");
    expect(await transport.close()).toBe(exit);
    expect(seen.exits).toEqual([exit]);
    expect(transport.running).toBe(false);
  });

  it("emits exit with the code when the child dies on its own, and refuses writes afterwards", async () => {
    const transport = nodeChild("echo-child.mjs");
    const seen = record(transport);
    await transport.start();
    await transport.writeLine("exit 3");
    await waitFor(() => seen.exits.length === 1, "the exit event");
    expect(seen.exits[0]).toMatchObject({ code: 3, signal: null });
    expect(seen.exits[0]?.reason).toContain("exited with code 3");
    await expect(transport.writeLine("late")).rejects.toMatchObject({ code: "NOT_RUNNING" });
  });

  it("escalates to SIGTERM when the child ignores stdin EOF", async () => {
    const transport = nodeChild("stubborn-child.mjs", [], { closeGraceMs: 100 });
    const seen = record(transport);
    await transport.start();
    await waitFor(() => seen.lines.includes("stubborn ready"), "the child to be ready");
    expect(await transport.close()).toMatchObject({ code: null, signal: "SIGTERM" });
  });

  it("escalates to SIGKILL when the child also ignores SIGTERM", async () => {
    const transport = nodeChild("stubborn-child.mjs", ["ignore-term"], { closeGraceMs: 50, terminateGraceMs: 300 });
    const seen = record(transport);
    await transport.start();
    await waitFor(() => seen.lines.includes("stubborn ready"), "the child to be ready");
    const exit = await transport.close();
    expect(exit).toMatchObject({ code: null, signal: "SIGKILL" });
    expect(exit.reason).toContain("killed by SIGKILL");
    expect(seen.lines).toContain("ignored SIGTERM");
    expect(seen.exits).toHaveLength(1);
  });

  it("fails to start with CLI_NOT_FOUND naming the path and the setting, and emits exit once", async () => {
    const missing = join(temporaryDirectory(), "no-such-imsg");
    const transport = new LocalTransport({ cliPath: missing, args: ["rpc"] });
    transports.push(transport);
    const seen = record(transport);
    const failure = await transport.start().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(TransportError.isInstance(failure)).toBe(true);
    expect(failure).toMatchObject({ code: "CLI_NOT_FOUND" });
    expect(errorMessage(failure)).toBe(
      `imsg not found at "${missing}": install imsg or set channels.imessage.cliPath to its path or to an SSH wrapper script`,
    );
    expect(seen.exits).toHaveLength(1);
    expect(seen.exits[0]?.reason).toBe(errorMessage(failure));
    expect(transport.running).toBe(false);
    await expect(transport.start()).rejects.toMatchObject({ code: "ALREADY_STARTED" });
  });

  it("fails with CLI_NOT_EXECUTABLE for a script without the execute bit", async () => {
    const script = join(temporaryDirectory(), "imsg-wrapper");
    writeFileSync(script, "#!/bin/sh\necho hi\n", { mode: 0o644 });
    const transport = new LocalTransport({ cliPath: script });
    transports.push(transport);
    // root may execute anything with any x bit, so none at all is what makes this fail for everyone.
    await expect(transport.start()).rejects.toMatchObject({ code: "CLI_NOT_EXECUTABLE" });
  });

  it("runs a stdio wrapper script found through a ~ path, passing arguments verbatim without a shell", async () => {
    const home = temporaryDirectory();
    const script = join(home, "imsg-wrapper");
    writeFileSync(
      script,
      `#!/bin/sh\nexec "${process.execPath}" -e 'console.log(JSON.stringify(process.argv.slice(1)))' -- "$@"\n`,
    );
    chmodSync(script, 0o755);
    const previousHome = process.env.HOME;
    process.env.HOME = home;
    try {
      const transport = new LocalTransport({
        cliPath: "~/imsg-wrapper",
        args: ["rpc", "$(touch pwned)", "a b;c", "*"],
      });
      transports.push(transport);
      const seen = record(transport);
      await transport.start();
      await waitFor(() => seen.exits.length === 1, "the wrapper to exit");
      expect(seen.lines.map((line) => JSON.parse(line))).toEqual([["rpc", "$(touch pwned)", "a b;c", "*"]]);
      expect(seen.exits[0]?.code).toBe(0);
    } finally {
      process.env.HOME = previousHome;
    }
  });

  it("explains exit code 127 of a wrapper as a command not found", async () => {
    const transport = new LocalTransport({ cliPath: "/bin/sh", args: ["-c", "exec /nonexistent/imsg rpc"] });
    transports.push(transport);
    const seen = record(transport);
    await transport.start();
    await waitFor(() => seen.exits.length === 1, "the exit event");
    expect(seen.exits[0]?.code).toBe(127);
    expect(seen.exits[0]?.reason).toContain("command not found: check the path inside the wrapper script");
  });

  it("discards an over-long stdout line with a warning and keeps streaming", async () => {
    const output = Buffer.from(`first\n${"x".repeat(5000)}\nsecond\n`);
    const transport = nodeChild("raw-output-child.mjs", [output.toString("base64"), "10,1000,3000"], {
      maxLineBytes: 1024,
    });
    const seen = record(transport);
    await transport.start();
    await waitFor(() => seen.exits.length === 1, "the child to exit");
    expect(seen.lines).toEqual(["first", "second"]);
    expect(seen.warnings).toHaveLength(1);
    expect(seen.warnings[0]).toContain("1024 bytes");
  });

  it("emits every line before the exit event, including a last line without a newline", async () => {
    const output = Buffer.from("a\r\nb\nc");
    const transport = nodeChild("raw-output-child.mjs", [output.toString("base64")]);
    const events: string[] = [];
    transport.on("line", (line) => events.push(`line:${line}`));
    transport.on("exit", () => events.push("exit"));
    await transport.start();
    await waitFor(() => events.includes("exit"), "the exit event");
    expect(events).toEqual(["line:a", "line:b", "line:c", "exit"]);
  });

  it("waits for drain when the child does not read, and delivers every line once it does", async () => {
    const goFile = join(temporaryDirectory(), "go");
    const transport = nodeChild("slow-reader-child.mjs", [goFile]);
    const seen = record(transport);
    await transport.start();
    const line = "p".repeat(64 * 1024);
    let settled = 0;
    const writes = Array.from({ length: 8 }, () => transport.writeLine(line).then(() => (settled += 1)));
    // The pipe buffer (64 KiB on Linux) cannot take 512 KiB, so some writes must still be pending.
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBeLessThan(8);
    writeFileSync(goFile, "");
    await Promise.all(writes);
    await transport.close();
    expect(seen.lines).toEqual(["count:8"]);
  });

  it("refuses a line with an embedded newline", async () => {
    const transport = nodeChild("echo-child.mjs");
    await transport.start();
    await expect(transport.writeLine('{"a":1}\n{"b":2}')).rejects.toMatchObject({ code: "LINE_INVALID" });
  });
});
