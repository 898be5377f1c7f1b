import * as assert from "node:assert/strict";
import { ProgramRun } from "../../tools/plan/recorder";
import * as fs from "node:fs";
import * as path from "node:path";
import { applyOperation } from "../../tools/pipeline/releaseOps";
import { schemaValues, stackConfigFromText } from "../../tools/plan/stackConfig";
import { FIXTURE_DIR, T, configProblems, diffRuns, one, runConfig, fixtureRaw } from "../harness";
import { validateObjects } from "../../tools/plan/schemas";
import { NOTICE, noticeUpdate } from "../validation/noticeDiff";

/** `kubernetes:core/v1:Service::web` from a URN: the resource's own type and name. */
const short = (d: Record<string, string[]>) =>
    Object.fromEntries(
        Object.entries(d).map(([urn, paths]) => {
            const [, , types, name] = urn.split("::");
            return [`${types.split("$").pop()}::${name}`, paths];
        }),
    );

const RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";
const GATE = "pulumi-nodejs:dynamic/validation:MetricGate";

// These tests run the whole program on the real prod config (monitoring, validation, backups, flags included):
// a rollout step must change exactly the resources listed, and each extra one is there for a stated reason.
// The release notice (prod) restates every app's state, so its inputs follow each step; its provider diffs on
// the release version only, so each test also asserts that the step publishes no notice.
async function change(
    stack: string,
    edit: (c: Record<string, any>) => void,
    base: (c: Record<string, any>) => void = () => undefined,
): Promise<{ before: ProgramRun; after: ProgramRun; diff: Record<string, string[]> }> {
    const a = fixtureRaw(stack);
    const b = fixtureRaw(stack);
    base(a);
    base(b);
    edit(b);
    const before = await runConfig(a, stack);
    const after = await runConfig(b, stack);
    return { before, after, diff: short(diffRuns(before, after)) };
}

