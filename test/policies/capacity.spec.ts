// quota-headroom (policies/capacity.ts): the pods a stack runs, and its largest rollout's extra pods,
// against the namespace's ResourceQuota. Pure rules first, then whole fixture plans.
import * as assert from "node:assert/strict";
import { namespaceLoads, podUsage } from "../../policies/capacity";
import { quantityValue } from "../../policies/shared/quantity";
import { policyResources } from "../../tools/plan/policies";
import type { ProgramRun } from "../../tools/plan/recorder";
import { check, copyRun, podSpecOf, record, reported, runStackWith, violationsOf } from "./support";

const GI = 1024 ** 3;
const ROLLOUT = "kubernetes:argoproj.io/v1alpha1:Rollout";
const T_DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const MI = 1024 ** 2;
/** The run's resources as the gates see them, through the plan's adapter. */
const asPolicy = (run: ProgramRun) => policyResources(run.resources);

describe("policies: quota-headroom", () => {
    describe("quantityValue: Kubernetes quantities", () => {
        const cases: [string, number][] = [
            ["100m", 0.1],
            ["0.1", 0.1],
            ["1.5", 1.5],
            ["2k", 2000],
            ["1e3", 1000],
            ["128Mi", 128 * MI],
            ["1Gi", GI],
            ["1G", 1e9],
            ["250u", 0.00025],
        ];
        for (const [q, v] of cases) it(`${q} is ${v}`, () => assert.equal(quantityValue(q), v));
        for (const q of ["", "1 Gi", "Mi", "1mi", "1.2.3"]) it(`'${q}' is not a quantity`, () => assert.ok(Number.isNaN(quantityValue(q))));
    });

    describe("podUsage: what one pod counts against a quota", () => {
        const defaults = { limits: { cpu: "500m", memory: "256Mi" }, requests: { cpu: "100m", memory: "64Mi" } };
        it("sums the containers; a container with limits only requests its limits; the LimitRange fills the rest", () => {
            const { usage, unset } = podUsage(
                {
                    containers: [
                        { name: "app", resources: { requests: { cpu: "200m", memory: "128Mi" }, limits: { cpu: "1", memory: "512Mi" } } },
                        { name: "sidecar", resources: { limits: { cpu: "300m", memory: "64Mi" } } },
                        { name: "bare" },
                    ],
                    ephemeralContainers: [{ name: "debug", resources: { limits: { cpu: "8" } } }],
                },
                defaults,
            );
            assert.deepEqual(unset, []);
            assert.deepEqual(usage, {
                pods: 1,
                "requests.cpu": 0.2 + 0.3 + 0.1,
                "requests.memory": (128 + 64 + 64) * MI,
                "limits.cpu": 1 + 0.3 + 0.5,
                "limits.memory": (512 + 64 + 256) * MI,
            });
        });

        it("counts the largest init container when it exceeds the containers' sum", () => {
            const { usage } = podUsage(
                {
                    initContainers: [{ name: "migrate", resources: { limits: { cpu: "2", memory: "1Gi" } } }],
                    containers: [{ name: "app", resources: { limits: { cpu: "1", memory: "2Gi" } } }],
                },
                defaults,
            );
            assert.equal(usage["limits.cpu"], 2);
            assert.equal(usage["limits.memory"], 2 * GI);
        });

        it("adds native sidecars (init containers with restartPolicy Always) to the containers, as they keep running", () => {
            const { usage } = podUsage(
                {
                    initContainers: [
                        { name: "proxy", restartPolicy: "Always", resources: { limits: { cpu: "1", memory: "128Mi" } } },
                        { name: "migrate", resources: { limits: { cpu: "1500m", memory: "64Mi" } } },
                    ],
                    containers: [{ name: "app", resources: { limits: { cpu: "1", memory: "256Mi" } } }],
                },
                defaults,
            );
            // containers + sidecar: 2 CPU; migrate runs beside the sidecar started before it: 2.5 CPU, the larger.
            assert.equal(usage["limits.cpu"], 2.5);
            assert.equal(usage["limits.memory"], 384 * MI);
        });

        it("names what no default fills", () => {
            const { unset } = podUsage(
                { containers: [{ name: "app", resources: { requests: { cpu: "1" } } }] },
                { limits: {}, requests: {} },
            );
            assert.deepEqual(unset, [{ container: "container 'app'", keys: ["limits.cpu", "requests.memory", "limits.memory"] }]);
        });
    });

    describe("on the fixture stacks", () => {
        let prod: ProgramRun;
        let staging: ProgramRun;
        let argo: ProgramRun;
        before(async () => {
            prod = await runStackWith("prod");
            staging = await runStackWith("staging");
            argo = await runStackWith("prod", (raw) => {
                raw.environment.deliveryEngine = "argoRollouts";
                raw.apps.api.strategy.weight = 0;
            });
        });

        const peakOf = (run: ProgramRun, key: "pods" | "limits.cpu") => {
            const p = namespaceLoads(asPolicy(run))[0].peak[key];
            return p && [p.what, p.pods, Math.round(p.usage[key] * 1000) / 1000, p.why];
        };

        it("prod: what its pods use at rest, and the largest moment of a rollout or of its Jobs", () => {
            const [load] = namespaceLoads(asPolicy(prod));
            assert.equal(load.namespace, "prod");
            assert.deepEqual(load.hard, {
                "requests.cpu": 32,
                "requests.memory": 64 * GI,
                "limits.cpu": 32,
                "limits.memory": 64 * GI,
                pods: 200,
            });
            // web-blue 3 + web-green 3 + api-stable 4 + api-canary 1 + worker 2, each pod with its flagd sidecar.
            assert.equal(load.running.pods, 13);
            assert.ok(Math.abs(load.running["limits.cpu"] - 11.6) < 1e-9, String(load.running["limits.cpu"]));
            assert.deepEqual(peakOf(prod, "limits.cpu"), ["rolling out Deployment prod/api-canary", 1, 1.2, "maxSurge 1"]);
            // The two smoke Jobs run for a while, possibly together: more pods than one surge pod.
            const pods = peakOf(prod, "pods")!;
            assert.match(String(pods[0]), /^running Job prod\/api-smoke-6-7-1-[0-9a-f]{8}, Job prod\/web-smoke-6-7-1-[0-9a-f]{8}$/);
            assert.deepEqual(pods.slice(1), [2, 2, "its Jobs"]);
            assert.deepEqual(load.unset, []);
        });

        it("prod on Argo Rollouts: the canary's steps and its promotion at full scale", () => {
            const [load] = namespaceLoads(asPolicy(argo));
            // api (Rollout, 4) + web (Rollout, 3) + worker 2: the controller runs the smoke tests, the stack has no Jobs.
            assert.equal(load.running.pods, 9);
            // 20%: 1 canary pod and the smoke Job; 50%: 2 and the Job; promotion: 4.
            assert.deepEqual(peakOf(argo, "pods"), [
                "rolling out Rollout prod/api",
                4,
                4,
                "the canary ReplicaSet at full scale at promotion",
            ]);
            const run = copyRun(argo);
            const steps = (record(run, ROLLOUT, "api").inputs as any).spec.strategy.canary.steps;
            steps.push({ setWeight: 100 }, { analysis: { templates: [{ templateName: "api-smoke" }] } });
            assert.deepEqual(peakOf(run, "pods"), [
                "rolling out Rollout prod/api",
                5,
                5,
                "4 canary pod(s) at 100% and 1 analysis Job pod(s)",
            ]);
        });

        it("prod on Argo Rollouts: a blue-green Rollout's preview, then its new ReplicaSet beside the old one", () => {
            const run = copyRun(argo);
            const web = (record(run, ROLLOUT, "web").inputs as any).spec;
            web.replicas = 6;
            web.strategy.blueGreen.previewReplicaCount = 1;
            // The preview (1 pod and the smoke Job) is smaller than the promotion: 6 new pods while the 6 old ones stay.
            assert.deepEqual(peakOf(run, "pods"), [
                "rolling out Rollout prod/web",
                6,
                6,
                "the new ReplicaSet at full scale beside the old one until it scales down",
            ]);
        });

        it("applies LimitRange defaults per resource: a missing default is the maximum", () => {
            const run = copyRun(prod);
            (record(run, "kubernetes:core/v1:LimitRange", "prod-limits").inputs as any).spec.limits = [
                { type: "Container", max: { cpu: "4", memory: "8Gi" }, defaultRequest: { cpu: "100m" } },
            ];
            delete podSpecOf(record(run, T_DEPLOYMENT, "worker")).containers[0].resources;
            const [load] = namespaceLoads(asPolicy(run));
            assert.deepEqual(load.unset, []);
            // Each of the 2 worker pods' app container is limited to 4 CPU (the default limit: the maximum) instead of 0.5.
            assert.ok(Math.abs(load.running["limits.cpu"] - (11.6 - 2 * 0.5 + 2 * 4)) < 1e-9, String(load.running["limits.cpu"]));
        });

        it("passes both fixture stacks", async () => {
            assert.deepEqual(violationsOf(await check(prod, "prod"), "quota-headroom"), []);
            assert.deepEqual(violationsOf(await check(staging, "staging"), "quota-headroom"), []);
        });

        it("refuses a quota that fits the pods at rest but not the largest rollout (mandatory in prod)", async () => {
            const run = await runStackWith("prod", (c) => (c.environment.quota = { ...c.environment.quota, cpu: "12.5" }));
            const v = violationsOf(await check(run, "prod"), "quota-headroom");
            assert.deepEqual(
                v.map((x) => [x.level, reported(x)]),
                [
                    [
                        "mandatory",
                        "ResourceQuota prod/quota allows limits.cpu 12.5; the stack's pods in prod use 11.6 at rest, and rolling out Deployment prod/api-canary adds 1.2 (1 pod(s): maxSurge 1): the quota refuses the new pods and the rollout waits until `up` times out. Raise launchpad:environment.quota.cpu, or lower the apps' replicas or resources.",
                    ],
                ],
            );
        });

        it("refuses a quota the pods do not fit at rest", async () => {
            const run = await runStackWith("prod", (c) => (c.environment.quota = { ...c.environment.quota, pods: 12 }));
            assert.deepEqual(violationsOf(await check(run, "prod"), "quota-headroom").map(reported), [
                "ResourceQuota prod/quota allows pods 12, but the stack's pods in prod need 13 at rest: the quota refuses the pods beyond it. Raise launchpad:environment.quota.pods, or lower the apps' replicas.",
            ]);
        });

        it("refuses a quota without room for the stack's Jobs running together", async () => {
            const run = await runStackWith("prod", (c) => (c.environment.quota = { ...c.environment.quota, pods: 14 }));
            const v = violationsOf(await check(run, "prod"), "quota-headroom").map(reported);
            assert.equal(v.length, 1, v.join("\n"));
            assert.match(
                v[0],
                /^ResourceQuota prod\/quota allows pods 14; the stack's pods in prod use 13 at rest, and running Job prod\/api-smoke-\S+, Job prod\/web-smoke-\S+ adds 2 \(2 pod\(s\): its Jobs\): the quota refuses the new pods/,
            );
        });

        it("refuses a quota without room for the Rollout's canary at full scale", async () => {
            const run = await runStackWith("prod", (raw) => {
                raw.environment.deliveryEngine = "argoRollouts";
                raw.apps.api.strategy.weight = 0;
                raw.environment.quota = { ...raw.environment.quota, pods: 12 };
            });
            assert.deepEqual(violationsOf(await check(run, "prod"), "quota-headroom").map(reported), [
                "ResourceQuota prod/quota allows pods 12; the stack's pods in prod use 9 at rest, and rolling out Rollout prod/api adds 4 (4 pod(s): the canary ReplicaSet at full scale at promotion): the quota refuses the new pods and the rollout waits until `up` times out. Raise launchpad:environment.quota.pods, or lower the apps' replicas.",
            ]);
        });

        it("is advisory in staging", async () => {
            const run = await runStackWith("staging", (c) => (c.environment.quota = { ...c.environment.quota, pods: 8 }));
            assert.deepEqual(
                violationsOf(await check(run, "staging"), "quota-headroom").map((x) => [x.level, reported(x)]),
                [
                    [
                        "advisory",
                        "ResourceQuota staging/quota allows pods 8; the stack's pods in staging use 8 at rest, and rolling out Deployment staging/web-blue adds 1 (1 pod(s): maxSurge 1): the quota refuses the new pods and the rollout waits until `up` times out. Raise launchpad:environment.quota.pods, or lower the apps' replicas.",
                    ],
                ],
            );
        });

        it("a Deployment scaled to 0 adds no pod when it rolls", () => {
            const run = copyRun(prod);
            // The other Deployments' surge pods (one each) are smaller than api-canary's, which is now 0.
            (record(run, "kubernetes:apps/v1:Deployment", "api-canary").inputs as any).spec.replicas = 0;
            assert.deepEqual(peakOf(run, "limits.cpu"), ["rolling out Deployment prod/api-stable", 1, 1.2, "maxSurge 1"]);
            assert.equal(namespaceLoads(asPolicy(run))[0].running.pods, 12);
        });

        it("refuses a container without limits when no LimitRange default fills them", async () => {
            const run = copyRun(prod);
            run.resources = run.resources.filter((r) => r.type !== "kubernetes:core/v1:LimitRange");
            delete podSpecOf(record(run, "kubernetes:apps/v1:Deployment", "worker")).containers[0].resources;
            assert.deepEqual(violationsOf(await check(run, "prod"), "quota-headroom").map(reported), [
                "container 'worker' of Deployment prod/worker sets no requests.cpu, limits.cpu, requests.memory, limits.memory, and no LimitRange of namespace prod has a default for them: ResourceQuota prod/quota counts them, so it refuses every pod. Set the container's resources.",
            ]);
        });
    });
});
