import { errorMessage } from "@imessage-channel/kit";
import { Command, CommanderError } from "commander";
import { CliError, type CliIo, processIo } from "./cli-io.ts";
import { registerOperatorCommands } from "./commands/operator-commands.ts";
import type { SimStartOptions } from "./commands/sim-command.ts";
import type { DemoAgentChoice } from "./demo/demo-world.ts";
import { packageVersion } from "./package-version.ts";

// Each command's module is loaded when that command runs: `gateway` starts without loading the demo, doctor,
// service or import code (cold start is measured in the gateway bench).
const configCommands = () => import("./commands/config-command.ts");
const imsgCommands = () => import("./commands/imsg-commands.ts");
const pairingCommands = () => import("./commands/pairing.ts");
const outboxCommands = () => import("./commands/outbox.ts");
const simCommands = () => import("./commands/sim-command.ts");

function buildProgram(io: CliIo): Command {
  const program = new Command("imessage-channel")
    .description("The iMessage channel for AI-agent gateways.")
    .version(packageVersion(), "-V, --version", "print the version of imessage-channel")
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) })
    .exitOverride()
    .showHelpAfterError("(run with --help for usage)");

  program
    .command("gateway")
    .description("Run the channel (every enabled account) until SIGINT/SIGTERM.")
    .option("--config <path>", "config file")
    .option("--account <id>", "run only this account")
    .option("--metrics-port <port>", "serve /healthz and /metrics on 127.0.0.1")
    .option("--log-level <level>", "trace | debug | info | warn | error | fatal (default: logging.level, info)")
    .option("--log-format <format>", "pretty | json (default: logging.format, else pretty on a terminal)")
    .action(async (options: import("./commands/gateway-command.ts").GatewayCommandOptions) =>
      (await import("./commands/gateway-command.ts")).gatewayCommand(io, options),
    );

  program
    .command("logs")
    .description("Print the gateway's log file (<stateDir>/logs/gateway.log); -f keeps printing new lines.")
    .option("-f, --follow", "keep printing lines as the gateway writes them, until Ctrl-C")
    .option("-n, --lines <n>", "how many of the last lines to print first", "50")
    .option("--account <id>", "the log of a gateway started with --account")
    .option("--json", "print the JSON lines as written")
    .action(async (options: import("./commands/logs-command.ts").LogsCommandOptions) =>
      (await import("./commands/logs-command.ts")).logsCommand(io, options),
    );

  program
    .command("demo")
    .description("Chat with the channel on a simulated Mac (imsg-sim), as an iPhone user, from this terminal.")
    .option(
      "--script [file]",
      "run a scripted conversation (the built-in one without FILE) and exit 0 when every reply arrived",
    )
    .option("--agent <type>", "echo | openai | webhook", "echo")
    .option("--base-url <url>", "openai: an OpenAI-compatible base URL")
    .option("--model <name>", "openai: the model")
    .option("--api-key-env <name>", "openai: the environment variable holding the key")
    .option("--url <url>", "webhook: the agent URL")
    .option("--keep", "keep the demo folder (chat.db, state, log)")
    .option("--imsg-version <version>", "the imsg release the simulated Mac plays (e.g. 0.9.0)", "0.15.10")
    .action(async (options: DemoCliOptions) => {
      const { runDemo } = await import("./demo/run-demo.ts");
      const code = await runDemo(io, {
        script: options.script,
        keep: options.keep,
        agent: demoAgent(options),
        imsgVersion: options.imsgVersion,
      });
      if (code !== 0) throw new CliError("the demo conversation did not complete (see above)", 1);
    });

  const addStatus = (command: Command) =>
    command
      .description("Per account: the running gateway's state and counters; --probe also asks imsg now.")
      .option("--config <path>", "config file")
      .option("--account <id>", "only this account")
      .option("--probe", "probe imsg live: version, RPC, database, private API")
      .option("--json", "print JSON")
      .option("--channel <name>", "the channel (imessage)")
      .action(
        async (options: { config?: string; account?: string; probe?: boolean; json?: boolean; channel?: string }) =>
          (await imsgCommands()).statusCommand(io, options),
      );
  addStatus(program.command("status"));
  addStatus(program.command("channels").description("Channel commands.").command("status"));

  program
    .command("chats")
    .description("List the Mac's recent chats (targets for send).")
    .option("--config <path>", "config file")
    .option("--account <id>", "the account")
    .option("--limit <n>", "how many", "20")
    .option("--json", "print JSON")
    .action(async (options: { config?: string; account?: string; limit?: string; json?: boolean }) =>
      (await imsgCommands()).chatsCommand(io, options),
    );

  program
    .command("history")
    .description("Show the latest messages of a chat (target as for send; default: the newest chat), oldest first.")
    .argument("[target]")
    .option("--config <path>", "config file")
    .option("--account <id>", "the account")
    .option("--limit <n>", "how many", "20")
    .option("--json", "print a JSON array")
    .action(
      async (
        target: string | undefined,
        options: { config?: string; account?: string; limit?: string; json?: boolean },
      ) => (await import("./commands/history-command.ts")).historyCommand(io, target, options),
    );

  program
    .command("send")
    .description(
      "Send one message: target is chat_id:N, chat_guid:G, chat_identifier:I, imessage:+1…, sms:+1… or a handle.",
    )
    .argument("<target>")
    .argument("[text]")
    .option("--file <path>", "a file to send")
    .option("--config <path>", "config file")
    .option("--account <id>", "the account")
    .option("--json", "print imsg's answer as JSON")
    .action(
      async (
        target: string,
        text: string | undefined,
        options: { file?: string; config?: string; account?: string; json?: boolean },
      ) => (await imsgCommands()).sendCommand(io, target, text, options),
    );

  const pairing = program
    .command("pairing")
    .description("List, approve or reject DM pairing requests; list or revoke approved senders.");
  pairing
    .command("list")
    .argument("[channel]", "the channel (imessage)")
    .option("--json", "print a JSON array")
    .description("List pending pairing requests.")
    .action(async (channel: string | undefined, options: { json?: boolean }) =>
      (await pairingCommands()).pairingList(io, { ...options, channel }),
    );
  pairing
    .command("approve")
    .argument("<channel-or-code>", "imessage, or the code")
    .argument("[code]", "the 8-character code")
    .description("Approve a pairing request: the sender may talk from their next message on.")
    .action(async (first: string, second: string | undefined) => {
      const { pairingApprove, splitChannelArgument } = await pairingCommands();
      return pairingApprove(io, requiredCode(splitChannelArgument(first, second)));
    });
  pairing
    .command("reject")
    .argument("<channel-or-code>", "imessage, or the code")
    .argument("[code]", "the 8-character code")
    .description("Reject a pairing request.")
    .action(async (first: string, second: string | undefined) => {
      const { pairingReject, splitChannelArgument } = await pairingCommands();
      return pairingReject(io, requiredCode(splitChannelArgument(first, second)));
    });
  pairing
    .command("approved")
    .argument("[channel]", "the channel (imessage)")
    .option("--account <id>", "only this account")
    .option("--json", "print a JSON array")
    .description("List the senders pairing approved.")
    .action(async (channel: string | undefined, options: { account?: string; json?: boolean }) =>
      (await pairingCommands()).pairingApproved(io, { ...options, channel }),
    );
  pairing
    .command("revoke")
    .argument("<channel-or-handle>", "imessage, or the handle")
    .argument("[handle]", "the approved sender (as pairing approved lists it)")
    .option("--account <id>", "only this account")
    .description("Take a pairing approval back: the sender is a stranger again from their next message on.")
    .action(async (first: string, second: string | undefined, options: { account?: string }) => {
      const { pairingRevoke, splitChannelArgument } = await pairingCommands();
      const handle = splitChannelArgument(first, second);
      if (!handle) throw new CliError("missing handle: imessage-channel pairing revoke imessage <handle>", 2);
      return pairingRevoke(io, handle, options);
    });

  const outbox = program
    .command("outbox")
    .description("List the messages the gateway sent or tried to, and settle the ones it could not prove.");
  outbox
    .command("list")
    .description("Outbound parts, newest first: state, chat, attempt, guid, age, the first 40 characters.")
    .option("--account <id>", "only this account")
    .option("--state <states>", "only these states, comma-separated (e.g. unknown,failed)")
    .option("--limit <n>", "how many", "100")
    .option("--json", "print a JSON array")
    .action(async (options: { account?: string; state?: string; limit?: string; json?: boolean }) =>
      (await outboxCommands()).outboxList(io, options),
    );
  outbox
    .command("resolve")
    .argument("<id>", "the part's id (outbox list)")
    .option("--sent", "it is in the chat: mark it sent")
    .option("--resend", "send it again (the running gateway, or its next start)")
    .option("--drop", "give it up")
    .description("Settle an unknown or failed part (or drop a planned one): exactly one of --sent, --resend, --drop.")
    .action(async (id: string, options: { sent?: boolean; resend?: boolean; drop?: boolean }) =>
      (await outboxCommands()).outboxResolve(io, id, options),
    );

  const config = program.command("config").description("Validate, read and change the config file.");
  config
    .command("validate")
    .option("--config <path>", "config file")
    .description("Check the config file; prints every problem with its key path.")
    .action(async (options: { config?: string }) => (await configCommands()).configValidate(io, options));
  config
    .command("get")
    .argument("<path>", "dotted key path, e.g. channels.imessage.dmPolicy")
    .option("--config <path>", "config file")
    .option("--effective", "the value an account runs with, and which key (or default) it comes from")
    .option("--account <id>", "the account of --effective (implies it)")
    .option("--json", "with --effective: one JSON object")
    .action(async (path: string, options: { config?: string; effective?: boolean; account?: string; json?: boolean }) =>
      (await configCommands()).configGet(io, path, options),
    );
  config
    .command("set")
    .argument("<path>", "dotted key path")
    .argument("<value>", "JSON5 value (bare words are strings)")
    .option("--config <path>", "config file")
    .option("--force", "rewrite the whole file when it cannot be edited in place (its comments are lost)")
    .description("Set a value; the result is validated before it is written.")
    .action(async (path: string, value: string, options: { config?: string; force?: boolean }) =>
      (await configCommands()).configSet(io, path, value, options),
    );
  config
    .command("unset")
    .argument("<path>", "dotted key path")
    .option("--config <path>", "config file")
    .option("--force", "rewrite the whole file when it cannot be edited in place (its comments are lost)")
    .action(async (path: string, options: { config?: string; force?: boolean }) =>
      (await configCommands()).configUnset(io, path, options),
    );

  registerOperatorCommands(program, io);
  registerSimCommands(program, io);
  return program;
}

