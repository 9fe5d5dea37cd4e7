/**
 * Every error a package of this repository throws on purpose extends `ChannelError`: a string `code` to branch on
 * and a one-line message that says what to do.
 *
 * `instanceof` fails when two copies of a package are installed (a consumer's dependency tree can hold several), so
 * each error carries, under a registry-wide symbol, the names of its class and of every ancestor class; the static
 * `isInstance` of any class in the hierarchy checks that list instead of the prototype.
 */
const lineageKey = Symbol.for("imessage-channel.error");

/** The class names from `target` up to (and including) ChannelError. */
function lineageOf(target: abstract new (...args: never[]) => unknown): string[] {
  const names: string[] = [];
  for (let current: unknown = target; typeof current === "function" && current !== Error; ) {
    names.push((current as { name: string }).name);
    current = Object.getPrototypeOf(current);
  }
  return names;
}

function lineageOfValue(value: unknown): readonly string[] | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const lineage = (value as Record<symbol, unknown>)[lineageKey];
  return Array.isArray(lineage) ? (lineage as string[]) : undefined;
}

/** `Code` is a string union for the package's own failures; a wire error may carry the peer's numeric code. */
export class ChannelError<Code extends string | number = string> extends Error {
  readonly code: Code;
  readonly [lineageKey]: readonly string[];

  constructor(code: Code, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this[lineageKey] = lineageOf(new.target);
  }

  /**
   * True for an error of this class or a subclass, also one thrown by another installed copy of its package. Call it
   * on the class (`StateError.isInstance(error)`): the class it is called on is the one checked, so a detached
   * reference cannot know which class it meant and throws.
   */
  static isInstance<T>(this: abstract new (...args: never[]) => T, value: unknown): value is T {
    // The class it is called on is the one checked, so `this` (the class) is the point here.
    // biome-ignore lint/complexity/noThisInStatic: see above
    if (typeof this !== "function")
      throw new TypeError("isInstance was called detached from its class: use (value) => SomeError.isInstance(value)");
    // biome-ignore lint/complexity/noThisInStatic: see above
    return lineageOfValue(value)?.includes(this.name) ?? false;
  }
}
