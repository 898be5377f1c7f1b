import * as assert from "node:assert/strict";
import { diffRuns, runConfig, stackRawCopy } from "../harness";

/** `kubernetes:core/v1:Service::web` from a URN: the resource's own type and name. */
const short = (d: Record<string, string[]>) =>
    Object.fromEntries(Object.entries(d).map(([urn, paths]) => {
        const [, , types, name] = urn.split("::");
        return [`${types.split("$").pop()}::${name}`, paths];
    }));

describe("deployment strategies (whole program, prod stack)", () => {
    it("a blue-green switch changes only the two Services' selectors", async () => {
        const before = stackRawCopy("prod");
        const after = stackRawCopy("prod");
        after.apps.web.strategy.activeSlot = "green";
        const d = diffRuns(await runConfig(before, "prod"), await runConfig(after, "prod"));
        assert.deepEqual(short(d), {
            "kubernetes:core/v1:Service::web": [
                "spec.selector.launchpad.dev/slot",
            ],
            "kubernetes:core/v1:Service::web-preview": [
                "spec.selector.launchpad.dev/slot",
            ],
        });
    });
});
