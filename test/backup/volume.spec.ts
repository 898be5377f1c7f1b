import * as assert from "node:assert/strict";
import { ConfigError, parseConfig } from "../../config";
import { rolloutsWithoutBackup } from "../../components/backup/rules";
import { validateObjects } from "../../tools/plan/schemas";
import { T, ofType, one, fixtureRaw } from "../harness";
import { DRAWN, RunWithOptions, asRuleInput, runWithOptions } from "./support";

const PVC = "kubernetes:core/v1:PersistentVolumeClaim";

/** The worker (direct) with a volume: replicas 1, rollout recreate, as a ReadWriteOnce volume needs. */
function withWorkerVolume(stack: string) {
    const raw = fixtureRaw(stack);
    raw.apps.worker.replicas = 1;
    raw.apps.worker.strategy.rollout = "recreate";
    raw.apps.worker.data = { volume: { size: "10Gi", storageClassName: "gp3" } };
    return raw;
}

describe("app volume (data inside the cluster)", () => {
    const runs: Record<string, RunWithOptions> = {};
    before(async () => {
        runs.staging = await runWithOptions(withWorkerVolume("staging"), "staging");
        runs.prod = await runWithOptions(withWorkerVolume("prod"), "prod");
    });

    it("creates the claim worker-data and mounts it into the worker's pods", () => {
        const run = runs.staging.run;
        assert.deepEqual((one(run, PVC, "worker-data").inputs as any).spec, {
            accessModes: ["ReadWriteOnce"],
            resources: { requests: { storage: "10Gi" } },
            storageClassName: "gp3",
        });
        const pod = (one(run, T.Deployment, "worker").inputs as any).spec.template.spec;
        assert.deepEqual(pod.volumes.at(-1), { name: "data-volume", persistentVolumeClaim: { claimName: "worker-data" } });
        assert.deepEqual(pod.containers[0].volumeMounts.at(-1), { name: "data-volume", mountPath: "/var/lib/app" });
        assert.equal(pod.containers[0].envFrom, undefined, "no database, no connection Secret");
        assert.deepEqual(validateObjects(run.resources).problems, []);
    });

    it("backs the worker up with Velero before each release; no RDS snapshot without a database", () => {
        const run = runs.prod.run;
        assert.deepEqual(
            ofType(run, "kubernetes:velero.io/v1:Backup")
                .map((r) => r.name)
                .sort(),
            ["api-release-2-4-0-6-7-0_6-7-1-c5c7fd92", "worker-release-2-4-0-6-7-1-dcfc5bd5"],
        );
        assert.deepEqual(
            ofType(run, "aws:rds/snapshot:Snapshot").map((r) => r.name),
            ["api-release-2-4-0-6-7-0_6-7-1-c5c7fd92"],
        );
        assert.deepEqual((run.outputs.backup as any).recoveryPoints.worker, { veleroBackup: `prod-worker-release-2-4-0-${DRAWN}` });
        const worker = one(run, T.Deployment, "worker");
        assert.deepEqual((worker.inputs as any).metadata.annotations, { "launchpad.dev/data": "volume" });
        // Not on the claim: a WaitForFirstConsumer claim binds only once a pod uses it.
        assert.deepEqual(worker.dependsOn, [one(run, "kubernetes:velero.io/v1:Backup", "worker-release-2-4-0-6-7-1-dcfc5bd5").urn]);
        assert.deepEqual(rolloutsWithoutBackup(run.resources.map(asRuleInput)), []);
    });

    it("keeps the claim in production when it leaves the stack", () => {
        assert.equal(runs.prod.options.get(one(runs.prod.run, PVC, "worker-data").urn)?.retainOnDelete, true);
        assert.equal(runs.staging.options.get(one(runs.staging.run, PVC, "worker-data").urn), undefined);
    });

    it("in production, needs a named StorageClass (one that encrypts at rest); elsewhere the cluster's default serves", () => {
        const volume = { size: "1Gi", accessMode: "ReadWriteMany" };
        const prod = fixtureRaw("prod");
        prod.apps.api.data.volume = { ...volume };
        assert.throws(
            () => parseConfig(prod),
            (e: unknown) =>
                e instanceof ConfigError &&
                e.problems.length === 1 &&
                e.problems[0].path === "launchpad:apps.api.data.volume.storageClassName" &&
                /^required in production: a StorageClass that encrypts its volumes at rest/.test(e.problems[0].message),
        );
        const staging = fixtureRaw("staging");
        staging.apps.api.data.volume = { ...volume };
        assert.doesNotThrow(() => parseConfig(staging));
    });

    it("refuses a ReadWriteOnce volume for pods that can run on two nodes at once, and a mount over an emptyDir", () => {
        const raw = fixtureRaw("prod");
        raw.apps.api.data.volume = { size: "1Gi", mountPath: "/data", storageClassName: "encrypted-gp3" };
        try {
            parseConfig(raw);
            assert.fail("expected a ConfigError");
        } catch (e) {
            assert.ok(e instanceof ConfigError);
            assert.deepEqual(
                e.problems.map((p) => `${p.path}: ${p.message}`),
                [
                    'launchpad:apps.api.data.volume.accessMode: a ReadWriteOnce volume attaches to one node: use it with replicas: 1 and strategy direct with rollout: recreate, or set ReadWriteMany (a StorageClass that supports it), got "ReadWriteOnce"',
                    'launchpad:apps.api.data.volume.mountPath: expected a path not in writablePaths (/tmp, /data), which are emptyDirs, got "/data"',
                ],
            );
        }
        raw.apps.api.data.volume = { size: "1Gi", accessMode: "ReadWriteMany", storageClassName: "efs-encrypted" };
        assert.doesNotThrow(() => parseConfig(raw));
        // A trailing slash names the same mount point.
        raw.apps.api.data.volume = { size: "1Gi", accessMode: "ReadWriteMany", mountPath: "/data/", storageClassName: "efs-encrypted" };
        assert.throws(() => parseConfig(raw), /launchpad:apps\.api\.data\.volume\.mountPath: expected a path not in writablePaths/);
    });
});
