import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import {
  type ForeignConfigDialect,
  findBlueBubblesBlock,
  formatImportNote,
  parseConfigText,
  translateForeignConfig,
} from "@imessage-channel/config";
import { errorMessage, writeFileAtomically } from "@imessage-channel/kit";
import { CliError, type CliIo } from "../cli-io.ts";

export interface ConfigImportOptions {
  from?: string;
  out?: string;
  force?: boolean;
}

const dialects: readonly ForeignConfigDialect[] = ["openclaw", "bluebubbles"];

async function readSource(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new CliError(
      `${path}: cannot read the file to import (${(error as NodeJS.ErrnoException).code ?? errorMessage(error)}); check the path`,
      2,
    );
  }
  const parsed = parseConfigText(text, path);
  if ("error" in parsed) throw new CliError(parsed.error, 2);
  const value = parsed.value;
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new CliError(`${path}: the file to import must hold one JSON5 object`, 2);
  return value as Record<string, unknown>;
}

/** `config import --from openclaw|bluebubbles <file>`: writes the equivalent imessage-channel.json5 and reports what did not carry. */
export async function configImport(io: CliIo, file: string, options: ConfigImportOptions): Promise<void> {
  const dialect = dialects.find((candidate) => candidate === options.from);
  if (!dialect) {
    throw new CliError(`--from ${JSON.stringify(options.from ?? "")} is not one of ${dialects.join(" | ")}`, 2);
  }
  const sourcePath = resolve(io.cwd, file);
  const source = await readSource(sourcePath);
  if (dialect === "bluebubbles" && !findBlueBubblesBlock(source)) {
    throw new CliError(
      `${sourcePath}: no channels.bluebubbles block to import; for an OpenClaw iMessage config use --from openclaw`,
      1,
    );
  }
  const result = translateForeignConfig(source, dialect, sourcePath);
  const report = [
    ...result.notes.map((note) => `  ${formatImportNote(note)}`),
    ...result.warnings.map((warning) => `  warning: ${warning}`),
  ];
  if (Object.keys(result.config).length === 0) {
    io.stdout.write(`${report.join("\n")}\n`);
    throw new CliError(
      `${sourcePath}: nothing to import (no iMessage channel, agents, bindings, messages, session or commands)`,
      1,
    );
  }

  const outPath = resolve(io.cwd, options.out ?? "imessage-channel.json5");
  const existing = await readFile(outPath, "utf8").catch(() => undefined);
  const summary = `${result.notes.filter((note) => !note.carried).length} key(s) not carried, ${result.notes.filter((note) => note.carried).length} note(s)`;
  if (existing === result.text) {
    io.stdout.write(`${outPath} already holds this import; unchanged (${summary}).\n${report.join("\n")}\n`);
    return;
  }
  if (existing !== undefined && !options.force) {
    throw new CliError(`${outPath} already exists; pass --force to replace it, or --out another path`, 1);
  }
  await writeFileAtomically(outPath, result.text, { mode: 0o600, directoryMode: 0o700 });
  io.stdout.write(
    [
      `${existing === undefined ? "Wrote" : "Replaced"} ${outPath} from ${sourcePath} (--from ${dialect}); ${summary}:`,
      ...report,
      `Check it: imessage-channel config validate --config ${outPath}`,
      "Pairing approvals and other OpenClaw state are not imported: approved senders pair again, or list them in allowFrom.",
    ].join("\n") + "\n",
  );
}
