/** Placeholder until the transport issue adds the sshd fixture. */
export const fixtureName = "@imessage-channel/test-sshd";
