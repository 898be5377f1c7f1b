import * as assert from "node:assert/strict";
import { ProgramRun } from "../../tools/plan/recorder";
import { T, diffRuns, one, runConfig, stackRawCopy } from "../harness";

/** `kubernetes:core/v1:Service::web` from a URN: the resource's own type and name. */
const short = (d: Record<string, string[]>) =>
    Object.fromEntries(
        Object.entries(d).map(([urn, paths]) => {
            const [, , types, name] = urn.split("::");
            return [`${types.split("$").pop()}::${name}`, paths];
        }),
    );

/** A stack's config without smoke tests and gates: these tests pin the strategies' own diffs (test/validation pins those). */
function deployOnly(stack: string): Record<string, any> {
    const c = stackRawCopy(stack);
    delete c.validation;
    for (const app of Object.values(c.apps as Record<string, any>)) delete app.smoke;
    return c;
}

async function change(
    stack: string,
    edit: (c: Record<string, any>) => void,
): Promise<{ before: ProgramRun; after: ProgramRun; diff: Record<string, string[]> }> {
    const a = deployOnly(stack);
    const b = deployOnly(stack);
    edit(b);
    const before = await runConfig(a, stack);
    const after = await runConfig(b, stack);
    return { before, after, diff: short(diffRuns(before, after)) };
}

