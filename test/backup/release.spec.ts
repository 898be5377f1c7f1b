import * as assert from "node:assert/strict";
import { diffRuns, fixtureRaw } from "../harness";
import { noticeUpdate } from "../validation/noticeDiff";
import { RunWithOptions, runWithOptions } from "./support";

/** `urn:pulumi:prod::launchpad::a$b$aws:rds/snapshot:Snapshot::api-release-2-4-0` -> `aws:rds/snapshot:Snapshot api-release-2-4-0` */
const short = (urn: string) => {
    const parts = urn.split("::");
    return `${parts[2].split("$").pop()} ${parts[3]}`;
};

describe("a new release version", () => {
    for (const stack of ["staging", "prod"]) {
        describe(stack, () => {
            let before240: RunWithOptions;
            let after250: RunWithOptions;
            before(async () => {
                before240 = await runWithOptions(fixtureRaw(stack), stack);
                const raw = fixtureRaw(stack);
                raw.release.version = "2.5.0";
                after250 = await runWithOptions(raw, stack);
            });

            it("creates exactly one new RDS snapshot and one new Velero Backup per data-owning app, and changes nothing else in the backup infrastructure", () => {
                const diff = diffRuns(before240.run, after250.run);
                const backupChanges = Object.entries(diff)
                    .filter(([urn]) => urn.includes("launchpad:backup:") || urn.includes("launchpad:data:"))
                    .map(([urn, paths]) => `${short(urn)} ${paths.join(",")}`)
                    .sort();
                assert.deepEqual(backupChanges, [
                    "aws:rds/snapshot:Snapshot api-release-2-4-0 (removed)",
                    "aws:rds/snapshot:Snapshot api-release-2-5-0 (added)",
                    "kubernetes:velero.io/v1:Backup api-release-2-4-0 (removed)",
                    "kubernetes:velero.io/v1:Backup api-release-2-5-0 (added)",
                ]);
                const added = Object.keys(diff).filter((u) => diff[u][0] === "(added)");
                const byType = (t: string) => after250.run.resources.filter((r) => added.includes(r.urn) && r.type === t);
                assert.deepEqual(
                    byType("aws:rds/snapshot:Snapshot").map((r) => r.inputs.dbSnapshotIdentifier),
                    [`${stack}-api-release-2-5-0`],
                );
                assert.deepEqual(
                    byType("kubernetes:velero.io/v1:Backup").map((r) => (r.inputs.metadata as any).name),
                    [`${stack}-api-release-2-5-0`],
                );
            });

            it("everything else changes only where it waits for the new backups (prod), or states the release (record, notice)", async () => {
                const diff = diffRuns(before240.run, after250.run);
                const rest = Object.entries(diff)
                    .filter(([urn]) => !urn.includes("launchpad:backup:") && !urn.includes("launchpad:data:"))
                    .map(([urn, paths]) => `${short(urn)} ${paths.join(",")}`)
                    .sort();
                // The release record (read by the policies) carries the version and its notes (release/notes/<version>.md);
                // prod's release notice announces the new version, so its provider publishes it.
                const release = [
                    "kubernetes:core/v1:ConfigMap launchpad-release data.notesUrl,data.version,metadata.annotations.launchpad.dev/release",
                ];
                assert.deepEqual(
                    rest,
                    stack === "prod"
                        ? [
                              "kubernetes:apps/v1:Deployment api-canary (dependsOn)",
                              "kubernetes:apps/v1:Deployment api-stable (dependsOn)",
                              ...release,
                              "pulumi-nodejs:dynamic/validation:ReleaseNotice release-notice notesUrl,version",
                          ]
                        : release,
                );
                if (stack === "prod") assert.equal(await noticeUpdate(before240.run, after250.run), true);
            });

            it("keeps the previous release's backups when they leave the stack (retainOnDelete)", () => {
                const releaseBackups = before240.run.resources.filter((r) => r.name === "api-release-2-4-0");
                assert.equal(releaseBackups.length, 2);
                for (const r of releaseBackups)
                    assert.deepEqual(before240.options.get(r.urn), { retainOnDelete: true, protect: undefined }, r.type);
                const db = before240.run.resources.find((r) => r.type === "aws:rds/instance:Instance")!;
                assert.equal(before240.options.get(db.urn)?.retainOnDelete, stack === "prod" ? true : undefined, "prod keeps its database");
            });
        });
    }
});
