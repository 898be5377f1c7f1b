// The release states that matter, each a configuration the tests own (the fixture stacks with one thing
// set), and what the program runs in each: which Deployments with how many pods of which version, where
// each Service sends traffic, the canary's weight, and which validation and backups exist. The real
// stack files are never read here (test/stacks.spec.ts checks them for invariants only).
import * as assert from "node:assert/strict";
import { ProgramRun } from "../tools/plan/recorder";
import { T, fixtureRaw, ofType, one, runConfig } from "./harness";

const SMOKE = "kubernetes:batch/v1:Job";
const GATE = "pulumi-nodejs:dynamic/validation:MetricGate";
const NOTICE = "pulumi-nodejs:dynamic/validation:ReleaseNotice";

/** An app's workload as a reviewer reads it: Deployments (pods, version), Service targets, canary weight. */
function shape(run: ProgramRun, app: string) {
    const deployments = Object.fromEntries(
        ofType(run, T.Deployment)
            .filter((d) => d.name === app || d.name.startsWith(`${app}-`))
            .map((d) => {
                const spec = d.inputs.spec as any;
                return [d.name, `${spec.replicas} x ${(d.inputs.metadata as any).labels["app.kubernetes.io/version"]}`];
            }),
    );
    const services = Object.fromEntries(
        ofType(run, T.Service)
            .filter((s) => s.name === app || s.name.startsWith(`${app}-`))
            .map((s) => {
                const sel = (s.inputs.spec as any).selector as Record<string, string>;
                return [s.name, sel["launchpad.dev/slot"] ?? sel["launchpad.dev/track"] ?? "all pods"];
            }),
    );
    const canaryIngress = run.resources.find((r) => r.type === T.Ingress && r.name === `${app}-canary`);
    const weight = canaryIngress
        ? (canaryIngress.inputs.metadata as any).annotations["nginx.ingress.kubernetes.io/canary-weight"]
        : undefined;
    const has = (type: string, name: string) => run.resources.some((r) => r.type === type && r.name === name);
    return {
        deployments,
        services,
        ...(weight !== undefined ? { weight } : {}),
        smoke: has(SMOKE, `${app}-smoke`),
        gate: has(GATE, `${app}-gate`),
    };
}

type Raw = Record<string, any>;
const state = (stack: string, edit: (c: Raw) => void = () => undefined) => {
    const raw = fixtureRaw(stack);
    edit(raw);
    return runConfig(raw, stack);
};

