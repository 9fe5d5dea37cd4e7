// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { inject, simBinPath } from "@imessage-channel/imsg-sim";
import { startTestSshd, type TestSshd } from "@imessage-channel/test-sshd";
import { SshTransport } from "@imessage-channel/transport";
import { waitFor } from "@imessage-channel/vitest-config/wait-for";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Message } from "./imsg-objects.ts";
import { ImsgSupervisor, type SupervisorStateChange } from "./supervisor.ts";
import { SimHarness } from "./test-support/sim-harness.ts";

let sshd: TestSshd;
let sim: SimHarness;

beforeAll(async () => {
  sshd = await startTestSshd();
  sim = new SimHarness();
});

afterAll(async () => {
  await sshd?.stop();
  await sim?.dispose();
});

it("reconnects after the SSH connection is cut and delivers every row exactly once", async () => {
  const delivered: Message[] = [];
  const states: SupervisorStateChange[] = [];
  const supervisor = new ImsgSupervisor({
    createTransport: () =>
      new SshTransport({
        remoteHost: `${sshd.user}@${sshd.host}`,
        port: sshd.port,
        identityFile: sshd.clientKeyPath,
        knownHostsFile: sshd.knownHostsPath,
        agentSocket: null,
        keepaliveSec: 1,
        // The remote login shell's PATH may lack Node 24: run the sim with this very node.
        remoteCliPath: process.execPath,
        args: [simBinPath, "rpc", "--db", sim.dbPath, "--poll-interval-ms", "100"],
      }),
    cursor: 10,
    watch: { debounceMs: 0 },
    liveness: false,
    backoff: { initialMs: 50, maxMs: 200 },
  });
  supervisor.on("message", (message) => {
    delivered.push(message);
    supervisor.ack(message.id);
  });
  supervisor.on("state", (change) => states.push(change));
  supervisor.start();
  try {
    await waitFor(() => states.some((change) => change.state === "connected"), "connected over SSH", 20_000);
    const rowids = [inject(sim.dbPath, { from: "+15551234567", text: "before the cut" }).rowid];
    await waitFor(() => delivered.length >= 1, "the first row");
    expect(await sshd.dropConnections()).toBeGreaterThan(0);
    rowids.push(inject(sim.dbPath, { from: "+15551234567", text: "during the cut" }).rowid);
    await waitFor(() => states.filter((change) => change.state === "connected").length >= 2, "reconnected", 20_000);
    rowids.push(inject(sim.dbPath, { from: "+15551234567", text: "after the cut" }).rowid);
    await waitFor(() => delivered.length >= 3, "every row", 20_000);
    expect(delivered.map((message) => message.id)).toEqual(rowids);
    expect(states.map((change) => change.state)).toContain("reconnecting");
  } finally {
    await supervisor.stop();
  }
});
