import * as pulumi from "@pulumi/pulumi";
import * as k8s from "../../common/kubernetes";
import type { BlueGreenStrategy, CanaryStrategy } from "../../../config/schema";
import type { GateConfig } from "../../../config/validation";
import type { SmokeConfig } from "../../../config/validation";
import { LABEL } from "../../common/labels";
import { smokeJobSpec, smokeParts, smokeSupport } from "../../validation/smokeTest";
import { previewAnnotations, previewHost } from "../traffic";
import { AppDeploymentArgs, clusterUrl, httpRoute, ingress, urlOf } from "../workload";
import { ANALYSIS_API_VERSION, gateMetrics, smokeMetric } from "./analysis";
import type { AnalysisMetric } from "./analysis";
import type { AnalysisRefs } from "./rollout";
import { ARGO_SLOTS, blueGreenStrategySpec, canaryStrategySpec, ROLLOUT_API_VERSION, rolloutPodTemplate, rolloutSelector } from "./rollout";

/** What the controller's analysis runs: the app's gate thresholds and smoke checks (components/validation). */
export interface ArgoAnalysisArgs {
    /** The namespace as series and URLs carry it. */
    readonly namespaceName: string;
    readonly stack: string;
    /** The merged gate settings of the app and the Prometheus the controller queries; absent: no metric analysis. */
    readonly gate?: { readonly config: GateConfig; readonly prometheusUrl: string };
    /** Smoke checks and the runner image; absent: no smoke analysis. */
    readonly smoke?: { readonly config: SmokeConfig; readonly runnerImage: string };
}

export interface ArgoRolloutArgs extends AppDeploymentArgs {
    readonly strategy: CanaryStrategy | BlueGreenStrategy;
    readonly production: boolean;
    readonly analysis: ArgoAnalysisArgs;
}

/**
 * An app released by the Argo Rollouts controller: Rollout `<name>` (the Deployments' pod template),
 * PodDisruptionBudget `<name>`, AnalysisTemplates `<name>-gate` / `<name>-gate-live` / `<name>-smoke`,
 * and the Services and Ingresses the Rollout names:
 * - canary: Service `<name>` (stable; with router `replicas` it selects both tracks), `<name>-canary`,
 *   Ingress `<name>` (nginx: the `stableIngress`; Argo creates and owns `<name>-<name>-canary`) or
 *   HTTPRoute `<name>` (gateway: weights set by the Gateway API plugin);
 * - blue-green: Service `<name>` (active) and `<name>-preview`, Ingresses `<name>` and `<name>-preview`.
 *
 * What `pulumi up` leaves to the controller (docs/argo-rollouts.md): the Services' selectors (it adds
 * `rollouts-pod-template-hash` to point them at a ReplicaSet), the HTTPRoute's weights, the canary
 * Ingress, the ReplicaSets and their replica counts, pause and abort state. The stack owns the Rollout's
 * spec (pod template, steps, analysis): a new version is a change of its pod template, nothing else.
 */
export class ArgoRollout extends pulumi.ComponentResource {
    public readonly url: string | undefined;
    public readonly previewUrl: string | undefined;
    public readonly internalUrl: pulumi.Output<string>;
    /** The version the Rollout's template runs (the controller moves users to it) and the one it replaces. */
    public readonly versions: Record<string, string>;
    public readonly rollout: k8s.apiextensions.CustomResource;

