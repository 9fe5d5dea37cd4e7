// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { readFile } from "node:fs/promises";
import { waitFor } from "@imessage-channel/agents/test-support";
import { statusFilePath } from "@imessage-channel/channel";
import { type OutboundPart, openStateStore, type StateStore } from "@imessage-channel/state";
import { afterEach, describe, expect, it } from "vitest";
import { GatewayHarness } from "../test-support/gateway-harness.ts";

let harness: GatewayHarness | undefined;
afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
});

/** Runs `action` on the harness's state.db, as a second process beside the gateway would. */
function withState<T>(harness: GatewayHarness, action: (state: StateStore) => T): T {
  const state = openStateStore({ stateDir: harness.stateDir });
  try {
    return action(state);
  } finally {
    state.close();
  }
}

const text = (preview: string) => ({
  kind: "text" as const,
  call: { method: "send", params: { chat_id: 7, text: preview } },
  preview,
});

/**
 * Four parts the way the gateway leaves them: a reply to chat 7 (sent, unknown, failed) and a pairing text to a
 * handle on account work (planned).
 */
function plantParts(harness: GatewayHarness) {
  return withState(harness, (state) => {
    const [sent, unknown, failed] = state.parts.plan(
      { id: "reply:g1", accountId: "default", origin: "reply", chat: { chatId: 7, isGroup: false } },
      [text("first chunk"), text('the "second" chunk'), text("third chunk")],
    );
    const [pairing] = state.parts.plan(
      {
        id: "pairing:g2",
        accountId: "work",
        origin: "pairing",
        chat: { chatId: 0, handle: "+15555550199", isGroup: false },
      },
      [text("Your pairing code is ABCD2345")],
    );
    state.parts.update(sent!.id, { state: "sent", mode: "tracked", guid: "guid-sent", rowid: 41 });
    state.parts.update(unknown!.id, {
      state: "unknown",
      mode: "tracked",
      guid: "guid-unknown",
      detail: "no answer within 30 s; not found by message.send_status",
    });
    state.parts.update(failed!.id, { state: "failed", mode: "history", detail: "imsg refused it: chat not found" });
    return { sent: sent!, unknown: unknown!, failed: failed!, pairing: pairing! };
  });
}

const partState = (harness: GatewayHarness, id: number) => withState(harness, (state) => state.parts.get(id));
/** The table's data lines, each split on its runs of two or more spaces. */
const tableRows = (stdout: string) =>
  stdout
    .trimEnd()
    .split("\n")
    .slice(1)
    .map((line) => line.split(/ {2,}/));

