import * as assert from "node:assert/strict";
import { ProgramRun } from "../../tools/plan/recorder";
import { T } from "../harness";
import { check, copyRun, record, reported, runStackWith, violationsOf } from "./support";

describe("policies: rollout", () => {
    describe("rollback-ready", () => {
        let prod: ProgramRun;
        before(async () => {
            prod = await runStackWith("prod");
        });

        it("passes prod: web blue-green with a warm idle slot, api canary, worker rolling with maxUnavailable 0", async () => {
            assert.deepEqual(violationsOf(await check(prod, "prod"), "rollback-ready"), []);
        });

        it("staging: only the example app 'hello' (direct, serving traffic) is an advisory", async () => {
            const staging = await runStackWith("staging");
            const v = violationsOf(await check(staging, "staging"), "rollback-ready");
            assert.deepEqual(
                v.map((x) => [x.name, x.level]),
                [["hello", "advisory"]],
            );
            assert.match(reported(v[0]), /^Deployment staging\/hello serves traffic but is updated in place \(direct strategy\)/);
        });

        it("fails an app that serves traffic with the direct strategy in prod", async () => {
            const run = await runStackWith("prod", (raw) => {
                raw.apps.web.strategy = { type: "direct", release: raw.apps.web.strategy.slots.green };
            });
            const v = violationsOf(await check(run, "prod"), "rollback-ready");
            assert.equal(v.length, 1);
            assert.equal(v[0].level, "mandatory");
            assert.equal(v[0].name, "web");
            assert.equal(
                reported(v[0]),
                "Deployment prod/web serves traffic but is updated in place (direct strategy): a bad version reaches every user at once and rolling back means redeploying. Set launchpad:apps.web.strategy.type to blueGreen or canary.",
            );
            // Advisory in staging, where the pipeline's example app 'hello' already runs direct (its honest advisory).
            const staging = await runStackWith("staging", (raw) => {
                raw.apps.web.strategy = { type: "direct", release: raw.apps.web.strategy.slots.green };
            });
            assert.deepEqual(
                violationsOf(await check(staging, "staging"), "rollback-ready").map((x) => [x.name, x.level]),
                [
                    ["hello", "advisory"],
                    ["web", "advisory"],
                ],
            );
        });

        it("fails a worker that is recreated instead of rolled", async () => {
            const run = await runStackWith("prod", (raw) => (raw.apps.worker.strategy.rollout = "recreate"));
            const v = violationsOf(await check(run, "prod"), "rollback-ready");
            assert.deepEqual(v.map(reported), [
                "Deployment prod/worker is a background worker rolled with Recreate: use a rolling update with maxUnavailable 0 (strategy.rollout: rolling) so that old pods keep working until new ones are ready.",
            ]);
        });

        it("fails a cold idle slot and a short revision history", async () => {
            const run = await runStackWith("prod", (raw) => {
                raw.apps.web.strategy.idleReplicas = 0;
                raw.apps.api.revisionHistoryLimit = 1;
            });
            const v = violationsOf(await check(run, "prod"), "rollback-ready").map(reported);
            assert.deepEqual(v.sort(), [
                "Deployment prod/api-canary keeps 1 old ReplicaSets (revisionHistoryLimit); keep at least 3 so that 'kubectl rollout undo' has somewhere to go: raise the app's revisionHistoryLimit.",
                "Deployment prod/api-stable keeps 1 old ReplicaSets (revisionHistoryLimit); keep at least 3 so that 'kubectl rollout undo' has somewhere to go: raise the app's revisionHistoryLimit.",
                "Deployment prod/web-green is the idle blue-green slot of 'web' but runs 0 replicas: keep at least 1 so that switching back is instant (remove strategy.idleReplicas or raise it).",
            ]);
        });

        it("fails a worker whose rolling update may take pods down first", async () => {
            const run = copyRun(prod);
            (record(run, T.Deployment, "worker").inputs as any).spec.strategy.rollingUpdate.maxUnavailable = 1;
            assert.deepEqual(violationsOf(await check(run, "prod"), "rollback-ready").map(reported), [
                "Deployment prod/worker is a background worker rolled with maxUnavailable 1: use a rolling update with maxUnavailable 0 (strategy.rollout: rolling) so that old pods keep working until new ones are ready.",
            ]);
        });
    });
});
