export { startTestSshd, type TestSshd, type TestSshdOptions } from "./start-test-sshd.ts";