describe("imessage-channel outbox", () => {
  it("is listed by --help, with list and resolve under it", async () => {
    harness = await GatewayHarness.create();
    const help = await harness.cli(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^ {2}outbox\s+List the messages the gateway sent/m);
    const outboxHelp = await harness.cli(["outbox", "--help"]);
    expect(outboxHelp.stdout).toMatch(/^ {2}list \[options\]/m);
    expect(outboxHelp.stdout).toMatch(/^ {2}resolve \[options\] <id>/m);
  });

  it("lists every part newest first, one line each: id, state, account, chat, what, attempt, mode, guid, age, preview, detail", async () => {
    harness = await GatewayHarness.create();
    const { sent, unknown, failed, pairing } = plantParts(harness);
    const { code, stdout } = await harness.cli(["outbox", "list"]);
    expect(code).toBe(0);
    expect(stdout.split("\n")[0]).toMatch(
      /^ID\s+STATE\s+ACCOUNT\s+CHAT\s+WHAT\s+ATTEMPT\s+MODE\s+GUID\s+AGE\s+PREVIEW\s+DETAIL$/,
    );
    expect(tableRows(stdout)).toEqual([
      [
        String(pairing.id),
        "planned",
        "work",
        "+15555550199",
        "pairing/text",
        "0",
        "-",
        "-",
        expect.stringMatching(/^\d+s$/),
        '"Your pairing code is ABCD2345"',
      ],
      [
        String(failed.id),
        "failed",
        "default",
        "chat_id:7",
        "reply/text",
        "0",
        "history",
        "-",
        expect.stringMatching(/^\d+s$/),
        '"third chunk"',
        "imsg refused it: chat not found",
      ],
      [
        String(unknown.id),
        "unknown",
        "default",
        "chat_id:7",
        "reply/text",
        "0",
        "tracked",
        "guid-unknown",
        expect.stringMatching(/^\d+s$/),
        '"the \\"second\\" chunk"',
        "no answer within 30 s; not found by message.send_status",
      ],
      [
        String(sent.id),
        "sent",
        "default",
        "chat_id:7",
        "reply/text",
        "0",
        "tracked",
        "guid-sent",
        expect.stringMatching(/^\d+s$/),
        '"first chunk"',
      ],
    ]);
  });

  it("filters by --state (comma-separated) and --account, says so when nothing matches, and prints JSON with --json", async () => {
    harness = await GatewayHarness.create();
    const { unknown, failed, pairing } = plantParts(harness);
    const waiting = await harness.cli(["outbox", "list", "--state", "unknown,failed"]);
    expect(tableRows(waiting.stdout).map((row) => row[0])).toEqual([String(failed.id), String(unknown.id)]);
    const work = await harness.cli(["outbox", "list", "--account", "work"]);
    expect(tableRows(work.stdout).map((row) => row[0])).toEqual([String(pairing.id)]);
    expect(await harness.cli(["outbox", "list", "--state", "dropped"])).toMatchObject({
      code: 0,
      stdout: "No outbound parts in state dropped.\n",
    });
    expect((await harness.cli(["outbox", "list", "--account", "work", "--state", "unknown"])).stdout).toBe(
      "No outbound parts in state unknown of account work.\n",
    );

    const json = await harness.cli(["outbox", "list", "--json", "--state", "unknown"]);
    expect(json.code).toBe(0);
    const parts = JSON.parse(json.stdout) as OutboundPart[];
    expect(parts).toEqual([
      expect.objectContaining({
        id: unknown.id,
        key: "reply:g1#1",
        state: "unknown",
        accountId: "default",
        chat: { chatId: 7, isGroup: false },
        guid: "guid-unknown",
        preview: 'the "second" chunk',
      }),
    ]);
  });

  it("shows the newest --limit parts and says how many there are", async () => {
    harness = await GatewayHarness.create();
    const { unknown, failed, pairing } = plantParts(harness);
    const { stdout } = await harness.cli(["outbox", "list", "--limit", "3"]);
    expect(
      tableRows(stdout)
        .slice(0, 3)
        .map((row) => row[0]),
    ).toEqual([pairing.id, failed.id, unknown.id].map(String));
    expect(stdout.trimEnd().split("\n").at(-1)).toBe("(the newest 3 of 4; --limit N shows more)");
  });

  it("says there are no parts on a state dir the gateway never used, and creates no state.db", async () => {
    harness = await GatewayHarness.create();
    expect(await harness.cli(["outbox", "list"])).toMatchObject({ code: 0, stdout: "No outbound parts.\n" });
    const resolve = await harness.cli(["outbox", "resolve", "1", "--drop"]);
    expect(resolve.code).toBe(1);
    expect(resolve.stderr).toMatch(/^error: outbox part 1 does not exist: there is no state\.db in .+\n$/);
    await expect(readFile(`${harness.stateDir}/imessage/state.db`)).rejects.toThrow(/ENOENT/);
  });

  it("refuses an unknown --state in one line naming the value and the states, and lists nothing", async () => {
    harness = await GatewayHarness.create();
    plantParts(harness);
    const { code, stdout, stderr } = await harness.cli(["outbox", "list", "--state", "unknown,sendng"]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toBe(
      'error: --state: "sendng" is not a state; use one or more of planned | sending | sent | delivered | failed | unknown | dropped, comma-separated\n',
    );
  });

  it("resolves unknown and failed parts as told, each with its one line, and the state in state.db follows", async () => {
    harness = await GatewayHarness.create();
    const { unknown, failed, pairing } = plantParts(harness);

    expect(await harness.cli(["outbox", "resolve", String(unknown.id), "--sent"])).toMatchObject({
      code: 0,
      stdout: `part ${unknown.id} marked sent\n`,
    });
    expect(partState(harness, unknown.id)).toMatchObject({ state: "sent", detail: "marked sent by the operator" });

    expect(await harness.cli(["outbox", "resolve", String(failed.id), "--resend"])).toMatchObject({
      code: 0,
      stdout: `part ${failed.id} will be sent again by the running gateway (or at its next start)\n`,
    });
    // A failed part's guid named a failed row: its resend is a new attempt.
    expect(partState(harness, failed.id)).toMatchObject({ state: "planned", attempt: 1 });

    expect(await harness.cli(["outbox", "resolve", String(pairing.id), "--drop"])).toMatchObject({
      code: 0,
      stdout: `part ${pairing.id} dropped\n`,
    });
    expect(partState(harness, pairing.id)?.state).toBe("dropped");
  });

  it("refuses, in one line and with a non-zero exit, a settled part, an unknown id, and anything but exactly one decision", async () => {
    harness = await GatewayHarness.create();
    const { sent, unknown } = plantParts(harness);
    const cases: Array<[string[], 1 | 2, RegExp]> = [
      [[String(sent.id), "--resend"], 1, new RegExp(`^outbox part ${sent.id} is sent; only unknown or failed parts`)],
      [["999", "--sent"], 1, /^outbox part 999 does not exist; run `imessage-channel outbox list` for the ids$/],
      [[String(unknown.id)], 2, /^outbox resolve: give exactly one of --sent, --resend or --drop$/],
      [[String(unknown.id), "--sent", "--drop"], 2, /^outbox resolve: give exactly one of --sent, --resend or --drop$/],
      [["seventeen", "--sent"], 2, /^"seventeen" is not a part id/],
    ];
    for (const [args, exitCode, message] of cases) {
      const { code, stdout, stderr } = await harness.cli(["outbox", "resolve", ...args]);
      expect(code, args.join(" ")).toBe(exitCode);
      expect(stdout, args.join(" ")).toBe("");
      const lines = stderr.trimEnd().split("\n");
      expect(lines, args.join(" ")).toHaveLength(1);
      expect(lines[0]?.replace(/^error: /, ""), args.join(" ")).toMatch(message);
    }
    expect(partState(harness, unknown.id)?.state).toBe("unknown");
    expect(partState(harness, sent.id)?.state).toBe("sent");
  });
});

describe("outbox in status, the status file and /metrics", () => {
  it("status names unknown and failed parts with the list command, its JSON carries the counts, and it is quiet once they are resolved", async () => {
    harness = await GatewayHarness.create();
    const { unknown, failed } = plantParts(harness);
    const human = await harness.cli(["status", "--config", harness.configPath]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(
      "default: outbox: 1 unknown, 1 failed — run `imessage-channel outbox list --state unknown,failed`\n",
    );
    const json = await harness.cli(["status", "--json", "--config", harness.configPath]);
    const [account] = JSON.parse(json.stdout).channels.imessage.accounts;
    expect(account.outbox).toEqual({
      planned: 0,
      sending: 0,
      sent: 1,
      delivered: 0,
      failed: 1,
      unknown: 1,
      dropped: 0,
    });

    await harness.cli(["outbox", "resolve", String(unknown.id), "--sent"]);
    await harness.cli(["outbox", "resolve", String(failed.id), "--drop"]);
    const quiet = await harness.cli(["status", "--config", harness.configPath]);
    expect(quiet.stdout).not.toContain("outbox");
  });

  it("the running gateway writes the account's counts to its status file and serves them as gauges", async () => {
    harness = await GatewayHarness.create();
    await harness.start(["--metrics-port", "0"]);
    const metricsLine = await harness.waitForLog(/metrics on http:\/\/127\.0\.0\.1:\d+\//);
    const port = Number(/127\.0\.0\.1:(\d+)\//.exec(metricsLine)?.[1]);
    const metrics = async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(await metrics()).toContain('imessage_channel_outbox_unknown_parts{account="default"} 0');

    // Parts nothing proved, written beside the running gateway (another account's part is not counted).
    const unknownIds = withState(harness, (state) => {
      const planned = state.parts.plan(
        { id: "reply:g9", accountId: "default", origin: "reply", chat: { chatId: 7, isGroup: false } },
        [text("one"), text("two")],
      );
      state.parts.plan({ id: "reply:g10", accountId: "work", origin: "reply", chat: { chatId: 8, isGroup: false } }, [
        text("elsewhere"),
      ]);
      for (const part of planned) state.parts.update(part.id, { state: "unknown", detail: "gateway killed mid-send" });
      return planned.map((part) => part.id);
    });
    const status = await waitFor("the unknown parts in the status file", async () => {
      const file = JSON.parse(await readFile(statusFilePath(harness!.stateDir, "default"), "utf8"));
      return file.outbox?.unknown === 2 ? file : undefined;
    });
    expect(status.outbox).toEqual({ planned: 0, sending: 0, sent: 0, delivered: 0, failed: 0, unknown: 2, dropped: 0 });
    const served = await metrics();
    expect(served).toContain('imessage_channel_outbox_unknown_parts{account="default"} 2');
    expect(served).toContain('imessage_channel_outbox_parts{account="default",state="unknown"} 2');
    expect(served).toContain('imessage_channel_outbox_parts{account="default",state="planned"} 0');

    for (const id of unknownIds) await harness.cli(["outbox", "resolve", String(id), "--drop"]);
    await waitFor("the dropped parts served", async () =>
      (await metrics()).includes('imessage_channel_outbox_parts{account="default",state="dropped"} 2'),
    );
    expect(await metrics()).toContain('imessage_channel_outbox_unknown_parts{account="default"} 0');
  });
});
