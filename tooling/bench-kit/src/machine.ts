import { readFileSync } from "node:fs";
import { availableParallelism, cpus, machine, release, totalmem, type } from "node:os";

/** The machine a report's figures come from. */
export interface Machine {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  /** `Debian GNU/Linux 12 (bookworm), Linux 6.1.0 x86_64`. */
  os: string;
  node: string;
}

/** This machine, as the report describes it. */
export function describeMachine(): Machine {
  const kernel = `${type()} ${release()} ${machine()}`;
  const distribution = linuxDistribution();
  return {
    cpuModel: cpus()[0]?.model.trim() || "unknown CPU",
    cores: availableParallelism(),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: distribution ? `${distribution}, ${kernel}` : kernel,
    node: process.version,
  };
}

/** The short form for a table cell: `AMD EPYC, 2 cores, 24 GiB, Node v24.21.0`. */
export function machineLabel(machineFacts: Machine): string {
  return `${machineFacts.cpuModel}, ${machineFacts.cores} cores, ${machineFacts.memoryGiB} GiB, Node ${machineFacts.node}`;
}

function linuxDistribution(): string | undefined {
  try {
    return /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync("/etc/os-release", "utf8"))?.[1];
  } catch {
    return undefined;
  }
}
