import * as assert from "node:assert/strict";
import { ProgramRun, UNKNOWN } from "../../tools/plan/recorder";
import { T } from "../harness";
import { DIGEST, check, cleanTmp, copyRun, podSpecOf, record, fixtureJson, reported, runStackWith, tmpFile, violationsOf } from "./support";

describe("policies: artifacts", () => {
    let prod: ProgramRun;
    before(async () => {
        prod = await runStackWith("prod");
    });
    after(cleanTmp);

    describe("tested-artifact", () => {
        it("passes the prod stack with the repository's evidence", async () => {
            assert.deepEqual(violationsOf(await check(prod, "prod"), "tested-artifact"), []);
        });

        it("fails every workload running an image whose latest test run has a failed test", async () => {
            const evidence = fixtureJson("release/evidence.json");
            evidence.artifacts[1].tests = { passed: 217, failed: 1, skipped: 3 };
            const v = violationsOf(
                await check(prod, "prod", { "tested-artifact": { evidenceFile: tmpFile("evidence.json", evidence) } }),
                "tested-artifact",
            );
            // 6.7.1 runs in web-green, api-canary and worker.
            assert.deepEqual(v.map((x) => x.name).sort(), ["api-canary", "web-green", "worker"]);
            assert.equal(v[0].level, "mandatory");
            const canary = v.find((x) => x.name === "api-canary")!;
            assert.equal(canary.type, T.Deployment);
            assert.equal(
                reported(canary),
                `container 'api' of Deployment prod/api-canary runs ${DIGEST.v671}, whose latest test run (commit 9c1f4e7d2b8a6c3e5f0a1d2c3b4a5f6e7d8c9b0a, 2026-11-24T15:02:41Z) has 1 failed test: fix them and deploy a digest whose tests pass.`,
            );
        });

        it("fails an image that has no test evidence", async () => {
            const run = await runStackWith("prod", (raw) => (raw.apps.worker.strategy.release.image = DIGEST.untested));
            const v = violationsOf(await check(run, "prod"), "tested-artifact");
            assert.equal(v.length, 1);
            assert.equal(v[0].name, "worker");
            assert.match(
                reported(v[0]),
                /^container 'worker' of Deployment prod\/worker runs .*0abc, which has no test evidence in test\/fixtures\/project\/release\/evidence\.json: run the test suite/,
            );
        });

        it("fails a run that passed nothing and evidence older than maxAgeDays before launch", async () => {
            const evidence = fixtureJson("release/evidence.json");
            evidence.artifacts[0].tests = { passed: 0, failed: 0, skipped: 12 };
            const file = tmpFile("evidence.json", evidence);
            const v = violationsOf(
                await check(prod, "prod", { "tested-artifact": { evidenceFile: file, maxAgeDays: 3 } }),
                "tested-artifact",
            );
            const msgs = v.map(reported);
            // 6.7.0 (web-blue, api-stable): nothing passed.
            assert.equal(msgs.filter((m) => /passed no tests: a run that tests nothing is no evidence/.test(m)).length, 2);
            // 6.7.1 finished 2026-11-24T15:02:41Z, 2.7 days before the launch at 2026-11-27T09:00Z: within 3 days.
            assert.equal(msgs.filter((m) => /days before launchAt/.test(m)).length, 0);
            const strict = violationsOf(await check(prod, "prod", { "tested-artifact": { maxAgeDays: 2 } }), "tested-artifact");
            // Every workload: 6.7.0 finished 4.3 days and 6.7.1 2.7 days before the launch.
            assert.equal(strict.length, 5);
            const worker = strict.find((x) => x.name === "worker")!;
            assert.match(
                reported(worker),
                /whose latest test run finished 2026-11-24T15:02:41Z, 2\.7 days before launchAt \(limit 2\): re-run the tests for this digest\.$/,
            );
        });

        it("a malformed evidence file is one violation naming the file and the field", async () => {
            const evidence = fixtureJson("release/evidence.json");
            evidence.artifacts[1].tests.failed = "0";
            const file = tmpFile("evidence.json", evidence);
            const v = violationsOf(await check(prod, "prod", { "tested-artifact": { evidenceFile: file } }), "tested-artifact");
            assert.equal(v.length, 1);
            assert.equal(v[0].urn, undefined);
            assert.ok(
                reported(v[0]).startsWith(
                    `${file}: artifacts[1].tests.failed: expected a whole number >= 0, got "0". CI writes it after the test run: npm run evidence:junit`,
                ),
            );
            const missing = violationsOf(
                await check(prod, "prod", { "tested-artifact": { evidenceFile: "release/nope.json" } }),
                "tested-artifact",
            );
            assert.match(reported(missing[0]), /^release\/nope\.json: file not found\./);
        });

        it("an image referenced by tag cannot have evidence", async () => {
            const run = copyRun(prod);
            podSpecOf(record(run, T.Deployment, "worker")).containers[0].image = "ghcr.io/stefanprodan/podinfo:6.7.1";
            const v = violationsOf(await check(run, "prod"), "tested-artifact");
            assert.equal(v.length, 1);
            assert.equal(
                reported(v[0]),
                "container 'worker' of Deployment prod/worker runs 'ghcr.io/stefanprodan/podinfo:6.7.1', which is not pinned by digest: deploy the exact artifact CI tested, as <repository>@sha256:<digest>.",
            );
        });
    });

    describe("an image built by this update (staging's 'hello': unknown in preview)", () => {
        let staging: ProgramRun;
        before(async () => {
            staging = await runStackWith("staging");
            assert.equal(podSpecOf(record(staging, T.Deployment, "hello")).containers[0].image, UNKNOWN);
        });
        const notChecked = (policy: string, what: string) =>
            `can't run policy '${policy}' from policy pack 'launchpad-release-gates@v0.1.0' during preview: string value at .spec.template.spec.containers.0.image can't be known during preview (not checked: ${what}; every known image was checked)`;

        it("tested-artifact checks every known image and names only the unknown one as not checkable", async () => {
            const v = violationsOf(await check(staging, "staging"), "tested-artifact");
            assert.deepEqual(
                v.map((x) => [x.level, x.urn, x.message]),
                [["advisory", undefined, notChecked("tested-artifact", "the image of container 'hello' of Deployment staging/hello")]],
            );
        });

        it("tested-artifact still gates the known images: an untested worker is mandatory beside the note on hello", async () => {
            const run = await runStackWith("staging", (raw) => (raw.apps.worker.strategy.release.image = DIGEST.untested));
            const v = violationsOf(await check(run, "staging"), "tested-artifact");
            assert.deepEqual(
                v.map((x) => [x.level, x.name]),
                [
                    ["mandatory", "worker"],
                    ["advisory", undefined],
                ],
            );
            assert.match(reported(v[0]), /^container 'worker' of Deployment staging\/worker runs .*0abc, which has no test evidence/);
            assert.equal(v[1].message, notChecked("tested-artifact", "the image of container 'hello' of Deployment staging/hello"));
        });

        it("verified-in-preprod (enabled on staging for the test) gates known images and notes only hello's", async () => {
            const run = copyRun(staging);
            podSpecOf(record(run, T.Deployment, "web-blue")).containers[0].image = DIGEST.untested;
            const v = violationsOf(
                await check(run, "staging", { "verified-in-preprod": { enforcementLevel: "mandatory" } }),
                "verified-in-preprod",
            );
            assert.deepEqual(
                v.map((x) => [x.level, x.name]),
                [
                    ["mandatory", "web-blue"],
                    ["advisory", "hello"],
                ],
            );
            assert.equal(v[1].message, notChecked("verified-in-preprod", "the image of container 'hello' of Deployment staging/hello"));
        });
    });

    describe("verified-in-preprod", () => {
        it("passes prod: every image ran through staging's smoke tests", async () => {
            assert.deepEqual(violationsOf(await check(prod, "prod"), "verified-in-preprod"), []);
        });

        it("is disabled in staging, the pre-production stack itself", async () => {
            const run = await runStackWith("staging", (raw) => (raw.apps.worker.strategy.release.image = DIGEST.untested));
            const report = await check(run, "staging");
            assert.equal(report.policies.find((p) => p.name === "verified-in-preprod")?.enforcementLevel, "disabled");
            assert.deepEqual(violationsOf(report, "verified-in-preprod"), []);
        });

        it("fails an image missing from the staging verification", async () => {
            const verified = fixtureJson("release/verified-staging.json");
            verified.images = verified.images.filter((i: any) => i.image !== DIGEST.v670);
            const v = violationsOf(
                await check(prod, "prod", { "verified-in-preprod": { verificationFile: tmpFile("v.json", verified) } }),
                "verified-in-preprod",
            );
            assert.deepEqual(v.map((x) => x.name).sort(), ["api-stable", "web-blue"]);
            assert.match(
                reported(v.find((x) => x.name === "web-blue")!),
                /^container 'web' of Deployment prod\/web-blue runs .*c0a8e, which .*v\.json does not list as verified in staging: deploy it to staging, let the smoke tests pass, and let CI record it\.$/,
            );
        });

        it("fails a verification of another stack and a malformed file", async () => {
            const other = { ...fixtureJson("release/verified-staging.json"), stack: "dev" };
            const v = violationsOf(
                await check(prod, "prod", { "verified-in-preprod": { verificationFile: tmpFile("v.json", other) } }),
                "verified-in-preprod",
            );
            assert.equal(v.length, 5);
            assert.match(
                reported(v[0]),
                /records a verification of stack 'dev', not 'staging': deploy and smoke-test the release in staging first\.$/,
            );
            const bad = fixtureJson("release/verified-staging.json");
            delete bad.images[0].smokeTestsPassedAt;
            const m = violationsOf(
                await check(prod, "prod", { "verified-in-preprod": { verificationFile: tmpFile("v.json", bad) } }),
                "verified-in-preprod",
            );
            assert.match(
                reported(m[0]),
                /v\.json: images\[0\]\.smokeTestsPassedAt: expected an ISO 8601 date-time .*CI writes it from the staging stack's outputs/,
            );
        });
    });
});
