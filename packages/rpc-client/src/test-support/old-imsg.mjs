// An older imsg CLI surface for probe tests: OLD_IMSG_VERSION picks the build, OLD_IMSG_HANG names a command
// that never finishes (like imsg waiting on a macOS permission prompt).
const version = process.env.OLD_IMSG_VERSION ?? "0.6.0";
const [major, minor] = version.split(".").map(Number);
const atLeast = (wantedMinor) => major > 0 || minor >= wantedMinor;
const argv = process.argv.slice(2);
const command = argv.includes("--version") ? "version" : argv[0];
if (process.env.OLD_IMSG_HANG === command) setInterval(() => {}, 1000);
else if (command === "version") console.log(version);
else if (command === "rpc" && atLeast(3))
  console.log("imsg rpc\nRun JSON-RPC over stdin/stdout\n\nUsage:\n  imsg rpc [options]");
else if (command === "status" && atLeast(6)) {
  console.log(
    JSON.stringify({
      basic_features: true,
      advanced_features: false,
      typing_indicators: false,
      read_receipts: false,
      sip: "enabled",
      message: "System Integrity Protection (SIP) is enabled.",
    }),
  );
} else {
  console.error(`Error: Unknown command '${command}'`);
  process.exitCode = 64;
}
