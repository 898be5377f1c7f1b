import * as assert from "node:assert/strict";
import fc from "fast-check";
import { backupPlanName, backupTag, releaseBackupName, releaseSlug, veleroTtl } from "../../components/backup/naming";

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

    it("names a release backup after environment, app and release", () => {
        assert.equal(releaseBackupName("prod", "api", "2.4.0"), "prod-api-release-2-4-0");
        assert.equal(releaseBackupName("staging", "api", "v2.5.0-rc.1"), "staging-api-release-v2-5-0-rc-1");
    });

    it("always gives a name valid for Velero (DNS label) and RDS (no --, no trailing -)", () => {
        const label = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
        fc.assert(
            fc.property(
                fc.stringMatching(/^[a-z]([-a-z0-9]{0,40}[a-z0-9])?$/),
                fc.stringMatching(/^[a-z]([-a-z0-9]{0,40}[a-z0-9])?$/),
                fc.stringMatching(/^v?\d{1,4}\.\d{1,4}\.\d{1,4}([-+][0-9A-Za-z.-]{1,40})?$/),
                (env, app, version) => {
                    const name = releaseBackupName(env, app, version);
                    assert.match(name, label);
                    assert.ok(!name.includes("--"), name);
                    assert.match(name, /^[a-z]/);
                },
            ),
        );
    });

    it("different versions give different names, also when long names are shortened", () => {
        const long = "a".repeat(42);
        assert.equal(releaseBackupName(long, long, "2.4.0").length, 63);
        fc.assert(
            fc.property(
                fc.constantFrom("prod", long),
                fc.tuple(fc.nat(999), fc.nat(999), fc.nat(999)),
                fc.tuple(fc.nat(999), fc.nat(999), fc.nat(999)),
                (env, a, b) => {
                    fc.pre(a.join(".") !== b.join("."));
                    assert.notEqual(releaseBackupName(env, env, a.join(".")), releaseBackupName(env, env, b.join(".")));
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
