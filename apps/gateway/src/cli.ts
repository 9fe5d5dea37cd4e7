/** Entry point of the `imessage-channel` executable; returns the process exit code. */
export async function main(args: string[]): Promise<number> {
  if (args[0] === "demo") {
    process.stdout.write(
      "imessage-channel demo: not built yet (see the gateway issue); the toolchain bootstrap works.\n",
    );
    return 0;
  }
  process.stderr.write("imessage-channel: not built yet\n");
  return 1;
}
