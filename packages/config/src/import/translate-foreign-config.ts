import JSON5 from "json5";
import { formatKeyPath, type PathSegment } from "../key-path.ts";
import { validateConfig } from "../validate-config.ts";
import type { ForeignConfigDialect } from "./channel-block.ts";
import { formatNote, type ImportNote, isRecord } from "./import-note.ts";
import { settleValidation } from "./settle-validation.ts";
import { translateConfig } from "./translate-config.ts";

export interface ForeignConfigImport {
  /** The imported config; it passes `validateConfig`. */
  config: Record<string, unknown>;
  /** What the output file holds: a comment header with the report, then the config as JSON5. */
  text: string;
  notes: ImportNote[];
  warnings: string[];
}

const openclawStatePath = /(^|[\s"'=:])(~|\$HOME|\/(Users|home)\/[^/]+)\/\.openclaw(\/|$)/;

function noteOpenClawPaths(value: unknown, path: PathSegment[], notes: ImportNote[]): void {
  if (typeof value === "string" && /\$\{[A-Za-z_][A-Za-z0-9_]*\}/.test(value)) {
    notes.push({
      path: formatKeyPath(path),
      carried: true,
      reason: `kept literally: OpenClaw substitutes $${"{"}VAR} from the environment, imessage-channel does not (use apiKeyEnv for keys, or write the value)`,
    });
  }
  if (typeof value === "string" && (openclawStatePath.test(value) || value.includes("OPENCLAW_STATE_DIR"))) {
    notes.push({
      path: formatKeyPath(path),
      carried: true,
      reason:
        "kept as written, but it points into OpenClaw's state dir (~/.openclaw); imessage-channel's is ~/.imessage-channel ($IMESSAGE_CHANNEL_STATE_DIR), so keep that file or move it and update this path",
    });
  } else if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) noteOpenClawPaths(item, [...path, index], notes);
  } else if (isRecord(value)) {
    for (const [key, item] of Object.entries(value)) noteOpenClawPaths(item, [...path, key], notes);
  }
}

/** A section whose every entry was dropped says nothing; leave it out rather than write `bindings: []`. */
function pruneEmptySections(config: Record<string, unknown>): Record<string, unknown> {
  if (Array.isArray(config.bindings) && config.bindings.length === 0) delete config.bindings;
  const agents = config.agents;
  if (isRecord(agents) && Array.isArray(agents.list) && agents.list.length === 0) delete agents.list;
  if (isRecord(agents) && Object.keys(agents).length === 0) delete config.agents;
  return config;
}

const oneLine = (text: string) => text.replace(/[\r\n]+/g, " ");

/** Pure: an OpenClaw (or BlueBubbles channel) config object into the text of `imessage-channel.json5` plus the report. */
export function translateForeignConfig(
  source: Record<string, unknown>,
  dialect: ForeignConfigDialect,
  sourceName: string,
): ForeignConfigImport {
  const translated = translateConfig(source, dialect);
  const notes = translated.notes;
  const config = pruneEmptySections(settleValidation(translated.config, notes));
  noteOpenClawPaths(config, [], notes);
  const { warnings } = validateConfig(config);
  const notCarried = notes.filter((note) => !note.carried);
  const changed = notes.filter((note) => note.carried);
  const header = [
    `// imessage-channel config imported from ${oneLine(sourceName)} (--from ${dialect}).`,
    "// Check it with: imessage-channel config validate --config <this file>",
    ...(notCarried.length > 0
      ? ["// Not carried:", ...notCarried.map((note) => `//   ${oneLine(formatNote(note))}`)]
      : []),
    ...(changed.length > 0
      ? ["// Changed on the way:", ...changed.map((note) => `//   ${oneLine(formatNote(note))}`)]
      : []),
  ];
  const text = `${header.join("\n")}\n${JSON5.stringify(config, null, 2)}\n`;
  return { config, text, notes, warnings };
}
