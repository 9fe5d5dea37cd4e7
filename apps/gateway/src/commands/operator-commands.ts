import type { Command } from "commander";
import type { CliIo } from "../cli-io.ts";
import type { ConfigImportOptions } from "../config-import/config-import-command.ts";
import type { DoctorOptions } from "../doctor/doctor-command.ts";
import type { ServiceCommandOptions } from "../service/service-command.ts";

// Loaded when the command runs, so `imessage-channel gateway` does not load them.
const configImportModule = () => import("../config-import/config-import-command.ts");
const doctorModule = () => import("../doctor/doctor-command.ts");
const serviceModule = () => import("../service/service-command.ts");

function addServiceOptions(command: Command): Command {
  return command
    .option("--account <id>", "one account only (default: every enabled account in one process)")
    .option("--config <path>", "config file the service reads (default: the one found now, pinned by absolute path)")
    .option("--platform <platform>", "darwin (launchd agent) or linux (systemd user unit); default: this machine")
    .option("--dry-run", "print what would be written, change nothing");
}

/** Operator tooling (doctor, service, config import) registers its commands here. */
export function registerOperatorCommands(program: Command, io: CliIo): void {
  // `config` itself is registered by cli.ts; import hangs under it.
  const config = program.commands.find((command) => command.name() === "config") ?? program.command("config");
  config
    .command("import")
    .argument("<file>", "the OpenClaw JSON5 config to read")
    .requiredOption("--from <source>", "openclaw (channels.imessage) or bluebubbles (channels.bluebubbles)")
    .option("--out <path>", "where to write (default ./imessage-channel.json5)")
    .option("--force", "replace an existing output file")
    .description("Translate an OpenClaw or BlueBubbles config; reports every key it could not carry.")
    .action(async (file: string, options: ConfigImportOptions) =>
      (await configImportModule()).configImport(io, file, options),
    );

  program
    .command("doctor")
    .description("Check every enabled account end to end; each problem comes with its one-line fix.")
    .option("--config <path>", "config file")
    .option("--account <id>", "only this account")
    .option("--json", "print JSON")
    .option("--fix", "apply safe fixes only (create the state dir with mode 0700) and say what changed")
    .action(async (options: DoctorOptions) => (await doctorModule()).doctorCommand(io, options));

  const service = program
    .command("service")
    .description("Install the gateway as a launchd agent (macOS) or systemd user unit (Linux); never needs root.");
  addServiceOptions(service.command("install"))
    .description("Write the service file and print how to load it.")
    .action(async (options: ServiceCommandOptions) => (await serviceModule()).serviceInstall(io, options));
  addServiceOptions(service.command("uninstall"))
    .description("Remove the service file and print how to unload it.")
    .action(async (options: ServiceCommandOptions) => (await serviceModule()).serviceUninstall(io, options));
  addServiceOptions(service.command("status"))
    .description("Say whether the service file exists and matches what install would write (exit 1 when not).")
    .action(async (options: ServiceCommandOptions) => (await serviceModule()).serviceStatus(io, options));
}
