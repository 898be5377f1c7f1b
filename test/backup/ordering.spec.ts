import * as assert from "node:assert/strict";
import { backupCoverage, rolloutsWithoutBackup } from "../../components/backup/rules";
import { ProgramRun } from "../../tools/plan/recorder";
import { T, ofType, one, runConfig, runFixture, fixtureRaw } from "../harness";
import { DRAWN, asRuleInput, runWithOptions } from "./support";

const VELERO_BACKUP = "kubernetes:velero.io/v1:Backup";
const SNAPSHOT = "aws:rds/snapshot:Snapshot";
/** api's release backups in prod's fixture: release 2.4.0, stable 6.7.0 and canary 6.7.1 (staging: stable 6.7.1). */
const API_BACKUP = "api-release-2-4-0-6-7-0_6-7-1-c5c7fd92";
const API_BACKUP_STAGING = "api-release-2-4-0-6-7-1-d0a86cc3";

describe("backups before rollout", () => {
    const runs: Record<string, ProgramRun> = {};
    before(async () => {
        runs.staging = await runFixture("staging");
        runs.prod = await runFixture("prod");
    });

    it("prod: every rollout resource of a data-owning app depends on its release snapshot and Velero Backup", () => {
        const run = runs.prod;
        const backups = [one(run, SNAPSHOT, API_BACKUP).urn, one(run, VELERO_BACKUP, API_BACKUP).urn];
        const api = ofType(run, T.Deployment).filter((d) => d.name.startsWith("api"));
        assert.deepEqual(api.map((d) => d.name).sort(), ["api-canary", "api-stable"]);
        for (const d of api) for (const b of backups) assert.ok(d.dependsOn.includes(b), `${d.name} waits for ${b}`);
        assert.deepEqual(rolloutsWithoutBackup(run.resources.map(asRuleInput)), []);
    });

    it("marks data-owning Deployments with launchpad.dev/data and only them", () => {
        for (const env of ["staging", "prod"])
            for (const d of ofType(runs[env], T.Deployment)) {
                const annotations = (d.inputs as any).metadata.annotations;
                if (d.name.startsWith("api")) assert.deepEqual(annotations, { "launchpad.dev/data": "postgres" }, d.name);
                else assert.equal(annotations, undefined, d.name);
            }
    });

    it("stateless apps wait for nothing; staging takes the backups without blocking the rollout on them", () => {
        for (const d of ofType(runs.prod, T.Deployment).filter((x) => !x.name.startsWith("api"))) assert.deepEqual(d.dependsOn, [], d.name);
        const secret = one(runs.staging, "kubernetes:core/v1:Secret", "api-db").urn;
        for (const d of ofType(runs.staging, T.Deployment).filter((x) => x.name.startsWith("api"))) assert.deepEqual(d.dependsOn, [secret]);
        // So the rule, which the policy pack enforces in production only, would flag staging's api.
        assert.deepEqual(
            rolloutsWithoutBackup(runs.staging.resources.map(asRuleInput)).map((p) => p.resource.name),
            ["api-stable"],
        );
        assert.equal(ofType(runs.staging, SNAPSHOT).length, 1);
        assert.equal(ofType(runs.staging, VELERO_BACKUP).length, 1);
    });

    it("the backup-before-deploy rule fails, with its message, when the dependency is removed", () => {
        const records = runs.prod.resources.map(asRuleInput).map((r) => (r.name === "api-canary" ? { ...r, dependsOn: [] } : r));
        const problems = rolloutsWithoutBackup(records);
        assert.deepEqual(
            problems.map((p) => p.message),
            [
                "api-canary owns data (postgres) but does not depend on a release backup (Velero Backup or RDS snapshot): pass the app's release backups as beforeRollout",
            ],
        );
    });

    it("the tag-based selection covers every stateful resource of both stacks", () => {
        for (const env of ["staging", "prod"]) {
            const report = backupCoverage(runs[env].resources.map(asRuleInput));
            assert.deepEqual(report.plans, [`launchpad-${env}`]);
            assert.deepEqual(
                report.covered.map((r) => `${r.type} ${r.name}`),
                ["aws:rds/instance:Instance api-db"],
            );
            assert.deepEqual(report.uncovered, []);
        }
    });

    it("the backup-coverage rule fails, with its message, when the tag is removed", () => {
        const records = runs.prod.resources.map(asRuleInput).map((r) => {
            if (r.type !== "aws:rds/instance:Instance") return r;
            const tags = { ...(r.props.tags as Record<string, string>) };
            delete tags["launchpad:backup"];
            return { ...r, props: { ...r.props, tags } };
        });
        assert.deepEqual(
            backupCoverage(records).uncovered.map((u) => `${u.resource.name}: ${u.reason}`),
            ["api-db: no tag launchpad:backup"],
        );
    });

    it("exports the recovery points created for the current release and versions, named once up drew their suffix", async () => {
        // The plan cannot know the suffix: a preview shows the names as unknown too.
        assert.deepEqual((runs.prod.outputs.backup as any).recoveryPoints, {
            api: { rdsSnapshot: "(known after up)", veleroBackup: "(known after up)" },
        });
        for (const stack of ["staging", "prod"]) {
            const { run } = await runWithOptions(fixtureRaw(stack), stack);
            const name = `${stack}-api-release-2-4-0-${DRAWN}`;
            assert.deepEqual((run.outputs.backup as any).recoveryPoints, { api: { rdsSnapshot: name, veleroBackup: name } });
            const key = stack === "prod" ? API_BACKUP : API_BACKUP_STAGING;
            assert.equal(one(run, SNAPSHOT, key).inputs.dbSnapshotIdentifier, name);
            assert.equal((one(run, VELERO_BACKUP, key).inputs as any).metadata.name, name);
            // One suffix per key, drawn by a RandomId of the same name, kept in state from then on.
            assert.deepEqual(one(run, "random:index/randomId:RandomId", key).inputs, { byteLength: 4 });
        }
    });

    it("a stack without data creates no backup resources and its rollouts wait for nothing", async () => {
        const raw = fixtureRaw("prod");
        delete raw.backup;
        delete raw.apps.api.data;
        const run = await runConfig(raw, "prod");
        assert.deepEqual(
            run.resources.filter((r) => /^(aws:(backup|rds|s3)\/|launchpad:(backup|data):)/.test(r.type) || r.type.includes("velero")),
            [],
        );
        for (const d of ofType(run, T.Deployment)) assert.deepEqual(d.dependsOn, []);
        assert.equal(run.outputs.backup, undefined);
    });
});
