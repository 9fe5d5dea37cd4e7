export { type AcpFixture, type AcpFixtureEvent, createAcpFixture } from "./acp-fixture.ts";
