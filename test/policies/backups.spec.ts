import * as assert from "node:assert/strict";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import { ANNOTATION } from "../../components/common/labels";
import { TAG, awsTags } from "../../components/common/tags";
import { ProgramRun, ResourceRecord } from "../../tools/plan/recorder";
import { T } from "../harness";
import { check, copyRun, podSpecOf, record, reported, runStackWith, violationsOf } from "./support";

const VeleroBackup = "kubernetes:velero.io/v1:Backup";

/** What the backups domain adds to prod (its contract): a release backup of api's database, a plan for the RDS instance. */
function backupsDomain(release = "2-4-0", retentionDays = 35) {
    new k8s.apiextensions.CustomResource(`api-pre-${release}`, {
        apiVersion: "velero.io/v1",
        kind: "Backup",
        metadata: { name: `api-pre-${release}`, namespace: "velero" },
        spec: { includedNamespaces: ["prod"], labelSelector: { matchLabels: { "app.kubernetes.io/name": "api" } }, ttl: "720h0m0s" },
    });
    new aws.rds.Instance("api-db", {
        engine: "postgres",
        instanceClass: "db.t4g.medium",
        allocatedStorage: 20,
        storageEncrypted: true,
        tags: awsTags("prod", { [TAG.app]: "api", [TAG.backup]: "prod-daily" }),
    });
    const plan = new aws.backup.Plan("prod-daily", {
        name: "prod-daily",
        rules: [{ ruleName: "daily", targetVaultName: "prod", schedule: "cron(0 3 * * ? *)", lifecycle: { deleteAfter: retentionDays } }],
    });
    new aws.backup.Selection("prod-daily", {
        name: "prod-daily",
        planId: plan.id,
        iamRoleArn: "arn:aws:iam::123456789012:role/backup",
        selectionTags: [{ type: "STRINGEQUALS", key: TAG.backup, value: "prod-daily" }],
    });
}

/** The seam the backups domain uses: api's Deployments declare their data, take the db Secret and wait for the backup. */
function wireApi(run: ProgramRun, backup?: ResourceRecord, declare = true) {
    for (const name of ["api-stable", "api-canary"]) {
        const d = record(run, T.Deployment, name);
        const meta = (d.inputs as any).metadata;
        if (declare) meta.annotations = { ...(meta.annotations ?? {}), [ANNOTATION.data]: "postgres" };
        podSpecOf(d).containers[0].envFrom = [{ secretRef: { name: "api-db" } }];
        if (backup) d.dependsOn = [...d.dependsOn, backup.urn].sort();
    }
}

