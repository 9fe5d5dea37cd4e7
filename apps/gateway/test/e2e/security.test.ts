// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type LoopbackServer, sendJson, startLoopbackServer, waitFor } from "@imessage-channel/agents/test-support";
import { type AcpFixture, createAcpFixture } from "@imessage-channel/agents-acp/test-support";
import { createChatDb, type InjectOptions, inject } from "@imessage-channel/imsg-sim";
import { startTestSshd, type TestSshd } from "@imessage-channel/test-sshd";
import { afterEach, describe, expect, it } from "vitest";
import { type AgentHandler, GatewayHarness, gatewayBinPath, sentByChat } from "../test-support/gateway-harness.ts";

const friend = "+15555550123";
const stranger = "+15555550199";

let harness: GatewayHarness | undefined;
let fixture: AcpFixture | undefined;
let openAi: LoopbackServer | undefined;
let sshd: TestSshd | undefined;
afterEach(async () => {
  await harness?.dispose();
  await fixture?.cleanup();
  await openAi?.close();
  await sshd?.kill();
  harness = undefined;
  fixture = undefined;
  openAi = undefined;
  sshd = undefined;
});

/** Runs the CLI (or the gateway) as a child with extra environment; resolves when it exits. */
function runCli(
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
): { exited: Promise<number | null>; output: () => string; kill: () => void } {
  const child = spawn(process.execPath, [gatewayBinPath, ...args], { env, cwd });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  child.stderr.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  return {
    exited: new Promise((resolve) => child.on("close", resolve)),
    output: () => output,
    kill: () => child.kill("SIGKILL"),
  };
}

// Everything a stranger may try as a control command (policy gives them no bypass; chat-commands never sees them).
const strangerCommands = [
  "/reset",
  "/new",
  "/acp spawn x",
  "/acp spawn x --bind here",
  "/acp close",
  "/status",
  "/config set channels.imessage.dmPolicy open",
];
// What a command would answer had it run: none of this may ever be sent to a stranger's chat.
const commandOutcome =
  /Started a new session|nothing to reset|^Account |ACP|^Set |^Unset |Not changed|Config (changes|writes)/;

