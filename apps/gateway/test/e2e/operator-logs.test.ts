// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { appendFile, mkdir, mkdtemp, rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sendJson, waitFor } from "@imessage-channel/agents/test-support";
import { afterEach, describe, expect, it } from "vitest";
import { type AgentHandler, GatewayHarness, gatewayBinPath } from "../test-support/gateway-harness.ts";

let harness: GatewayHarness | undefined;
afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
});

const friend = "+15555550123";
const open = { dmPolicy: "open", allowFrom: ["*"] };
/** A pretty line: `[HH:MM:ss] LEVEL: message {fields}` — everything of one event on it. */
const prettyLine = /^\[\d\d:\d\d:\d\d\] (TRACE|DEBUG|INFO|WARN|ERROR|FATAL): \S/;

describe("gateway logs", () => {
  it("on a terminal's format gives one line per event: the start-up summary, the row, and 'replied to <chat> (N parts, T s)'", async () => {
    harness = await GatewayHarness.create({ channel: { ...open, textChunkLimit: 20 }, logLevel: "info" });
    await harness.start(["--log-format", "pretty"]);
    const row = harness.inject({ from: friend, text: "a message long enough for two parts" });
    await harness.waitForLog(new RegExp(`replied to chat_id:${row.chatId} \\(\\d parts, \\d+\\.\\d s\\)`));
    expect(harness.logs.filter((line) => !prettyLine.test(line))).toEqual([]);

    const summary = (start: string) => harness!.logs.find((line) => line.includes(`INFO: ${start}`));
    expect(summary("config ")).toContain(`config ${harness.configPath}; state dir ${harness.stateDir}`);
    expect(summary("logs: ")).toContain(`logs: stdout and ${join(harness.stateDir, "logs", "gateway.log")} (3 files`);
    expect(summary("agents: ")).toContain(`agents: main (webhook ${harness.agent.url}, default)`);
    expect(summary("account default: ")).toContain(
      `account default: imsg ${harness.wrapperPath}; dmPolicy open (anyone)`,
    );
  });

  it("--log-format json beats logging.format, and --log-level beats the environment's level", async () => {
    harness = await GatewayHarness.create({ channel: open, config: { logging: { format: "pretty" } } });
    // The harness sets IMESSAGE_CHANNEL_LOG_LEVEL=debug; the flag wins.
    await harness.start(["--log-format", "json", "--log-level", "info"]);
    harness.inject({ from: friend, text: "hello" });
    await harness.waitForLog(/replied to chat_id:/);
    const levels = harness.logs.map((line) => (JSON.parse(line) as { level: number }).level);
    expect(levels.length).toBeGreaterThan(5);
    expect(levels.every((level) => level >= 30)).toBe(true);

    const bad = await harness.cli(["gateway", "--config", harness.configPath, "--log-format", "xml"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('error: --log-format: "xml" is not one of pretty | json\n');
  });

  it("writes the log file in the state dir that `logs` prints and `logs -f` follows", async () => {
    harness = await GatewayHarness.create({ channel: open });
    await harness.start();
    harness.inject({ from: friend, text: "first" });
    await harness.waitForLog(/replied to chat_id:/);

    const tail = await waitFor("the reply in the log file", async () => {
      const result = await harness!.cli(["logs", "-n", "200"]);
      return result.stdout.includes("replied to chat_id:") ? result : undefined;
    });
    expect(tail.code).toBe(0);
    const lines = tail.stdout.trim().split("\n");
    expect(lines.filter((line) => !prettyLine.test(line))).toEqual([]);
    expect(lines.some((line) => line.includes("INFO: gateway running"))).toBe(true);
    const json = await harness.cli(["logs", "-n", "2", "--json"]);
    expect(
      json.stdout
        .trim()
        .split("\n")
        .map((line) => typeof JSON.parse(line).msg),
    ).toEqual(["string", "string"]);

    const follower = spawn(process.execPath, [gatewayBinPath, "logs", "-f", "-n", "0"], { env: harness.env });
    let followed = "";
    follower.stdout.on("data", (chunk: Buffer) => {
      followed += chunk.toString("utf8");
    });
    const exited = new Promise<number | null>((resolve) => follower.on("exit", resolve));
    try {
      // `-n 0` prints nothing old: the second reply is what it follows.
      harness.inject({ from: friend, text: "second" });
      await waitFor("logs -f printing the second reply", () => followed.match(/replied to chat_id:/g)?.length === 1);
      expect(followed).not.toContain("gateway running");
    } finally {
      follower.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
  });

  it("with logging.file false writes no file (logs says so), and under systemd names the journal", async () => {
    harness = await GatewayHarness.create({ channel: open, config: { logging: { file: false } } });
    await harness.start([], { INVOCATION_ID: "0123456789abcdef" });
    expect(await harness.waitForLog(/logs: /)).toContain(
      "logs: the systemd journal (journalctl --user -u imessage-channel.service -f) (logging.file is off)",
    );
    expect(existsSync(join(harness.stateDir, "logs", "gateway.log"))).toBe(false);
    const logs = await harness.cli(["logs"]);
    expect(logs.code).toBe(1);
    expect(logs.stderr).toContain(`no log file at ${join(harness.stateDir, "logs", "gateway.log")}`);
  });

  it("logs an agent's retry with the next try, and its refusal as one line whose stack is only at debug", async () => {
    let flaky = 0;
    const agent: AgentHandler = (turn, response) => {
      if (String(turn.text) === "refuse me") return sendJson(response, 400, { error: "no" });
      // The runtime retries 3 times itself: the fourth call is the turn's second attempt.
      if (String(turn.text) === "flaky" && flaky++ < 3) return sendJson(response, 503, { error: "busy" });
      return sendJson(response, 200, { text: `ok: ${String(turn.text)}` });
    };
    harness = await GatewayHarness.create({ channel: { ...open, errorReply: "" }, agent });
    // The agent's URL is known once the harness started it: its retry settings go in with it.
    await harness.writeConfig({
      channel: { ...open, errorReply: "" },
      config: {
        agents: {
          list: [{ id: "main", default: true, runtime: { type: "webhook", url: `${harness.agent.url}/turn` } }],
          retry: { maxMinutes: 1, initialDelayMs: 50, maxDelayMs: 100 },
        },
      },
    });
    await harness.start(["--log-format", "json"]);
    harness.inject({ from: friend, text: "flaky" });
    await harness.waitForSent((rows) => rows.some((row) => row.text === "ok: flaky"), "the retried reply");
    const retry = await harness.waitForLog(/agent main is unavailable/);
    expect(JSON.parse(retry).msg).toMatch(/the turn is kept and retried \(attempt 1, next in \d+\.\d s;/);

    harness.inject({ from: friend, text: "refuse me" });
    const failed = JSON.parse(await harness.waitForLog(/turn failed for/)) as Record<string, unknown>;
    expect(failed.msg).toMatch(/answered HTTP 400/);
    expect(failed).not.toHaveProperty("err");
    const stack = JSON.parse(await harness.waitForLog(/the agent failure's stack/)) as { level: number; err: unknown };
    expect(stack.level).toBe(20);
    expect(JSON.stringify(stack.err)).toContain("stack");
  });
});

describe("imessage-channel logs -f", () => {
  it("waits for a log file that is not there yet, then follows it across a rotation, missing no line", async () => {
    const stateDir = await mkdtemp(join(tmpdir(), "logs-follow-"));
    const path = join(stateDir, "logs", "gateway.log");
    const line = (msg: string) => `${JSON.stringify({ level: 30, time: Date.now(), msg })}\n`;
    const follower = spawn(process.execPath, [gatewayBinPath, "logs", "-f", "--json"], {
      env: { ...process.env, IMESSAGE_CHANNEL_STATE_DIR: stateDir },
    });
    let followed = "";
    follower.stdout.on("data", (chunk: Buffer) => {
      followed += chunk.toString("utf8");
    });
    const exited = new Promise<number | null>((resolve) => follower.on("exit", resolve));
    const messages = () =>
      followed
        .trim()
        .split("\n")
        .filter(Boolean)
        .map((text) => (JSON.parse(text) as { msg: string }).msg);
    try {
      await mkdir(join(stateDir, "logs"));
      await appendFile(path, line("one"));
      await waitFor("the first line", () => messages().length === 1);
      // The gateway rotates: the last line before the rename lands in the old file, the next in a new one.
      await appendFile(path, line("two"));
      await rename(path, `${path}.1`);
      await appendFile(path, line("three"));
      await waitFor("every line", () => messages().length === 3);
      expect(messages()).toEqual(["one", "two", "three"]);
    } finally {
      follower.kill("SIGTERM");
      await rm(stateDir, { recursive: true, force: true });
    }
    expect(await exited).toBe(0);
  });
});
