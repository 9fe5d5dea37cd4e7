export { describeAccountLeaseContract, type LeaseContractSubject } from "./lease-contract.ts";
export { createManualTimers } from "./manual-timers.ts";
