import * as assert from "node:assert/strict";
import { notesPath, releaseFacts } from "../../components/release";
import { ProgramRun } from "../../tools/plan/recorder";
import { one, runConfig, runFixture, fixtureRaw } from "../harness";

describe("release record", () => {
    describe("facts", () => {
        it("defaults notesUrl to the notes file in the repository and omits absent facts", () => {
            assert.equal(notesPath("v2.4.0"), "release/notes/2.4.0.md");
            assert.deepEqual(releaseFacts({ version: "2.4.0" }), { version: "2.4.0", notesUrl: "release/notes/2.4.0.md" });
            assert.deepEqual(releaseFacts({ version: "2.4.0", channel: "#releases", notesUrl: "https://example.com/notes/2.4.0" }), {
                version: "2.4.0",
                channel: "#releases",
                notesUrl: "https://example.com/notes/2.4.0",
            });
        });
    });

    describe("ReleaseRecord in the prod stack", () => {
        let run: ProgramRun;
        before(async () => {
            run = await runFixture("prod");
        });

        it("records the release as ConfigMap launchpad-release in the environment's namespace", () => {
            const cm = one(run, "kubernetes:core/v1:ConfigMap", "launchpad-release");
            assert.deepEqual(cm.inputs, {
                apiVersion: "v1",
                kind: "ConfigMap",
                metadata: {
                    name: "launchpad-release",
                    namespace: "prod",
                    labels: {
                        "app.kubernetes.io/part-of": "launchpad",
                        "app.kubernetes.io/managed-by": "pulumi",
                        "launchpad.dev/environment": "prod",
                    },
                    annotations: { "launchpad.dev/release": "2.4.0" },
                },
                data: {
                    version: "2.4.0",
                    announcedAt: "2026-11-20T09:00:00Z",
                    launchAt: "2026-11-27T09:00:00Z",
                    channel: "#releases",
                    notesUrl: "release/notes/2.4.0.md",
                },
            });
            const component = one(run, "launchpad:release:ReleaseRecord", "launchpad-release");
            assert.equal(cm.parent, component.urn);
            // Under the environment, aliased to its earlier URN as a root (see test/program.spec.ts).
            assert.equal(component.parent, one(run, "launchpad:environment:Environment", "prod").urn);
            assert.equal(run.outputs.releaseNotes, "release/notes/2.4.0.md");
        });

        it("carries a configured notes URL", async () => {
            const raw = fixtureRaw("prod");
            raw.release.notesUrl = "https://wiki.example.com/releases/2.4.0";
            const r = await runConfig(raw, "prod");
            assert.equal(
                (one(r, "kubernetes:core/v1:ConfigMap", "launchpad-release").inputs as any).data.notesUrl,
                "https://wiki.example.com/releases/2.4.0",
            );
            assert.equal(r.outputs.releaseNotes, "https://wiki.example.com/releases/2.4.0");
        });
    });
});
