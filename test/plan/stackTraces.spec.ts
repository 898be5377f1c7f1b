// plainStackTraces changes process-wide state, so it is tested in a process of its own.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { typescriptLoader } from "../../tools/loader";
import { PROJECT_DIR } from "../../tools/plan/plan";

const SCRIPT = `
const pulumi = require("@pulumi/pulumi");
const { plainStackTraces, runProgram } = require("./tools/plan/recorder");
const seen = {};
class Parent extends pulumi.ComponentResource {
    constructor(name) {
        super("launchpad:test:Parent", name);
    }
}
async function run(label) {
    const r = await runProgram({
        project: "launchpad",
        stack: "test",
        config: {},
        program: () => {
            seen[label] = Error.stackTraceLimit;
            const monitor = pulumi.runtime.getMonitor();
            const register = monitor.registerResource.bind(monitor);
            monitor.registerResource = (req, cb) => {
                if (req.getType() === "launchpad:test:Parent") {
                    const pos = req.getSourceposition();
                    seen[label + "Position"] = pos ? pos.getLine() + ":" + pos.getColumn() : "none";
                }
                register(req, cb);
            };
            new Parent("p");
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

/** Where SCRIPT constructs the resource: the source position the SDK must send in every case. */
const POSITION = (() => {
    const lines = SCRIPT.split("\n");
    const i = lines.findIndex((l) => l.includes("new Parent"));
    return `${i + 1}:${lines[i].indexOf("new") + 1}`;
})();

describe("plainStackTraces", () => {
    it("keeps no stack frames while the program runs, the SDK's source positions unchanged, and restores the limit afterwards; LAUNCHPAD_SOURCE_MAPS=1 keeps them @e2e", () => {
        const run = (env: Record<string, string>) => {
            const r = spawnSync(process.execPath, [...typescriptLoader(), "-e", SCRIPT], {
                cwd: PROJECT_DIR,
                encoding: "utf8",
                env: { ...process.env, ...env },
            });
            assert.equal(r.status, 0, r.stderr);
            return JSON.parse(r.stdout.trim().split("\n").pop()!);
        };
        const env = { LAUNCHPAD_SOURCE_MAPS: "" };
        const positions = { beforePosition: POSITION, plainPosition: POSITION };
        assert.deepEqual(run(env), { before: 10, beforeResources: 1, plain: 0, plainResources: 1, after: 10, ...positions });
        assert.deepEqual(run({ LAUNCHPAD_SOURCE_MAPS: "1" }), {
            before: 10,
            beforeResources: 1,
            plain: 10,
            plainResources: 1,
            after: 10,
            ...positions,
        });
    });
});
