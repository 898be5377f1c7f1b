// Every policy that reads workloads refuses the same unsafe case for an Argo Rollout as for a Deployment:
// the same break applied to prod's `api-stable` Deployment (engine launchpad) and to prod's `api` Rollout
// (engine argoRollouts) is a violation naming that object.
import * as assert from "node:assert/strict";
import { ProgramRun, ResourceRecord } from "../../tools/plan/recorder";
import { DIGEST, check, copyRun, podSpecOf, record, runStackWith, violationsOf } from "./support";

const ROLLOUT = "kubernetes:argoproj.io/v1alpha1:Rollout";
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";
const BACKUPS = ["aws:rds/snapshot:Snapshot", "kubernetes:velero.io/v1:Backup"];

/** prod with api (canary) and web (blue-green) on Argo Rollouts. */
const argoProd = (raw: Record<string, any>) => {
    raw.environment.deliveryEngine = "argoRollouts";
    raw.apps.api.strategy.weight = 0;
};

describe("policies: Argo Rollouts are workloads like Deployments", function () {
    this.timeout(300000);
    let deployments: ProgramRun;
    let rollouts: ProgramRun;
    before(async () => {
        deployments = await runStackWith("prod");
        rollouts = await runStackWith("prod", argoProd);
    });

    it("the prod stack on Argo Rollouts passes every mandatory policy", async () => {
        assert.equal(rollouts.resources.filter((r) => r.type === DEPLOYMENT && /^(api|web)/.test(r.name)).length, 0);
        assert.deepEqual(
            (await check(rollouts, "prod")).violations.filter((v) => v.level === "mandatory").map((v) => `${v.policy} ${v.name}`),
            [],
        );
    });

    /** Breaks `api-stable` in the Deployment run and the `api` Rollout in the Argo run; returns each run's violations of `policy`. */
    async function both(policy: string, breakIt: (w: ResourceRecord, run: ProgramRun) => void, overrides = {}) {
        const out: Record<string, string[]> = {};
        for (const [label, base, type, name] of [
            ["Deployment", deployments, DEPLOYMENT, "api-stable"],
            ["Rollout", rollouts, ROLLOUT, "api"],
        ] as const) {
            const run = copyRun(base);
            breakIt(record(run, type, name), run);
            out[label] = violationsOf(await check(run, "prod", overrides), policy)
                .filter((v) => v.level === "mandatory")
                .map((v) => `${v.type?.split(":").pop()} ${v.name}`);
        }
        assert.ok(out.Deployment.includes("Deployment api-stable"), `${policy} refuses the Deployment: ${JSON.stringify(out)}`);
        assert.ok(out.Rollout.includes("Rollout api"), `${policy} refuses the Rollout: ${JSON.stringify(out)}`);
    }

    it("tested-artifact: an image without test evidence", () =>
        both("tested-artifact", (w) => (podSpecOf(w).containers[0].image = DIGEST.untested)));

    it("verified-in-preprod: an image staging never verified", () =>
        both("verified-in-preprod", (w) => (podSpecOf(w).containers[0].image = DIGEST.untested)));

    it("rollback-ready: revision history below the minimum", () =>
        both("rollback-ready", (w) => ((w.inputs as any).spec.revisionHistoryLimit = 1)));

    it("rollback-ready: a blue-green Rollout that scales the previous version down before undo can switch back", async () => {
        const run = copyRun(rollouts);
        (record(run, ROLLOUT, "web").inputs as any).spec.strategy.blueGreen.scaleDownDelaySeconds = 30;
        const v = violationsOf(await check(run, "prod"), "rollback-ready");
        assert.deepEqual(
            v.map((x) => x.message.split("\n").pop()),
            [
                "Rollout prod/web scales the previous version down 30 s after a promotion (scaleDownDelaySeconds): keep it at least 600 s so that 'kubectl argo rollouts undo' is an instant switch back (raise strategy.argo.scaleDownDelaySeconds).",
            ],
        );
    });

    it("backup-before-deploy: a data-owning workload that does not wait for the release backups", () =>
        both("backup-before-deploy", (w, run) => {
            const backups = new Set(run.resources.filter((r) => BACKUPS.includes(r.type)).map((r) => r.urn));
            w.dependsOn = w.dependsOn.filter((u) => !backups.has(u));
            // The launchpad canary has a second Deployment: only the one under test is broken.
        }));

    it("observed: a served app whose alert rules are gone", async () => {
        for (const base of [deployments, rollouts]) {
            const run = copyRun(base);
            run.resources = run.resources.filter((r) => !(r.type === RULE && r.name === "api-alerts"));
            const v = violationsOf(await check(run, "prod"), "observed").filter((x) => x.level === "mandatory");
            assert.deepEqual(
                v.map((x) => x.message.split("\n").pop()!.slice(0, 37)),
                ["app 'api' has no alert rules: a bad r"],
            );
        }
    });

    it("pod-security-restricted: a container that may escalate privileges", () =>
        both("pod-security-restricted", (w) => (podSpecOf(w).containers[0].securityContext.allowPrivilegeEscalation = true)));

    it("workload-resources-probes: a served container without a readiness probe", () =>
        both("workload-resources-probes", (w) => delete podSpecOf(w).containers[0].readinessProbe));

    it("immutable-images: an image by tag", () =>
        both("immutable-images", (w) => (podSpecOf(w).containers[0].image = "ghcr.io/stefanprodan/podinfo:6.7.1")));

    it("production-availability: the live pods below two replicas", () =>
        both("production-availability", (w) => ((w.inputs as any).spec.replicas = 1)));

    it("validated-traffic: a Rollout whose steps run neither the smoke test nor the metric gate", async () => {
        const run = copyRun(rollouts);
        const spec = (record(run, ROLLOUT, "api").inputs as any).spec.strategy.canary;
        spec.steps = spec.steps.filter((st: any) => !st.analysis);
        const v = violationsOf(await check(run, "prod"), "validated-traffic").filter((x) => x.level === "mandatory");
        assert.deepEqual(
            v.map((x) => x.name),
            ["api"],
        );
        assert.match(v[0].message ?? "", /without its smoke test and metric gate \(AnalysisTemplates api-smoke and api-gate/);
        // The generated Rollout runs both, so the unbroken stack passes.
        assert.deepEqual(
            violationsOf(await check(rollouts, "prod"), "validated-traffic").filter((x) => x.level === "mandatory"),
            [],
        );
    });
});
