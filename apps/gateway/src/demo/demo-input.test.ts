import { describe, expect, it } from "vitest";
import { LineJoiner, parseDemoInput } from "./demo-input.ts";

describe("parseDemoInput", () => {
  it("reads the demo's own commands and leaves every other line, chat commands included, a message", () => {
    expect(parseDemoInput("/quit")).toEqual({ kind: "quit" });
    expect(parseDemoInput("/exit")).toEqual({ kind: "quit" });
    expect(parseDemoInput("/help")).toEqual({ kind: "help" });
    expect(parseDemoInput("  /approve ")).toEqual({ kind: "approve" });
    expect(parseDemoInput("")).toEqual({ kind: "nothing" });
    expect(parseDemoInput("hello there")).toEqual({ kind: "say", text: "hello there" });
    expect(parseDemoInput("/status")).toEqual({ kind: "say", text: "/status" });
  });

  it("/as writes from another handle, in a DM or in a group", () => {
    expect(parseDemoInput("/as +15555550124 hi there")).toEqual({
      kind: "say",
      from: "+15555550124",
      text: "hi there",
    });
    expect(parseDemoInput("/as +15555550124 /group family @assistant hi")).toEqual({
      kind: "say",
      from: "+15555550124",
      group: "family",
      text: "@assistant hi",
    });
    expect(parseDemoInput("/as +15555550124 /reset")).toEqual({ kind: "say", from: "+15555550124", text: "/reset" });
  });

  it("/group writes in the named group; /split takes TEXT | URL", () => {
    expect(parseDemoInput("/group family hello all")).toEqual({ kind: "say", group: "family", text: "hello all" });
    expect(parseDemoInput("/split Dump | https://example.com")).toEqual({
      kind: "split",
      text: "Dump",
      url: "https://example.com",
    });
  });

  it("answers a command missing its parts with its usage line", () => {
    expect(parseDemoInput("/as +15555550124")).toMatchObject({ kind: "usage", message: /^usage: \/as HANDLE TEXT/ });
    expect(parseDemoInput("/group family")).toMatchObject({ kind: "usage", message: /^usage: \/group NAME TEXT/ });
    expect(parseDemoInput("/split no url")).toEqual({ kind: "usage", message: "usage: /split TEXT | URL" });
    expect(parseDemoInput("/as +15555550124 /help")).toMatchObject({ kind: "usage" });
  });
});

describe("LineJoiner", () => {
  it("joins lines ending in a backslash with the next one into one message with line breaks", () => {
    const joiner = new LineJoiner();
    expect(joiner.push("first paragraph \\")).toBeUndefined();
    expect(joiner.continuing).toBe(true);
    expect(joiner.push("\\")).toBeUndefined();
    expect(joiner.push("second")).toBe("first paragraph\n\nsecond");
    expect(joiner.continuing).toBe(false);
    expect(joiner.push("single")).toBe("single");
  });

  it("hands back what was typed when input ends inside a continued line", () => {
    const joiner = new LineJoiner();
    joiner.push("unfinished \\");
    expect(joiner.flush()).toBe("unfinished");
    expect(joiner.flush()).toBeUndefined();
  });
});
