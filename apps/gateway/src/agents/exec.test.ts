import { describe, expect, it } from "vitest";
import { sampleTurn } from "../test-support/turns.ts";
import { AgentError } from "./agent-error.ts";
import { createExecAgent } from "./exec.ts";

const node = (source: string) => [process.execPath, "-e", source];
const run = (command: string[], timeoutMs?: number) =>
  createExecAgent({ command, timeoutMs }).run(sampleTurn({ text: "ping" }), new AbortController().signal);

describe("exec agent", () => {
  it("passes the turn JSON on stdin and reads Reply JSON from stdout", async () => {
    const reply = await run(
      node(
        "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{const t=JSON.parse(s);console.log(JSON.stringify({text:'got '+t.text+' from '+t.sender.handle}))})",
      ),
    );
    expect(reply).toEqual({ text: "got ping from +15555550123" });
  });

  it("takes plain stdout as the reply text", async () => {
    expect(await run(node("console.log('plain answer')"))).toEqual({ text: "plain answer" });
  });

  it("treats empty stdout as no reply", async () => {
    expect(await run(node(""))).toBeUndefined();
  });

  it("fails with the exit code and the last stderr line", async () => {
    const error = await run(node("console.error('boom: no key');process.exit(3)")).catch((caught: unknown) => caught);
    expect(AgentError.isInstance(error) && error.code).toBe("AGENT_EXIT");
    expect(String(error)).toContain("exited with code 3: boom: no key");
  });

  it("kills a command that runs past its timeout", async () => {
    const error = await run(node("setInterval(()=>{},1000)"), 200).catch((caught: unknown) => caught);
    expect(AgentError.isInstance(error) && error.code).toBe("AGENT_TIMEOUT");
  });

  it("explains a program that does not exist", async () => {
    const error = await run(["/nonexistent/agent-binary"]).catch((caught: unknown) => caught);
    expect(String(error)).toContain("could not start");
  });
});
