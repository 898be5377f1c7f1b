import * as assert from "node:assert/strict";
import { validateObjects } from "../tools/plan/schemas";
import { ProgramRun } from "../tools/plan/recorder";
import { runStack } from "./harness";

const count = (run: ProgramRun) => {
    const c: Record<string, number> = {};
    for (const r of run.resources) c[r.type] = (c[r.type] ?? 0) + 1;
    return c;
};

describe("whole program on the real stacks", () => {
    for (const stack of ["staging", "prod"]) {
        describe(stack, () => {
            let run: ProgramRun;
            before(async () => {
                run = await runStack(stack);
            });

            it("creates the core resources for four apps", () => {
                const c = count(run);
                assert.equal(c["launchpad:environment:Environment"], 1);
                assert.equal(c["launchpad:deploy:BlueGreenDeployment"], 1);
                assert.equal(c["launchpad:deploy:CanaryDeployment"], 1);
                assert.equal(c["launchpad:deploy:DirectDeployment"], 2);
                assert.equal(c["kubernetes:core/v1:Namespace"], 1);
                // web-blue, web-green, api-stable, worker, hello, and api-canary where a canary runs (prod).
                assert.equal(c["kubernetes:apps/v1:Deployment"], stack === "prod" ? 6 : 5);
                assert.equal(c["kubernetes:policy/v1:PodDisruptionBudget"], c["kubernetes:apps/v1:Deployment"]);
            });

            it("every Kubernetes object is valid under the upstream schemas", () => {
                const report = validateObjects(run.resources);
                assert.deepEqual(report.problems, []);
                assert.ok(report.validated >= 20);
            });

            it("every resource but the environment has a parent component", () => {
                const orphans = run.resources.filter((r) => !r.parent).map((r) => r.type);
                assert.deepEqual(
                    orphans.filter((t) => !t.startsWith("launchpad:")),
                    [],
                );
            });

            it("every container image is pinned by digest (built images: the digest known after the push)", () => {
                const built = run.resources.filter((r) => r.type === "kubernetes:apps/v1:Deployment" && r.name === "hello");
                const others = run.resources.filter((r) => !built.includes(r));
                const images = JSON.stringify(others.map((r) => r.inputs)).match(/"image":"[^"]+"/g) ?? [];
                assert.ok(images.length > 0);
                for (const i of images) assert.match(i, /@sha256:[a-f0-9]{64}"$/);
                assert.deepEqual(JSON.stringify(built.map((r) => r.inputs)).match(/"image":"[^"]+"/g), ['"image":"(known after up)"']);
            });

            it("exports URLs, active slot, canary weight and running versions", () => {
                const apps = run.outputs.apps as any;
                assert.equal(apps.web.strategy, "blueGreen");
                assert.equal(apps.web.activeSlot, stack === "prod" ? "blue" : "green");
                assert.match(apps.web.previewUrl, /^https:\/\/web-preview\./);
                assert.equal(apps.api.canaryWeight, stack === "prod" ? 10 : 0);
                assert.deepEqual(apps.worker.versions, { main: "6.7.1" });
                assert.equal(run.outputs.namespace, stack);
            });
        });
    }
});