describe("deployment strategies (whole program)", () => {
    describe("blue-green", () => {
        it("a switch changes the two Services' selectors, the alerts' slot comparison and the validation of the new idle slot", async () => {
            const { before, after, diff } = await change("prod", (c) => (c.apps.web.strategy.activeSlot = "green"));
            // Besides the selectors, a switch changes (accepted, real behaviour):
            // - web-alerts: the release comparison (group 2) compares the preview slot with the live one, so it follows
            //   the switch (its two rules' expr, slot label and texts; nothing else in the rules);
            // - the smoke Job and its ConfigMap: validation reruns for the new idle slot (blue, through web-preview),
            //   as a new Job (new name) that waits for the new idle Deployment;
            // - web-gate: re-evaluated for the new live slot (green) against the new idle one, before traffic moves.
            const comparison = [0, 1].flatMap((i) =>
                ["annotations.description", "annotations.summary", "expr", "labels.slot"].map((p) => `spec.groups[2].rules[${i}].${p}`),
            );
            assert.deepEqual(diff, {
                "kubernetes:core/v1:Service::web": ["spec.selector.launchpad.dev/slot"],
                "kubernetes:core/v1:Service::web-preview": ["spec.selector.launchpad.dev/slot"],
                [`${RULE}::web-alerts`]: comparison,
                "kubernetes:batch/v1:Job::web-smoke": [
                    "metadata.annotations.launchpad.dev/release",
                    "metadata.name",
                    "spec.template.spec.volumes[0].configMap.name",
                    "(dependsOn)",
                ],
                "kubernetes:core/v1:ConfigMap::web-smoke": ["data.input.json", "metadata.name"],
                [`${GATE}::web-gate`]: [
                    "abortCommand",
                    "baseline.name",
                    "baseline.version",
                    "candidate.name",
                    "candidate.version",
                    "queries.baselineErrorRatio",
                    "queries.baselineLatency",
                    "queries.candidateErrorRatio",
                    "queries.candidateLatency",
                ],
                [`${NOTICE}::release-notice`]: ["apps[1].rollback", "apps[1].state"],
            });
            assert.equal(await noticeUpdate(before, after), false, "a switch within a release publishes no notice");
            assert.deepEqual((one(after, T.Service, "web").inputs.spec as any).selector, {
                "app.kubernetes.io/name": "web",
                "launchpad.dev/slot": "green",
            });
            assert.deepEqual((one(after, T.Service, "web-preview").inputs.spec as any).selector, {
                "app.kubernetes.io/name": "web",
                "launchpad.dev/slot": "blue",
            });
            const slots = (run: ProgramRun) =>
                (one(run, RULE, "web-alerts").inputs.spec as any).groups[2].rules.map((r: any) => r.labels.slot);
            assert.deepEqual(
                [slots(before), slots(after)],
                [
                    ["green", "green"],
                    ["blue", "blue"],
                ],
            );
            const gate = (run: ProgramRun) => (one(run, GATE, "web-gate").inputs as any).candidate.name;
            assert.deepEqual([gate(before), gate(after)], ["web-blue", "web-green"]);
        });

        it("rolling back is switching back: the release tool's switch applied twice gives back the stack file and the run", async () => {
            const original = fs.readFileSync(path.join(FIXTURE_DIR, "Pulumi.prod.yaml"), "utf8");
            const switched = applyOperation(original, "prod", { op: "switch", app: "web" }, FIXTURE_DIR).text;
            const back = applyOperation(switched, "prod", { op: "switch", app: "web" }, FIXTURE_DIR).text;
            const raw = (text: string) => schemaValues(stackConfigFromText(FIXTURE_DIR, "prod", text));
            const [before, during, after] = [
                await runConfig(raw(original), "prod"),
                await runConfig(raw(switched), "prod"),
                await runConfig(raw(back), "prod"),
            ];
            // The switch moves users (so the comparison below compares two different states)...
            const live = (run: ProgramRun) => (one(run, T.Service, "web").inputs.spec as any).selector["launchpad.dev/slot"];
            assert.deepEqual([live(before), live(during), live(after)], ["blue", "green", "blue"]);
            assert.notDeepEqual(diffRuns(before, during), {});
            // ...and switching back restores the file and every resource exactly.
            assert.equal(back, original);
            assert.deepEqual(diffRuns(before, after), {});
        });

        it("a new version goes to the idle slot only, and is validated there", async () => {
            const { before, after, diff } = await change("prod", (c) => (c.apps.web.strategy.slots.green.version = "6.7.2"));
            assert.deepEqual(diff, {
                "kubernetes:apps/v1:Deployment::web-green": [
                    "metadata.labels.app.kubernetes.io/version",
                    "spec.template.metadata.labels.app.kubernetes.io/version",
                ],
                // The idle slot's new version gets a new smoke Job; the gate's baseline (the idle slot) names it.
                "kubernetes:batch/v1:Job::web-smoke": [
                    "metadata.annotations.launchpad.dev/release",
                    "metadata.name",
                    "spec.template.spec.volumes[0].configMap.name",
                ],
                "kubernetes:core/v1:ConfigMap::web-smoke": ["data.input.json", "metadata.name"],
                [`${GATE}::web-gate`]: ["baseline.version"],
                [`${NOTICE}::release-notice`]: ["apps[1].versions.green"],
            });
            assert.equal(await noticeUpdate(before, after), false);
        });

        it("scales the idle slot to idleReplicas when set", async () => {
            const c = fixtureRaw("prod");
            c.apps.web.strategy.idleReplicas = 0;
            const run = await runConfig(c, "prod");
            assert.equal((one(run, T.Deployment, "web-blue").inputs.spec as any).replicas, 3);
            assert.equal((one(run, T.Deployment, "web-green").inputs.spec as any).replicas, 0);
        });

        it("previewAllowFrom: only those client ranges reach the preview host (ingress-nginx), on either engine; the live host stays public", async () => {
            for (const engine of ["launchpad", "argoRollouts"]) {
                const c = fixtureRaw("prod");
                c.apps.web.strategy.engine = engine;
                c.apps.web.strategy.previewAllowFrom = ["203.0.113.0/24", "10.8.0.0/16", "2001:db8::/32"];
                const run = await runConfig(c, "prod");
                const ing = (n: string) => one(run, T.Ingress, n).inputs.metadata as any;
                assert.deepEqual(
                    ing("web-preview").annotations,
                    { "nginx.ingress.kubernetes.io/whitelist-source-range": "203.0.113.0/24,10.8.0.0/16,2001:db8::/32" },
                    engine,
                );
                assert.equal(ing("web").annotations, undefined, engine);
                assert.deepEqual(validateObjects(run.resources).problems, [], engine);
            }
            // Unset (the fixture): no annotation, as before.
            const run = await runConfig(fixtureRaw("prod"), "prod");
            assert.equal((one(run, T.Ingress, "web-preview").inputs.metadata as any).annotations, undefined);
        });

        it("previewAllowFrom: IPv4 or IPv6 ranges, at least one, and only for an app with a host", () => {
            const c = fixtureRaw("prod");
            c.apps.web.strategy.previewAllowFrom = ["203.0.113.0/33", "office", "2001:db8::/129"];
            assert.deepEqual(configProblems(c), [
                'launchpad:apps.web.strategy.previewAllowFrom[0]: expected an IPv4 or IPv6 CIDR such as 203.0.113.0/24 or 2001:db8::/32, got "203.0.113.0/33"',
                'launchpad:apps.web.strategy.previewAllowFrom[1]: expected an IPv4 or IPv6 CIDR such as 203.0.113.0/24 or 2001:db8::/32, got "office"',
                'launchpad:apps.web.strategy.previewAllowFrom[2]: expected an IPv4 or IPv6 CIDR such as 203.0.113.0/24 or 2001:db8::/32, got "2001:db8::/129"',
            ]);
            c.apps.web.strategy.previewAllowFrom = [];
            assert.deepEqual(configProblems(c), [
                "launchpad:apps.web.strategy.previewAllowFrom: expected at least one range (leave the key out for a public preview), got []",
            ]);
            c.apps.web.strategy.previewAllowFrom = ["10.0.0.0/8"];
            delete c.apps.web.host;
            assert.deepEqual(configProblems(c), [
                'launchpad:apps.web.strategy.previewAllowFrom: only with host: without one the app has no preview host (its preview Service is in-cluster only), got ["10.0.0.0/8"]',
            ]);
        });
    });

    describe("canary", () => {
        it("a step (nginx) changes only the canary Ingress weight, the canary's share of pods and the gate's weight", async () => {
            const { before, after, diff } = await change("prod", (c) => (c.apps.api.strategy.weight = 50));
            // The gate is re-evaluated at the new weight before the Ingress weight changes; the smoke Job (same release) does not rerun.
            assert.deepEqual(diff, {
                "kubernetes:apps/v1:Deployment::api-canary": ["spec.replicas"],
                "kubernetes:networking.k8s.io/v1:Ingress::api-canary": ["metadata.annotations.nginx.ingress.kubernetes.io/canary-weight"],
                [`${GATE}::api-gate`]: ["weight"],
                [`${NOTICE}::release-notice`]: ["apps[0].state"],
            });
            assert.equal(await noticeUpdate(before, after), false, "a canary step publishes no notice");
            assert.equal(
                (one(after, T.Ingress, "api-canary").inputs.metadata as any).annotations["nginx.ingress.kubernetes.io/canary-weight"],
                "50",
            );
            assert.equal((one(after, T.Deployment, "api-canary").inputs.spec as any).replicas, 2);
            assert.equal((one(after, GATE, "api-gate").inputs as any).weight, 50);
        });

        it("abort sets the weight to 0 and keeps the canary pods for inspection", async () => {
            const { before, after, diff } = await change("prod", (c) => (c.apps.api.strategy.weight = 0));
            assert.deepEqual(diff, {
                "kubernetes:networking.k8s.io/v1:Ingress::api-canary": ["metadata.annotations.nginx.ingress.kubernetes.io/canary-weight"],
                [`${GATE}::api-gate`]: ["weight"],
                [`${NOTICE}::release-notice`]: ["apps[0].state"],
            });
            assert.equal(await noticeUpdate(before, after), false);
            assert.equal(
                (one(after, T.Ingress, "api-canary").inputs.metadata as any).annotations["nginx.ingress.kubernetes.io/canary-weight"],
                "0",
            );
        });

        it("promotion makes the canary release stable and removes the canary objects", async () => {
            const { before, after, diff } = await change("prod", (c) => {
                c.apps.api.strategy.stable = c.apps.api.strategy.canary;
                delete c.apps.api.strategy.canary;
                c.apps.api.strategy.weight = 0;
            });
            assert.deepEqual(diff, {
                // api owns data: the stable track's new version waits for new backups (the earlier ones retained).
                ...Object.fromEntries(
                    ["aws:rds/snapshot:Snapshot", "kubernetes:velero.io/v1:Backup", "random:index/randomId:RandomId"].flatMap((t) => [
                        [`${t}::api-release-2-4-0-6-7-0_6-7-1-c5c7fd92`, ["(removed)"]],
                        [`${t}::api-release-2-4-0-6-7-1-d0a86cc3`, ["(added)"]],
                    ]),
                ),
                "kubernetes:apps/v1:Deployment::api-canary": ["(removed)"],
                "kubernetes:apps/v1:Deployment::api-stable": [
                    "metadata.labels.app.kubernetes.io/version",
                    "spec.template.metadata.labels.app.kubernetes.io/version",
                    "spec.template.spec.containers[0].image",
                    "(dependsOn)",
                ],
                "kubernetes:core/v1:Service::api-canary": ["(removed)"],
                "kubernetes:networking.k8s.io/v1:Ingress::api-canary": ["(removed)"],
                "kubernetes:policy/v1:PodDisruptionBudget::api-canary": ["(removed)"],
                // Without a canary the alert rules lose their release-comparison group (group 2): saturation moves up.
                [`${RULE}::api-alerts`]: [
                    "spec.groups[2].name",
                    ...[
                        "alert",
                        "annotations.description",
                        "annotations.runbook_url",
                        "annotations.summary",
                        "expr",
                        "for",
                        "labels.severity",
                        "labels.slot",
                    ].map((p) => `spec.groups[2].rules[0].${p}`),
                    ...[
                        "alert",
                        "annotations.description",
                        "annotations.runbook_url",
                        "annotations.summary",
                        "expr",
                        "for",
                        "labels.slot",
                    ].map((p) => `spec.groups[2].rules[1].${p}`),
                    "spec.groups[2].rules[2]",
                    "spec.groups[3]",
                ],
                // Nothing left to validate: the canary's smoke test and gate go with it.
                "launchpad:validation:SmokeTest::api": ["(removed)"],
                "kubernetes:batch/v1:Job::api-smoke": ["(removed)"],
                "kubernetes:core/v1:ConfigMap::api-smoke": ["(removed)"],
                "kubernetes:networking.k8s.io/v1:NetworkPolicy::api-smoke-egress": ["(removed)"],
                "kubernetes:networking.k8s.io/v1:NetworkPolicy::api-smoke-ingress": ["(removed)"],
                [`${GATE}::api-gate`]: ["(removed)"],
                [`${NOTICE}::release-notice`]: ["apps[0].state", "apps[0].versions.canary", "apps[0].versions.stable"],
            });
            assert.equal(await noticeUpdate(before, after), false);
            assert.deepEqual(
                (one(after, RULE, "api-alerts").inputs.spec as any).groups.map((g: any) => g.name),
                ["api.golden-signals", "api.slo-burn-rate", "api.saturation"],
            );
        });

        it("a step with the replica-ratio router changes only the two replica counts and the gate's weight", async () => {
            const { before, after, diff } = await change(
                "prod",
                (c) => (c.apps.api.strategy.weight = 50),
                (c) => (c.apps.api.strategy.router = "replicas"),
            );
            assert.deepEqual(diff, {
                "kubernetes:apps/v1:Deployment::api-canary": ["spec.replicas"],
                "kubernetes:apps/v1:Deployment::api-stable": ["spec.replicas"],
                [`${GATE}::api-gate`]: ["weight"],
                [`${NOTICE}::release-notice`]: ["apps[0].state"],
            });
            assert.equal(await noticeUpdate(before, after), false);
            assert.equal((one(after, T.Deployment, "api-stable").inputs.spec as any).replicas, 2);
            assert.equal((one(after, T.Deployment, "api-canary").inputs.spec as any).replicas, 2);
            // One Service selects both tracks; no canary Ingress exists.
            assert.deepEqual((one(after, T.Service, "api").inputs.spec as any).selector, { "app.kubernetes.io/name": "api" });
            assert.equal(after.resources.filter((r) => r.type === T.Ingress && r.name === "api-canary").length, 0);
        });

        it("a step with the Gateway API router changes only the HTTPRoute backend weights, the canary's pods and the gate's weight", async () => {
            const { before, after, diff } = await change(
                "prod",
                (c) => (c.apps.api.strategy.weight = 30),
                (c) => (c.apps.api.strategy.router = "gateway"),
            );
            assert.deepEqual(diff, {
                "kubernetes:apps/v1:Deployment::api-canary": ["spec.replicas"],
                "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute::api": [
                    "spec.rules[0].backendRefs[0].weight",
                    "spec.rules[0].backendRefs[1].weight",
                ],
                [`${GATE}::api-gate`]: ["weight"],
                [`${NOTICE}::release-notice`]: ["apps[0].state"],
            });
            assert.equal(await noticeUpdate(before, after), false);
            const route = one(after, "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute", "api").inputs as any;
            assert.deepEqual(
                route.spec.rules[0].backendRefs.map((b: any) => [b.name, b.weight]),
                [
                    ["api", 70],
                    ["api-canary", 30],
                ],
            );
            // The environment has a certificate: the route attaches to the Gateway's TLS listener only (public-tls).
            assert.deepEqual(route.spec.parentRefs, [{ name: "public", namespace: "gateway", sectionName: "https" }]);
        });
    });

    describe("isolation", () => {
        it("adding an app changes no resource of another app", async () => {
            const { before, after, diff } = await change("prod", (c) => {
                c.apps.reports = {
                    team: "data",
                    host: "reports.launchpad.example.com",
                    strategy: { type: "direct", release: c.apps.worker.strategy.release },
                };
            });
            // Environment-level objects that change: the dashboard gains a row for the new app, and the release notice
            // lists it (sorted, so the apps after it shift by one) and waits for its deployment; the notice's provider
            // sees the same release, so nothing is published. The routing (AlertmanagerConfig) and the release record
            // (ConfigMap launchpad-release) do not change.
            const shifted = [1, 2].flatMap((i) =>
                ["name", "previewUrl", "rollback", "state", "strategy", "url", "versions.blue", "versions.green", "versions.main"].map(
                    (p) => `apps[${i}].${p}`,
                ),
            );
            assert.deepEqual(diff, {
                "kubernetes:core/v1:ConfigMap::prod-dashboard": ["data.launchpad-prod.json"],
                [`${NOTICE}::release-notice`]: [...shifted, "apps[3]", "(dependsOn)"],
                // The new app's own objects.
                "kubernetes:apps/v1:Deployment::reports": ["(added)"],
                "kubernetes:monitoring.coreos.com/v1:PodMonitor::reports": ["(added)"],
                [`${RULE}::reports-alerts`]: ["(added)"],
                "launchpad:monitoring:AppMonitoring::reports": ["(added)"],
                "kubernetes:core/v1:Service::reports": ["(added)"],
                "kubernetes:networking.k8s.io/v1:Ingress::reports": ["(added)"],
                "kubernetes:networking.k8s.io/v1:NetworkPolicy::prod-reports-ingress": ["(added)"],
                "kubernetes:policy/v1:PodDisruptionBudget::reports": ["(added)"],
                "launchpad:deploy:DirectDeployment::reports": ["(added)"],
            });
            assert.equal(await noticeUpdate(before, after), false);
            assert.deepEqual(
                (one(after, NOTICE, "release-notice").inputs as any).apps.map((a: any) => a.name),
                ["api", "reports", "web", "worker"],
            );
        });
    });

    describe("direct", () => {
        it("rolls with maxUnavailable 0, or recreates when asked", async () => {
            const c = fixtureRaw("prod");
            assert.deepEqual((one(await runConfig(c, "prod"), T.Deployment, "worker").inputs.spec as any).strategy, {
                type: "RollingUpdate",
                rollingUpdate: { maxUnavailable: 0, maxSurge: 1 },
            });
            c.apps.worker.strategy.rollout = "recreate";
            assert.deepEqual((one(await runConfig(c, "prod"), T.Deployment, "worker").inputs.spec as any).strategy, { type: "Recreate" });
        });
    });
});
