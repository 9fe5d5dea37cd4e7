import type { Command } from "commander";
import type { CliIo } from "../cli-io.ts";

/** Operator tooling (doctor, service, config import) registers its commands here. */
export function registerOperatorCommands(_program: Command, _io: CliIo): void {}
