import * as assert from "node:assert/strict";
import { appPlan } from "../../components/app/plan";
import { releaseBackupKey } from "../../components/backup/naming";
import { withEngines } from "../../config/delivery";
import { parseConfig } from "../../config/load";
import { diffRuns, fixtureRaw, one } from "../harness";
import { noticeUpdate } from "../validation/noticeDiff";
import { DRAWN, RunWithOptions, runWithOptions } from "./support";

/** `urn:pulumi:prod::launchpad::a$b$aws:rds/snapshot:Snapshot::api-release-2-4-0` -> `aws:rds/snapshot:Snapshot api-release-2-4-0` */
const short = (urn: string) => {
    const parts = urn.split("::");
    return `${parts[2].split("$").pop()} ${parts[3]}`;
};

/** The logical name of api's release backups for a config, as the program derives it (naming.spec tests the key). */
function apiBackup(raw: Record<string, any>): string {
    const config = withEngines(parseConfig(raw));
    return `api-release-${releaseBackupKey(config.release.version, appPlan("api", config.apps.api).podReleases)}`;
}

describe("a new release version", () => {
    for (const stack of ["staging", "prod"]) {
        describe(stack, () => {
            const old = apiBackup(fixtureRaw(stack));
            const next = apiBackup({ ...fixtureRaw(stack), release: { ...fixtureRaw(stack).release, version: "2.5.0" } });
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
                    `aws:rds/snapshot:Snapshot ${old} (removed)`,
                    `aws:rds/snapshot:Snapshot ${next} (added)`,
                    `kubernetes:velero.io/v1:Backup ${old} (removed)`,
                    `kubernetes:velero.io/v1:Backup ${next} (added)`,
                    `random:index/randomId:RandomId ${old} (removed)`,
                    `random:index/randomId:RandomId ${next} (added)`,
                ]);
                const added = Object.keys(diff).filter((u) => diff[u][0] === "(added)");
                const byType = (t: string) => after250.run.resources.filter((r) => added.includes(r.urn) && r.type === t);
                assert.deepEqual(
                    byType("aws:rds/snapshot:Snapshot").map((r) => r.inputs.dbSnapshotIdentifier),
                    [`${stack}-api-release-2-5-0-${DRAWN}`],
                );
                assert.deepEqual(
                    byType("kubernetes:velero.io/v1:Backup").map((r) => (r.inputs.metadata as any).name),
                    [`${stack}-api-release-2-5-0-${DRAWN}`],
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
                assert.match(old, new RegExp(`^api-release-2-4-0-${stack === "prod" ? "6-7-0_6-7-1" : "6-7-1"}-[0-9a-f]{8}$`));
                assert.match(next, new RegExp(`^api-release-2-5-0-${stack === "prod" ? "6-7-0_6-7-1" : "6-7-1"}-[0-9a-f]{8}$`));
                const releaseBackups = before240.run.resources.filter((r) => r.name === old && !r.type.startsWith("random:"));
                assert.equal(releaseBackups.length, 2);
                for (const r of releaseBackups)
                    assert.deepEqual(before240.options.get(r.urn), { retainOnDelete: true, protect: undefined }, r.type);
                const db = before240.run.resources.find((r) => r.type === "aws:rds/instance:Instance")!;
                assert.equal(before240.options.get(db.urn)?.retainOnDelete, stack === "prod" ? true : undefined, "prod keeps its database");
            });
        });
    }
});

/** The backup domain's changes between two runs, as `type name change`, and the rollouts that wait for each new backup. */
function backupChanges(a: RunWithOptions, b: RunWithOptions): string[] {
    const diff = diffRuns(a.run, b.run);
    return Object.entries(diff)
        .filter(([urn]) => urn.includes("launchpad:backup:AppBackup"))
        .map(([urn, paths]) => `${short(urn)} ${paths.join(",")}`)
        .sort();
}

