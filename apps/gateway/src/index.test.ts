import * as attachments from "@imessage-channel/attachments";
import * as catchup from "@imessage-channel/catchup";
import * as coalescer from "@imessage-channel/coalescer";
import * as config from "@imessage-channel/config";
import * as imsgSim from "@imessage-channel/imsg-sim";
import * as outbound from "@imessage-channel/outbound";
import * as policy from "@imessage-channel/policy";
import * as rpcClient from "@imessage-channel/rpc-client";
import * as state from "@imessage-channel/state";
import * as transport from "@imessage-channel/transport";
import { describe, expect, it } from "vitest";

describe("workspace wiring", () => {
  it("resolves every package to its sources by name", () => {
    const modules = [attachments, catchup, coalescer, config, imsgSim, outbound, policy, rpcClient, state, transport];
    for (const module of modules) expect(Object.keys(module).length).toBeGreaterThan(0);
  });
});
