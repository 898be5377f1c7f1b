// quota-headroom (policies/capacity.ts): the pods a stack runs, and its largest rollout's extra pods,
// against the namespace's ResourceQuota. Pure rules first, then whole fixture plans.
import * as assert from "node:assert/strict";
import type { PolicyResource } from "@pulumi/policy";
import { namespaceLoads, podUsage } from "../../policies/capacity";
import { quantityValue } from "../../policies/shared/quantity";
import type { ProgramRun } from "../../tools/plan/recorder";
import { check, copyRun, podSpecOf, record, reported, runStackWith, violationsOf } from "./support";

const GI = 1024 ** 3;
const MI = 1024 ** 2;
const asPolicy = (run: ProgramRun) =>
    run.resources.map((r) => ({ type: r.type, name: r.name, urn: r.urn, props: r.inputs }) as unknown as PolicyResource);

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

        it("prod: what its pods use at rest and which rollout adds the most", () => {
            const [load] = namespaceLoads(asPolicy(prod));
            assert.equal(load.namespace, "prod");
            assert.deepEqual(load.hard, {
                "requests.cpu": 32,
                "requests.memory": 64 * GI,
                "limits.cpu": 32,
                "limits.memory": 64 * GI,
                pods: 200,
            });
            // web-blue 3 + web-green 3 + api-stable 4 + api-canary 1 + worker 2 (each with its flagd sidecar) + two smoke Jobs.
            assert.equal(load.running.pods, 15);
            assert.ok(Math.abs(load.running["limits.cpu"] - 12) < 1e-9, String(load.running["limits.cpu"]));
            assert.deepEqual(
                [load.peak["limits.cpu"].workload?.resource.name, load.peak["limits.cpu"].extra, load.peak.pods.extra],
                ["api-canary", 1.2, 1],
            );
            assert.deepEqual(load.unset, []);
        });

        it("prod on Argo Rollouts: a canary Rollout brings its new ReplicaSet to full scale, and its analysis runs Jobs", () => {
            const [load] = namespaceLoads(asPolicy(argo));
            // api (Rollout, 4) + web (Rollout, 3) + worker 2: the controller runs the smoke tests, the stack has no Jobs.
            assert.equal(load.running.pods, 9);
            assert.deepEqual(
                [load.peak.pods.workload?.resource.name, load.peak.pods.extra, load.peak.pods.workload?.why],
                // 4 canary pods, and the smoke test's Job that the controller starts during an analysis step.
                ["api", 5, "the canary ReplicaSet at full weight and 1 analysis Job pod(s)"],
            );
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
                        "ResourceQuota prod/quota allows limits.cpu 12.5; the stack's pods in prod use 12 at rest, and rolling out Deployment prod/api-canary adds 1.2 (1 pod(s): maxSurge 1): the quota refuses the new pods and the rollout waits until `up` times out. Raise launchpad:environment.quota.cpu, or lower the apps' replicas or resources.",
                    ],
                ],
            );
        });

        it("refuses a quota the pods do not fit at rest", async () => {
            const run = await runStackWith("prod", (c) => (c.environment.quota = { ...c.environment.quota, pods: 14 }));
            assert.deepEqual(violationsOf(await check(run, "prod"), "quota-headroom").map(reported), [
                "ResourceQuota prod/quota allows pods 14, but the stack's pods in prod need 15 at rest: the quota refuses the pods beyond it. Raise launchpad:environment.quota.pods, or lower the apps' replicas.",
            ]);
        });

        it("refuses a quota without room for the Rollout's full-scale canary and its analysis Job", async () => {
            const run = await runStackWith("prod", (raw) => {
                raw.environment.deliveryEngine = "argoRollouts";
                raw.apps.api.strategy.weight = 0;
                // 9 + 4 canary pods fit; the analysis Job's pod does not.
                raw.environment.quota = { ...raw.environment.quota, pods: 13 };
            });
            assert.deepEqual(violationsOf(await check(run, "prod"), "quota-headroom").map(reported), [
                "ResourceQuota prod/quota allows pods 13; the stack's pods in prod use 9 at rest, and rolling out Rollout prod/api adds 5 (5 pod(s): the canary ReplicaSet at full weight and 1 analysis Job pod(s)): the quota refuses the new pods and the rollout waits until `up` times out. Raise launchpad:environment.quota.pods, or lower the apps' replicas.",
            ]);
        });

        it("is advisory in staging", async () => {
            const run = await runStackWith("staging", (c) => (c.environment.quota = { ...c.environment.quota, pods: 9 }));
            assert.deepEqual(
                violationsOf(await check(run, "staging"), "quota-headroom").map((x) => [x.level, reported(x)]),
                [
                    [
                        "advisory",
                        "ResourceQuota staging/quota allows pods 9; the stack's pods in staging use 9 at rest, and rolling out Deployment staging/web-blue adds 1 (1 pod(s): maxSurge 1): the quota refuses the new pods and the rollout waits until `up` times out. Raise launchpad:environment.quota.pods, or lower the apps' replicas.",
                    ],
                ],
            );
        });

        it("a Deployment scaled to 0 adds no pod when it rolls", () => {
            const run = copyRun(prod);
            // The other Deployments' surge pods (one each) are smaller than api-canary's, which is now 0.
            (record(run, "kubernetes:apps/v1:Deployment", "api-canary").inputs as any).spec.replicas = 0;
            const [load] = namespaceLoads(asPolicy(run));
            assert.deepEqual([load.peak["limits.cpu"].workload?.resource.name, load.peak["limits.cpu"].extra], ["api-stable", 1.2]);
            assert.equal(load.running.pods, 14);
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
