import * as assert from "node:assert/strict";
import { OrderedResource, ResourceLike, STATEFUL_AWS_TYPES, backupCoverage, rolloutsWithoutBackup } from "../../components/backup/rules";

const selection = (value: string, key = "launchpad:backup", type = "STRINGEQUALS"): ResourceLike => ({
    type: "aws:backup/selection:Selection",
    name: "prod",
    props: { selectionTags: [{ type, key, value }] },
});
const db = (tags?: Record<string, string>): ResourceLike => ({
    type: "aws:rds/instance:Instance",
    name: "api-db",
    props: tags ? { tags } : {},
});

describe("backup coverage rule", () => {
    it("covers a stateful resource tagged with a selected plan", () => {
        const r = backupCoverage([selection("launchpad-prod"), db({ "launchpad:backup": "launchpad-prod" })]);
        assert.deepEqual(r.plans, ["launchpad-prod"]);
        assert.equal(r.covered.length, 1);
        assert.deepEqual(r.uncovered, []);
    });

    it("reports a missing tag, a tag no selection selects, and a selection on another key", () => {
        assert.deepEqual(
            backupCoverage([selection("launchpad-prod"), db()]).uncovered.map((u) => u.reason),
            ["no tag launchpad:backup"],
        );
        assert.deepEqual(
            backupCoverage([selection("launchpad-prod"), db({ "launchpad:backup": "launchpad-staging" })]).uncovered.map((u) => u.reason),
            ["tag launchpad:backup=launchpad-staging matches no backup selection (selected: launchpad-prod)"],
        );
        assert.deepEqual(
            backupCoverage([selection("launchpad-prod", "other"), db({ "launchpad:backup": "launchpad-prod" })]).uncovered.map(
                (u) => u.reason,
            ),
            ["tag launchpad:backup=launchpad-prod matches no backup selection (selected: none)"],
        );
    });

    it("ignores resources that hold no data and checks every stateful type", () => {
        assert.deepEqual(backupCoverage([{ type: "aws:s3/bucket:Bucket", name: "exports", props: {} }]).uncovered, []);
        for (const type of STATEFUL_AWS_TYPES) assert.equal(backupCoverage([{ type, name: "x", props: {} }]).uncovered.length, 1, type);
    });
});

describe("backup-before-deploy rule", () => {
    const backup: OrderedResource = { type: "kubernetes:velero.io/v1:Backup", name: "b", urn: "urn:b", props: {}, dependsOn: [] };
    const snapshot: OrderedResource = { type: "aws:rds/snapshot:Snapshot", name: "s", urn: "urn:s", props: {}, dependsOn: [] };
    const deployment = (dependsOn: string[], data?: string): OrderedResource => ({
        type: "kubernetes:apps/v1:Deployment",
        name: "api-stable",
        urn: "urn:d",
        props: { metadata: data ? { annotations: { "launchpad.dev/data": data } } : {} },
        dependsOn,
    });

    it("passes a data-owning rollout that depends on a Velero Backup or an RDS snapshot", () => {
        assert.deepEqual(rolloutsWithoutBackup([backup, deployment(["urn:b"], "postgres")]), []);
        assert.deepEqual(rolloutsWithoutBackup([snapshot, deployment(["urn:s"], "postgres")]), []);
    });

    it("flags a data-owning rollout without the dependency, with what to do", () => {
        const problems = rolloutsWithoutBackup([backup, deployment(["urn:other"], "postgres")]);
        assert.equal(problems.length, 1);
        assert.equal(problems[0].data, "postgres");
        assert.match(problems[0].message, /api-stable owns data \(postgres\) but does not depend on a release backup.*beforeRollout/);
    });

    it("ignores stateless rollouts", () => {
        assert.deepEqual(rolloutsWithoutBackup([deployment([])]), []);
    });
});
