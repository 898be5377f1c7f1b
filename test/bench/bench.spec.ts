// A smoke test that keeps the benchmark working; its numbers are not asserted (speed is measured by
// `npm run bench`, not by tests).
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PROJECT_DIR } from "../../tools/plan/plan";

describe("benchmark (smoke, size 3)", () => {
    it("measures the plan (A) and the SDK floor (B) over the same custom resources and writes results JSON", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "launchpad-bench-test-"));
        try {
            const out = path.join(dir, "results.json");
            const r = spawnSync(
                process.execPath,
                ["-r", "ts-node/register/transpile-only", "tools/bench/bench.ts", "--sizes", "3", "--runs", "1", "--out", out],
                { cwd: PROJECT_DIR, encoding: "utf8" },
            );
            assert.equal(r.status, 0, r.stderr);
            assert.match(r.stdout, /\| apps \| resources \| A plan \(median\) \| B floor \(median\) \| A\/B \|/);
            const { results } = JSON.parse(fs.readFileSync(out, "utf8"));
            assert.equal(results.length, 1);
            const [a, b] = results[0].samples;
            assert.equal(a.mode, "A");
            assert.equal(b.mode, "B");
            // B registers every custom resource A planned (A also has the components), and nothing else.
            assert.ok(a.customResources > 0);
            assert.equal(b.resources, a.customResources);
            for (const phase of ["evaluate", "validate"]) assert.ok(phase in a.phases, `phase ${phase} timed`);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
