import { describe, expect, it } from "vitest";
import {
  type ActionName,
  actionNames,
  actionVisibility,
  advertisedActions,
  canonicalActionName,
} from "./action-catalog.ts";
import {
  type CapabilitySnapshot,
  capabilityFromProbe,
  capabilityFromStatus,
  receiptPlan,
  unknownCapability,
} from "./capability.ts";

const bridgeActions: ActionName[] = [
  "react",
  "reply",
  "sendWithEffect",
  "edit",
  "unsend",
  "renameGroup",
  "setGroupIcon",
  "addParticipant",
  "removeParticipant",
  "leaveGroup",
];

const fullSelectors = { editMessageItem: true, editMessage: false, retractMessagePart: true, sendMessageReason: true };
const available: CapabilitySnapshot = { status: "available", selectors: fullSelectors };
const unavailable: CapabilitySnapshot = { status: "unavailable", selectors: {} };

describe("advertisedActions", () => {
  it("shows every action while the probe status is unknown, so the first dispatch can probe lazily", () => {
    expect(advertisedActions({ flags: {}, capability: unknownCapability, isGroup: true })).toEqual([...actionNames]);
  });

  it("shows every action when the bridge and its selectors are available", () => {
    expect(advertisedActions({ flags: {}, capability: available, isGroup: true })).toEqual([...actionNames]);
  });

  it("hides every bridge action when the bridge is unavailable, keeping file sends", () => {
    expect(advertisedActions({ flags: {}, capability: unavailable, isGroup: true })).toEqual(["upload-file"]);
    for (const name of bridgeActions) {
      expect(actionVisibility(name, { flags: {}, capability: unavailable })).toEqual({
        visible: false,
        reason: "bridge-unavailable",
      });
    }
  });

  it("hides edit and unsend when the bridge is up without their selectors", () => {
    const capability: CapabilitySnapshot = { status: "available", selectors: { editMessage: false } };
    expect(advertisedActions({ flags: {}, capability, isGroup: false })).toEqual([
      "react",
      "reply",
      "sendWithEffect",
      "upload-file",
    ]);
    expect(actionVisibility("edit", { flags: {}, capability })).toEqual({
      visible: false,
      reason: "selector-unavailable",
    });
  });

  it("accepts either edit selector", () => {
    const capability: CapabilitySnapshot = { status: "available", selectors: { editMessage: true } };
    expect(actionVisibility("edit", { flags: {}, capability })).toEqual({ visible: true });
  });

  it("hides group operations in a direct message", () => {
    expect(advertisedActions({ flags: {}, capability: available, isGroup: false })).toEqual([
      "react",
      "reply",
      "sendWithEffect",
      "edit",
      "unsend",
      "upload-file",
    ]);
  });

  it("honours channels.imessage.actions flags, with reactions for react and sendAttachment for upload-file", () => {
    const flags = { reactions: false, sendAttachment: false, leaveGroup: false, edit: true };
    expect(advertisedActions({ flags, capability: available, isGroup: true })).toEqual([
      "reply",
      "sendWithEffect",
      "edit",
      "unsend",
      "renameGroup",
      "setGroupIcon",
      "addParticipant",
      "removeParticipant",
    ]);
    expect(actionVisibility("react", { flags, capability: available })).toEqual({ visible: false, reason: "disabled" });
  });

  it("hides actions whose methods an older imsg build lacks", () => {
    const capability: CapabilitySnapshot = {
      status: "available",
      selectors: fullSelectors,
      rpcMethods: ["chats.list", "messages.history", "watch.subscribe", "send", "typing", "read", "group.rename"],
    };
    expect(advertisedActions({ flags: {}, capability, isGroup: true })).toEqual(["upload-file", "renameGroup"]);
  });
});

describe("canonicalActionName", () => {
  it("accepts the legacy sendAttachment alias and nothing unknown", () => {
    expect(canonicalActionName("sendAttachment")).toBe("upload-file");
    expect(canonicalActionName("upload-file")).toBe("upload-file");
    expect(canonicalActionName("toString")).toBeUndefined();
    expect(canonicalActionName("delete")).toBeUndefined();
  });
});

describe("capabilityFromStatus", () => {
  it("reads imsg status --json with the bridge up", () => {
    const status = JSON.parse(
      '{"version":"0.9.0","basic_features":true,"advanced_features":true,"bridge_version":2,"v2_ready":true,"selectors":{"editMessageItem":true,"editMessage":false,"retractMessagePart":true,"sendMessageReason":true},"rpc_methods":["send","tapback"]}',
    );
    expect(capabilityFromStatus(status)).toEqual({
      status: "available",
      selectors: fullSelectors,
      rpcMethods: ["send", "tapback"],
    });
  });

  it("reads a SIP-on Mac as unavailable and a pre-0.7.3 build without rpc_methods", () => {
    expect(capabilityFromStatus({ advanced_features: false, selectors: {} })).toEqual({
      status: "unavailable",
      selectors: {},
    });
  });
});

