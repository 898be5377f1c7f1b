// Apps on the Argo Rollouts engine: what the program plans (Rollout, AnalysisTemplates, Services, all
// valid against the Argo Rollouts and Kubernetes models), that the analysis queries are the alert's and the
// gate's, and that a new version changes the Rollout's pod template and what follows it, nothing else.
import * as assert from "node:assert/strict";
import { Rollout } from "@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/Rollout";
import { parseConfig } from "../../config/load";
import { launchpadSchema } from "../../config/schema";
import { gateFor } from "../../config/validation";
import { errorRatio, appSelector, latencyQuantile } from "../../components/monitoring/queries";
import { gateQueries } from "../../components/validation/queries";
import { validateObjects } from "../../tools/plan/schemas";
import { canaryStrategySpec } from "../../components/deploy/argo";
import { diffRuns, fixtureRaw, one, runConfig } from "../harness";

const ROLLOUT = "kubernetes:argoproj.io/v1alpha1:Rollout";
const TEMPLATE = "kubernetes:argoproj.io/v1alpha1:AnalysisTemplate";
const V672 = "ghcr.io/stefanprodan/podinfo@sha256:862ca45e61b32392f7941a1bdfdbe5ff8b6899070135f1bdca1c287d0057fc94";

/** prod with api (canary, nginx) and web (blue-green) on Argo Rollouts; `api` without a candidate. */
function argoProd(edit: (raw: Record<string, any>) => void = () => undefined): Record<string, any> {
    const raw = fixtureRaw("prod");
    raw.environment.deliveryEngine = "argoRollouts";
    raw.apps.api.strategy.weight = 0;
    delete raw.apps.api.strategy.canary;
    edit(raw);
    return raw;
}