describe("policies: backups (against the backups domain's contract)", () => {
    let base: ProgramRun;
    before(async () => {
        base = await runStackWith("prod", undefined, () => backupsDomain());
    });

    describe("backup-before-deploy", () => {
        it("applies to nothing on the sample stacks (no workload declares or shows data yet)", async () => {
            const plain = await runStackWith("prod");
            assert.deepEqual(violationsOf(await check(plain, "prod"), "backup-before-deploy"), []);
        });

        it("passes when the data-owning Deployments wait for the release's backup", async () => {
            const run = copyRun(base);
            wireApi(run, record(run, VeleroBackup, "api-pre-2-4-0"));
            assert.deepEqual(violationsOf(await check(run, "prod"), "backup-before-deploy"), []);
        });

        it("passes when the backup is reached through a component the Deployment depends on", async () => {
            const run = copyRun(base);
            const backup = record(run, VeleroBackup, "api-pre-2-4-0");
            const gate: ResourceRecord = {
                urn: backup.urn.replace(/velero\.io\/v1:Backup::api-pre-2-4-0$/, "launchpad:backup:ReleaseBackup::gate"),
                type: "launchpad:backup:ReleaseBackup",
                name: "gate",
                custom: false,
                dependsOn: [],
                inputs: {},
            };
            backup.parent = gate.urn;
            run.resources.push(gate);
            wireApi(run, gate);
            assert.deepEqual(violationsOf(await check(run, "prod"), "backup-before-deploy"), []);
        });

        it("fails a data-owning Deployment that does not wait for a backup", async () => {
            const run = copyRun(base);
            wireApi(run, undefined);
            const v = violationsOf(await check(run, "prod"), "backup-before-deploy");
            assert.deepEqual(
                v.map((x) => x.name),
                ["api-canary", "api-stable"],
            );
            assert.equal(v[0].level, "mandatory");
            assert.equal(
                reported(v[1]),
                "Deployment prod/api-stable owns data (postgres) but does not depend on any backup: its rollout must wait for the release backup (a Velero Backup or RDS snapshot named after release 2.4.0) through the deployment's beforeRollout dependencies.",
            );
        });

        it("fails a backup taken for another release", async () => {
            const run = await runStackWith("prod", undefined, () => backupsDomain("2-3-0"));
            wireApi(run, record(run, VeleroBackup, "api-pre-2-3-0"));
            const v = violationsOf(await check(run, "prod"), "backup-before-deploy");
            assert.equal(v.length, 2);
            assert.equal(
                reported(v[1]),
                "Deployment prod/api-stable owns data (postgres) and depends on Backup velero/api-pre-2-3-0, none of which is for release 2.4.0: name the pre-deploy backup after the release (e.g. api-stable-pre-2-4-0).",
            );
        });

        it("fails a Deployment that takes a database Secret but declares no data", async () => {
            const run = copyRun(base);
            wireApi(run, record(run, VeleroBackup, "api-pre-2-4-0"), false);
            const v = violationsOf(await check(run, "prod"), "backup-before-deploy");
            assert.equal(v.length, 2);
            assert.match(
                reported(v[0]),
                /^Deployment prod\/api-canary takes database Secret 'api-db' but does not declare the data it owns: .*launchpad\.dev\/data/,
            );
        });
    });

    describe("backup-coverage", () => {
        it("applies to nothing on the sample stacks (no stateful resources yet)", async () => {
            const plain = await runStackWith("prod");
            const report = await check(plain, "prod");
            assert.deepEqual(violationsOf(report, "backup-coverage"), []);
        });

        it("passes an RDS instance tagged for a selected plan that keeps copies 35 days", async () => {
            assert.deepEqual(violationsOf(await check(base, "prod"), "backup-coverage"), []);
        });

        it("fails a plan whose retention is below the stack's minimum", async () => {
            const run = await runStackWith("prod", undefined, () => backupsDomain("2-4-0", 7));
            const v = violationsOf(await check(run, "prod"), "backup-coverage");
            assert.equal(v.length, 1);
            assert.equal(v[0].name, "api-db");
            assert.equal(
                reported(v[0]),
                "Instance api-db is backed up by plan 'prod-daily', which keeps copies 7 days; this stack requires at least 35: raise the rules' lifecycle.deleteAfter.",
            );
            // Staging asks for 7 days.
            assert.deepEqual(violationsOf(await check(run, "staging"), "backup-coverage"), []);
        });

        it("fails an untagged store, a tag no selection selects, and a volume claim no Velero schedule covers", async () => {
            const run = await runStackWith("prod", undefined, () => {
                backupsDomain();
                new aws.ebs.Volume("scratch", { availabilityZone: "eu-west-1a", size: 10, encrypted: true, tags: awsTags("prod") });
                new aws.efs.FileSystem("shared", { encrypted: true, tags: awsTags("prod", { [TAG.backup]: "weekly" }) });
                new k8s.core.v1.PersistentVolumeClaim("cache", {
                    metadata: { name: "cache", namespace: "prod" },
                    spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
                });
            });
            const v = violationsOf(await check(run, "prod"), "backup-coverage")
                .map(reported)
                .sort();
            assert.deepEqual(v, [
                "FileSystem shared is tagged launchpad:backup=weekly but the stack has no aws:backup/plan:Plan named 'weekly': create the plan or fix the tag.",
                "PersistentVolumeClaim prod/cache holds data but no Velero Schedule backs up namespace 'prod': add a velero.io/v1 Schedule whose template includes the namespace and snapshots volumes.",
                "Volume scratch is stateful but has no 'launchpad:backup' tag: tag it with the environment's AWS Backup plan name (awsTags(env, { [TAG.backup]: <plan> })).",
            ]);
        });

        it("a Velero schedule covering the namespace long enough covers the claim", async () => {
            const pvc = () =>
                new k8s.core.v1.PersistentVolumeClaim("cache", {
                    metadata: { name: "cache", namespace: "prod" },
                    spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
                });
            const schedule = (ttl: string) =>
                new k8s.apiextensions.CustomResource("prod-volumes", {
                    apiVersion: "velero.io/v1",
                    kind: "Schedule",
                    metadata: { name: "prod-volumes", namespace: "velero" },
                    spec: { schedule: "0 2 * * *", template: { includedNamespaces: ["prod"], snapshotVolumes: true, ttl } },
                });
            const ok = await runStackWith("prod", undefined, () => (pvc(), schedule("840h0m0s")));
            assert.deepEqual(violationsOf(await check(ok, "prod"), "backup-coverage"), []);
            const short = await runStackWith("prod", undefined, () => (pvc(), schedule("168h0m0s")));
            assert.deepEqual(violationsOf(await check(short, "prod"), "backup-coverage").map(reported), [
                "PersistentVolumeClaim prod/cache is backed up by a Velero Schedule whose ttl keeps copies 7.0 days; this stack requires at least 35: raise spec.template.ttl (e.g. 840h).",
            ]);
        });
    });
});
