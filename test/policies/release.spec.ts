import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { ProgramRun, UNKNOWN } from "../../tools/plan/recorder";
import { sectionBody } from "../../policies/release";
import { FIXTURE_DIR } from "../harness";
import { check, cleanTmp, copyRun, reported, runStackWith, tmpFile, violationsOf } from "./support";

const NOTES = fs.readFileSync(path.join(FIXTURE_DIR, "release", "notes", "2.4.0.md"), "utf8");

describe("policies: release", () => {
    let prod: ProgramRun;
    before(async () => {
        prod = await runStackWith("prod");
    });
    after(cleanTmp);

    describe("announced", () => {
        it("passes prod: announced 7 days ahead on #releases, launching outside the freeze windows", async () => {
            assert.deepEqual(violationsOf(await check(prod, "prod"), "announced"), []);
        });

        it("fails an announcement made too late", async () => {
            const run = await runStackWith("prod", (raw) => (raw.release.announcedAt = "2026-11-25T15:00:00Z"));
            const v = violationsOf(await check(run, "prod"), "announced");
            assert.equal(v.length, 1);
            assert.equal(v[0].level, "mandatory");
            assert.equal(v[0].name, "launchpad-release");
            assert.equal(
                reported(v[0]),
                "release 2.4.0 was announced 2026-11-25T15:00:00Z, 42.0 hours before its launch at 2026-11-27T09:00:00Z; stakeholders need at least 72 hours: move launchpad:release.launchAt to 2026-11-28T15:00:00.000Z or later.",
            );
            // Staging asks for 24 hours, advisory.
            assert.deepEqual(violationsOf(await check(run, "staging"), "announced"), []);
            // Announced after the launch: said so, not as a negative lead time.
            const late = await runStackWith("prod", (raw) => (raw.release.announcedAt = "2026-11-28T09:00:00Z"));
            assert.match(
                reported(violationsOf(await check(late, "prod"), "announced")[0]),
                /^release 2\.4\.0 was announced 2026-11-28T09:00:00Z, 24\.0 hours after its launch at 2026-11-27T09:00:00Z;/,
            );
        });

        it("fails a launch inside a freeze window", async () => {
            const run = await runStackWith("prod", (raw) => (raw.release.launchAt = "2026-12-21T09:00:00Z"));
            assert.deepEqual(violationsOf(await check(run, "prod"), "announced").map(reported), [
                "release 2.4.0 launches 2026-12-21T09:00:00Z, inside the freeze window 'year-end' (2026-12-18T00:00:00Z to 2027-01-05T00:00:00Z): move launchpad:release.launchAt after 2027-01-05T00:00:00Z (and announce the new date).",
            ]);
        });

        it("fails a release that was never announced or has no launch time", async () => {
            const run = await runStackWith("prod", (raw) => {
                delete raw.release.announcedAt;
                delete raw.release.channel;
                delete raw.release.launchAt;
            });
            assert.deepEqual(violationsOf(await check(run, "prod"), "announced").map(reported), [
                "release 2.4.0 has no announcement: announce it, then set launchpad:release.announcedAt (when) and launchpad:release.channel (where).",
                "release 2.4.0 has no launch time: set launchpad:release.launchAt so that the lead time and freeze windows can be checked.",
            ]);
        });

        it("fails a stack that does not record the release", async () => {
            const run = copyRun(prod);
            run.resources = run.resources.filter((r) => r.name !== "launchpad-release");
            const v = violationsOf(await check(run, "prod"), "announced");
            assert.deepEqual(v.map(reported), [
                "no ConfigMap 'launchpad-release' in the stack: the program must record the release (components/release ReleaseRecord, from launchpad:release).",
            ]);
        });
    });

    describe("documented", () => {
        it("passes prod: release/notes/2.4.0.md has changes, rollback steps and the data migration", async () => {
            assert.deepEqual(violationsOf(await check(prod, "prod"), "documented"), []);
        });

        it("fails a release without notes", async () => {
            const run = await runStackWith("prod", (raw) => (raw.release.version = "2.5.0"));
            assert.deepEqual(violationsOf(await check(run, "prod"), "documented").map(reported), [
                "release 2.5.0 has no release notes: write test/fixtures/project/release/notes/2.5.0.md with the sections '## Changes', '## Rollback', '## Data migration'.",
            ]);
        });

        it("fails notes without rollback steps or with an empty data migration section", async () => {
            const broken = NOTES.replace(/## Rollback[\s\S]*?(?=## Data migration)/, "").replace(
                /## Data migration[\s\S]*$/,
                "## Data migration\n",
            );
            const file = tmpFile("notes/2.4.0.md", broken);
            const v = violationsOf(await check(prod, "prod", { documented: { notesDir: path.dirname(file) } }), "documented");
            assert.deepEqual(v.map(reported), [
                `${file} has no '## Rollback' section: add it (write "None." under it if there is nothing to say).`,
                `${file}: the '## Data migration' section is empty: say what it is (or "None.").`,
            ]);
            assert.equal(v[0].name, "launchpad-release");
        });

        it("checks the real release notice (validation domain), whose topic ARN is unknown in preview, and fails it without the link", async () => {
            const run = copyRun(prod);
            const notice = run.resources.find(
                (r) => r.type === "pulumi-nodejs:dynamic/validation:ReleaseNotice" && r.name === "release-notice",
            )!;
            const inputs = notice.inputs as any;
            assert.equal(inputs.notesUrl, "release/notes/2.4.0.md");
            assert.equal(inputs.topicArn, UNKNOWN);
            assert.deepEqual(violationsOf(await check(run, "prod"), "documented"), []);
            delete inputs.notesUrl;
            const v = violationsOf(await check(run, "prod"), "documented");
            assert.deepEqual(
                v.map((x) => [x.level, x.name, reported(x)]),
                [
                    [
                        "mandatory",
                        "release-notice",
                        "ReleaseNotice release-notice does not link to the release notes (release/notes/2.4.0.md): pass the release record's notesUrl to the notice.",
                    ],
                ],
            );
        });

        it("reads a section up to the next heading of its level", () => {
            assert.match(sectionBody(NOTES, "rollback")!, /^- `web`: set/);
            assert.doesNotMatch(sectionBody(NOTES, "rollback")!, /Data migration/);
            assert.equal(sectionBody("# T\n## Changes\n### Detail\ntext\n## Rollback\nx", "changes"), "### Detail\ntext");
            assert.equal(sectionBody("## Other\n", "rollback"), undefined);
        });

        it("is advisory in staging", async () => {
            const run = await runStackWith("staging", (raw) => (raw.release.version = "2.5.0"));
            assert.deepEqual(
                violationsOf(await check(run, "staging"), "documented").map((v) => v.level),
                ["advisory"],
            );
        });
    });
});