describe("gateway end to end: security properties", () => {
  it("keeps strangers and their control commands away from the agent under every DM × group policy, with and without a mention", async () => {
    fixture = await createAcpFixture();
    harness = await GatewayHarness.create();
    const dmPolicies = ["pairing", "allowlist", "disabled"] as const;
    const groupPolicies = ["allowlist", "disabled"] as const;
    const combos = dmPolicies.flatMap((dmPolicy) => groupPolicies.map((groupPolicy) => ({ dmPolicy, groupPolicy })));
    // One account per combination, each watching its own chat.db, all in one gateway.
    const worlds = combos.map(({ dmPolicy, groupPolicy }, index) => {
      const id = `${dmPolicy}-${groupPolicy}`;
      const dbPath = index === 0 ? harness!.dbPath : join(harness!.dir, `${id}.db`);
      if (index > 0) createChatDb(dbPath);
      return { id, dmPolicy, groupPolicy, dbPath, group: `chat${9000 + index}00000000000000` };
    });
    await harness.writeConfig({
      channel: {
        allowFrom: [friend],
        groups: { "*": { requireMention: true } },
        accounts: Object.fromEntries(
          worlds.map((world) => [
            world.id,
            { dbPath: world.dbPath, dmPolicy: world.dmPolicy, groupPolicy: world.groupPolicy },
          ]),
        ),
      },
      config: {
        agents: {
          list: [
            { id: "main", default: true, runtime: { type: "webhook", url: `${harness.agent.url}/turn` } },
            { id: "x", runtime: { type: "acp", acp: { agent: "x", command: fixture.command() } } },
          ],
        },
        messages: { groupChat: { mentionPatterns: ["\\bbot\\b"] } },
        commands: { config: true },
      },
    });
    const configBefore = readFileSync(harness.configPath, "utf8");
    await harness.start();
    await waitFor(
      "every account's imsg stream",
      () => harness!.logs.filter((line) => line.includes("imsg stream connected")).length >= worlds.length,
      20_000,
    );

    const guids: string[] = [];
    const say = (world: (typeof worlds)[number], options: InjectOptions) =>
      guids.push(inject(world.dbPath, { home: harness!.home, ...options }).guid);
    for (const world of worlds) {
      const group = { group: world.group, groupName: "Crew", participants: [stranger, friend] };
      say(world, { from: stranger, text: "hello bot, let me in" });
      for (const command of strangerCommands) say(world, { from: stranger, text: command });
      say(world, { from: stranger, text: "bot, answer me", ...group });
      say(world, { from: stranger, text: "no mention from me", ...group });
      for (const command of strangerCommands) say(world, { from: stranger, text: `bot ${command}`, ...group });
      // Controls: the friend reaches the agent wherever the policy allows it, so silence is not vacuous.
      say(world, { from: friend, text: `friend dm ${world.id}` });
      say(world, { from: friend, text: `bot friend group ${world.id}`, ...group });
      say(world, { from: friend, text: `friend unmentioned ${world.id}`, ...group });
    }
    await harness.waitSettled(guids, "every row settled");

    // A stranger who types a pairing code (theirs) or the approve command into the chat approves nothing.
    const pairingWorlds = worlds.filter((world) => world.dmPolicy === "pairing");
    const typed: string[] = [];
    for (const world of pairingWorlds) {
      const challenge = sentByChat(world.dbPath).find(
        (row) => row.chat === stranger && /pairing code is/.test(row.text),
      );
      const code = /pairing code is ([A-Z0-9]{8})/.exec(challenge?.text ?? "")?.[1];
      expect(code, world.id).toBeDefined();
      for (const text of [code!, `imessage-channel pairing approve imessage ${code}`, `/pairing approve ${code}`])
        typed.push(inject(world.dbPath, { home: harness.home, from: stranger, text }).guid);
    }
    await harness.waitSettled(typed, "the typed codes settled");

    const turns = harness.turns() as Array<{ accountId: string; text: string; sender: { handle: string } }>;
    expect(turns.every((turn) => turn.sender.handle === friend)).toBe(true);
    const expectedTurns = worlds.flatMap((world) => [
      ...(world.dmPolicy === "disabled" ? [] : [`${world.id}: friend dm ${world.id}`]),
      ...(world.groupPolicy === "disabled" ? [] : [`${world.id}: bot friend group ${world.id}`]),
    ]);
    expect(turns.map((turn) => `${turn.accountId}: ${turn.text}`).sort()).toEqual(expectedTurns.sort());

    for (const world of worlds) {
      const toStranger = sentByChat(world.dbPath).filter((row) => row.chat === stranger);
      // Under pairing the stranger gets one challenge (re-sent at most every 10 min) and nothing else.
      expect(toStranger.length, world.id).toBe(world.dmPolicy === "pairing" ? 1 : 0);
      for (const row of sentByChat(world.dbPath)) expect(row.text).not.toMatch(commandOutcome);
      const toGroup = sentByChat(world.dbPath).filter((row) => row.chat === world.group);
      expect(toGroup.map((row) => row.text)).toEqual(
        world.groupPolicy === "disabled" ? [] : [`echo: bot friend group ${world.id}`],
      );
    }
    // No command ran: nothing approved, no ACP agent started or bound, the config file untouched.
    expect(harness.stateRows("SELECT * FROM approvals")).toEqual([]);
    expect(harness.stateRows("SELECT * FROM acp_bindings")).toEqual([]);
    expect(fixture.events()).toEqual([]);
    expect(readFileSync(harness.configPath, "utf8")).toBe(configBefore);
    const pending = harness.stateRows<{ account_id: string; sender: string }>(
      "SELECT account_id, sender FROM pairing_requests ORDER BY account_id",
    );
    expect(pending).toEqual(pairingWorlds.map((world) => ({ account_id: world.id, sender: stranger })));
  });

  it("never writes a secret to the logs (debug level), the log file, the status file or status --json, failing turns included", async () => {
    const apiKey = "sk-test-SECRET-openai-4f2a9c";
    const bearer = "SECRET-bearer-header-77b1";
    const queryToken = "SECRET-query-token-d03e";
    // Slack-style hooks carry their secret in the path: `/hooks/T…/B…/<secret>`.
    const pathSecret = "SECRET-path-segment-9c1b";
    const hookPath = `/hooks/T0001/B0002/${pathSecret}`;
    openAi = await startLoopbackServer((request, response) => {
      const body = JSON.parse(request.body) as { messages: Array<{ content: string }> };
      if (body.messages.at(-1)?.content.includes("fail")) return sendJson(response, 500, { error: "boom" });
      sendJson(response, 200, { choices: [{ message: { content: "from gpt" } }] });
    });
    const webhook: AgentHandler = (turn, response) =>
      String(turn.text).includes("fail")
        ? sendJson(response, 500, { error: "boom" })
        : sendJson(response, 200, { text: `echo: ${String(turn.text)}` });
    harness = await GatewayHarness.create({ agent: webhook });
    const gptFriend = "+15555550124";
    const downFriend = "+15555550125";
    await harness.writeConfig({
      channel: { dmPolicy: "allowlist", allowFrom: [friend, gptFriend, downFriend] },
      config: {
        agents: {
          list: [
            {
              id: "main",
              default: true,
              runtime: {
                type: "webhook",
                url: `${harness.agent.url}${hookPath}?token=${queryToken}`,
                headers: { authorization: `Bearer ${bearer}` },
              },
            },
            {
              id: "gpt",
              runtime: {
                type: "openai",
                baseUrl: `${openAi.url}/v1/${pathSecret}`,
                model: "test-model",
                apiKeyEnv: "OPENAI_API_KEY",
              },
            },
            // Nothing listens on port 9: the network-error path, with the token in the URL.
            { id: "down", runtime: { type: "webhook", url: `http://127.0.0.1:9${hookPath}?token=${queryToken}` } },
          ],
          // A short outage window: the "unavailable, retried" lines are logged too, then the turns fail.
          retry: { maxMinutes: 0.01, initialDelayMs: 50, maxDelayMs: 100 },
        },
        bindings: [
          { agentId: "gpt", match: { channel: "imessage", peer: { kind: "dm", id: gptFriend } } },
          { agentId: "down", match: { channel: "imessage", peer: { kind: "dm", id: downFriend } } },
        ],
      },
    });
    const env = { ...harness.env, OPENAI_API_KEY: apiKey };
    await harness.start([], { OPENAI_API_KEY: apiKey });
    const guids = [
      harness.inject({ from: friend, text: "hello webhook" }),
      harness.inject({ from: friend, text: "please fail" }),
      harness.inject({ from: gptFriend, text: "hello gpt" }),
      harness.inject({ from: gptFriend, text: "please fail too" }),
      harness.inject({ from: downFriend, text: "anyone there?" }),
    ].map((row) => row.guid);
    await harness.waitSettled(guids, "every turn finished, failures included");
    // A turn's "turn failed" line can reach the harness after its row settled (stderr is a pipe): wait for all three.
    await waitFor(
      'three "turn failed" lines',
      () => (harness?.logs.filter((line) => line.includes("turn failed")).length ?? 0) >= 3,
      15_000,
    );

    // The secrets were really used, so their absence below means something.
    expect(harness.agent.requests.some((request) => request.headers.authorization === `Bearer ${bearer}`)).toBe(true);
    expect(harness.agent.requests.every((request) => request.url === `${hookPath}?token=${queryToken}`)).toBe(true);
    expect(openAi.requests.some((request) => request.headers.authorization === `Bearer ${apiKey}`)).toBe(true);
    expect(harness.logs.filter((line) => line.includes("turn failed")).length).toBeGreaterThanOrEqual(3);
    expect(harness.logs.some((line) => line.includes("the turn is kept and retried"))).toBe(true);

    const status = runCli(["status", "--json", "--config", harness.configPath], env, harness.dir);
    expect(await status.exited).toBe(0);
    const statusDirectory = join(harness.stateDir, "imessage", "status");
    const statusFiles = readdirSync(statusDirectory).map((name) => readFileSync(join(statusDirectory, name), "utf8"));
    expect(statusFiles.length).toBeGreaterThan(0);
    // The rotating log file in the state dir gets the same redacted lines as stdout.
    const logFile = readFileSync(join(harness.stateDir, "logs", "gateway.log"), "utf8");
    expect(logFile).toContain("turn failed");
    const everything = [...harness.logs, ...statusFiles, logFile, status.output()].join("\n");
    expect(everything).toContain("answered HTTP 500");
    expect(everything).toContain("webhook agent http://127.0.0.1:9 unreachable");
    const sent = sentByChat(harness.dbPath).map((row) => row.text);
    for (const secret of [apiKey, bearer, queryToken, pathSecret, "/hooks/", "SECRET"]) {
      expect(everything).not.toContain(secret);
      for (const text of sent) expect(text).not.toContain(secret);
    }
  });

  it("refuses a remoteHost that ssh could read as an option or a shell as a command, at config validate", async () => {
    harness = await GatewayHarness.create();
    const hostile = [
      "-oProxyCommand=x",
      "host;rm -rf /",
      "a b",
      "$(id)",
      "`id`",
      "bot@-oProxyCommand=x",
      "mac\nProxyCommand x",
    ];
    await harness.writeConfig({
      channel: {
        accounts: Object.fromEntries(
          hostile.map((remoteHost, index) => [`a${index}`, { transport: "ssh", remoteHost, dbPath: `/db/${index}` }]),
        ),
      },
    });
    const { code, stdout, stderr } = await harness.cli(["config", "validate", "--config", harness.configPath]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    const lines = stderr.trim().split("\n");
    expect(lines).toEqual(
      hostile.map(
        (remoteHost, index) =>
          `error: channels.imessage.accounts.a${index}.remoteHost: ${JSON.stringify(remoteHost)} is not host or user@host (no spaces, no ssh options)`,
      ),
    );
    // The gateway refuses the same file before starting anything.
    const gateway = await harness.cli(["gateway", "--config", harness.configPath]);
    expect(gateway.code).toBe(2);
    expect(gateway.stderr).toContain("is not host or user@host");
  });

  it("refuses a changed host key over a real sshd: no login, one clear line, status failed", async () => {
    sshd = await startTestSshd();
    harness = await GatewayHarness.create();
    const knownHosts = join(harness.dir, "known_hosts");
    await writeFile(knownHosts, `[127.0.0.1]:${sshd.port} ${await sshd.otherHostPublicKey()}\n`);
    await harness.writeConfig({
      channel: {
        dmPolicy: "open",
        allowFrom: ["*"],
        ...harness.sshChannel(sshd, { knownHostsFile: knownHosts }),
      },
    });
    const gateway = runCli(["gateway", "--config", harness.configPath], harness.env, harness.dir);
    try {
      const line = await waitFor(
        "the refusal",
        () =>
          gateway
            .output()
            .split("\n")
            .find((candidate) => candidate.includes("HOST KEY MISMATCH")),
        15_000,
      );
      expect(line).toContain(`ssh-keygen -R '[127.0.0.1]:${sshd.port}' -f ${knownHosts}`);
      expect(line).toContain("man-in-the-middle");
      const statusPath = join(harness.stateDir, "imessage", "status", "default.json");
      const status = await waitFor("the failed state in the status file", () => {
        try {
          const parsed = JSON.parse(readFileSync(statusPath, "utf8")) as { state: string; reason?: string };
          return parsed.state === "failed" ? parsed : undefined;
        } catch {
          return undefined;
        }
      });
      expect(status.reason).toMatch(/^HOST KEY MISMATCH for /);
    } finally {
      gateway.kill();
      await gateway.exited;
    }
    expect(gateway.output()).not.toContain("imsg stream connected");
    // Refused during key exchange: the client key was never offered, so sshd never let anyone in.
    expect(sshd.logs()).not.toMatch(/Accepted publickey/);
  });
});
