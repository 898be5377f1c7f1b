// The bounds that keep a metric gate able to fail (docs/validation.md#bounds-that-keep-a-gate-a-gate), at
// their edges, stack-wide and per app.
import * as assert from "node:assert/strict";
import { parseConfig } from "../../config/load";
import { ConfigError } from "../../config/errors";
import { fixtureRaw } from "../harness";

const problemsOf = (edit: (raw: Record<string, any>) => void): string[] => {
    const raw = fixtureRaw("staging");
    edit(raw);
    try {
        parseConfig(raw);
        return [];
    } catch (e) {
        assert.ok(e instanceof ConfigError);
        return e.problems.map((p) => `${p.path}: ${p.message}`);
    }
};

describe("metric gate bounds", () => {
    const cases: [string, unknown, boolean][] = [
        ["window", "1m", true],
        ["window", "60s", true],
        ["window", "59s", false],
        ["window", "1h", true],
        ["window", "61m", false],
        ["maxErrorRatio", 0.5, true],
        ["maxErrorRatio", 0.51, false],
        ["maxErrorRatioIncrease", 0.5, true],
        ["maxErrorRatioIncrease", 0.6, false],
        ["latencyQuantile", 0.5, true],
        ["latencyQuantile", 0.49, false],
        ["latencyQuantile", 0.999, true],
        ["latencyQuantile", 0.9999, false],
        ["maxLatencySeconds", 60, true],
        ["maxLatencySeconds", 60.5, false],
        ["maxLatencySeconds", 0, false],
        ["maxLatencyRatio", 10, true],
        ["maxLatencyRatio", 10.5, false],
    ];
    for (const [key, value, ok] of cases) {
        it(`${key}: ${JSON.stringify(value)} is ${ok ? "accepted" : "refused, naming the key"}`, () => {
            const stackWide = problemsOf((raw) => (raw.validation.gate[key] = value));
            const perApp = problemsOf((raw) => (raw.apps.api.gate = { [key]: value }));
            if (ok) {
                assert.deepEqual([stackWide, perApp], [[], []]);
            } else {
                assert.equal(stackWide.length, 1, stackWide.join("\n"));
                assert.match(stackWide[0], new RegExp(`^launchpad:validation\\.gate\\.${key}: expected .*, got ${JSON.stringify(value)}$`));
                assert.equal(perApp.length, 1, perApp.join("\n"));
                assert.match(perApp[0], new RegExp(`^launchpad:apps\\.api\\.gate\\.${key}: expected .*, got ${JSON.stringify(value)}$`));
            }
        });
    }
});
