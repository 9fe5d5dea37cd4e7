import { createRequire } from "node:module";
import type { Ajv as AjvInstance, ValidateFunction } from "ajv";
import { z } from "zod";

/** Whether a value passes a zod schema, told without copying it; the value then is the schema's type as it is. */
export type CompiledCheck<T> = (value: unknown) => value is T;

export interface CompileCheckOptions {
  /**
   * Calls answered by `safeParse` before the check is compiled (default 100). Loading ajv and compiling a schema
   * takes ~50 ms, which a process that reads a few chats at start must not pay before its first `watch.subscribe`;
   * a stream or a catchup passes this within its first page. 0 compiles on the first call.
   */
  hotAfter?: number;
}

const defaultHotAfter = 100;
let ajv: AjvInstance | undefined;

/**
 * The check of `schema`, compiled by ajv from the JSON Schema zod derives from it (`z.toJSONSchema`, input side), so
 * the zod schema stays the one source. It accepts exactly what `schema.safeParse` accepts among values JSON.parse can
 * produce (message-notification.fuzz.test.ts holds it to that), validates in place, and is several times faster than
 * `safeParse`, which copies every object it checks. It says only yes or no: run `safeParse` on a rejected value for
 * the problem. Only for schemas without transforms or defaults, whose output is their input.
 *
 * Until it has been called `hotAfter` times the check is `safeParse(value).success` itself, the same verdict; then
 * ajv is loaded (once per process) and the schema compiled.
 */
export function compileCheck<Schema extends z.ZodType>(
  schema: Schema,
  options: CompileCheckOptions = {},
): CompiledCheck<z.output<Schema>> {
  const hotAfter = options.hotAfter ?? defaultHotAfter;
  let calls = 0;
  let validate: ValidateFunction | undefined;
  return (value: unknown): value is z.output<Schema> => {
    if (validate !== undefined) return validate(value);
    calls += 1;
    if (calls <= hotAfter) return schema.safeParse(value).success;
    validate = sharedAjv().compile(z.toJSONSchema(schema, { io: "input", target: "draft-7" }));
    return validate(value);
  };
}

function sharedAjv(): AjvInstance {
  if (ajv === undefined) {
    const { Ajv } = createRequire(import.meta.url)("ajv") as typeof import("ajv");
    // The first error is enough: the zod schema describes a rejected value.
    ajv = new Ajv({ allErrors: false });
  }
  return ajv;
}
