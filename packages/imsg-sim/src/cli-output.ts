/** Where a CLI command writes; tests pass their own. */
export interface Output {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export const cliOutput: Output = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};
