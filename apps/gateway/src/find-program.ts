import { constants } from "node:fs";
import { access, stat } from "node:fs/promises";
import { delimiter, isAbsolute, join, resolve } from "node:path";

/** A program as configured, and where it was found (undefined: nowhere). */
export interface ProgramLookup {
  program: string;
  foundAt: string | undefined;
}

/** Where `program` resolves the way spawn would resolve it: a path against `cwd`, a bare name along `PATH`. */
export async function findProgram(
  program: string,
  searchPath: string | undefined,
  cwd: string,
): Promise<ProgramLookup> {
  const candidates =
    program.includes("/") || isAbsolute(program)
      ? [resolve(cwd, program)]
      : (searchPath ?? "")
          .split(delimiter)
          .filter(Boolean)
          .map((directory) => join(resolve(cwd, directory), program));
  for (const candidate of candidates) {
    if (await isExecutableFile(candidate)) return { program, foundAt: candidate };
  }
  return { program, foundAt: undefined };
}

async function isExecutableFile(path: string): Promise<boolean> {
  try {
    if (!(await stat(path)).isFile()) return false;
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
