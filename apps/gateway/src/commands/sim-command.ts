import { mkdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { ConfigError, setConfigValue } from "@imessage-channel/config";
import { resolveStateDir } from "@imessage-channel/state";
import { CliError, type CliIo, formatTable } from "../cli-io.ts";
import { type SentMessage, SimWorld, senderHandle } from "./sim-world.ts";

// `imessage-channel sim …`: a simulated Mac (imsg-sim) for a dry run of a real config before there is a Mac
// (apps/gateway/README.md, "sim"). The world lives in one folder; the gateway reaches it through `cliPath`.

export interface SimWorldOptions {
  /** `--world`: the folder; default `<stateDir>/sim`. */
  world?: string;
}

export interface SimStartOptions extends SimWorldOptions {
  imsgVersion: string;
  fresh?: boolean;
  /** `--config`: also point this config file's cliPath and dbPath at the world. */
  config?: string;
}

export interface SimSayOptions extends SimWorldOptions {
  from: string;
  text: string;
}

export interface SimGroupOptions extends SimSayOptions {
  participant?: string[];
}

export interface SimRepliesOptions extends SimWorldOptions {
  chatId?: string;
  json?: boolean;
}

function worldOf(io: CliIo, options: SimWorldOptions): SimWorld {
  return new SimWorld(options.world ? resolve(io.cwd, options.world) : join(resolveStateDir(io.env), "sim"));
}

/** The world must exist (`sim start` made it) before anything is written into it. */
function existingWorld(io: CliIo, options: SimWorldOptions): SimWorld {
  const world = worldOf(io, options);
  if (!world.exists) {
    const flag = options.world ? ` --world ${options.world}` : "";
    throw new CliError(`no simulated Mac in ${world.dir}; create it with: imessage-channel sim start${flag}`, 1);
  }
  return world;
}

/** A sender must be a phone number or an email address, as an iPhone user's handle is. */
export function checkedHandle(flag: string, value: string): string {
  const handle = senderHandle(value);
  if (handle !== undefined) return handle;
  throw new CliError(`${flag}: "${value}" is not a phone number (e.g. +15555550123) or an email address`, 2);
}

export async function simStart(io: CliIo, options: SimStartOptions): Promise<void> {
  const world = worldOf(io, options);
  // The default world lives in the state dir: create that as the gateway does (0700), so doctor finds it right.
  if (!options.world) await mkdir(resolveStateDir(io.env), { recursive: true, mode: 0o700 });
  const seeded = await world.start({ imsgVersion: options.imsgVersion, fresh: options.fresh });
  const print = (line = "") => io.stdout.write(`${line}\n`);
  print(`Simulated Mac started in ${world.dir}: imsg-sim playing imsg ${options.imsgVersion}.`);
  print(`  launcher  ${world.launcherPath} (runs imsg-sim under Node ${process.version}, ${process.execPath})`);
  print(
    `  chat.db   ${world.dbPath} (${seeded ? "seeded with example chats" : "kept from before; --fresh seeds a new one"})`,
  );
  if (options.config) {
    const file = resolve(io.cwd, options.config);
    try {
      await setConfigValue(file, "channels.imessage.cliPath", world.launcherPath);
      await setConfigValue(file, "channels.imessage.dbPath", world.dbPath);
    } catch (error) {
      if (ConfigError.isInstance(error)) throw new CliError(error.problems.join("\n"), 2);
      throw error;
    }
    print(`Set channels.imessage.cliPath and channels.imessage.dbPath in ${file}.`);
  } else {
    print("Point the config at it:");
    print(`  imessage-channel config set channels.imessage.cliPath ${world.launcherPath}`);
    print(`  imessage-channel config set channels.imessage.dbPath ${world.dbPath}`);
  }
  const flag = options.world ? ` --world ${options.world}` : "";
  print("Then run `imessage-channel gateway`, and from another terminal write as an iPhone user:");
  print(`  imessage-channel sim say${flag} --from +15555550123 --text "Hello"`);
  print(`  imessage-channel sim replies${flag}`);
}

export async function simStop(io: CliIo, options: SimWorldOptions): Promise<void> {
  const world = existingWorld(io, options);
  const pid = await world.stop(async () => {
    const text = await readFile(world.rpcPidPath, "utf8").catch(() => "");
    const value = Number(text.trim());
    return Number.isInteger(value) && value > 0 ? value : undefined;
  });
  const flag = options.world ? ` --world ${options.world}` : "";
  io.stdout.write(
    `Simulated Mac stopped: ${pid === undefined ? "no imsg rpc session was running" : `ended imsg rpc (pid ${pid})`}; the launcher is removed, so a gateway cannot reach it until \`imessage-channel sim start${flag}\` (the chat.db is kept).\n`,
  );
}

export function simSay(io: CliIo, options: SimSayOptions): void {
  const world = existingWorld(io, options);
  const from = checkedHandle("--from", options.from);
  const row = world.say(from, options.text);
  io.stdout.write(`${from} wrote in chat ${row.chatId} (row ${row.rowid}).\n`);
}

export function simGroup(io: CliIo, name: string, options: SimGroupOptions): void {
  if (!name.trim()) throw new CliError("sim group: the group needs a name, e.g. sim group family --from …", 2);
  const world = existingWorld(io, options);
  const from = checkedHandle("--from", options.from);
  const participants = (options.participant ?? []).map((handle) => checkedHandle("--participant", handle));
  const row = world.sayInGroup(name, from, options.text, participants);
  io.stdout.write(
    `${from} wrote in group "${name}", chat ${row.chatId} (row ${row.rowid}); its config key is channels.imessage.groups."${row.chatId}".\n`,
  );
}

export function simReplies(io: CliIo, options: SimRepliesOptions): void {
  const world = existingWorld(io, options);
  const chatId = options.chatId === undefined ? undefined : Number(options.chatId);
  if (chatId !== undefined && (!Number.isInteger(chatId) || chatId < 1)) {
    throw new CliError(`--chat-id: "${options.chatId}" is not a chat id (a positive integer, see sim say)`, 2);
  }
  // Rows the seed wrote as from-me are the example history, not the gateway's replies.
  const replies = world
    .sentAfter(world.seedLastRowid())
    .filter((reply) => chatId === undefined || reply.chatId === chatId);
  if (options.json) {
    io.stdout.write(`${JSON.stringify(replies, null, 2)}\n`);
    return;
  }
  if (replies.length === 0) {
    io.stdout.write("Nothing sent from the simulated Mac yet.\n");
    return;
  }
  const rows = replies.map((reply) => [String(reply.chatId), chatLabel(reply), reply.text.replace(/\n/g, " ⏎ ")]);
  io.stdout.write(`${formatTable(["CHAT", "TO", "TEXT"], rows)}\n`);
}

function chatLabel(reply: SentMessage): string {
  return reply.isGroup ? `group "${reply.chatName || reply.chatIdentifier}"` : reply.chatIdentifier;
}
