// Pure builders of an Argo Rollout's spec from an app's config. The pod template is the one every
// Deployment runs (../podTemplate.ts), adapted only where the controller, not a Deployment, owns a label.
import type { ArgoConfig, ArgoStep } from "../../../config/delivery";
import { argoDefaults, DEFAULT_ARGO_STEPS } from "../../../config/delivery";
import type { BlueGreenStrategy, CanaryStrategy } from "../../../config/schema";
import { LABEL } from "../../common/labels";
import { podTemplate } from "../podTemplate";
import type { PodTemplate, PodTemplateArgs } from "../podTemplate";

export const ROLLOUT_API_VERSION = "argoproj.io/v1alpha1";
/** Label the controller adds to each ReplicaSet's pods and to the Services' selectors it manages. */
export const POD_TEMPLATE_HASH = "rollouts-pod-template-hash";

/** Slot labels the controller puts on the pods of each role (ephemeral metadata): what the series' `slot` label says. */
export const ARGO_SLOTS = {
    canary: { candidate: "canary", baseline: "stable" },
    blueGreen: { candidate: "preview", baseline: "active" },
} as const;

/** The Rollout's selector: the app, never a slot (the controller tells its ReplicaSets apart by POD_TEMPLATE_HASH). */
export function rolloutSelector(app: string): Record<string, string> {
    return { [LABEL.name]: app };
}

/**
 * The Deployments' pod template for a Rollout. One change: the slot label is not in the template but set
 * per role by the controller (`stableMetadata`/`canaryMetadata`, `activeMetadata`/`previewMetadata`),
 * since one template serves both roles; topology spread then counts the pods of one ReplicaSet
 * (`matchLabelKeys`), as a Deployment's slot selector does.
 */
export function rolloutPodTemplate(args: Omit<PodTemplateArgs, "slot">): PodTemplate {
    const t = podTemplate({ ...args, slot: "rollout" });
    const labels = { ...(t.metadata as { labels: Record<string, string> }).labels };
    delete labels[LABEL.slot];
    const spec = t.spec as { topologySpreadConstraints: { labelSelector: unknown; matchLabelKeys?: string[] }[] };
    return {
        ...t,
        metadata: { ...t.metadata, labels },
        spec: {
            ...(t.spec as object),
            topologySpreadConstraints: spec.topologySpreadConstraints.map((c) => ({
                ...c,
                labelSelector: { matchLabels: rolloutSelector(args.app) },
                matchLabelKeys: [POD_TEMPLATE_HASH],
            })),
        },
    } as PodTemplate;
}

export function argoSettings(argo: Partial<ArgoConfig> | undefined): ArgoConfig {
    return { ...argoDefaults, ...(argo ?? {}) };
}

/** Templates an `analysis` step or a promotion runs: the gate (when enabled) and the smoke test (when configured). */
export interface AnalysisRefs {
    readonly gate?: string;
    readonly smoke?: string;
    /** Blue-green after promotion: the new version alone against absolute thresholds. */
    readonly live?: string;
}

const refs = (...names: (string | undefined)[]) =>
    names.filter((n): n is string => n !== undefined).map((templateName) => ({ templateName }));

/** Config steps -> Rollout steps; an `analysis` step runs the app's templates (and is left out when it has none). */
export function canarySteps(steps: readonly ArgoStep[], analysis: AnalysisRefs): Record<string, unknown>[] {
    const templates = refs(analysis.smoke, analysis.gate);
    return steps.flatMap((s): Record<string, unknown>[] => {
        if ("setWeight" in s) return [{ setWeight: s.setWeight }];
        if ("pause" in s) return [{ pause: s.pause.duration !== undefined ? { duration: s.pause.duration } : {} }];
        return templates.length > 0 ? [{ analysis: { templates } }] : [];
    });
}

