import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inject } from "@imessage-channel/imsg-sim";
import { afterEach, describe, expect, it } from "vitest";
import { groupIdentifier, SimWorld, senderHandle } from "./sim-world.ts";

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe("SimWorld", () => {
  it("seeds once and keeps its chat.db on a second start unless fresh", async () => {
    dir = await mkdtemp(join(tmpdir(), "sim-world-"));
    const world = new SimWorld(join(dir, "sim"));
    expect(await world.start({ imsgVersion: "0.15.10" })).toBe(true);
    world.say("+15555550123", "kept");
    const rows = world.lastRowid();
    expect(await world.start({ imsgVersion: "0.15.10" })).toBe(false);
    expect(world.lastRowid()).toBe(rows);
    expect(await world.start({ imsgVersion: "0.15.10", fresh: true })).toBe(true);
    expect(world.lastRowid()).toBeLessThan(rows);
  });

  it("the same group name is the same chat; sentAfter leaves out the seeded history and names each chat", async () => {
    dir = await mkdtemp(join(tmpdir(), "sim-world-"));
    const world = new SimWorld(join(dir, "sim"));
    await world.start({ imsgVersion: "0.15.10" });
    const first = world.sayInGroup("Family", "+15555550123", "hi", ["+15555550124"]);
    const second = world.sayInGroup("family", "+15555550124", "hello");
    expect(second.chatId).toBe(first.chatId);
    const dm = world.say("+15555550123", "a DM");
    inject(world.dbPath, { chatId: first.chatId, from: "+15555550123", isFromMe: true, text: "to the group" });
    inject(world.dbPath, { chatId: dm.chatId, from: "+15555550123", isFromMe: true, text: "to the DM" });
    expect(world.sentAfter(world.seedLastRowid())).toEqual([
      expect.objectContaining({ chatId: first.chatId, chatName: "Family", isGroup: true, text: "to the group" }),
      expect.objectContaining({ chatId: dm.chatId, chatIdentifier: "+15555550123", isGroup: false, text: "to the DM" }),
    ]);
  });
});

describe("sim names", () => {
  it("derives a chat identifier from a group name, case and spaces aside", () => {
    expect(groupIdentifier("family")).toMatch(/^chat\d{18}$/);
    expect(groupIdentifier(" Family ")).toBe(groupIdentifier("family"));
    expect(groupIdentifier("work")).not.toBe(groupIdentifier("family"));
  });

  it("takes phone numbers and email addresses as senders, normalized, and nothing else", () => {
    expect(senderHandle("+1 (555) 555-0123")).toBe("+15555550123");
    expect(senderHandle("Jane@Example.com")).toBe("jane@example.com");
    expect(senderHandle("bob")).toBeUndefined();
    expect(senderHandle("")).toBeUndefined();
  });
});
