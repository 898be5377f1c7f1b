// The backup policies on the real merged stacks: prod's api (the app that owns a PostgreSQL database)
// rolls out after its release backups (Velero Backup and RDS snapshot named after the release), its RDS
// instance is tagged for the environment's AWS Backup plan, and a Velero Schedule covers its namespace.
// Each failing case breaks one real thing in a copy of the real program run.
import * as assert from "node:assert/strict";
import { ANNOTATION } from "../../components/common/labels";
import { TAG } from "../../components/common/tags";
import { ProgramRun, ResourceRecord } from "../../tools/plan/recorder";
import { T } from "../harness";
import { check, copyRun, record, reported, runStackWith, violationsOf } from "./support";

const VeleroBackup = "kubernetes:velero.io/v1:Backup";
const VeleroSchedule = "kubernetes:velero.io/v1:Schedule";
const RdsSnapshot = "aws:rds/snapshot:Snapshot";
const RdsInstance = "aws:rds/instance:Instance";
const BackupPlan = "aws:backup/plan:Plan";
const BackupSelection = "aws:backup/selection:Selection";
const AppBackup = "launchpad:backup:AppBackup";
const API = ["api-canary", "api-stable"];
const BACKUP_TYPES = [VeleroBackup, RdsSnapshot];
/** api's release backups in the fixture: release 2.4.0 while api runs stable 6.7.0 and canary 6.7.1. */
const API_BACKUP = "api-release-2-4-0-6-7-0_6-7-1-c5c7fd92";

const apiDeployments = (run: ProgramRun) => API.map((n) => record(run, T.Deployment, n));
const inputs = (r: ResourceRecord): any => r.inputs;

