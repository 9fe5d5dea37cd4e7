import { z } from "zod";
import { configSchema } from "./schema.ts";

/**
 * The config file's JSON Schema (draft 2020-12), for editors: point `$schema` at a file holding it to get
 * completion and inline errors. Cross-field rules (e.g. `dmPolicy: "open"` needs `"*"`) are only in `validateConfig`.
 */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configSchema, { io: "input" }) as Record<string, unknown>;
}