/** `sim …`: a simulated Mac for a dry run of a real config (apps/gateway/README.md). */
function registerSimCommands(program: Command, io: CliIo): void {
  const sim = program
    .command("sim")
    .description("A simulated Mac (imsg-sim) to try a config and agent on before there is a Mac.");
  const world = (command: Command) =>
    command.option("--world <dir>", "the simulated Mac's folder (default: <stateDir>/sim)");
  world(sim.command("start"))
    .description("Create (or keep) the world: a seeded chat.db and the imsg launcher cliPath points at.")
    .option("--imsg-version <version>", "the imsg release the simulated Mac plays", "0.15.10")
    .option("--fresh", "seed a new chat.db even when there is one")
    .option("--config <path>", "also set channels.imessage.cliPath and dbPath in this config file")
    .action(async (options: SimStartOptions) => (await simCommands()).simStart(io, options));
  world(sim.command("stop"))
    .description("Remove the launcher and end the running imsg rpc session; the chat.db is kept.")
    .action(async (options: { world?: string }) => (await simCommands()).simStop(io, options));
  world(sim.command("say"))
    .description("An iPhone user writes to the Mac: a DM row, as Messages.app writes it.")
    .requiredOption("--from <handle>", "the sender, e.g. +15555550123")
    .requiredOption("--text <text>", "the message")
    .action(async (options: { world?: string; from: string; text: string }) =>
      (await simCommands()).simSay(io, options),
    );
  world(sim.command("group"))
    .argument("<name>", "the group's name (the same name is the same chat)")
    .description("Someone writes in a group chat, created on first use.")
    .requiredOption("--from <handle>", "the sender, e.g. +15555550123")
    .requiredOption("--text <text>", "the message")
    .option("--participant <handle...>", "further members when the group is created")
    .action(async (name: string, options: { world?: string; from: string; text: string; participant?: string[] }) =>
      (await simCommands()).simGroup(io, name, options),
    );
  world(sim.command("replies"))
    .description("What the gateway sent from the simulated Mac, oldest first.")
    .option("--chat-id <n>", "only this chat")
    .option("--json", "print a JSON array")
    .action(async (options: { world?: string; chatId?: string; json?: boolean }) =>
      (await simCommands()).simReplies(io, options),
    );
}

