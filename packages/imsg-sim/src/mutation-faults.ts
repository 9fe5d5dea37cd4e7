import { type DeliveryDisposition, deliveryDispositions } from "./delivery-outcome.ts";
import { ImsgSimError } from "./errors.ts";

/**
 * How a faulted mutation ends: a typed delivery outcome, or `killed` (the mutation runs, its row lands, and the
 * process dies at once without answering, as imsg killed mid-send does).
 */
export type MutationFaultOutcome = DeliveryDisposition | "killed";

/** One `--fault-mutation` entry: `<outcome>[:<method>][@<nth>]`. */
export interface MutationFaultRule {
  disposition: MutationFaultOutcome;
  /** Only mutations of this method count; any mutation without it. */
  method?: string;
  /** Only the n-th counted mutation fails (1-based); every counted one without it. */
  nth?: number;
}

const rulePattern = /^(not_started|may_have_completed|still_in_flight|killed)(?::([A-Za-z.]+))?(?:@([1-9]\d*))?$/;

/** Parses `IMSG_SIM_FAULT_MUTATION` / `--fault-mutation`: one rule or several separated by commas. */
export function parseMutationFaults(raw: string): MutationFaultRule[] {
  return raw.split(",").map((entry) => {
    const match = rulePattern.exec(entry.trim());
    if (!match) {
      throw new ImsgSimError(
        "OPTION_INVALID",
        `imsg-sim: --fault-mutation "${entry}" is not <outcome>[:<method>][@<nth>] with an outcome of ${[...deliveryDispositions, "killed"].join(" | ")}; pass e.g. --fault-mutation still_in_flight:send@2`,
      );
    }
    return {
      disposition: match[1] as MutationFaultOutcome,
      ...(match[2] === undefined ? {} : { method: match[2] }),
      ...(match[3] === undefined ? {} : { nth: Number(match[3]) }),
    };
  });
}

/** Counts mutations per rule and says which one a mutation should fail with (the first rule that fires). */
export class MutationFaults {
  readonly #rules: readonly MutationFaultRule[];
  readonly #counts: number[];

  constructor(rules: readonly MutationFaultRule[]) {
    this.#rules = rules;
    this.#counts = rules.map(() => 0);
  }

  /** Called once per mutation that reaches its handler. */
  decide(method: string): MutationFaultOutcome | undefined {
    let decided: MutationFaultOutcome | undefined;
    this.#rules.forEach((rule, index) => {
      if (rule.method !== undefined && rule.method !== method) return;
      this.#counts[index] = (this.#counts[index] ?? 0) + 1;
      const fires = rule.nth === undefined || rule.nth === this.#counts[index];
      if (fires && decided === undefined) decided = rule.disposition;
    });
    return decided;
  }
}
