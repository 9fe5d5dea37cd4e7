/** Entry point of the `imsg-sim` executable; returns the process exit code. */
export async function main(args: string[]): Promise<number> {
  if (args.includes("--version") || args.includes("-V")) {
    process.stdout.write("0.9.0\n");
    return 0;
  }
  process.stderr.write("imsg-sim: not built yet\n");
  return 1;
}
