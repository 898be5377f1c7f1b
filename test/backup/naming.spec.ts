import * as assert from "node:assert/strict";
import fc from "fast-check";
import {
    backupPlanName,
    backupTag,
    recordedVersions,
    releaseBackupKey,
    releaseBackupName,
    releaseSlug,
    veleroTtl,
    versionsRecord,
} from "../../components/backup/naming";

describe("backup naming", () => {
    it("turns release versions into DNS-label-safe slugs", () => {
        const cases: [string, string][] = [
            ["2.4.0", "2-4-0"],
            ["v3.0.0-rc.1+build.7", "v3-0-0-rc-1-build-7"],
            ["10.20.30", "10-20-30"],
            ["1.0.0-Alpha", "1-0-0-alpha"],
        ];
        for (const [version, slug] of cases) assert.equal(releaseSlug(version), slug, version);
    });

    it("names a release backup after environment, app, release and the suffix drawn at up", () => {
        assert.equal(releaseBackupName("prod", "api", "2.4.0", "0a1b2c3d"), "prod-api-release-2-4-0-0a1b2c3d");
        assert.equal(releaseBackupName("staging", "api", "v2.5.0-rc.1", "ffffffff"), "staging-api-release-v2-5-0-rc-1-ffffffff");
    });

    it("keys a release backup on the release, the versions the app runs and exactly what runs them", () => {
        const img = (c: string) => `ghcr.io/x/app@sha256:${c.repeat(64)}`;
        const v670 = { version: "6.7.0", image: img("a") };
        const v671 = { version: "6.7.1", image: img("b") };
        const key = releaseBackupKey("2.4.0", { stable: v670, canary: v671 });
        assert.match(key, /^2-4-0-6-7-0_6-7-1-[0-9a-f]{8}$/);
        assert.equal(releaseBackupKey("2.4.0", { canary: v671, stable: v670 }), key, "the order of the tracks does not matter");
        assert.match(
            releaseBackupKey("2.4.0", { main: { version: "6.7.1" } }),
            /^2-4-0-6-7-1-[0-9a-f]{8}$/,
            "a built release: its version",
        );
        // A promotion, a new canary, a new release, a new image under the same version, versions whose slugs
        // coincide: each a new key.
        const keys = [
            key,
            releaseBackupKey("2.4.0", { stable: v670 }),
            releaseBackupKey("2.4.0", { stable: v671 }),
            releaseBackupKey("2.5.0", { stable: v671 }),
            releaseBackupKey("2.4.0", { stable: v670, canary: { ...v671, image: img("c") } }),
            releaseBackupKey("2.4.0", { stable: { version: "6.7.1-rc1" } }),
            releaseBackupKey("2.4.0", { stable: { version: "6.7.1-RC1" } }),
        ];
        assert.equal(new Set(keys).size, keys.length);
    });

    it("records the versions by track, and reads them back", () => {
        const record = versionsRecord({ stable: "6.7.0", canary: "v6.8.0-rc.1+build.7" });
        assert.equal(record, "canary=v6.8.0-rc.1+build.7 stable=6.7.0");
        // AWS tag values allow letters, digits, spaces and _.:/=+-@ only.
        assert.match(record, /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u);
        assert.deepEqual(recordedVersions(record), ["v6.8.0-rc.1+build.7", "6.7.0"]);
    });

    it("always gives a name valid for Velero (DNS label) and RDS (no --, no trailing -)", () => {
        const label = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
        fc.assert(
            fc.property(
                fc.stringMatching(/^[a-z]([-a-z0-9]{0,40}[a-z0-9])?$/),
                fc.stringMatching(/^[a-z]([-a-z0-9]{0,40}[a-z0-9])?$/),
                fc.stringMatching(/^v?\d{1,4}\.\d{1,4}\.\d{1,4}([-+][0-9A-Za-z.-]{1,40})?$/),
                fc.stringMatching(/^[0-9a-f]{8}$/),
                (env, app, version, suffix) => {
                    const name = releaseBackupName(env, app, version, suffix);
                    assert.match(name, label);
                    assert.ok(!name.includes("--"), name);
                    assert.match(name, /^[a-z]/);
                    assert.ok(name.endsWith(`-${suffix}`), name);
                },
            ),
        );
    });

    it("different versions give different names, also when long names are shortened", () => {
        const long = "a".repeat(42);
        assert.equal(releaseBackupName(long, long, "2.4.0", "0a1b2c3d").length, 63);
        fc.assert(
            fc.property(
                fc.constantFrom("prod", long),
                fc.tuple(fc.nat(999), fc.nat(999), fc.nat(999)),
                fc.tuple(fc.nat(999), fc.nat(999), fc.nat(999)),
                (env, a, b) => {
                    fc.pre(a.join(".") !== b.join("."));
                    assert.notEqual(
                        releaseBackupName(env, env, a.join("."), "0a1b2c3d"),
                        releaseBackupName(env, env, b.join("."), "0a1b2c3d"),
                    );
                },
            ),
        );
    });

    it("plan name, selection tag and Velero ttl", () => {
        assert.equal(backupPlanName("prod"), "launchpad-prod");
        assert.deepEqual(backupTag("launchpad-prod"), { "launchpad:backup": "launchpad-prod" });
        assert.equal(veleroTtl(35), "840h0m0s");
        assert.equal(veleroTtl(1), "24h0m0s");
    });
});
