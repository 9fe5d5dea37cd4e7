import { describe, expect, it } from "vitest";
import { ChannelError } from "./channel-error.ts";

class PackageError extends ChannelError<"ONE" | "TWO"> {}
class NarrowError extends PackageError {
  readonly detail: string;
  constructor(detail: string) {
    super("TWO", `narrow: ${detail}`);
    this.detail = detail;
  }
}
class OtherError extends ChannelError {}

/** An error as another installed copy of the package would build it: same names and symbol, other classes. */
function fromAnotherCopy(): unknown {
  class PackageError extends ChannelError<"ONE"> {}
  class NarrowError extends PackageError {}
  return new NarrowError("ONE", "from the other copy");
}

describe("ChannelError", () => {
  it("keeps the code, the message, the class name and the cause", () => {
    const cause = new Error("root");
    const error = new PackageError("ONE", "what to do", { cause });
    expect(error).toMatchObject({ code: "ONE", message: "what to do", name: "PackageError", cause });
    expect(new NarrowError("x").name).toBe("NarrowError");
  });

  it("isInstance accepts the class and its subclasses, not siblings, parents or plain errors", () => {
    const narrow = new NarrowError("x");
    expect(NarrowError.isInstance(narrow)).toBe(true);
    expect(PackageError.isInstance(narrow)).toBe(true);
    expect(ChannelError.isInstance(narrow)).toBe(true);
    expect(OtherError.isInstance(narrow)).toBe(false);
    expect(NarrowError.isInstance(new PackageError("ONE", "parent"))).toBe(false);
    expect(ChannelError.isInstance(new Error("plain"))).toBe(false);
    expect(ChannelError.isInstance({ name: "PackageError", code: "ONE" })).toBe(false);
    expect(ChannelError.isInstance(undefined)).toBe(false);
  });

  it("isInstance recognizes an error from another copy of the package, where instanceof does not", () => {
    const foreign = fromAnotherCopy();
    expect(foreign instanceof NarrowError).toBe(false);
    expect(NarrowError.isInstance(foreign)).toBe(true);
    expect(PackageError.isInstance(foreign)).toBe(true);
  });

  it("refuses to guess when called detached from its class", () => {
    // TypeScript refuses the detached call; JavaScript callers get a clear error instead of a wrong answer.
    const detached = NarrowError.isInstance as (value: unknown) => boolean;
    expect(() => detached(new NarrowError("x"))).toThrow(/detached from its class/);
    expect([new NarrowError("x"), new Error("plain")].filter((value) => NarrowError.isInstance(value))).toHaveLength(1);
  });
});