describe("new code of a data-owning app under the same release version (prod's api, a canary)", () => {
    // The fixture: release 2.4.0, api stable 6.7.0 and canary 6.7.1 at 10%.
    const variants: Record<string, (raw: Record<string, any>) => void> = {
        now: () => undefined,
        "canary at 25%": (raw) => (raw.apps.api.strategy.weight = 25),
        "canary 6.8.0": (raw) => (raw.apps.api.strategy.canary.version = "6.8.0"),
        // A rebuilt image pinned under the same version: different code, so a new backup too.
        "canary 6.7.1 rebuilt": (raw) => (raw.apps.api.strategy.canary.image = `ghcr.io/stefanprodan/podinfo@sha256:${"e".repeat(64)}`),
        promoted: (raw) => {
            raw.apps.api.strategy.stable = raw.apps.api.strategy.canary;
            delete raw.apps.api.strategy.canary;
            raw.apps.api.strategy.weight = 0;
        },
        "canary removed": (raw) => {
            delete raw.apps.api.strategy.canary;
            raw.apps.api.strategy.weight = 0;
        },
    };
    const runs: Record<string, RunWithOptions> = {};
    /** api's backups' logical name in each variant. */
    const key: Record<string, string> = {};
    before(async () => {
        for (const [name, change] of Object.entries(variants)) {
            const raw = fixtureRaw("prod");
            change(raw);
            runs[name] = await runWithOptions(raw, "prod");
            key[name] = apiBackup(raw);
        }
    });
    const swap = (from: string, to: string) =>
        ["aws:rds/snapshot:Snapshot", "kubernetes:velero.io/v1:Backup", "random:index/randomId:RandomId"].flatMap((t) => [
            `${t} ${key[from]} (removed)`,
            `${t} ${key[to]} (added)`,
        ]);

    it("names the backups after the release and the versions each variant runs", () => {
        const runs = (v: string) => key[v].replace(/^api-release-2-4-0-/, "").replace(/-[0-9a-f]{8}$/, "");
        assert.deepEqual(
            Object.keys(variants).map((v) => `${v}: ${runs(v)}`),
            [
                "now: 6-7-0_6-7-1",
                "canary at 25%: 6-7-0_6-7-1",
                "canary 6.8.0: 6-7-0_6-8-0",
                "canary 6.7.1 rebuilt: 6-7-0_6-7-1",
                "promoted: 6-7-1",
                "canary removed: 6-7-0",
            ],
        );
    });

    it("a canary step changes no version and takes no backup", () => {
        assert.deepEqual(backupChanges(runs.now, runs["canary at 25%"]), []);
    });

    it("a new canary version, a rebuilt image, a promotion and a canary removed each take a new backup, recording the versions it precedes", () => {
        assert.deepEqual(backupChanges(runs.now, runs["canary 6.8.0"]), swap("now", "canary 6.8.0").sort());
        assert.deepEqual(backupChanges(runs.now, runs.promoted), swap("now", "promoted").sort());
        assert.deepEqual(backupChanges(runs.now, runs["canary removed"]), swap("now", "canary removed").sort());
        assert.notEqual(key["canary 6.7.1 rebuilt"], key.now);
        assert.deepEqual(backupChanges(runs.now, runs["canary 6.7.1 rebuilt"]), swap("now", "canary 6.7.1 rebuilt").sort());
        const velero = one(runs["canary 6.8.0"].run, "kubernetes:velero.io/v1:Backup", key["canary 6.8.0"]).inputs as any;
        assert.equal(velero.metadata.annotations["launchpad.dev/versions"], "canary=6.8.0 stable=6.7.0");
        const snapshot = one(runs.promoted.run, "aws:rds/snapshot:Snapshot", key.promoted).inputs as any;
        assert.equal(snapshot.tags["launchpad:versions"], "stable=6.7.1");
        assert.equal(snapshot.tags["launchpad:release"], "2.4.0");
    });

    it("every rollout of the new version waits for the new backups", () => {
        const run = runs["canary 6.8.0"].run;
        const backups = run.resources.filter((r) => r.name === key["canary 6.8.0"] && !r.type.startsWith("random:"));
        assert.equal(backups.length, 2);
        for (const d of ["api-stable", "api-canary"])
            for (const b of backups)
                assert.ok(one(run, "kubernetes:apps/v1:Deployment", d).dependsOn.includes(b.urn), `${d} waits for ${b.type}`);
    });

    it("a return to earlier versions (a rollback) is a new backup of its own: the retained one keeps its name", () => {
        // The key of the rollback target existed before (the retained backups of `now`), and comes back as
        // new resources, with a RandomId drawn anew: the same name twice would fail in RDS and Velero.
        assert.deepEqual(backupChanges(runs["canary 6.8.0"], runs.now), swap("canary 6.8.0", "now").sort());
        for (const r of runs["canary 6.8.0"].run.resources.filter((x) => x.name === key["canary 6.8.0"] && !x.type.startsWith("random:")))
            assert.deepEqual(runs["canary 6.8.0"].options.get(r.urn), { retainOnDelete: true, protect: undefined }, r.type);
    });
});
