import { createWriteStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { openStateStore } from "@imessage-channel/state";
import type { CliIo } from "../cli-io.ts";
import { openChannel } from "../commands/open-channel.ts";
import { createLogger } from "../logger.ts";
import { builtInDemoScript, type DemoStep, parseDemoScript } from "./demo-script.ts";
import { type DemoAgentChoice, DemoWorld, demoUserHandle, type SentReply } from "./demo-world.ts";

export interface DemoOptions {
  /** true: the built-in conversation; a string: a script file; undefined: interactive. */
  script?: string | boolean;
  agent: DemoAgentChoice;
  /** Keep the temp folder (chat.db, state, logs) after the demo. */
  keep?: boolean;
  /** How long to wait for each expected reply in script mode. */
  expectTimeoutMs?: number;
  /** The imsg release the simulated Mac plays (default 0.15.10, what users run). */
  imsgVersion?: string;
}

const debounceMs = 1500;
const textChunkLimit = 200;

/** `imessage-channel demo`: the embedded default, on a simulated Mac (apps/gateway/README.md, CLI). */
export async function runDemo(io: CliIo, options: DemoOptions): Promise<number> {
  const imsgVersion = options.imsgVersion ?? "0.15.10";
  const world = await DemoWorld.create({ agent: options.agent, debounceMs, textChunkLimit, imsgVersion });
  const logPath = join(world.dir, "gateway.log");
  const logStream = createWriteStream(logPath);
  const logger = createLogger({ destination: logStream, pretty: false, level: "debug", redactHandles: false });
  const print = (line: string) => io.stdout.write(`${line}\n`);
  const env = { ...io.env, IMESSAGE_CHANNEL_STATE_DIR: world.stateDir };
  const gateway = await openChannel({ configPath: world.configPath, env, cwd: world.dir, logger });
  const replies: SentReply[] = [];
  const poll = setInterval(() => {
    for (const reply of world.takeReplies()) {
      replies.push(reply);
      print(indent("assistant", reply.text));
    }
  }, 100);

  print(
    `imessage-channel demo — a simulated Mac (imsg-sim, imsg ${imsgVersion}) with the ${options.agent.type} agent.`,
  );
  print(
    `You are ${demoUserHandle} on an iPhone. Coalescing is on (${debounceMs} ms window); replies are chunked at ${textChunkLimit} characters.`,
  );
  print(`Gateway log: ${logPath}`);
  try {
    if (options.script !== undefined && options.script !== false) {
      const text = typeof options.script === "string" ? await readFile(options.script, "utf8") : builtInDemoScript;
      return await runScript(parseDemoScript(text), world, replies, print, options.expectTimeoutMs ?? 20_000);
    }
    await runInteractive(io, world, print);
    // Input ended (piped input, or Ctrl-D): let the answers still on their way arrive before leaving.
    await waitForQuiet(replies, 3000, 15_000);
    return 0;
  } finally {
    clearInterval(poll);
    await gateway.stop();
    logStream.end();
    if (options.keep) print(`Kept ${world.dir}`);
    else await world.dispose();
  }
}

/** Resolves once no new reply arrived for `quietMs` (or after `maxMs`). */
async function waitForQuiet(replies: SentReply[], quietMs: number, maxMs: number): Promise<void> {
  const deadline = Date.now() + maxMs;
  let seen = replies.length;
  let quietSince = Date.now();
  while (Date.now() < deadline && Date.now() - quietSince < quietMs) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    if (replies.length !== seen) {
      seen = replies.length;
      quietSince = Date.now();
    }
  }
}

function indent(who: string, text: string): string {
  const [first, ...rest] = text.split("\n");
  return [`${who}> ${first}`, ...rest.map((line) => `${" ".repeat(who.length + 2)}${line}`)].join("\n");
}

function approvePending(world: DemoWorld, print: (line: string) => void, sayWhenNone = true): boolean {
  const store = openStateStore({ stateDir: world.stateDir });
  try {
    const pending = store.pairing.listPending();
    const request = pending[0];
    if (!request) {
      if (sayWhenNone) print("(no pending pairing request)");
      return false;
    }
    print(`$ imessage-channel pairing approve imessage ${request.code}`);
    store.pairing.approve(request.code);
    print(`Approved ${request.sender}.`);
    return true;
  } finally {
    store.close();
  }
}

async function runScript(
  steps: DemoStep[],
  world: DemoWorld,
  replies: SentReply[],
  print: (line: string) => void,
  timeoutMs: number,
): Promise<number> {
  let consumed = 0;
  for (const step of steps) {
    if (step.kind === "say") {
      print(indent("you", step.text));
      world.say(step.text);
    } else if (step.kind === "say-split") {
      print(indent("you", `${step.text} ${step.url}   (Apple sends this as two rows)`));
      await world.saySplit(step.text, step.url, 1000);
    } else if (step.kind === "approve") {
      if (!approvePending(world, print)) return 1;
    } else {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const window = replies.slice(consumed, consumed + step.count);
        if (window.length === step.count && step.pattern.test(window.map((reply) => reply.text).join("\n"))) {
          consumed += step.count;
          break;
        }
        if (Date.now() > deadline) {
          print(
            `demo: FAILED waiting for ${step.count} repl${step.count === 1 ? "y" : "ies"} matching /${step.source}/`,
          );
          return 1;
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }
  print(`demo: every expected reply arrived (${consumed} replies checked).`);
  return 0;
}

async function runInteractive(io: CliIo, world: DemoWorld, print: (line: string) => void): Promise<void> {
  print(
    "Type a message and press Enter. /approve approves the pending pairing code, /split TEXT | URL sends Apple's split send, /quit leaves.",
  );
  const lines = createInterface({ input: io.stdin, terminal: false });
  for await (const raw of lines) {
    const line = raw.trim();
    if (!line) continue;
    if (line === "/quit" || line === "/exit") break;
    if (line === "/approve") {
      // The pairing reply may still be on its way: give it a moment before saying there is nothing to approve.
      for (let waited = 0; waited < 5000 && !approvePending(world, print, waited + 250 >= 5000); waited += 250) {
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    } else if (line.startsWith("/split ")) {
      const [text, url] = line
        .slice(7)
        .split("|")
        .map((part) => part.trim());
      if (text && url) await world.saySplit(text, url, 1000);
      else print("usage: /split TEXT | URL");
    } else world.say(line);
  }
}
