// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { groupIdentifier } from "../../src/commands/sim-world.ts";
import { DemoSession } from "../test-support/demo-session.ts";
import { gatewayBinPath, sentByChat } from "../test-support/gateway-harness.ts";

let session: DemoSession | undefined;
afterEach(async () => {
  await session?.dispose();
  session = undefined;
});

/** The CLI as a second terminal runs it: the env line the demo printed, nothing else of the test's. */
async function secondTerminal(stateDir: string, args: string[]): Promise<{ code: number | null; stdout: string }> {
  const child = spawn(process.execPath, [gatewayBinPath, ...args], {
    env: { ...process.env, IMESSAGE_CHANNEL_STATE_DIR: stateDir },
  });
  let stdout = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8");
  });
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  return { code, stdout };
}

describe("imessage-channel demo in a terminal", () => {
  it("shows a you> prompt, and /quit ends the demo and removes its folder", async () => {
    session = DemoSession.terminal();
    await session.waitForText(/you> /);
    const folder = session.folder!;
    expect(existsSync(folder)).toBe(true);
    session.type("/quit\r");
    expect(await session.exited).toBe(0);
    expect(session.text).toContain(`Removed ${folder}.`);
    expect(existsSync(folder)).toBe(false);
  });

  it("Ctrl-C stops the demo, even with a line half typed, and removes its folder", async () => {
    session = DemoSession.terminal();
    await session.waitForText(/you> /);
    const folder = session.folder!;
    session.type("half a line");
    await session.waitForText(/you> half a line/);
    session.type("\u0003");
    expect(await session.exited).toBe(0);
    expect(session.text).toContain("Stopped (SIGINT).");
    expect(existsSync(folder)).toBe(false);
  });

  it("a line ending in \\ continues on a ...> prompt and the lines arrive as one message", async () => {
    session = DemoSession.terminal(["--keep"]);
    await session.waitForText(/you> /);
    session.type("hi\r");
    await session.waitForText(/pairing code is/);
    session.type("/approve\r");
    await session.waitForText(/Approved \+15555550123\./);
    session.type("first line \\\r");
    await session.waitForText(/\.\.\.> /);
    session.type("second line\r");
    await session.waitForText(/assistant> first line\n {11}second line/);
    session.type("/quit\r");
    expect(await session.exited).toBe(0);
    expect(sentByChat(join(session.folder!, "mac", "chat.db")).at(-1)?.text).toBe("first line\nsecond line");
  });
});

describe("imessage-channel demo with piped input", () => {
  it("SIGINT stops the demo and removes its folder", async () => {
    session = DemoSession.pipe();
    await session.waitForText(/\/quit leaves/);
    const folder = session.folder!;
    session.signal("SIGINT");
    expect(await session.exited).toBe(0);
    expect(existsSync(folder)).toBe(false);
  });

  it("/approve says at once when nothing is pending, and waits for the request of a message just sent", async () => {
    session = DemoSession.pipe();
    await session.waitForText(/\/quit leaves/);
    session.line("/approve");
    session.line("/help");
    const help = await session.waitForText(/\/help +this list/);
    const nothing = "(no pending pairing request: a sender not yet approved gets one with their first message)";
    expect(session.text.indexOf(nothing)).toBeGreaterThan(0);
    expect(session.text.indexOf(nothing)).toBeLessThan(session.text.indexOf(help));
    session.line("hi");
    session.line("/approve");
    await session.waitForText(/Approved \+15555550123\./);
    expect(session.text).toContain("(waiting for the pairing request of your last message…)");
    expect(session.text).toMatch(/\$ imessage-channel pairing approve imessage [A-Z2-9]{8}/);
    session.line("/quit");
    expect(await session.exited).toBe(0);
  });

  it("groups: only a mention is answered, a second sender is gated, and each silence says why", async () => {
    session = DemoSession.pipe(["--keep"]);
    await session.waitForText(/\/quit leaves/);
    session.line("/group family hello all");
    await session.waitForWords("requireMention is on and no mention pattern matched");
    session.line("/group family @assistant hello");
    await session.waitForText(/assistant in family> @assistant hello/);
    session.line("/as +15555550124 /group family @assistant me too");
    await session.waitForWords("not answered: +15555550124 in group chat");
    await session.waitForWords("is not in groupAllowFrom");
    session.line("/as +15555550124 hey");
    await session.waitForWords("assistant to +15555550124> Hi! This assistant only answers");
    session.line("/quit");
    expect(await session.exited).toBe(0);
    const sent = sentByChat(join(session.folder!, "mac", "chat.db"));
    const group = sent.filter((row) => row.chat === groupIdentifier("family"));
    expect(group.map((row) => row.text)).toEqual(["@assistant hello"]);
    expect(sent.filter((row) => row.chat === "+15555550124")).toHaveLength(1);
  });

  it("a long reply is one message, printed wrapped at words within 80 columns", async () => {
    session = DemoSession.pipe(["--keep"]);
    await session.waitForText(/\/quit leaves/);
    session.line("hi");
    session.line("/approve");
    await session.waitForText(/Approved/);
    const long = Array.from({ length: 8 }, (_, index) => `Sentence ${index + 1} of a long answer goes on.`).join(" ");
    const mark = session.text.length;
    session.line(long);
    await session.waitForText(
      /assistant> Sentence 1[\s\S]*Sentence\s+8\s+of\s+a\s+long\s+answer\s+goes\s+on\./,
      20_000,
      mark,
    );
    session.line("/quit");
    expect(await session.exited).toBe(0);
    expect(sentByChat(join(session.folder!, "mac", "chat.db")).at(-1)?.text).toBe(long);
    const bubble = session.text.slice(session.text.indexOf("assistant> Sentence 1"));
    const lines = bubble.split("\n").slice(0, 4);
    expect(lines.every((line) => line.length <= 80)).toBe(true);
    expect(lines.map((line) => line.replace(/^assistant> /, "").trim()).join(" ")).toContain(
      "Sentence 1 of a long answer goes on. Sentence 2",
    );
  });

  it("prints the lines a second terminal runs status, pairing list and doctor with against the running demo", async () => {
    session = DemoSession.pipe();
    await session.waitForText(/\/quit leaves/);
    for (const command of ["status", "pairing list", "doctor"])
      expect(session.text).toMatch(new RegExp(`IMESSAGE_CHANNEL_STATE_DIR=\\S+ imessage-channel ${command}\\n`));
    const stateDir = session.stateDir!;
    session.line("hi");
    await session.waitForText(/pairing code is ([A-Z2-9]{8})/);
    const code = /pairing code is ([A-Z2-9]{8})/.exec(session.text)![1]!;

    const status = await secondTerminal(stateDir, ["status", "--json"]);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout).channels.imessage.accounts[0]).toMatchObject({
      running: true,
      state: "connected",
    });
    const pending = await secondTerminal(stateDir, ["pairing", "list"]);
    expect(pending.stdout).toContain(code);
    expect(pending.stdout).toContain("+15555550123");
    const doctor = await secondTerminal(stateDir, ["doctor"]);
    expect(doctor.stdout).toMatch(/ok +imsg-found +imsg 0\.15\.10/);
    expect(doctor.stdout).toContain(`state-dir     state dir ${stateDir} (0700)`);
    session.line("/quit");
    expect(await session.exited).toBe(0);
  });
});
