// plainStackTraces changes process-wide state, so it is tested in a process of its own.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { PROJECT_DIR } from "../../tools/plan/plan";

const SCRIPT = `
const pulumi = require("@pulumi/pulumi");
const { plainStackTraces, runProgram } = require("./tools/plan/recorder");
const seen = {};
async function run(label) {
    const r = await runProgram({
        project: "launchpad",
        stack: "test",
        config: {},
        program: () => {
            seen[label] = Error.stackTraceLimit;
            new pulumi.ComponentResource("launchpad:test:Parent", "p");
            return {};
        },
    });
    seen[label + "Resources"] = r.resources.length;
}
(async () => {
    await run("before");
    plainStackTraces();
    await run("plain");
    seen.after = Error.stackTraceLimit;
    console.log(JSON.stringify(seen));
})();
`;

describe("plainStackTraces", () => {
    it("keeps no stack frames while the program runs and restores the limit afterwards; LAUNCHPAD_SOURCE_MAPS=1 keeps them @e2e", () => {
        const run = (env: Record<string, string>) => {
            const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", SCRIPT], {
                cwd: PROJECT_DIR,
                encoding: "utf8",
                env: { ...process.env, ...env },
            });
            assert.equal(r.status, 0, r.stderr);
            return JSON.parse(r.stdout.trim().split("\n").pop()!);
        };
        const env = { LAUNCHPAD_SOURCE_MAPS: "" };
        assert.deepEqual(run(env), { before: 10, beforeResources: 1, plain: 0, plainResources: 1, after: 10 });
        assert.deepEqual(run({ LAUNCHPAD_SOURCE_MAPS: "1" }), { before: 10, beforeResources: 1, plain: 10, plainResources: 1, after: 10 });
    });
});
