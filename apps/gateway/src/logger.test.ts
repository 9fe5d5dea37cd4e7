import { PassThrough, Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLineFormatter, createLogger, redactHandles } from "./logger.ts";

function capture(redact?: boolean, pretty = false) {
  const stream = new PassThrough();
  const lines: string[] = [];
  stream.on("data", (chunk: Buffer) => lines.push(...chunk.toString("utf8").trim().split("\n")));
  const logger = createLogger({ destination: stream, pretty, redactHandles: redact });
  return { logger, output: () => lines.join("\n") };
}

describe("logger", () => {
  it("writes human lines when asked, through the optional pino-pretty, still masking handles", () => {
    const { logger, output } = capture(undefined, true);
    logger.info({ sender: "+15555550123" }, "gateway running");
    expect(output()).toMatch(/INFO.*gateway running/);
    expect(() => JSON.parse(output().split("\n")[0] ?? "")).toThrow();
    expect(output()).not.toContain("5555550123");
  });

  it("keeps each event on one human line, its fields included (pino-pretty's default spreads them over many)", () => {
    const { logger, output } = capture(undefined, true);
    logger.info({ account: "default", rowid: 7, chat: { id: 1, isGroup: false } }, "Inbound message");
    logger.warn({ attempt: 2 }, "retrying");
    const lines = output().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^\[\d\d:\d\d:\d\d\] INFO: Inbound message \{"account":"default","rowid":7,"chat":\{"id":1,"isGroup":false\}\}$/,
    );
    expect(lines[1]).toMatch(/^\[\d\d:\d\d:\d\d\] WARN: retrying \{"attempt":2\}$/);
  });

  it("writes the same JSON lines to the log file as to a JSON stdout, whatever stdout's format", () => {
    const fileLines: string[] = [];
    const stdout = new PassThrough();
    const logger = createLogger({ destination: stdout, pretty: true, file: { write: (text) => fileLines.push(text) } });
    logger.info({ sender: "+15555550123" }, "replied to chat_id:1 (1 part, 0.2 s)");
    expect(fileLines).toHaveLength(1);
    const line = JSON.parse(fileLines[0]!) as { msg: string; sender: string; level: number };
    expect(line).toMatchObject({ msg: "replied to chat_id:1 (1 part, 0.2 s)", sender: "+1555…0123", level: 30 });
    expect(createLineFormatter(false)(fileLines[0]!.trim())).toMatch(
      /^\[\d\d:\d\d:\d\d\] INFO: replied to chat_id:1 \(1 part, 0\.2 s\) \{"sender":"\+1555…0123"\}\n$/,
    );
  });

  it("masks phone numbers and emails in messages and fields by default", () => {
    const { logger, output } = capture();
    logger.info({ sender: "+15555550123", chat: { identifier: "jane@example.com" } }, "dropped +15555550123");
    expect(output()).not.toContain("5555550123");
    expect(output()).not.toContain("jane@example.com");
    expect(output()).toContain("+1555…0123");
    expect(output()).toContain("j…@example.com");
  });

  it("keeps handles when redaction is turned off", () => {
    const { logger, output } = capture(false);
    logger.info({ sender: "+15555550123" }, "from jane@example.com");
    expect(output()).toContain("+15555550123");
    expect(output()).toContain("jane@example.com");
  });

  it("never logs secrets, whatever the handle setting", () => {
    const { logger, output } = capture(false);
    logger.info(
      { agent: { apiKey: "sk-live-123", headers: { authorization: "Bearer abc" } }, token: "t0k" },
      "agent ready",
    );
    expect(output()).not.toContain("sk-live-123");
    expect(output()).not.toContain("Bearer abc");
    expect(output()).not.toContain("t0k");
  });

  it("leaves catchup summary lines readable", () => {
    expect(
      redactHandles("imessage catchup: replayed=3 skippedFromMe=1 skippedGivenUp=0 failed=0 givenUp=0 fetchedCount=4"),
    ).toBe("imessage catchup: replayed=3 skippedFromMe=1 skippedGivenUp=0 failed=0 givenUp=0 fetchedCount=4");
  });

  it("joins the lines logged in one turn of the event loop into one write, losing none", async () => {
    const writes: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        writes.push(chunk.toString("utf8"));
        done();
      },
    });
    const logger = createLogger({ destination, pretty: false, batchWrites: true });
    logger.info("first");
    logger.info("second");
    logger.warn("third");
    await new Promise((resolve) => setImmediate(resolve));
    logger.info("next turn");
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toHaveLength(2);
    expect(
      writes[0]
        ?.trim()
        .split("\n")
        .map((line) => JSON.parse(line).msg),
    ).toEqual(["first", "second", "third"]);
    expect(JSON.parse(writes[1] ?? "").msg).toBe("next turn");
  });
});
