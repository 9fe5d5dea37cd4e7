// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { createChatDb, inject, writeSimWrapper } from "@imessage-channel/imsg-sim";
import { waitFor } from "@imessage-channel/vitest-config/wait-for";
import { afterEach, describe, expect, it, vi } from "vitest";
import { startMyChannel } from "../examples/embed.ts";
import type { Channel, ChannelEvents } from "./index.ts";

function sentTexts(dbPath: string): string[] {
  const database = new DatabaseSync(dbPath, { readOnly: true });
  try {
    const rows = database.prepare("SELECT IFNULL(text, '') AS text FROM message WHERE is_from_me = 1").all();
    return rows.map((row) => String(row.text));
  } finally {
    database.close();
  }
}

describe("the README's embed example", () => {
  let dir: string;
  let channel: Channel | undefined;

  afterEach(async () => {
    await channel?.stop();
    await rm(dir, { recursive: true, force: true });
    vi.restoreAllMocks();
  });

  it("is the code the README shows", async () => {
    dir = await mkdtemp(join(tmpdir(), "channel-embed-"));
    const example = await readFile(new URL("../examples/embed.ts", import.meta.url), "utf8");
    const readme = await readFile(new URL("../README.md", import.meta.url), "utf8");
    expect(readme).toContain(`\`\`\`ts\n${example}\`\`\``);
  });

  it("answers an allowed sender's message on a simulated Mac: the reply lands in chat.db", async () => {
    dir = await mkdtemp(join(tmpdir(), "channel-embed-"));
    const dbPath = join(dir, "chat.db");
    createChatDb(dbPath);
    // imsg-sim behind a wrapper script, as an operator would point cliPath at an imsg wrapper.
    const cliPath = join(dir, "imsg");
    await writeSimWrapper(cliPath, dbPath);
    const printed = vi.spyOn(console, "log").mockImplementation(() => {});

    channel = await startMyChannel({ cliPath, dbPath, stateDir: join(dir, "state") });
    const turns: Array<ChannelEvents["turn"]> = [];
    channel.on("turn", (turn) => turns.push(turn));
    await waitFor(() => channel?.status()[0]?.state === "connected", "the account to connect");

    const row = inject(dbPath, { from: "+15555550123", text: "hello" });
    await waitFor(() => sentTexts(dbPath).includes("You said: hello"), "the reply in chat.db");

    expect(turns).toEqual([expect.objectContaining({ accountId: "default", guids: [row.guid] })]);
    expect(printed).toHaveBeenCalledWith(expect.stringContaining(`answered ${row.guid}`));
    await waitFor(() => channel?.status()[0]?.counters.dispatched === 1, "the turn to be committed");
  });
});