interface DemoCliOptions {
  script?: string | boolean;
  agent: string;
  baseUrl?: string;
  model?: string;
  apiKeyEnv?: string;
  url?: string;
  keep?: boolean;
  imsgVersion: string;
}

function demoAgent(options: DemoCliOptions): DemoAgentChoice {
  if (options.agent === "echo") return { type: "echo" };
  if (options.agent === "openai") {
    if (!options.baseUrl || !options.model) throw new CliError("--agent openai needs --base-url and --model", 2);
    return { type: "openai", baseUrl: options.baseUrl, model: options.model, apiKeyEnv: options.apiKeyEnv };
  }
  if (options.agent === "webhook") {
    if (!options.url) throw new CliError("--agent webhook needs --url", 2);
    return { type: "webhook", url: options.url };
  }
  throw new CliError(`--agent: "${options.agent}" is not one of echo | openai | webhook`, 2);
}

function requiredCode(code: string | undefined): string {
  if (!code) throw new CliError("missing pairing code: imessage-channel pairing approve imessage <CODE>", 2);
  return code;
}

/** Entry point of the `imessage-channel` executable; returns the process exit code (0 ok, 1 failure, 2 usage/config). */
export async function main(args: string[], io: CliIo = processIo()): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(args, { from: "user" });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.exitCode === 0)
        return 0;
      return 2;
    }
    if (CliError.isInstance(error)) {
      for (const line of error.message.split("\n")) io.stderr.write(`error: ${line}\n`);
      return error.exitCode;
    }
    io.stderr.write(`error: ${errorMessage(error) ?? String(error)}\n`);
    return 1;
  }
}
