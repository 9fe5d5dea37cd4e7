import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { DemoLogTee, droppedDetail } from "./demo-log.ts";

const line = (record: Record<string, unknown>) => JSON.stringify({ level: 30, time: 1, ...record });

describe("the demo's gateway log", () => {
  it("passes on why the access policy left a message unanswered, and nothing else", () => {
    expect(
      droppedDetail(
        line({
          reason: "not-mentioned",
          msg: "dropped: group chat 5: requireMention is on and no mention pattern matched",
        }),
      ),
    ).toBe("group chat 5: requireMention is on and no mention pattern matched");
    expect(droppedDetail(line({ reason: "group-sender-not-allowed", msg: "dropped: +1555 is not in x" }))).toBe(
      "+1555 is not in x",
    );
    expect(
      droppedDetail(line({ reason: "own-echo", msg: "dropped: our own send came back (row 12)" })),
    ).toBeUndefined();
    expect(droppedDetail(line({ reason: "stale", msg: "dropped: row 10 is 9 min old" }))).toBeUndefined();
    expect(droppedDetail("not json, dropped: x")).toBeUndefined();
  });

  it("writes every line to the file, split writes included, and reports a drop once its line is complete", async () => {
    const file = new PassThrough();
    let written = "";
    file.on("data", (chunk: Buffer) => {
      written += chunk.toString("utf8");
    });
    const details: string[] = [];
    const tee = new DemoLogTee(file, (detail) => details.push(detail));
    const drop = line({ reason: "dm-not-allowed", msg: "dropped: DM from +1555 is not in allowFrom" });
    tee.write(`${line({ msg: "gateway running" })}\n${drop.slice(0, 20)}`);
    expect(details).toEqual([]);
    tee.write(`${drop.slice(20)}\n`);
    await new Promise<void>((resolve) => tee.end(resolve));
    expect(details).toEqual(["DM from +1555 is not in allowFrom"]);
    expect(written).toBe(`${line({ msg: "gateway running" })}\n${drop}\n`);
  });
});
