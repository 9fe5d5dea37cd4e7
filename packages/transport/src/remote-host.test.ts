import { errorMessage } from "@imessage-channel/kit";
import { describe, expect, it } from "vitest";
import { formatRemoteHost, isValidRemoteHost, validateRemoteHost } from "./remote-host.ts";
import { TransportError } from "./transport-error.ts";

describe("validateRemoteHost", () => {
  it.each([
    ["gateway-host", { user: undefined, host: "gateway-host" }],
    ["bot@mac.tailnet.ts.net", { user: "bot", host: "mac.tailnet.ts.net" }],
    ["first.last@192.168.1.20", { user: "first.last", host: "192.168.1.20" }],
    ["[fe80::1]", { user: undefined, host: "fe80::1" }],
    ["bot@[2001:db8::7]", { user: "bot", host: "2001:db8::7" }],
    ["::1", { user: undefined, host: "::1" }],
    ["_svc@mac_mini.local.", { user: "_svc", host: "mac_mini.local." }],
  ])("accepts %s", (value, expected) => {
    expect(validateRemoteHost(value)).toEqual(expected);
  });

  it.each([
    ["", "is empty"],
    ["bot@ mac", "contains whitespace"],
    [" mac", "contains whitespace"],
    ["-oProxyCommand=touch /tmp/x", "contains whitespace"],
    ["-oProxyCommand=x", "starts with '-'"],
    ["mac;reboot", "characters that are not allowed"],
    ["mac$(id)", "characters that are not allowed"],
    ["`id`@mac", "characters that are not allowed"],
    ["mac:2222", "contains ':'"],
    ["bot@mac:/tmp", "characters that are not allowed"],
    ["bot@", "has no host"],
    ["@mac", "invalid user name"],
    ["-bot@mac", "starts with '-'"],
    ["a@b@mac", "invalid user name"],
    ["[mac]", "not an IPv6 address"],
    ["[::1", "without a closing"],
    ["mac..local", "not a valid host name"],
    ["ssh://mac", "characters that are not allowed"],
  ])("rejects %j (%s)", (value, problem) => {
    let thrown: unknown;
    try {
      validateRemoteHost(value);
    } catch (error) {
      thrown = error;
    }
    expect(TransportError.isInstance(thrown)).toBe(true);
    expect(thrown).toMatchObject({ code: "REMOTE_HOST_INVALID" });
    const message = errorMessage(thrown);
    expect(message).toContain(problem);
    expect(message).toContain(`channels.imessage.remoteHost: ${JSON.stringify(value)}`);
    expect(message).toContain("channels.imessage.ssh.port");
    expect(isValidRemoteHost(value)).toBe(false);
  });

  it("formats IPv6 destinations back with brackets", () => {
    expect(formatRemoteHost({ user: "bot", host: "2001:db8::7" })).toBe("bot@[2001:db8::7]");
    expect(formatRemoteHost({ user: undefined, host: "mac" })).toBe("mac");
  });
});