describe("receiptPlan", () => {
  const methods = ["read", "typing"];

  it("marks read and types through an available bridge", () => {
    const capability = { status: "available", selectors: {}, rpcMethods: methods } as const;
    expect(receiptPlan({ sendReadReceipts: true, capability })).toEqual({ markRead: true, typing: true });
  });

  it("keeps typing but not read-marking when sendReadReceipts is false", () => {
    const capability = { status: "available", selectors: {}, rpcMethods: methods } as const;
    expect(receiptPlan({ sendReadReceipts: false, capability })).toEqual({ markRead: false, typing: true });
  });

  it("tries both while the status is unknown and does nothing when the bridge is unavailable", () => {
    expect(receiptPlan({ sendReadReceipts: true, capability: unknownCapability })).toEqual({
      markRead: true,
      typing: true,
    });
    expect(receiptPlan({ sendReadReceipts: true, capability: unavailable })).toEqual({
      markRead: false,
      typing: false,
    });
  });

  it("gates both off with a warning to log once on a build that predates rpc_methods", () => {
    const plan = receiptPlan({ sendReadReceipts: true, capability: { status: "available", selectors: {} } });
    expect(plan).toMatchObject({ markRead: false, typing: false });
    expect(plan.warning).toMatch(/predates the per-method capability list/);
  });
});

describe("capabilityFromProbe", () => {
  const base = { rpcSupported: true, rpcMethods: ["send", "tapback", "read", "typing"], problems: [] };

  it("reads the rpc-client's probe of a Mac with the bridge up", () => {
    const snapshot = capabilityFromProbe({
      ...base,
      version: "0.9.0",
      privateApi: { available: true, selectors: fullSelectors },
      status: { advancedFeatures: true, selectors: fullSelectors, rpcMethods: base.rpcMethods },
    });
    expect(snapshot).toEqual({
      status: "available",
      selectors: fullSelectors,
      rpcMethods: base.rpcMethods,
      version: "0.9.0",
    });
    expect(receiptPlan({ sendReadReceipts: true, capability: snapshot })).toEqual({ markRead: true, typing: true });
  });

  it("marks methods inferred from the version on a build without rpc_methods, and warns about receipts", () => {
    const snapshot = capabilityFromProbe({
      ...base,
      version: "0.7.0",
      privateApi: { available: true, selectors: {} },
      status: { advancedFeatures: true, selectors: {} },
    });
    expect(snapshot.rpcMethodsInferred).toBe(true);
    expect(receiptPlan({ sendReadReceipts: true, capability: snapshot }).warning).toMatch(/upgrade imsg/);
  });

  it("warns about receipts on a build without rpc_methods even while its bridge is down", () => {
    const snapshot = capabilityFromProbe({
      ...base,
      version: "0.7.0",
      privateApi: { available: false, selectors: {} },
      status: { advancedFeatures: false, selectors: {} },
    });
    expect(snapshot).toMatchObject({ status: "unavailable", rpcMethodsInferred: true });
    expect(receiptPlan({ sendReadReceipts: true, capability: snapshot })).toMatchObject({
      markRead: false,
      typing: false,
      warning: expect.stringMatching(/predates the per-method capability list/),
    });
  });

  it("does not call a 0.9.0 build old when only its status failed, nor a missing imsg", () => {
    const failedStatus = capabilityFromProbe({
      ...base,
      version: "0.9.0",
      privateApi: { available: false, selectors: {} },
    });
    expect(failedStatus.rpcMethodsInferred).toBeUndefined();
    expect(receiptPlan({ sendReadReceipts: true, capability: failedStatus }).warning).toBeUndefined();
    const missing = capabilityFromProbe({
      rpcSupported: false,
      rpcMethods: [],
      privateApi: { available: false, selectors: {} },
      problems: ["imsg not found"],
    });
    expect(missing.rpcMethodsInferred).toBeUndefined();
  });

  it("is unknown when the probe learned nothing, unavailable when the build is known", () => {
    const nothing = {
      rpcSupported: false,
      rpcMethods: [],
      privateApi: { available: false, selectors: {} },
      problems: ["x"],
    };
    expect(capabilityFromProbe(nothing).status).toBe("unknown");
    expect(capabilityFromProbe({ ...nothing, version: "0.5.0" }).status).toBe("unavailable");
  });
});
