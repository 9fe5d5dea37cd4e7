/** The npm name of this package. Placeholder public API until the package's issue lands. */
export const packageName = "@imessage-channel/catchup";
