// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { waitFor } from "@imessage-channel/agents/test-support";
import { afterEach, describe, expect, it } from "vitest";
import { GatewayHarness, type SentRow } from "../test-support/gateway-harness.ts";

const stranger = "+15555550199";
const approvedText = "You're approved: you can talk to the assistant now. Send /help to see what you can ask it to do.";

let harness: GatewayHarness | undefined;
afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
});

const codeIn = (text: string | undefined) => /pairing code is ([A-Z0-9]{8})/.exec(text ?? "")?.[1];
const echoed = (text: string) => (rows: SentRow[]) => rows.some((row) => row.text === `echo: ${text}`);
const notices = (rows: SentRow[]) => rows.filter((row) => row.text === approvedText);

/** A stranger's first DM and the pairing code the running gateway answered it with. */
async function pairingCodeFor(world: GatewayHarness, text = "hello?"): Promise<{ code: string; chatId: number }> {
  const before = world.sentRows().length;
  const { chatId } = world.inject({ from: stranger, text });
  const rows = await world.waitForSent((sent) => sent.length > before, "the pairing reply");
  const code = codeIn(rows.at(-1)?.text);
  expect(code).toBeDefined();
  return { code: code!, chatId };
}

describe("pairing lifecycle from the CLI against a running gateway", () => {
  it("shows expiry as minutes left, tells the sender once they were approved, and says already approved after", async () => {
    harness = await GatewayHarness.create();
    await harness.start();
    const { code, chatId } = await pairingCodeFor(harness);

    const listed = await harness.cli(["pairing", "list", "imessage"]);
    expect(listed.stdout).toMatch(new RegExp(`^${code}\\s+default\\s+\\${stranger}\\s+in 59 min$`, "m"));

    const approved = await harness.cli(["pairing", "approve", "imessage", code]);
    expect(approved).toMatchObject({ code: 0 });
    expect(approved.stdout).toContain(`Approved ${stranger} (account default)`);
    const [notice] = notices(
      await harness.waitForSent((rows) => notices(rows).length === 1, "the approval notice", 15_000),
    );
    expect(notice?.chatId).toBe(chatId);
    const outbox = harness.stateRows<{ origin: string; state: string }>(
      "SELECT origin, state FROM outbound_part WHERE delivery_id LIKE 'pairing-approved:%'",
    );
    expect(outbox).toEqual([{ origin: "pairing", state: "sent" }]);

    const again = await harness.cli(["pairing", "approve", "imessage", code.toLowerCase()]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(
      new RegExp(
        `^Pairing code ${code} is already approved: \\${stranger} \\(account default\\) may talk to the agent`,
      ),
    );
    const rejected = await harness.cli(["pairing", "reject", "imessage", code]);
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toContain("already approved");
    expect(rejected.stderr).toContain("pairing revoke imessage");

    const list = await harness.cli(["pairing", "approved", "imessage", "--json"]);
    expect(JSON.parse(list.stdout)).toEqual([
      {
        channel: "imessage",
        accountId: "default",
        sender: stranger,
        chatId: String(chatId),
        code,
        approvedAt: expect.any(String),
      },
    ]);
    const table = await harness.cli(["pairing", "approved"]);
    expect(table.stdout).toMatch(new RegExp(`^\\${stranger}\\s+default\\s+just now\\s+${code}$`, "m"));

    harness.inject({ from: stranger, text: "now?" });
    const rows = await harness.waitForSent(echoed("now?"), "the agent's answer");
    expect(notices(rows)).toHaveLength(1);
  });

  it("revoke makes the sender a stranger at once for the running gateway: the next DM gets a new code, not the agent", async () => {
    harness = await GatewayHarness.create();
    await harness.start();
    const { code } = await pairingCodeFor(harness);
    expect((await harness.cli(["pairing", "approve", code])).code).toBe(0);
    harness.inject({ from: stranger, text: "let me in" });
    await harness.waitForSent(echoed("let me in"), "the agent's answer while approved");

    // Any spelling of the number names the approved sender.
    const revoked = await harness.cli(["pairing", "revoke", "imessage", "+1 (555) 555-0199"]);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toBe(
      `Revoked ${stranger} (account default): from their next message on they are a stranger again (a DM gets a new pairing code).\n`,
    );
    expect((await harness.cli(["pairing", "approved"])).stdout).toBe("No senders approved through pairing.\n");

    const fresh = await pairingCodeFor(harness, "still there?");
    expect(fresh.code).not.toBe(code);
    expect(harness.turns().map((turn) => turn.text)).toEqual(["let me in"]);

    const twice = await harness.cli(["pairing", "revoke", stranger]);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toBe(
      `error: ${stranger} is not approved through pairing; run \`imessage-channel pairing approved\` to see who is (senders listed in allowFrom are removed from the config file)\n`,
    );
    expect((await harness.cli(["pairing", "revoke"])).code).toBe(2);
  });

  it("an approval made while the gateway is stopped is told on its next start, once, and never again after a restart", async () => {
    harness = await GatewayHarness.create();
    await harness.start();
    const { code, chatId } = await pairingCodeFor(harness);
    await harness.stop();
    expect((await harness.cli(["pairing", "approve", "imessage", code])).code).toBe(0);

    await harness.start();
    const rows = await harness.waitForSent((sent) => notices(sent).length === 1, "the notice after the start", 15_000);
    expect(notices(rows)[0]?.chatId).toBe(chatId);
    await harness.stop();

    await harness.start();
    harness.inject({ from: stranger, text: "after restart" });
    const after = await harness.waitForSent(echoed("after restart"), "the answer after the restart");
    expect(notices(after)).toHaveLength(1);
    // Nothing is left that could send it again: no pending notice, and its one delivery is settled.
    expect(harness.stateRows("SELECT 1 FROM approvals WHERE notice = 'pending'")).toEqual([]);
    expect(harness.stateRows("SELECT state FROM outbound_part WHERE delivery_id LIKE 'pairing-approved:%'")).toEqual([
      { state: "sent" },
    ]);
  });

  it("a revoke before the notice went out cancels it: the stranger hears nothing but a new code", async () => {
    harness = await GatewayHarness.create();
    await harness.start();
    const { code } = await pairingCodeFor(harness);
    await harness.stop();
    expect((await harness.cli(["pairing", "approve", code])).code).toBe(0);
    expect((await harness.cli(["pairing", "revoke", stranger])).code).toBe(0);

    await harness.start();
    const fresh = await pairingCodeFor(harness, "hello again");
    expect(fresh.code).not.toBe(code);
    expect(notices(harness.sentRows())).toEqual([]);
    expect(harness.stateRows("SELECT 1 FROM outbound_part WHERE delivery_id LIKE 'pairing-approved:%'")).toEqual([]);
    expect(harness.turns()).toEqual([]);
  });

  it("pairing.notifyOnApprove false: the approved sender is let in and told nothing; the configured text otherwise", async () => {
    harness = await GatewayHarness.create({ channel: { pairing: { notifyOnApprove: false } } });
    await harness.start();
    const { code } = await pairingCodeFor(harness);
    expect((await harness.cli(["pairing", "approve", code])).code).toBe(0);
    // The sweep settled the notice without sending it; only then is "nothing was sent" an outcome, not a race.
    await waitFor(
      "the notice settled unsent",
      () => harness!.stateRows("SELECT 1 FROM approvals WHERE notice = 'done'").length === 1,
      15_000,
    );
    harness.inject({ from: stranger, text: "quietly in" });
    const rows = await harness.waitForSent(echoed("quietly in"), "the agent's answer");
    expect(rows.map((row) => row.text)).toEqual([expect.stringContaining(code), "echo: quietly in"]);
    expect(harness.stateRows("SELECT 1 FROM outbound_part WHERE delivery_id LIKE 'pairing-approved:%'")).toEqual([]);
    await harness.dispose();

    harness = await GatewayHarness.create({ channel: { pairing: { approvedText: "Welcome in." } } });
    await harness.start();
    const second = await pairingCodeFor(harness);
    expect((await harness.cli(["pairing", "approve", second.code])).code).toBe(0);
    await harness.waitForSent(
      (sent) => sent.some((row) => row.text === "Welcome in."),
      "the configured notice",
      15_000,
    );
  });
});