describe("release states (fixture stacks)", () => {
    describe("blue-green (web, prod: 3 pods per slot)", () => {
        it("blue live: both slots run, the live Service selects blue, the preview green; the idle slot is validated", async () => {
            assert.deepEqual(shape(await state("prod"), "web"), {
                deployments: { "web-blue": "3 x 6.7.0", "web-green": "3 x 6.7.1" },
                services: { web: "blue", "web-preview": "green" },
                smoke: true,
                gate: true,
            });
        });
        it("green live: the same Deployments, the Services swapped", async () => {
            assert.deepEqual(shape(await state("prod", (c) => (c.apps.web.strategy.activeSlot = "green")), "web"), {
                deployments: { "web-blue": "3 x 6.7.0", "web-green": "3 x 6.7.1" },
                services: { web: "green", "web-preview": "blue" },
                smoke: true,
                gate: true,
            });
        });
        it("idle slot scaled down: idleReplicas pods in the idle slot only", async () => {
            assert.deepEqual(shape(await state("prod", (c) => (c.apps.web.strategy.idleReplicas = 1)), "web").deployments, {
                "web-blue": "3 x 6.7.0",
                "web-green": "1 x 6.7.1",
            });
        });
    });

    describe("canary (api, prod: 4 pods, nginx router)", () => {
        const noCanary = (c: Raw) => {
            delete c.apps.api.strategy.canary;
            c.apps.api.strategy.weight = 0;
        };
        it("absent: the stable track only, nothing to validate", async () => {
            assert.deepEqual(shape(await state("prod", noCanary), "api"), {
                deployments: { "api-stable": "4 x 6.7.0" },
                services: { api: "stable" },
                smoke: false,
                gate: false,
            });
        });
        it("at 0: the canary runs one pod without traffic and is smoke-tested", async () => {
            assert.deepEqual(shape(await state("prod", (c) => (c.apps.api.strategy.weight = 0)), "api"), {
                deployments: { "api-stable": "4 x 6.7.0", "api-canary": "1 x 6.7.1" },
                services: { api: "stable", "api-canary": "canary" },
                weight: "0",
                smoke: true,
                gate: true,
            });
        });
        it("at a step (60%): pods for its share, the Ingress weight", async () => {
            assert.deepEqual(shape(await state("prod", (c) => (c.apps.api.strategy.weight = 60)), "api"), {
                deployments: { "api-stable": "4 x 6.7.0", "api-canary": "3 x 6.7.1" },
                services: { api: "stable", "api-canary": "canary" },
                weight: "60",
                smoke: true,
                gate: true,
            });
        });
        it("promoted: the stable track runs the canary's release, the canary is gone", async () => {
            const promoted = (c: Raw) => {
                c.apps.api.strategy.stable = c.apps.api.strategy.canary;
                noCanary(c);
            };
            assert.deepEqual(shape(await state("prod", promoted), "api"), {
                deployments: { "api-stable": "4 x 6.7.1" },
                services: { api: "stable" },
                smoke: false,
                gate: false,
            });
        });
    });

    describe("direct (worker)", () => {
        it("rolling: one surge pod, never below the desired count", async () => {
            const spec = one(await state("prod"), T.Deployment, "worker").inputs.spec as any;
            assert.deepEqual(spec.strategy, { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
        });
        it("recreate: old pods stop before new ones start", async () => {
            const spec = one(await state("prod", (c) => (c.apps.worker.strategy.rollout = "recreate")), T.Deployment, "worker").inputs
                .spec as any;
            assert.deepEqual(spec.strategy, { type: "Recreate" });
        });
    });

    describe("data, builds, flags and tiers", () => {
        it("a data-owning app (api): its database, its connection Secret through envFrom, and per release and set of versions a snapshot and a Velero Backup", async () => {
            const run = await state("prod");
            assert.ok(one(run, "aws:rds/instance:Instance", "api-db"));
            assert.ok(one(run, "kubernetes:core/v1:Secret", "api-db"));
            assert.ok(one(run, "aws:rds/snapshot:Snapshot", "api-release-2-4-0-6-7-0_6-7-1-c5c7fd92"));
            assert.ok(one(run, "kubernetes:velero.io/v1:Backup", "api-release-2-4-0-6-7-0_6-7-1-c5c7fd92"));
            const env = (one(run, T.Deployment, "api-stable").inputs.spec as any).template.spec.containers[0].envFrom;
            assert.deepEqual(env, [{ secretRef: { name: "api-db" } }]);
            assert.equal(run.resources.filter((r) => r.type === "aws:rds/instance:Instance").length, 1, "only api owns data");
        });
        it("a built app (staging hello): its repository and image; the Deployment runs the digest known after the push", async () => {
            const run = await state("staging");
            assert.ok(one(run, "aws:ecr/repository:Repository", "hello"));
            assert.ok(one(run, "docker:index/image:Image", "hello"));
            assert.equal((one(run, T.Deployment, "hello").inputs.spec as any).template.spec.containers[0].image, "(known after up)");
        });
        const flag = async (edit: (c: Raw) => void) => {
            const raw = fixtureRaw("prod");
            edit(raw.flags.flags.recommendations);
            const run = await runConfig(raw, "prod");
            return JSON.parse((one(run, "kubernetes:core/v1:ConfigMap", "web-flags").inputs.data as any)["flags.json"]).flags
                .recommendations;
        };
        it("a flag on, off (DISABLED) and killed, as flagd serves it to web", async () => {
            const on = await flag(() => undefined);
            assert.deepEqual([on.state, on.defaultVariant], ["ENABLED", "on"]);
            const off = await flag((f) => (f.environments.prod = { state: "DISABLED" }));
            assert.equal(off.state, "DISABLED");
            const killed = await flag((f) => (f.environments.prod = { killed: true }));
            assert.deepEqual([killed.state, killed.defaultVariant, killed.targeting], ["ENABLED", "off", undefined]);
        });
        it("tiers: production publishes a release notice and rolls out after the release's backups; pre-production does neither", async () => {
            const prod = await state("prod");
            const staging = await state("staging");
            assert.equal(ofType(prod, NOTICE).length, 1);
            assert.equal(ofType(staging, NOTICE).length, 0);
            const after = (run: ProgramRun, name: string) =>
                one(run, T.Deployment, name)
                    .dependsOn.map((u) => u.split("::").pop())
                    .sort();
            // Both wait for the database's connection Secret; production also for the snapshot and Velero Backup.
            assert.deepEqual(after(prod, "api-stable"), [
                "api-db",
                "api-release-2-4-0-6-7-0_6-7-1-c5c7fd92",
                "api-release-2-4-0-6-7-0_6-7-1-c5c7fd92",
            ]);
            assert.deepEqual(after(staging, "api-stable"), ["api-db"]);
        });
    });
});
