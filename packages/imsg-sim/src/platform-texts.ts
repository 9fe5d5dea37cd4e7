/** Exact failure texts of the real imsg 0.9.0 builds (docs/imsg-protocol.md#failure-texts, #status). */
export const linuxTexts = {
  appleScriptSend: "AppleScript failed: Sending requires Messages.app automation and is only supported on macOS.",
  typing: "Typing indicator failed: Typing indicators require Messages.app/IMCore and are only supported on macOS.",
  bridgeLaunch: "Failed to launch Messages.app: Messages.app is only available on macOS.",
  statusMessage:
    "imsg-bridge-helper.dylib not found. Searched:\n- /usr/local/lib/imsg-bridge-helper.dylib\n- /opt/homebrew/lib/imsg-bridge-helper.dylib\n- .build/release/imsg-bridge-helper.dylib",
};

export const macTexts = {
  sipEnabled:
    "System Integrity Protection (SIP) is enabled. Refusing to inject into Messages.app. Disable SIP in Recovery mode before using `imsg launch`.",
  bridgeTimeout:
    "Timeout waiting for Messages.app to initialize. Ensure SIP is disabled and Messages.app has necessary permissions.",
  statusSipEnabled:
    "System Integrity Protection (SIP) is enabled.\nAdvanced IMCore features are intentionally disabled.\n\nTo enable advanced features:\n1. Disable SIP in Recovery mode (`csrutil disable`)\n2. Run `imsg launch`\n\nSource installs also need `make build-dylib` before launching.",
  statusNotInjected:
    "SIP is disabled and the helper dylib is present, but Messages.app is not currently injected. Run `imsg launch` to inject it.",
  statusConnected: "Connected to Messages.app. IMCore features available.",
  statusFallen:
    "SIP is disabled and the helper dylib is present, but the Messages.app helper is not responding. Run `imsg launch` again.",
  typingWithoutBridge:
    "Typing indicator failed: IMCore typing needs the imsg bridge on this macOS; run `imsg launch` (SIP disabled).",
};

/** `Full Disk Access` error of docs/imsg-protocol.md#startup-failure, as `IMsgError.permissionDenied` renders it. */
export function fullDiskAccessText(dbPath: string, underlying: string): string {
  return [
    underlying,
    "",
    "⚠️  Permission Error: Cannot access Messages database",
    "",
    `The Messages database at ${dbPath} requires Full Disk Access permission.`,
    "",
    "To fix:",
    "1. Open System Settings → Privacy & Security → Full Disk Access",
    "2. Add the app, shell, or daemon binary that launched imsg",
    "   (for example: Terminal/iTerm for manual runs, or ~/.itui/bin/imsg for LaunchAgent mode)",
    "3. Restart that app or relaunch the daemon",
    "4. Try again",
    "",
    "Note: This is required because macOS protects the Messages database.",
    "For more details, see: https://github.com/steipete/imsg#permissions-troubleshooting",
  ].join("\n");
}

/** SQLite texts imsg rewrites into the Full Disk Access error. */
export function isPermissionLikeSqliteError(text: string): boolean {
  return ["out of memory (14)", "authorization denied", "unable to open database", "cannot open"].some((needle) =>
    text.includes(needle),
  );
}
