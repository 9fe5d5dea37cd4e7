import type { z } from "zod";
import { suggestClosest } from "./did-you-mean.ts";
import { formatKeyPath, formatValue, type PathSegment, valueAtPath } from "./key-path.ts";

interface SchemaDefinition {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  valueType?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
  discriminator?: string;
  in?: z.ZodType;
}

const definitionOf = (schema: z.ZodType): SchemaDefinition => (schema as unknown as { def: SchemaDefinition }).def;

/** The keys an object schema allows at `path`, following optional, records, arrays and the chosen union option. */
function allowedKeysAt(schema: z.ZodType, path: readonly PathSegment[], raw: unknown): string[] {
  let current: z.ZodType | undefined = schema;
  let index = 0;
  while (current) {
    const definition = definitionOf(current);
    switch (definition.type) {
      case "optional":
      case "nullable":
      case "default":
        current = definition.innerType;
        continue;
      case "pipe":
        current = definition.in;
        continue;
      case "union": {
        const here = valueAtPath(raw, path.slice(0, index)) as Record<string, unknown> | undefined;
        const discriminator = definition.discriminator;
        current = definition.options?.find((option) => {
          const shape = definitionOf(option).shape;
          const literal = shape && discriminator ? definitionOf(shape[discriminator]!) : undefined;
          return (literal as { values?: unknown[] } | undefined)?.values?.includes(here?.[discriminator ?? ""]);
        });
        continue;
      }
      default:
        break;
    }
    if (index === path.length) return definition.type === "object" ? Object.keys(definition.shape ?? {}) : [];
    const segment = path[index++];
    if (definition.type === "object") current = definition.shape?.[String(segment)];
    else if (definition.type === "record") current = definition.valueType;
    else if (definition.type === "array") current = definition.element;
    else return [];
  }
  return [];
}

const typeNames: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "an integer",
  boolean: "true or false",
  object: "an object",
  array: "a list",
  record: "an object",
};

function describeTooSmall(issue: z.core.$ZodIssueTooSmall): string {
  const minimum = Number(issue.minimum);
  if (issue.origin === "string") return "is empty; expected a non-empty string";
  if (issue.origin === "array") return `has too few items; expected at least ${minimum}`;
  return issue.inclusive
    ? `is below the minimum; expected at least ${minimum}`
    : `is too small; expected more than ${minimum}`;
}

function describeTooBig(issue: z.core.$ZodIssueTooBig): string {
  const maximum = Number(issue.maximum);
  if (issue.origin === "array") return `has too many items; expected at most ${maximum}`;
  return issue.inclusive
    ? `is above the maximum; expected at most ${maximum}`
    : `is too big; expected less than ${maximum}`;
}

/**
 * How much a problem tells the operator, best first. Zod can report several issues for one value (a list where
 * a non-empty string belongs is both "not a string" and "too few items"; -1e308 for an integer is below both
 * the safe-integer range and the real minimum): only the most telling one becomes a line.
 */
function issueRank(issue: z.core.$ZodIssue): number {
  switch (issue.code) {
    case "invalid_type":
      return 0;
    case "too_small":
    case "too_big": {
      const bound = Math.abs(Number(issue.code === "too_small" ? issue.minimum : issue.maximum));
      return bound === Number.MAX_SAFE_INTEGER ? 3 : 2;
    }
    default:
      return 1;
  }
}

/** The issues to report: every unknown key, and one issue per other key path, in zod's order. */
function oneIssuePerPath(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  const best = new Map<string, z.core.$ZodIssue>();
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") continue;
    const key = JSON.stringify(issue.path);
    const current = best.get(key);
    if (!current || issueRank(issue) < issueRank(current)) best.set(key, issue);
  }
  return issues.filter((issue) => issue.code === "unrecognized_keys" || best.get(JSON.stringify(issue.path)) === issue);
}

/** One line per problem: key path, bad value, and what is allowed there. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], schema: z.ZodType, raw: unknown): string[] {
  const lines: string[] = [];
  for (const issue of oneIssuePerPath(issues)) {
    const path = issue.path as PathSegment[];
    const where = formatKeyPath(path);
    const value = valueAtPath(raw, path);
    switch (issue.code) {
      case "unrecognized_keys": {
        const allowed = allowedKeysAt(schema, path, raw);
        for (const key of issue.keys) {
          const suggestion = suggestClosest(key, allowed);
          const hint = suggestion ? `did you mean "${suggestion}"?` : `allowed here: ${allowed.join(", ")}`;
          lines.push(`${formatKeyPath([...path, key])}: unknown key; ${hint}`);
        }
        break;
      }
      case "invalid_value": {
        const allowed = issue.values.map((entry) => String(entry));
        const suggestion = typeof value === "string" ? suggestClosest(value, allowed) : undefined;
        const hint = suggestion ? ` (did you mean "${suggestion}"?)` : "";
        lines.push(`${where}: ${formatValue(value)} is not one of ${allowed.join(" | ")}${hint}`);
        break;
      }
      case "invalid_union": {
        const options = (issue as { options?: unknown[] }).options;
        if (options) {
          const allowed = options.map(String);
          const suggestion = typeof value === "string" ? suggestClosest(value, allowed) : undefined;
          const hint = suggestion ? ` (did you mean "${suggestion}"?)` : "";
          lines.push(`${where}: ${formatValue(value)} is not one of ${allowed.join(" | ")}${hint}`);
        } else {
          lines.push(`${where}: ${formatValue(value)} does not match any allowed form`);
        }
        break;
      }
      case "invalid_type": {
        const expected = typeNames[issue.expected] ?? issue.expected;
        lines.push(
          value === undefined
            ? `${where}: missing; expected ${expected}`
            : `${where}: ${formatValue(value)} is not ${expected}`,
        );
        break;
      }
      case "too_small":
        lines.push(`${where}: ${formatValue(value)} ${describeTooSmall(issue)}`);
        break;
      case "too_big":
        lines.push(`${where}: ${formatValue(value)} ${describeTooBig(issue)}`);
        break;
      case "invalid_key":
        lines.push(`${where}: key ${formatValue(path.at(-1))} ${issue.issues[0]?.message ?? "is not allowed here"}`);
        break;
      case "invalid_format":
        lines.push(
          `${where}: ${formatValue(value)} is not a valid ${issue.format === "url" ? "http(s) URL" : issue.format}`,
        );
        break;
      case "custom":
        lines.push(`${where}: ${formatValue(value)} ${issue.message}`);
        break;
      default:
        lines.push(`${where}: ${formatValue(value)} is not allowed (${issue.message})`);
    }
  }
  return lines;
}
