// The real stack files change with every release, so they are tested only for what must hold in any
// valid release state: they load and validate, plan cleanly (every object schema-valid, no mandatory
// policy violation: the plan's exit 0), and plan deterministically. Behaviour is tested on fixtures.
import * as assert from "node:assert/strict";
import { parseConfig } from "../config/load";
import { PROJECT_DIR, planStack, stableJson } from "../tools/plan/plan";
import { listStacks } from "../tools/plan/stackConfig";
import { stackValues } from "./harness";

describe("the real stack files (invariants of any release state)", function () {
    this.timeout(120000);
    const stacks = listStacks(PROJECT_DIR);

    it("are the environments CI applies: staging and prod", () => assert.deepEqual(stacks, ["prod", "staging"]));

    for (const stack of stacks) {
        describe(`Pulumi.${stack}.yaml`, () => {
            it("loads and validates against the config schema", () => {
                const config = parseConfig(stackValues(stack, PROJECT_DIR));
                assert.equal(config.environment.name, stack);
            });

            it("plans cleanly and deterministically: every object schema-valid, no mandatory policy violation", async () => {
                const a = await planStack({ stack });
                assert.deepEqual(a.schema.problems, [], "schema problems");
                const mandatory = a.policy!.violations.filter((v) => v.level === "mandatory");
                assert.deepEqual(
                    mandatory.map((v) => `${v.policy} ${v.name ?? ""}: ${v.message}`),
                    [],
                    "mandatory violations (the plan would exit 1)",
                );
                const b = await planStack({ stack });
                assert.equal(stableJson(b.run), stableJson(a.run), "two plans of the same files record the same resources");
            });
        });
    }
});