    constructor(name: string, args: ArgoRolloutArgs, opts?: pulumi.ComponentResourceOptions) {
        super("launchpad:deploy:ArgoRollout", name, {}, opts);
        const s = args.strategy;
        const release = s.type === "canary" ? (s.canary ?? s.stable) : s.slots[s.activeSlot];
        const candidateService = s.type === "canary" ? `${name}-canary` : `${name}-preview`;
        const { refs: analysis, objects: analysisObjects } = this.analysisTemplates(name, args, candidateService, release.version);
        const host = args.config.host;

        let strategy: Record<string, unknown>;
        if (s.type === "canary") {
            // With a router, `<name>` is the stable Service the controller points at the stable ReplicaSet;
            // without one it selects every pod and the split is the ratio of pods.
            const routed = s.router !== "replicas" && host !== undefined;
            this.service(name, args, name, routed);
            this.service(name, args, candidateService, true);
            // The Gateway API plugin of the controller owns the weights (ignoreChanges).
            if (host && s.router === "gateway")
                httpRoute(
                    this,
                    name,
                    args,
                    host,
                    [
                        { service: name, weight: 100 },
                        { service: candidateService, weight: 0 },
                    ],
                    { ignoreChanges: ["spec.rules[0].backendRefs"] },
                );
            else if (host) ingress(this, name, args, name, host, name);
            strategy = canaryStrategySpec({
                app: name,
                strategy: s,
                ...(routed ? { stableService: name } : {}),
                canaryService: candidateService,
                ...(host && s.router === "nginx" ? { stableIngress: name } : {}),
                ...(host && s.router === "gateway" ? { httpRoute: { name, namespace: args.analysis.namespaceName } } : {}),
                analysis,
            });
            this.versions = { stable: s.stable.version, ...(s.canary ? { canary: s.canary.version } : {}) };
            this.previewUrl = undefined;
        } else {
            this.service(name, args, name, true);
            this.service(name, args, candidateService, true);
            const previewAt = previewHost(name, args.domain);
            if (host) {
                ingress(this, name, args, name, host, name);
                ingress(this, name, args, candidateService, previewAt, candidateService, previewAnnotations(s.previewAllowFrom));
            }
            strategy = blueGreenStrategySpec({
                app: name,
                strategy: s,
                activeService: name,
                previewService: candidateService,
                production: args.production,
                analysis,
            });
            this.versions = { [s.activeSlot]: release.version };
            this.previewUrl = host ? urlOf(args, previewAt) : undefined;
        }

        const rolloutAfter = [...(args.beforeRollout ?? []), ...analysisObjects];
        this.rollout = new k8s.apiextensions.CustomResource(
            name,
            {
                apiVersion: ROLLOUT_API_VERSION,
                kind: "Rollout",
                metadata: {
                    name,
                    namespace: args.namespace,
                    labels: { ...args.labels, [LABEL.version]: release.version },
                    ...(args.deploymentAnnotations && Object.keys(args.deploymentAnnotations).length > 0
                        ? { annotations: args.deploymentAnnotations }
                        : {}),
                },
                spec: {
                    replicas: args.config.replicas,
                    revisionHistoryLimit: args.config.revisionHistoryLimit,
                    // A return to a ReplicaSet the Rollout still keeps (a rollback: `undo`, or the stack set back
                    // to an earlier release) skips the steps and the analysis, as a Deployment's rollback is
                    // immediate. The controller goes by ReplicaSet age, not by what passed: a candidate aborted
                    // before the current release counts too (its analysis then does not run again).
                    rollbackWindow: { revisions: args.config.revisionHistoryLimit },
                    selector: { matchLabels: rolloutSelector(name) },
                    template: rolloutPodTemplate({
                        app: name,
                        config: args.config,
                        release,
                        labels: args.labels,
                        annotations: args.podAnnotations,
                        extras: args.pod,
                        builtImage: args.builtImage,
                    }),
                    strategy,
                },
            },
            // The release's backups first (production), as for Deployments (components/backup/wiring.ts); and
            // the analysis it runs: the controller copies the AnalysisTemplates (and the smoke Job mounts its
            // ConfigMap) when the new template's first analysis step starts, so they hold this release first.
            { parent: this, ...(rolloutAfter.length > 0 ? { dependsOn: rolloutAfter } : {}) },
        );
        new k8s.policy.v1.PodDisruptionBudget(
            name,
            {
                metadata: { name, namespace: args.namespace, labels: { ...args.labels, [LABEL.name]: name } },
                spec: { maxUnavailable: 1, selector: { matchLabels: rolloutSelector(name) } },
            },
            { parent: this },
        );

        this.url = host ? urlOf(args, host) : undefined;
        this.internalUrl = clusterUrl(name, args.namespace);
        this.registerOutputs({ url: this.url, previewUrl: this.previewUrl, internalUrl: this.internalUrl, versions: this.versions });
    }

