import { ImsgRpcError, RequestTimeoutError, RpcClientError } from "@imessage-channel/rpc-client";
import { describe, expect, it } from "vitest";
import { classifySendFailure } from "./send-failure.ts";

const delivery = (disposition: string, retrySafe: boolean) => ({
  disposition,
  retry_safe: retrySafe,
  transport: "bridge_v2",
  operation: "send-message",
  detail: `${disposition} detail`,
});

describe("classifySendFailure", () => {
  it("sends again only what imsg provably did not run", () => {
    expect(
      classifySendFailure(
        new ImsgRpcError("send", -32603, "Delivery failed before dispatch", delivery("not_started", true)),
      ),
    ).toMatchObject({ next: "resend" });
    expect(
      classifySendFailure(
        new ImsgRpcError("send", -32004, "Mutation lane blocked", delivery("still_in_flight", false)),
      ),
    ).toMatchObject({ next: "resend" });
    expect(classifySendFailure(new RpcClientError("MUTATIONS_BLOCKED", "blocked"))).toMatchObject({ next: "resend" });
  });

  it("waits a jittered moment when imsg is busy, but not when it is shutting down", () => {
    expect(
      classifySendFailure(
        new ImsgRpcError("send", -32000, "Server busy", "outstanding request limit exceeded"),
        () => 0,
      ),
    ).toEqual({
      next: "resend",
      delayMs: 125,
      why: "imsg was busy",
    });
    expect(classifySendFailure(new ImsgRpcError("send", -32000, "Server busy", "server is shutting down"))).toEqual({
      next: "fail",
    });
  });

  it("confirms, never resends, what imsg may have sent", () => {
    for (const disposition of ["may_have_completed", "still_in_flight"]) {
      expect(
        classifySendFailure(new ImsgRpcError("send", -32001, "Delivery outcome unknown", delivery(disposition, false))),
      ).toEqual({ next: "confirm", disposition, detail: `${disposition} detail` });
    }
    // not_started without retry_safe is not imsg's promise that nothing went out.
    expect(
      classifySendFailure(
        new ImsgRpcError("send", -32603, "Delivery failed before dispatch", delivery("not_started", false)),
      ),
    ).toMatchObject({ next: "confirm" });
  });

  it("looks a lost answer up before sending again (imsg before 0.14 says no more), and fails the rest", () => {
    expect(classifySendFailure(new RequestTimeoutError("send", 100))).toEqual({ next: "reconnect", timedOut: true });
    expect(classifySendFailure(new RpcClientError("CHILD_EXITED", "gone"))).toEqual({
      next: "reconnect",
      timedOut: false,
    });
    expect(classifySendFailure(new ImsgRpcError("send", -32603, "Internal error", "AppleScript failed"))).toEqual({
      next: "fail",
    });
    expect(classifySendFailure(new Error("boom"))).toEqual({ next: "fail" });
  });
});
