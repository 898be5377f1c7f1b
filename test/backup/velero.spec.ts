import * as assert from "node:assert/strict";
import { VELERO_WAIT_FOR } from "../../components/backup/appBackup";
import { loadCrdValidators } from "../../tools/plan/crds";
import { ProgramRun } from "../../tools/plan/recorder";
import { CrdValidator, useCrdValidators, validateObjects } from "../../tools/plan/schemas";
import { one, runFixture } from "../harness";
import { requireCrds } from "../support/crds";

const BACKUP = "kubernetes:velero.io/v1:Backup";
const SCHEDULE = "kubernetes:velero.io/v1:Schedule";
/** api's release Backup in the fixtures: release 2.4.0; in prod stable 6.7.0 and canary 6.7.1, in staging stable 6.7.1. */
const API_BACKUP: Record<string, string> = { prod: "api-release-2-4-0-6-7-0_6-7-1-c5c7fd92", staging: "api-release-2-4-0-6-7-1-d0a86cc3" };

describe("Velero objects against Velero's real CRD schemas", () => {
    let validators: Map<string, CrdValidator>;
    const runs: Record<string, ProgramRun> = {};
    before(async function () {
        validators = loadCrdValidators(requireCrds(this));
        runs.staging = await runFixture("staging");
        runs.prod = await runFixture("prod");
    });
    after(() => useCrdValidators(new Map()));

    it("loads the Backup and Schedule schemas", () => {
        assert.ok(validators.has("velero.io/v1/Backup"));
        assert.ok(validators.has("velero.io/v1/Schedule"));
    });

    it("every Velero Backup and Schedule of both stacks is valid, and so is every other object", () => {
        useCrdValidators(validators);
        for (const env of ["staging", "prod"]) {
            const run = runs[env];
            for (const [type, name, kind] of [
                [BACKUP, API_BACKUP[env], "Backup"],
                [SCHEDULE, "api", "Schedule"],
            ]) {
                const obj = one(run, type, name).inputs;
                assert.equal(validators.get(`velero.io/v1/${kind}`)!(obj), undefined, `${env} ${kind}`);
            }
            const report = validateObjects(run.resources);
            assert.deepEqual(report.problems, [], env);
            assert.ok(!report.unchecked.includes("velero.io/v1/Backup"));
        }
    });

    it("the validator refuses what Velero would refuse (so the check above can fail)", () => {
        const good = one(runs.prod, BACKUP, API_BACKUP.prod).inputs as any;
        const bad = structuredClone(good);
        bad.spec.ttl = 30;
        bad.spec.includedNamespace = ["prod"];
        const err = validators.get("velero.io/v1/Backup")!(bad);
        assert.match(err ?? "", /\/spec\/ttl must be string/);
        assert.match(err ?? "", /must NOT have additional properties 'includedNamespace'/);
    });

    it("the release Backup: in Velero's namespace, the app's namespace and selector, awaited until Completed", () => {
        const b = one(runs.prod, BACKUP, API_BACKUP.prod).inputs as any;
        // prod-api-release-2-4-0-<suffix drawn at up> (backups before rollout: recovery points)
        assert.equal(b.metadata.name, "(known after up)");
        assert.equal(b.metadata.namespace, "velero");
        assert.equal(VELERO_WAIT_FOR, "jsonpath={.status.phase}=Completed");
        assert.deepEqual(b.metadata.annotations, {
            "launchpad.dev/release": "2.4.0",
            "launchpad.dev/versions": "canary=6.7.1 stable=6.7.0",
            "pulumi.com/waitFor": "jsonpath={.status.phase}=Completed",
            "pulumi.com/timeoutSeconds": "1800",
        });
        assert.deepEqual(b.spec, {
            includedNamespaces: ["prod"],
            labelSelector: { matchLabels: { "app.kubernetes.io/name": "api" } },
            snapshotVolumes: true,
            ttl: "840h0m0s",
        });
        // Not includeClusterResources: false, which leaves out the PersistentVolumes (and so the volume data).
        assert.ok(!("includeClusterResources" in b.spec));
    });

    it("the Schedule backs up the same objects periodically", () => {
        const s = one(runs.staging, SCHEDULE, "api").inputs as any;
        const b = one(runs.staging, BACKUP, API_BACKUP.staging).inputs as any;
        assert.equal(s.metadata.name, "staging-api");
        assert.equal(s.metadata.namespace, "velero");
        assert.equal(s.spec.schedule, "0 3 * * *");
        assert.equal(s.spec.paused, false);
        assert.deepEqual(s.spec.template, b.spec);
        assert.equal(b.spec.ttl, "168h0m0s", "staging keeps daily backups 7 days");
    });
});