describe("deployment strategies (whole program)", () => {
    describe("blue-green", () => {
        it("a switch changes only the two Services' selectors", async () => {
            const { after, diff: all } = await change("prod", (c) => (c.apps.web.strategy.activeSlot = "green"));
            // The alert rules' release comparison follows the switch (green becomes the baseline): group 2 only.
            const { "kubernetes:monitoring.coreos.com/v1:PrometheusRule::web-alerts": rule, ...diff } = all;
            assert.ok(rule.length > 0 && rule.every((p) => p.startsWith("spec.groups[2].")), rule.join(", "));
            assert.deepEqual(diff, {
                "kubernetes:core/v1:Service::web": ["spec.selector.launchpad.dev/slot"],
                "kubernetes:core/v1:Service::web-preview": ["spec.selector.launchpad.dev/slot"],
            });
            assert.deepEqual((one(after, T.Service, "web").inputs.spec as any).selector, {
                "app.kubernetes.io/name": "web",
                "launchpad.dev/slot": "green",
            });
            assert.deepEqual((one(after, T.Service, "web-preview").inputs.spec as any).selector, {
                "app.kubernetes.io/name": "web",
                "launchpad.dev/slot": "blue",
            });
        });

        it("rolling back is switching back: the run equals the original", async () => {
            const a = deployOnly("prod");
            const b = deployOnly("prod");
            b.apps.web.strategy.activeSlot = "green";
            b.apps.web.strategy.activeSlot = "blue";
            assert.deepEqual(diffRuns(await runConfig(a, "prod"), await runConfig(b, "prod")), {});
        });

        it("a new version goes to the idle slot only", async () => {
            const { diff } = await change("prod", (c) => (c.apps.web.strategy.slots.green.version = "6.7.2"));
            assert.deepEqual(Object.keys(diff).sort(), ["kubernetes:apps/v1:Deployment::web-green"]);
        });

        it("scales the idle slot to idleReplicas when set", async () => {
            const c = deployOnly("prod");
            c.apps.web.strategy.idleReplicas = 0;
            const run = await runConfig(c, "prod");
            assert.equal((one(run, T.Deployment, "web-blue").inputs.spec as any).replicas, 3);
            assert.equal((one(run, T.Deployment, "web-green").inputs.spec as any).replicas, 0);
        });
    });

    describe("canary", () => {
        it("a step (nginx) changes only the canary Ingress weight and the canary's share of pods", async () => {
            const { after, diff } = await change("prod", (c) => (c.apps.api.strategy.weight = 50));
            assert.deepEqual(diff, {
                "kubernetes:apps/v1:Deployment::api-canary": ["spec.replicas"],
                "kubernetes:networking.k8s.io/v1:Ingress::api-canary": ["metadata.annotations.nginx.ingress.kubernetes.io/canary-weight"],
            });
            assert.equal(
                (one(after, T.Ingress, "api-canary").inputs.metadata as any).annotations["nginx.ingress.kubernetes.io/canary-weight"],
                "50",
            );
            assert.equal((one(after, T.Deployment, "api-canary").inputs.spec as any).replicas, 2);
        });

        it("abort sets the weight to 0 and keeps the canary pods for inspection", async () => {
            const { after, diff } = await change("prod", (c) => (c.apps.api.strategy.weight = 0));
            assert.deepEqual(diff, {
                "kubernetes:networking.k8s.io/v1:Ingress::api-canary": ["metadata.annotations.nginx.ingress.kubernetes.io/canary-weight"],
            });
            assert.equal(
                (one(after, T.Ingress, "api-canary").inputs.metadata as any).annotations["nginx.ingress.kubernetes.io/canary-weight"],
                "0",
            );
        });

        it("promotion makes the canary release stable and removes the canary objects", async () => {
            const { diff: all } = await change("prod", (c) => {
                c.apps.api.strategy.stable = c.apps.api.strategy.canary;
                delete c.apps.api.strategy.canary;
                c.apps.api.strategy.weight = 0;
            });
            // Without a canary the alert rules lose their release-comparison group (group 2; saturation moves up).
            const { "kubernetes:monitoring.coreos.com/v1:PrometheusRule::api-alerts": rule, ...diff } = all;
            assert.ok(rule.includes("spec.groups[3]") && rule.every((p) => /^spec\.groups\[[23]\]/.test(p)), rule.join(", "));
            assert.deepEqual(diff, {
                "kubernetes:apps/v1:Deployment::api-canary": ["(removed)"],
                "kubernetes:apps/v1:Deployment::api-stable": [
                    "metadata.labels.app.kubernetes.io/version",
                    "spec.template.metadata.labels.app.kubernetes.io/version",
                    "spec.template.spec.containers[0].image",
                ],
                "kubernetes:core/v1:Service::api-canary": ["(removed)"],
                "kubernetes:networking.k8s.io/v1:Ingress::api-canary": ["(removed)"],
                "kubernetes:policy/v1:PodDisruptionBudget::api-canary": ["(removed)"],
            });
        });

        it("a step with the replica-ratio router changes only the two replica counts", async () => {
            const base = (c: Record<string, any>) => (c.apps.api.strategy.router = "replicas");
            const a = deployOnly("prod");
            base(a);
            const b = deployOnly("prod");
            base(b);
            b.apps.api.strategy.weight = 50;
            const before = await runConfig(a, "prod");
            const after = await runConfig(b, "prod");
            assert.deepEqual(short(diffRuns(before, after)), {
                "kubernetes:apps/v1:Deployment::api-canary": ["spec.replicas"],
                "kubernetes:apps/v1:Deployment::api-stable": ["spec.replicas"],
            });
            assert.equal((one(after, T.Deployment, "api-stable").inputs.spec as any).replicas, 2);
            assert.equal((one(after, T.Deployment, "api-canary").inputs.spec as any).replicas, 2);
            // One Service selects both tracks; no canary Ingress exists.
            assert.deepEqual((one(after, T.Service, "api").inputs.spec as any).selector, { "app.kubernetes.io/name": "api" });
            assert.equal(after.resources.filter((r) => r.type === T.Ingress && r.name === "api-canary").length, 0);
        });

        it("a step with the Gateway API router changes only the HTTPRoute backend weights", async () => {
            const base = (c: Record<string, any>) => (c.apps.api.strategy.router = "gateway");
            const a = deployOnly("prod");
            base(a);
            const b = deployOnly("prod");
            base(b);
            b.apps.api.strategy.weight = 30;
            const before = await runConfig(a, "prod");
            const after = await runConfig(b, "prod");
            assert.deepEqual(short(diffRuns(before, after)), {
                "kubernetes:apps/v1:Deployment::api-canary": ["spec.replicas"],
                "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute::api": [
                    "spec.rules[0].backendRefs[0].weight",
                    "spec.rules[0].backendRefs[1].weight",
                ],
            });
            const route = one(after, "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute", "api").inputs as any;
            assert.deepEqual(
                route.spec.rules[0].backendRefs.map((b: any) => [b.name, b.weight]),
                [
                    ["api", 70],
                    ["api-canary", 30],
                ],
            );
            assert.deepEqual(route.spec.parentRefs, [{ name: "public", namespace: "gateway" }]);
        });
    });

    describe("isolation", () => {
        it("adding an app changes no resource of another app", async () => {
            const { diff } = await change("prod", (c) => {
                c.apps.reports = {
                    team: "data",
                    host: "reports.launchpad.example.com",
                    strategy: { type: "direct", release: c.apps.worker.strategy.release },
                };
            });
            assert.deepEqual(diff, {
                "kubernetes:apps/v1:Deployment::reports": ["(added)"],
                // The environment's dashboard gains a row for the new app; its alerts and scrape config are added.
                "kubernetes:core/v1:ConfigMap::prod-dashboard": ["data.launchpad-prod.json"],
                "kubernetes:monitoring.coreos.com/v1:PodMonitor::reports": ["(added)"],
                "kubernetes:monitoring.coreos.com/v1:PrometheusRule::reports-alerts": ["(added)"],
                "launchpad:monitoring:AppMonitoring::reports": ["(added)"],
                "kubernetes:core/v1:Service::reports": ["(added)"],
                "kubernetes:networking.k8s.io/v1:Ingress::reports": ["(added)"],
                "kubernetes:networking.k8s.io/v1:NetworkPolicy::prod-reports-ingress": ["(added)"],
                "kubernetes:policy/v1:PodDisruptionBudget::reports": ["(added)"],
                "launchpad:deploy:DirectDeployment::reports": ["(added)"],
            });
        });
    });

    describe("direct", () => {
        it("rolls with maxUnavailable 0, or recreates when asked", async () => {
            const c = deployOnly("prod");
            assert.deepEqual((one(await runConfig(c, "prod"), T.Deployment, "worker").inputs.spec as any).strategy, {
                type: "RollingUpdate",
                rollingUpdate: { maxUnavailable: 0, maxSurge: 1 },
            });
            c.apps.worker.strategy.rollout = "recreate";
            assert.deepEqual((one(await runConfig(c, "prod"), T.Deployment, "worker").inputs.spec as any).strategy, { type: "Recreate" });
        });
    });
});