    /**
     * A Service on the app's pods. `managed`: the controller adds `rollouts-pod-template-hash` to its
     * selector to point it at one ReplicaSet, so `up` must not put the selector back (ignoreChanges);
     * the selector Launchpad sets never changes, so nothing of the stack's intent is lost.
     */
    private service(app: string, args: ArgoRolloutArgs, name: string, managed: boolean): k8s.core.v1.Service {
        return new k8s.core.v1.Service(
            name,
            {
                metadata: { name, namespace: args.namespace, labels: { ...args.labels, [LABEL.name]: app } },
                spec: {
                    type: "ClusterIP",
                    selector: rolloutSelector(app),
                    ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }],
                },
            },
            { parent: this, ...(managed ? { ignoreChanges: ["spec.selector"] } : {}) },
        );
    }

    /**
     * AnalysisTemplates of the app: what the Rollout's steps and promotions reference, and the objects the
     * analysis reads (the templates and the smoke test's ConfigMap).
     */
    private analysisTemplates(
        name: string,
        args: ArgoRolloutArgs,
        candidateService: string,
        version: string,
    ): { refs: AnalysisRefs; objects: pulumi.Resource[] } {
        const a = args.analysis;
        const s = args.strategy;
        const slots = s.type === "canary" ? ARGO_SLOTS.canary : ARGO_SLOTS.blueGreen;
        const objects: pulumi.Resource[] = [];
        const template = (templateName: string, metrics: AnalysisMetric[]) => {
            const t = new k8s.apiextensions.CustomResource(
                templateName,
                {
                    apiVersion: ANALYSIS_API_VERSION,
                    kind: "AnalysisTemplate",
                    metadata: { name: templateName, namespace: args.namespace, labels: { ...args.labels, [LABEL.name]: name } },
                    spec: { metrics },
                },
                { parent: this },
            );
            objects.push(t);
            return templateName;
        };
        const refs: { gate?: string; live?: string; smoke?: string } = {};
        if (a.gate && args.config.kind === "service") {
            const common = {
                namespace: a.namespaceName,
                app: name,
                prometheusUrl: a.gate.prometheusUrl,
                gate: a.gate.config,
                metrics: args.config.metrics,
            };
            refs.gate = template(`${name}-gate`, gateMetrics({ ...common, candidate: slots.candidate, baseline: slots.baseline }));
            if (s.type === "blueGreen") refs.live = template(`${name}-gate-live`, gateMetrics({ ...common, candidate: slots.baseline }));
        }
        if (a.smoke && args.config.kind === "service") {
            const smokeArgs = {
                app: name,
                namespace: args.namespace,
                namespaceName: a.namespaceName,
                labels: args.labels,
                smoke: a.smoke.config,
                runnerImage: a.smoke.runnerImage,
                service: candidateService,
                port: args.config.port,
                subject: { name: candidateService, version },
                onFailure:
                    `The Rollout ${name} aborts: users stay on the previous version. Inspect with kubectl argo rollouts get rollout ${name} -n ${a.namespaceName}, ` +
                    `then record the abort in the stack (docs/argo-rollouts.md) and pulumi up --stack ${a.stack}.`,
            };
            const parts = smokeParts(smokeArgs);
            objects.push(smokeSupport(this, name, smokeArgs, parts));
            refs.smoke = template(`${name}-smoke`, [smokeMetric(smokeJobSpec(smokeArgs, parts), parts.podLabels)]);
        }
        return { refs, objects };
    }
}