describe("deploy: Argo Rollouts engine", function () {
    this.timeout(300000);

    it("plans a Rollout, AnalysisTemplates and Services, valid against the Argo Rollouts and Kubernetes models", async () => {
        const run = await runConfig(argoProd(), "prod");
        const mine = run.resources
            .filter((r) => r.urn.includes("launchpad:deploy:ArgoRollout$"))
            .map((r) => `${r.type.split(":").pop()} ${r.name}`);
        assert.deepEqual(mine.sort(), [
            "AnalysisTemplate api-gate",
            "AnalysisTemplate api-smoke",
            "AnalysisTemplate web-gate",
            "AnalysisTemplate web-gate-live",
            "AnalysisTemplate web-smoke",
            "ConfigMap api-smoke",
            "ConfigMap web-smoke",
            "Ingress api",
            "Ingress web",
            "Ingress web-preview",
            "NetworkPolicy api-smoke-egress",
            "NetworkPolicy api-smoke-ingress",
            "NetworkPolicy web-smoke-egress",
            "NetworkPolicy web-smoke-ingress",
            "PodDisruptionBudget api",
            "PodDisruptionBudget web",
            "Rollout api",
            "Rollout web",
            "Service api",
            "Service api-canary",
            "Service web",
            "Service web-preview",
        ]);
        const report = validateObjects(run.resources);
        assert.deepEqual(report.problems, []);
        assert.ok(!report.unchecked.some((k) => k.startsWith("argoproj.io")), "argoproj.io objects are validated");
        // The model is a real check: a wrong field type is refused.
        const api = one(run, ROLLOUT, "api").inputs as any;
        assert.throws(() => new Rollout({ ...api, spec: { ...api.spec, replicas: "two" } }).validate(), /replicas/);

        const canary = api.spec.strategy.canary;
        assert.deepEqual(canary.trafficRouting, { nginx: { stableIngress: "api" } });
        assert.equal(canary.stableService, "api");
        assert.equal(canary.canaryService, "api-canary");
        assert.equal(canary.abortScaleDownDelaySeconds, 30);
        assert.deepEqual(canary.steps[1], { analysis: { templates: [{ templateName: "api-smoke" }, { templateName: "api-gate" }] } });
        // The controller rewrites the Services' selectors: `up` does not put them back.
        assert.deepEqual(one(run, "kubernetes:core/v1:Service", "api").ignoreChanges, ["spec.selector"]);
        assert.deepEqual(one(run, "kubernetes:core/v1:Service", "api-canary").ignoreChanges, ["spec.selector"]);
        assert.deepEqual(one(run, "kubernetes:core/v1:Service", "web-preview").ignoreChanges, ["spec.selector"]);
        assert.equal(one(run, ROLLOUT, "api").ignoreChanges, undefined, "the stack owns the Rollout's spec");
        assert.deepEqual(one(run, "kubernetes:core/v1:Service", "api").inputs.spec, {
            type: "ClusterIP",
            selector: { "app.kubernetes.io/name": "api" },
            ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }],
        });
        // The release's backups first (production), as for Deployments; then the analysis it runs.
        assert.deepEqual(
            one(run, ROLLOUT, "api")
                .dependsOn.map((u) => `${u.split("::")[2].split("$").pop()} ${u.split("::").pop()}`)
                .sort(),
            [
                "aws:rds/snapshot:Snapshot api-release-2-4-0-6-7-0-a69b6d86",
                "kubernetes:argoproj.io/v1alpha1:AnalysisTemplate api-gate",
                "kubernetes:argoproj.io/v1alpha1:AnalysisTemplate api-smoke",
                "kubernetes:core/v1:ConfigMap api-smoke",
                "kubernetes:core/v1:Secret api-db",
                "kubernetes:velero.io/v1:Backup api-release-2-4-0-6-7-0-a69b6d86",
            ],
        );
        // A return to a kept release skips the steps and the analysis.
        assert.deepEqual(api.spec.rollbackWindow, { revisions: api.spec.revisionHistoryLimit });

        // The alerts compare the blue-green roles as the controller labels them (preview against active).
        const comparison = (one(run, "kubernetes:monitoring.coreos.com/v1:PrometheusRule", "web-alerts").inputs as any).spec.groups.find(
            (g: any) => g.name === "web.release-comparison",
        );
        assert.deepEqual([...new Set(comparison.rules.map((r: any) => r.labels.slot))], ["preview"]);
        assert.match(comparison.rules[0].expr, /slot="active"/);
        const web = (one(run, ROLLOUT, "web").inputs as any).spec.strategy.blueGreen;
        assert.deepEqual(web, {
            activeService: "web",
            previewService: "web-preview",
            activeMetadata: { labels: { "launchpad.dev/slot": "active" } },
            previewMetadata: { labels: { "launchpad.dev/slot": "preview" } },
            autoPromotionEnabled: false,
            scaleDownDelaySeconds: 3600,
            abortScaleDownDelaySeconds: 30,
            prePromotionAnalysis: { templates: [{ templateName: "web-smoke" }, { templateName: "web-gate" }] },
            postPromotionAnalysis: { templates: [{ templateName: "web-gate-live" }] },
        });
    });

    it("the Rollout runs the Deployments' pod template (security context, probes, seams), the slot label set by the controller", async () => {
        const launchpad = await runConfig(fixtureRaw("prod"), "prod");
        const argo = await runConfig(argoProd(), "prod");
        const dep = (one(launchpad, "kubernetes:apps/v1:Deployment", "api-stable").inputs as any).spec.template;
        const ro = (one(argo, ROLLOUT, "api").inputs as any).spec.template;
        assert.deepEqual(ro.spec.containers, dep.spec.containers);
        assert.deepEqual(ro.spec.securityContext, dep.spec.securityContext);
        assert.deepEqual(ro.spec.volumes, dep.spec.volumes);
        assert.deepEqual(ro.metadata.annotations, dep.metadata.annotations);
        const { ["launchpad.dev/slot"]: slot, ...labels } = dep.metadata.labels;
        assert.equal(slot, "stable");
        assert.deepEqual(ro.metadata.labels, labels);
        assert.deepEqual(ro.spec.topologySpreadConstraints[0].matchLabelKeys, ["rollouts-pod-template-hash"]);
    });

    it("the analysis queries are the app's alert queries and gate queries, with the gate's thresholds", async () => {
        const raw = argoProd();
        const run = await runConfig(raw, "prod");
        const cfg = parseConfig(raw);
        const gate = gateFor(cfg.validation, cfg.apps.api.gate);
        const metrics = (one(run, TEMPLATE, "api-gate").inputs as any).spec.metrics;
        const q = gateQueries("prod", "api", "canary", "stable", gate.window, gate.latencyQuantile, cfg.apps.api.metrics);
        assert.equal(q.candidateErrorRatio, errorRatio(appSelector("prod", "api", "canary"), gate.window, cfg.apps.api.metrics));
        assert.equal(q.candidateLatency, latencyQuantile(appSelector("prod", "api", "canary"), gate.window, gate.latencyQuantile));
        const url = cfg.validation.prometheusUrl;
        // Measured one gate window after the step starts; NaN (0/0) dropped as the gate reads it as no data;
        // a comparison without a baseline passes (test/deploy/argoAnalysis.spec.ts runs them in promtool).
        const m = (name: string, query: string, successCondition: string) => ({
            name,
            initialDelay: gate.window,
            failureLimit: 0,
            successCondition,
            provider: { prometheus: { address: url, query } },
        });
        assert.equal(gate.onNoData, "fail");
        assert.deepEqual(metrics, [
            m("error-ratio", `(${q.candidateErrorRatio}) >= 0`, `len(result) > 0 && result[0] <= ${gate.maxErrorRatio}`),
            m(
                "error-ratio-increase",
                `(${q.candidateErrorRatio} - ${q.baselineErrorRatio}) > -Inf < +Inf`,
                `len(result) == 0 || result[0] <= ${gate.maxErrorRatioIncrease}`,
            ),
            m("latency", `(${q.candidateLatency}) >= 0`, `len(result) > 0 && result[0] <= ${gate.maxLatencySeconds}`),
            m(
                "latency-ratio",
                `(${q.candidateLatency} / ${q.baselineLatency}) > -Inf < +Inf`,
                `len(result) == 0 || result[0] <= ${gate.maxLatencyRatio}`,
            ),
        ]);
        // The smoke test is a `job` metric running the SmokeTest Job's spec (same runner, same ConfigMap).
        const smoke = (one(run, TEMPLATE, "api-smoke").inputs as any).spec.metrics[0];
        const cm = one(run, "kubernetes:core/v1:ConfigMap", "api-smoke").inputs as any;
        assert.deepEqual(smoke.provider.job.spec.template.spec.volumes, [{ name: "smoke", configMap: { name: cm.metadata.name } }]);
        assert.deepEqual(smoke.provider.job.spec.template.spec.containers[0].command, ["node", "/smoke/runner.js", "/smoke/input.json"]);
        assert.match(JSON.parse(cm.data["input.json"]).target, /^http:\/\/api-canary\.prod\.svc\.cluster\.local$/);
    });

    it("a new version is one config change: the Rollout's pod template and what follows it, nothing else", async () => {
        const before = await runConfig(argoProd(), "prod");
        const after = await runConfig(
            argoProd((raw) => (raw.apps.api.strategy.canary = { image: V672, version: "6.7.2" })),
            "prod",
        );
        const diff = Object.fromEntries(
            Object.entries(diffRuns(before, after)).map(([urn, paths]) => [urn.split("::").slice(2).join("::").split("$").pop()!, paths]),
        );
        assert.deepEqual(Object.keys(diff).sort(), [
            // api owns data: the backups of 2.4.0 with stable 6.7.0 leave the stack (retained), new ones are taken
            // before the Rollout changes (it dependsOn them), as with the launchpad engine.
            "aws:rds/snapshot:Snapshot::api-release-2-4-0-6-7-0-a69b6d86",
            "aws:rds/snapshot:Snapshot::api-release-2-4-0-6-7-2-8ad7bdac",
            // The smoke test's input names the version under test: a new immutable ConfigMap, and the template pointing at it.
            "kubernetes:argoproj.io/v1alpha1:AnalysisTemplate::api-smoke",
            "kubernetes:argoproj.io/v1alpha1:Rollout::api",
            "kubernetes:core/v1:ConfigMap::api-smoke",
            // While a candidate runs, the alerts compare the canary's series with the stable ones (as with the launchpad engine).
            "kubernetes:monitoring.coreos.com/v1:PrometheusRule::api-alerts",
            // The release notice restates every app's versions.
            "kubernetes:velero.io/v1:Backup::api-release-2-4-0-6-7-0-a69b6d86",
            "kubernetes:velero.io/v1:Backup::api-release-2-4-0-6-7-2-8ad7bdac",
            "pulumi-nodejs:dynamic/validation:ReleaseNotice::release-notice",
            "random:index/randomId:RandomId::api-release-2-4-0-6-7-0-a69b6d86",
            "random:index/randomId:RandomId::api-release-2-4-0-6-7-2-8ad7bdac",
        ]);
        assert.deepEqual(diff["kubernetes:argoproj.io/v1alpha1:Rollout::api"], [
            "metadata.labels.app.kubernetes.io/version",
            "spec.template.metadata.labels.app.kubernetes.io/version",
            "spec.template.spec.containers[0].image",
            "(dependsOn)",
        ]);
        assert.deepEqual(diff["kubernetes:argoproj.io/v1alpha1:AnalysisTemplate::api-smoke"], [
            "spec.metrics[0].provider.job.spec.template.spec.volumes[0].configMap.name",
        ]);
        assert.deepEqual(diff["kubernetes:core/v1:ConfigMap::api-smoke"], ["data.input.json", "metadata.name"]);
        assert.deepEqual(diff["pulumi-nodejs:dynamic/validation:ReleaseNotice::release-notice"], ["apps[0].versions.canary"]);
    });

    it("refuses Argo settings that contradict the engine, with the key path", () => {
        const issues = (edit: (raw: Record<string, any>) => void) => {
            const raw = fixtureRaw("prod");
            edit(raw);
            const r = launchpadSchema.safeParse(raw);
            return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
        };
        assert.deepEqual(
            issues((raw) => (raw.apps.api.strategy.engine = "argoRollouts")),
            ["apps.api.strategy.weight: expected 0 with engine argoRollouts: the controller walks the weights (set strategy.argo.steps)"],
        );
        assert.deepEqual(
            issues(
                (raw) =>
                    (raw.apps.web.strategy = { ...raw.apps.web.strategy, engine: "argoRollouts", argo: { autoPromotionEnabled: true } }),
            ),
            [
                "apps.web.strategy.argo.autoPromotionEnabled: expected false in production: a person promotes (kubectl argo rollouts promote) after the preview is checked",
            ],
        );
        assert.deepEqual(
            issues((raw) => (raw.apps.web.strategy.argo = { scaleDownDelaySeconds: 600 })),
            ["apps.web.strategy.argo: only read with engine: argoRollouts (set strategy.engine: argoRollouts or remove argo)"],
        );
        assert.deepEqual(
            issues((raw) => (raw.apps.web.strategy.engine = "flagger")),
            ["apps.web.strategy.engine: expected launchpad or argoRollouts"],
        );
        assert.deepEqual(
            issues((raw) => {
                raw.apps.api.strategy = {
                    ...raw.apps.api.strategy,
                    engine: "argoRollouts",
                    weight: 0,
                    argo: { steps: [{ setWeight: 120 }] },
                };
            }),
            ["apps.api.strategy.argo.steps.0.setWeight: expected an integer 0-100"],
        );
    });

    it("routes a canary through nginx, the Gateway API plugin or the replica ratio", () => {
        const strategy = (router: "nginx" | "gateway" | "replicas") =>
            ({ type: "canary", engine: "argoRollouts", router, weight: 0, stable: { image: V672, version: "6.7.1" } }) as const;
        const routing = (spec: Record<string, any>) => ({
            trafficRouting: spec.canary.trafficRouting,
            stableService: spec.canary.stableService,
            canaryService: spec.canary.canaryService,
        });
        const analysis = { gate: "api-gate" };
        assert.deepEqual(
            routing(
                canaryStrategySpec({
                    app: "api",
                    strategy: strategy("nginx"),
                    stableService: "api",
                    canaryService: "api-canary",
                    stableIngress: "api",
                    analysis,
                }),
            ),
            { trafficRouting: { nginx: { stableIngress: "api" } }, stableService: "api", canaryService: "api-canary" },
        );
        assert.deepEqual(
            routing(
                canaryStrategySpec({
                    app: "api",
                    strategy: strategy("gateway"),
                    stableService: "api",
                    canaryService: "api-canary",
                    httpRoute: { name: "api", namespace: "prod" },
                    analysis,
                }),
            ),
            {
                trafficRouting: { plugins: { "argoproj-labs/gatewayAPI": { httpRoute: "api", namespace: "prod" } } },
                stableService: "api",
                canaryService: "api-canary",
            },
        );
        assert.deepEqual(
            routing(canaryStrategySpec({ app: "api", strategy: strategy("replicas"), canaryService: "api-canary", analysis })),
            {
                trafficRouting: undefined,
                stableService: undefined,
                canaryService: "api-canary",
            },
        );
        // An analysis step without templates (no gate, no smoke test) is left out rather than run empty.
        assert.deepEqual(
            canaryStrategySpec({ app: "api", strategy: strategy("replicas"), canaryService: "api-canary", analysis: {} }).canary,
            {
                canaryService: "api-canary",
                stableMetadata: { labels: { "launchpad.dev/slot": "stable" } },
                canaryMetadata: { labels: { "launchpad.dev/slot": "canary" } },
                maxUnavailable: 0,
                maxSurge: 1,
                abortScaleDownDelaySeconds: 30,
                steps: [{ setWeight: 20 }, { pause: {} }, { setWeight: 50 }, { pause: { duration: "10m" } }],
            },
        );
    });

    it("plans the gateway router's HTTPRoute with both Services and leaves its weights to the plugin", async () => {
        const run = await runConfig(
            argoProd((raw) => (raw.apps.api.strategy.router = "gateway")),
            "prod",
        );
        const route = one(run, "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute", "api");
        assert.deepEqual(
            (route.inputs as any).spec.rules[0].backendRefs.map((b: any) => [b.name, b.weight]),
            [
                ["api", 100],
                ["api-canary", 0],
            ],
        );
        assert.deepEqual(route.ignoreChanges, ["spec.rules[0].backendRefs"]);
        // prod has a certificate: like a Launchpad route, it attaches to the Gateway's TLS listener only (public-tls).
        assert.deepEqual((route.inputs as any).spec.parentRefs, [{ name: "public", namespace: "gateway", sectionName: "https" }]);
        assert.deepEqual(validateObjects(run.resources).problems, []);
    });
});
