import { createWriteStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { clearLine, createInterface, cursorTo, type Interface } from "node:readline";
import { openStateStore } from "@imessage-channel/state";
import type { CliIo } from "../cli-io.ts";
import { openChannel } from "../commands/open-channel.ts";
import { senderHandle } from "../commands/sim-world.ts";
import { createLogger } from "../logger.ts";
import { type DemoInput, demoHelp, LineJoiner, parseDemoInput } from "./demo-input.ts";
import { DemoLogTee } from "./demo-log.ts";
import { builtInDemoScript, type DemoStep, parseDemoScript } from "./demo-script.ts";
import { type DemoAgentChoice, DemoWorld, demoUserHandle, type SentReply } from "./demo-world.ts";
import { formatBubble } from "./demo-wrap.ts";

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
// The default limit: a long paragraph stays one bubble, and `newline` mode still sends each paragraph on its own.
const textChunkLimit = 4000;
/** How long `/approve` waits for the pairing request of a message just sent. */
const pairingWaitMs = 5000;

/** `imessage-channel demo`: the embedded default, on a simulated Mac (apps/gateway/README.md, CLI). */
export async function runDemo(io: CliIo, options: DemoOptions): Promise<number> {
  const imsgVersion = options.imsgVersion ?? "0.15.10";
  // Listen before anything is created: Ctrl-C at any point still removes the demo folder.
  const stop = new StopRequest();
  const onSignal = (signal: NodeJS.Signals) => stop.request(signal);
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    return await runInWorld(io, options, imsgVersion, stop);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

async function runInWorld(io: CliIo, options: DemoOptions, imsgVersion: string, stop: StopRequest): Promise<number> {
  const screen = new DemoScreen(io.stdout);
  const world = await DemoWorld.create({ agent: options.agent, debounceMs, textChunkLimit, imsgVersion });
  const logPath = join(world.dir, "gateway.log");
  const log = new DemoLogTee(createWriteStream(logPath), (detail) =>
    screen.print(formatBubble("gateway", `not answered: ${detail}`, screen.width)),
  );
  const logger = createLogger({ destination: log, pretty: false, level: "debug", redactHandles: false });
  const env = { ...io.env, IMESSAGE_CHANNEL_STATE_DIR: world.stateDir };
  const conversation = new Conversation();
  let poll: NodeJS.Timeout | undefined;
  let gateway: Awaited<ReturnType<typeof openChannel>> | undefined;
  try {
    gateway = await openChannel({ configPath: world.configPath, env, cwd: world.dir, logger });
    poll = setInterval(() => {
      for (const reply of world.takeReplies()) {
        conversation.replies.push(reply);
        screen.print(formatBubble(replyLabel(reply), reply.text, screen.width));
      }
    }, 100);
    printBanner(screen, world, options, imsgVersion, logPath);
    if (stop.requested) return 1;
    if (options.script !== undefined && options.script !== false) {
      const text = typeof options.script === "string" ? await readFile(options.script, "utf8") : builtInDemoScript;
      return await runScript(
        parseDemoScript(text),
        world,
        conversation,
        screen,
        options.expectTimeoutMs ?? 20_000,
        stop,
      );
    }
    const ended = await runInteractive(io, world, conversation, screen, stop);
    // Input ended (piped input, or Ctrl-D): let the answers still on their way arrive before leaving.
    if (ended === "end-of-input") await waitForQuiet(conversation.replies, 3000, 15_000, stop);
    if (stop.requested) screen.print(`Stopped (${stop.signal}).`);
    return 0;
  } finally {
    if (poll) clearInterval(poll);
    await gateway?.stop();
    await new Promise<void>((resolve) => log.end(resolve));
    if (options.keep) screen.print(`Kept ${world.dir}`);
    else {
      await world.dispose();
      screen.print(`Removed ${world.dir}.`);
    }
  }
}

function printBanner(
  screen: DemoScreen,
  world: DemoWorld,
  options: DemoOptions,
  imsgVersion: string,
  logPath: string,
): void {
  const interactive = options.script === undefined || options.script === false;
  const stateDir = shellWord(world.stateDir);
  screen.print(
    `imessage-channel demo — a simulated Mac (imsg-sim, imsg ${imsgVersion}) with the ${options.agent.type} agent.`,
  );
  screen.print(
    `You are ${demoUserHandle} on an iPhone. Coalescing is on (${debounceMs} ms window); long replies are split at paragraph breaks.`,
  );
  screen.print("In groups the assistant answers only messages that mention it (@assistant).");
  screen.print("From a second terminal, while the demo runs:");
  for (const command of ["status", "pairing list", "doctor"])
    screen.print(`  IMESSAGE_CHANNEL_STATE_DIR=${stateDir} imessage-channel ${command}`);
  screen.print(`Gateway log: ${logPath}`);
  if (interactive) screen.print("Type a message and press Enter; /help lists the commands, /quit leaves.");
}

/** A path as one shell word, quoted only when it needs to be. */
function shellWord(value: string): string {
  return /^[\w./@%+=:,-]+$/.test(value) ? value : `'${value.replace(/'/g, "'\\''")}'`;
}

/** Set once by SIGINT/SIGTERM (or Ctrl-C in the prompt); what waits checks it or awaits `done`. */
class StopRequest {
  signal: NodeJS.Signals | undefined;
  #resolve!: () => void;
  readonly done = new Promise<void>((resolve) => {
    this.#resolve = resolve;
  });

  get requested(): boolean {
    return this.signal !== undefined;
  }

  request(signal: NodeJS.Signals): void {
    this.signal ??= signal;
    this.#resolve();
  }
}

/** What was said and answered so far: `/approve` uses it to tell "on its way" from "nothing to approve". */
class Conversation {
  readonly replies: SentReply[] = [];
  lastSaidAt = 0;
  repliesWhenLastSaid = 0;

  said(): void {
    this.lastSaidAt = Date.now();
    this.repliesWhenLastSaid = this.replies.length;
  }

  /** A message was sent moments ago and nothing came back yet: its pairing reply may still be on its way. */
  get awaitingAnswer(): boolean {
    return Date.now() - this.lastSaidAt < pairingWaitMs && this.replies.length === this.repliesWhenLastSaid;
  }
}

/** Prints above the prompt: while a `you> ` prompt is shown, the line being typed is redrawn below the output. */
class DemoScreen {
  readonly #out: NodeJS.WritableStream;
  #prompt: Interface | undefined;

  constructor(out: NodeJS.WritableStream) {
    this.#out = out;
  }

  get width(): number {
    return (this.#out as NodeJS.WriteStream).columns || 80;
  }

  attach(prompt: Interface): void {
    this.#prompt = prompt;
  }

  detach(): void {
    this.#prompt = undefined;
  }

  print(text: string): void {
    const prompt = this.#prompt;
    if (!prompt) {
      this.#out.write(`${text}\n`);
      return;
    }
    clearLine(this.#out, 0);
    cursorTo(this.#out, 0);
    this.#out.write(`${text}\n`);
    prompt.prompt(true);
  }
}

function replyLabel(reply: SentReply): string {
  if (reply.isGroup) return `assistant in ${reply.chatName || reply.chatIdentifier}`;
  if (reply.chatIdentifier && reply.chatIdentifier !== demoUserHandle) return `assistant to ${reply.chatIdentifier}`;
  return "assistant";
}

function speakerLabel(from: string | undefined, group: string | undefined): string {
  const who = from === undefined || from === demoUserHandle ? "you" : from;
  return group === undefined ? who : `${who} in ${group}`;
}

/** Resolves once no new reply arrived for `quietMs` (or after `maxMs`, or on a stop request). */
async function waitForQuiet(replies: SentReply[], quietMs: number, maxMs: number, stop: StopRequest): Promise<void> {
  const deadline = Date.now() + maxMs;
  let seen = replies.length;
  let quietSince = Date.now();
  while (!stop.requested && Date.now() < deadline && Date.now() - quietSince < quietMs) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    if (replies.length !== seen) {
      seen = replies.length;
      quietSince = Date.now();
    }
  }
}

/** Approves the oldest pending pairing request, as `imessage-channel pairing approve imessage CODE` does. */
function approvePending(world: DemoWorld, print: (line: string) => void): boolean {
  const store = openStateStore({ stateDir: world.stateDir });
  try {
    const request = store.pairing.listPending()[0];
    if (!request) return false;
    print(`$ imessage-channel pairing approve imessage ${request.code}`);
    store.pairing.approve(request.code);
    print(`Approved ${request.sender}.`);
    return true;
  } finally {
    store.close();
  }
}

/** `/approve`: at once when a request is pending or none can be coming; else waits for the one on its way. */
async function approveCommand(
  world: DemoWorld,
  conversation: Conversation,
  print: (line: string) => void,
  stop: StopRequest,
): Promise<void> {
  if (approvePending(world, print)) return;
  if (!conversation.awaitingAnswer) {
    print("(no pending pairing request: a sender not yet approved gets one with their first message)");
    return;
  }
  print("(waiting for the pairing request of your last message…)");
  const deadline = Date.now() + pairingWaitMs;
  while (!stop.requested && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    if (approvePending(world, print)) return;
  }
  print("(no pairing request came: that sender may already be approved)");
}

async function runScript(
  steps: DemoStep[],
  world: DemoWorld,
  conversation: Conversation,
  screen: DemoScreen,
  timeoutMs: number,
  stop: StopRequest,
): Promise<number> {
  const print = (line: string) => screen.print(line);
  const { replies } = conversation;
  let consumed = 0;
  for (const step of steps) {
    if (stop.requested) return 1;
    if (step.kind === "say") {
      print(formatBubble("you", step.text, screen.width));
      world.say(step.text);
    } else if (step.kind === "say-split") {
      print(formatBubble("you", `${step.text} ${step.url}   (Apple sends this as two rows)`, screen.width));
      await world.saySplit(step.text, step.url, 1000);
    } else if (step.kind === "approve") {
      if (!approvePending(world, print)) {
        print("(no pending pairing request)");
        return 1;
      }
    } else {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const window = replies.slice(consumed, consumed + step.count);
        if (window.length === step.count && step.pattern.test(window.map((reply) => reply.text).join("\n"))) {
          consumed += step.count;
          break;
        }
        if (stop.requested) return 1;
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

/**
 * Reads what the person types until /quit, end of input or a stop request. On a terminal the input has a
 * `you> ` prompt (`...> ` inside a message continued with `\`) and output is printed above it; from a pipe each
 * message is echoed as `you> …`.
 */
async function runInteractive(
  io: CliIo,
  world: DemoWorld,
  conversation: Conversation,
  screen: DemoScreen,
  stop: StopRequest,
): Promise<"quit" | "end-of-input" | "stopped"> {
  const terminal = Boolean((io.stdin as NodeJS.ReadStream).isTTY && (io.stdout as NodeJS.WriteStream).isTTY);
  const lines = createInterface({
    input: io.stdin,
    ...(terminal ? { output: io.stdout, terminal: true, prompt: "you> " } : { terminal: false }),
  });
  // In a terminal readline reads keys raw, so Ctrl-C reaches it, not the process.
  lines.on("SIGINT", () => stop.request("SIGINT"));
  void stop.done.then(() => lines.close());
  const print = (line: string) => screen.print(line);
  const joiner = new LineJoiner();
  if (terminal) {
    screen.attach(lines);
    lines.prompt();
  }
  try {
    for await (const raw of lines) {
      const input = joiner.push(raw);
      if (input === undefined) {
        if (terminal) {
          lines.setPrompt("...> ");
          lines.prompt();
        }
        continue;
      }
      if (terminal) lines.setPrompt("you> ");
      const parsed = parseDemoInput(input);
      if (parsed.kind === "quit") return "quit";
      await handleInput(parsed, { world, conversation, print, stop, echo: !terminal, width: screen.width });
      if (terminal && !stop.requested) lines.prompt();
    }
    const rest = joiner.flush();
    if (rest !== undefined && !stop.requested) {
      const parsed = parseDemoInput(rest);
      if (parsed.kind !== "quit")
        await handleInput(parsed, { world, conversation, print, stop, echo: !terminal, width: screen.width });
    }
    return stop.requested ? "stopped" : "end-of-input";
  } finally {
    screen.detach();
    // Closing readline releases stdin: an open stdin keeps the process alive after the demo is done.
    lines.close();
    if (terminal && stop.requested) io.stdout.write("\n");
  }
}

async function handleInput(
  input: DemoInput,
  context: {
    world: DemoWorld;
    conversation: Conversation;
    print: (line: string) => void;
    stop: StopRequest;
    echo: boolean;
    width: number;
  },
): Promise<void> {
  const { world, conversation, print } = context;
  switch (input.kind) {
    case "nothing":
    case "quit":
      return;
    case "help":
      print(demoHelp);
      return;
    case "usage":
      print(input.message);
      return;
    case "approve":
      await approveCommand(world, conversation, print, context.stop);
      return;
    case "split":
      if (context.echo) print(formatBubble("you", `${input.text} ${input.url}`, context.width));
      conversation.said();
      await world.saySplit(input.text, input.url, 1000);
      return;
    case "say": {
      const from = input.from === undefined ? undefined : senderHandle(input.from);
      if (input.from !== undefined && from === undefined) {
        print(`/as: "${input.from}" is not a phone number (e.g. +15555550124) or an email address`);
        return;
      }
      if (context.echo) print(formatBubble(speakerLabel(input.from, input.group), input.text, context.width));
      conversation.said();
      if (input.group !== undefined) world.sayInGroup(input.group, input.text, from);
      else world.say(input.text, from);
      return;
    }
  }
}