describe("policies: backups", () => {
    let prod: ProgramRun;
    before(async () => {
        prod = await runStackWith("prod");
    });

    describe("backup-before-deploy", () => {
        it("passes prod: api's Deployments declare postgres and wait for the release's Velero Backup and RDS snapshot", async () => {
            for (const d of apiDeployments(prod)) {
                assert.equal(inputs(d).metadata.annotations[ANNOTATION.data], "postgres");
                const waits = d.dependsOn.map((u) => prod.resources.find((r) => r.urn === u)!).filter((r) => BACKUP_TYPES.includes(r.type));
                assert.deepEqual(waits.map((r) => [r.type, r.name]).sort(), [
                    [RdsSnapshot, API_BACKUP],
                    [VeleroBackup, API_BACKUP],
                ]);
            }
            assert.deepEqual(violationsOf(await check(prod, "prod"), "backup-before-deploy"), []);
        });

        it("is disabled in staging (a prod-only gate)", async () => {
            const report = await check(prod, "staging");
            assert.equal(report.policies.find((p) => p.name === "backup-before-deploy")?.enforcementLevel, "disabled");
            assert.deepEqual(violationsOf(report, "backup-before-deploy"), []);
        });

        it("passes when the backup is reached through the backup component the Deployment depends on", async () => {
            const run = copyRun(prod);
            const component = record(run, AppBackup, "api");
            for (const d of apiDeployments(run)) {
                const backups = new Set(run.resources.filter((r) => BACKUP_TYPES.includes(r.type)).map((r) => r.urn));
                d.dependsOn = [...d.dependsOn.filter((u) => !backups.has(u)), component.urn];
            }
            assert.deepEqual(violationsOf(await check(run, "prod"), "backup-before-deploy"), []);
        });

        it("fails a data-owning Deployment that does not wait for a backup (its release backups removed from dependsOn)", async () => {
            const run = copyRun(prod);
            const backups = new Set(run.resources.filter((r) => BACKUP_TYPES.includes(r.type)).map((r) => r.urn));
            for (const d of apiDeployments(run)) d.dependsOn = d.dependsOn.filter((u) => !backups.has(u));
            const v = violationsOf(await check(run, "prod"), "backup-before-deploy");
            assert.deepEqual(
                v.map((x) => [x.name, x.level]),
                [
                    ["api-canary", "mandatory"],
                    ["api-stable", "mandatory"],
                ],
            );
            assert.equal(
                reported(v[1]),
                "Deployment prod/api-stable owns data (postgres) but does not depend on any backup: its rollout must wait for the release backup (a Velero Backup or RDS snapshot named after release 2.4.0) through the deployment's beforeRollout dependencies.",
            );
        });

        it("fails backups taken for another release (the release record moved on to 2.5.0)", async () => {
            const run = copyRun(prod);
            inputs(record(run, "kubernetes:core/v1:ConfigMap", "launchpad-release")).data.version = "2.5.0";
            const v = violationsOf(await check(run, "prod"), "backup-before-deploy");
            assert.deepEqual(
                v.map((x) => x.name),
                API,
            );
            assert.equal(
                reported(v[1]),
                `Deployment prod/api-stable owns data (postgres) and depends on Snapshot ${API_BACKUP}, Backup ${API_BACKUP}, none of which is for release 2.5.0: record the release in the pre-deploy backup (annotation launchpad.dev/release of a Velero Backup, tag launchpad:release of a snapshot), as AppBackup does.`,
            );
        });

        it("takes a backup's release mark at its word: a name that happens to carry the release (app version 6.7.0, release 6.7.0) does not count", async () => {
            const run = copyRun(prod);
            inputs(record(run, "kubernetes:core/v1:ConfigMap", "launchpad-release")).data.version = "6.7.0";
            assert.match(API_BACKUP, /-6-7-0_/);
            assert.deepEqual(
                violationsOf(await check(run, "prod"), "backup-before-deploy").map((x) => x.name),
                API,
            );
        });

        it("fails a new version rolled out after backups taken before other versions (canary 6.8.0, backups recording 6.7.1)", async () => {
            // What a component that named its backups after the release alone would produce: the backups of
            // stable 6.7.0 and canary 6.7.1 still awaited when the canary moves on to 6.8.0.
            const run = copyRun(prod);
            for (const label of [
                inputs(record(run, T.Deployment, "api-canary")).metadata.labels,
                inputs(record(run, T.Deployment, "api-canary")).spec.template.metadata.labels,
            ])
                label["app.kubernetes.io/version"] = "6.8.0";
            const v = violationsOf(await check(run, "prod"), "backup-before-deploy");
            assert.deepEqual(
                v.map((x) => [x.name, x.level]),
                [["api-canary", "mandatory"]],
            );
            assert.equal(
                reported(v[0]),
                `Deployment prod/api-canary owns data (postgres) and runs version 6.8.0, but its release backups were taken before other versions: Snapshot ${API_BACKUP} (6.7.1, 6.7.0), Backup ${API_BACKUP} (6.7.1, 6.7.0). A new version of a data-owning app needs a backup of its own before it rolls out: record the versions the app runs in the backup (annotation launchpad.dev/versions of a Velero Backup, tag launchpad:versions of a snapshot) and name it after them, as AppBackup does.`,
            );
        });

        it("passes the same version once the backups record it (what AppBackup does for canary 6.8.0)", async () => {
            const run = await runStackWith("prod", (raw) => (raw.apps.api.strategy.canary.version = "6.8.0"));
            assert.deepEqual(violationsOf(await check(run, "prod"), "backup-before-deploy"), []);
        });

        it("fails a Deployment that takes the database Secret but does not declare its data (annotation removed)", async () => {
            const run = copyRun(prod);
            for (const d of apiDeployments(run)) delete inputs(d).metadata.annotations[ANNOTATION.data];
            const v = violationsOf(await check(run, "prod"), "backup-before-deploy");
            assert.deepEqual(
                v.map((x) => x.name),
                API,
            );
            assert.match(
                reported(v[0]),
                /^Deployment prod\/api-canary takes database Secret 'api-db' but does not declare the data it owns: .*launchpad\.dev\/data/,
            );
        });
    });

    describe("backup-coverage", () => {
        it("passes both stacks: api-db tagged for the environment's selected plan, kept long enough", async () => {
            const db = record(prod, RdsInstance, "api-db");
            assert.equal(inputs(db).tags[TAG.backup], "launchpad-prod");
            assert.deepEqual(violationsOf(await check(prod, "prod"), "backup-coverage"), []);
            const staging = await runStackWith("staging");
            assert.deepEqual(violationsOf(await check(staging, "staging"), "backup-coverage"), []);
        });

        it("fails a plan whose retention is below the stack's minimum", async () => {
            const run = copyRun(prod);
            for (const rule of inputs(record(run, BackupPlan, "prod")).rules) rule.lifecycle.deleteAfter = 7;
            const v = violationsOf(await check(run, "prod"), "backup-coverage");
            assert.deepEqual(
                v.map((x) => [x.name, x.level]),
                [["api-db", "mandatory"]],
            );
            assert.equal(
                reported(v[0]),
                "Instance api-db is backed up by plan 'launchpad-prod', which keeps copies 7 days; this stack requires at least 35: raise the rules' lifecycle.deleteAfter.",
            );
            // Staging asks for 7 days.
            assert.deepEqual(violationsOf(await check(run, "staging"), "backup-coverage"), []);
        });

        it(`fails a store without the '${TAG.backup}' tag`, async () => {
            const run = copyRun(prod);
            delete inputs(record(run, RdsInstance, "api-db")).tags[TAG.backup];
            assert.deepEqual(violationsOf(await check(run, "prod"), "backup-coverage").map(reported), [
                "Instance api-db is stateful but has no 'launchpad:backup' tag: tag it with the environment's AWS Backup plan name (awsTags(env, { [TAG.backup]: <plan> })).",
            ]);
        });

        it("fails a tag that names no plan, and a tag no selection selects", async () => {
            const renamed = copyRun(prod);
            inputs(record(renamed, BackupPlan, "prod")).name = "launchpad-prod-v2";
            assert.deepEqual(violationsOf(await check(renamed, "prod"), "backup-coverage").map(reported), [
                "Instance api-db is tagged launchpad:backup=launchpad-prod but the stack has no aws:backup/plan:Plan named 'launchpad-prod': create the plan or fix the tag.",
            ]);
            const unselected = copyRun(prod);
            inputs(record(unselected, BackupSelection, "prod")).selectionTags[0].value = "launchpad-staging";
            assert.deepEqual(violationsOf(await check(unselected, "prod"), "backup-coverage").map(reported), [
                "Instance api-db is tagged launchpad:backup=launchpad-prod but no aws:backup/selection:Selection selects that tag: add a selection with selectionTags [{type: STRINGEQUALS, key: launchpad:backup, value: launchpad-prod}].",
            ]);
        });

        describe("volumes (apps.<app>.data.volume)", () => {
            let withVolume: ProgramRun;
            let pvc: ResourceRecord;
            before(async () => {
                withVolume = await runStackWith("prod", (raw) => {
                    raw.apps.api.data = {
                        ...raw.apps.api.data,
                        volume: {
                            size: "1Gi",
                            mountPath: "/var/cache/api",
                            accessMode: "ReadWriteMany",
                            storageClassName: "efs-encrypted",
                        },
                    };
                });
                const claims = withVolume.resources.filter((r) => r.type === "kubernetes:core/v1:PersistentVolumeClaim");
                assert.equal(claims.length, 1);
                pvc = claims[0];
            });

            it("passes a claim in a namespace the app's Velero Schedule covers long enough", async () => {
                assert.deepEqual(violationsOf(await check(withVolume, "prod"), "backup-coverage"), []);
            });

            it("fails a claim no Velero Schedule covers, and a Schedule whose ttl is too short", async () => {
                const uncovered = copyRun(withVolume);
                inputs(record(uncovered, VeleroSchedule, "api")).spec.template.includedNamespaces = ["staging"];
                assert.deepEqual(violationsOf(await check(uncovered, "prod"), "backup-coverage").map(reported), [
                    `PersistentVolumeClaim prod/${inputs(pvc).metadata.name} holds data but no Velero Schedule backs up namespace 'prod': add a velero.io/v1 Schedule whose template includes the namespace and snapshots volumes.`,
                ]);
                const short = copyRun(withVolume);
                inputs(record(short, VeleroSchedule, "api")).spec.template.ttl = "168h0m0s";
                assert.deepEqual(violationsOf(await check(short, "prod"), "backup-coverage").map(reported), [
                    `PersistentVolumeClaim prod/${inputs(pvc).metadata.name} is backed up by a Velero Schedule whose ttl keeps copies 7.0 days; this stack requires at least 35: raise spec.template.ttl (e.g. 840h).`,
                ]);
            });
        });
    });
});