export interface CanaryRolloutArgs {
    readonly app: string;
    readonly strategy: CanaryStrategy;
    /** Services: `<app>` (stable, behind the Ingress; absent with router `replicas`, where `<app>` selects both) and `<app>-canary`. */
    readonly stableService?: string;
    readonly canaryService: string;
    /** The app's Ingress (router nginx, with a host); Argo creates `<app>-<ingress>-canary` beside it. */
    readonly stableIngress?: string;
    /** The app's HTTPRoute (router gateway, with a host): weights through the Gateway API plugin. */
    readonly httpRoute?: { name: string; namespace: string };
    readonly analysis: AnalysisRefs;
}

export function canaryStrategySpec(a: CanaryRolloutArgs): Record<string, unknown> {
    const argo = argoSettings(a.strategy.argo);
    const s = a.strategy;
    const trafficRouting =
        s.router === "nginx" && a.stableIngress
            ? { nginx: { stableIngress: a.stableIngress } }
            : s.router === "gateway" && a.httpRoute
              ? { plugins: { "argoproj-labs/gatewayAPI": { httpRoute: a.httpRoute.name, namespace: a.httpRoute.namespace } } }
              : undefined;
    return {
        canary: {
            // Without a router (`replicas`, or no host) the split is the ratio of pods; the Services still tell
            // the tracks apart for smoke tests and in-cluster callers.
            ...(a.stableService !== undefined ? { stableService: a.stableService } : {}),
            canaryService: a.canaryService,
            ...(trafficRouting ? { trafficRouting } : {}),
            stableMetadata: { labels: { [LABEL.slot]: ARGO_SLOTS.canary.baseline } },
            canaryMetadata: { labels: { [LABEL.slot]: ARGO_SLOTS.canary.candidate } },
            // Never fewer ready pods than `replicas` while the canary runs (as maxUnavailable 0 on Deployments).
            maxUnavailable: 0,
            maxSurge: 1,
            // On abort, traffic returns to stable at once; with traffic routing the canary's pods stay this long
            // for a look, then go (without it, an abort is a rolling update back to stable).
            abortScaleDownDelaySeconds: argo.abortScaleDownDelaySeconds,
            steps: canarySteps(argo.steps ?? DEFAULT_ARGO_STEPS, a.analysis),
        },
    };
}

export interface BlueGreenRolloutArgs {
    readonly app: string;
    readonly strategy: BlueGreenStrategy;
    readonly activeService: string;
    readonly previewService: string;
    readonly production: boolean;
    readonly analysis: AnalysisRefs;
}

export function blueGreenStrategySpec(a: BlueGreenRolloutArgs): Record<string, unknown> {
    const argo = argoSettings(a.strategy.argo);
    const pre = refs(a.analysis.smoke, a.analysis.gate);
    const post = refs(a.analysis.live);
    return {
        blueGreen: {
            activeService: a.activeService,
            previewService: a.previewService,
            activeMetadata: { labels: { [LABEL.slot]: ARGO_SLOTS.blueGreen.baseline } },
            previewMetadata: { labels: { [LABEL.slot]: ARGO_SLOTS.blueGreen.candidate } },
            // A person promotes in production, after the preview host was checked (config/delivery.ts refuses auto).
            autoPromotionEnabled: a.production ? false : argo.autoPromotionEnabled,
            // The preview runs at full size: promotion moves users to pods that already carry the load.
            ...(a.strategy.idleReplicas !== undefined ? { previewReplicaCount: a.strategy.idleReplicas } : {}),
            // The previous version keeps running this long after promotion: `kubectl argo rollouts undo` is a switch back.
            scaleDownDelaySeconds: argo.scaleDownDelaySeconds,
            abortScaleDownDelaySeconds: argo.abortScaleDownDelaySeconds,
            ...(pre.length > 0 ? { prePromotionAnalysis: { templates: pre } } : {}),
            ...(post.length > 0 ? { postPromotionAnalysis: { templates: post } } : {}),
        },
    };
}
