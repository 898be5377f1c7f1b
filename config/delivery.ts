// Which engine walks an app's progressive release: Launchpad itself (one `pulumi up` per canary step or
// blue-green switch, gates inside `up`) or the Argo Rollouts controller in the cluster (a Rollout whose
// steps, analysis and abort the controller runs; `up` only hands it the desired version).
import { z } from "zod";
import { intRange } from "./primitives";

export const deliveryEngines = ["launchpad", "argoRollouts"] as const;
export type DeliveryEngine = (typeof deliveryEngines)[number];

export const deliveryEngine = z.enum(deliveryEngines, { error: "expected launchpad or argoRollouts" });

/** A Go duration as Argo Rollouts reads it in `pause.duration`: 30s, 10m, 1h. */
const argoDuration = z.string().regex(/^[1-9][0-9]*(s|m|h)$/, { error: "expected a duration such as 30s, 10m or 1h" });

/**
 * One canary step of a Rollout (`spec.strategy.canary.steps[]`):
 * - `{setWeight: 20}`: the canary's share of traffic (or of pods, with router `replicas`);
 * - `{pause: {duration: 10m}}` waits, `{pause: {}}` waits until `kubectl argo rollouts promote`;
 * - `{analysis: {}}`: runs the app's AnalysisTemplates (metric gate, smoke test) and aborts on failure.
 */
export const argoStep = z.union(
    [
        z.strictObject({ setWeight: intRange(0, 100) }),
        z.strictObject({ pause: z.strictObject({ duration: argoDuration.optional() }) }),
        z.strictObject({ analysis: z.strictObject({}) }),
    ],
    { error: "expected one of {setWeight: 0-100}, {pause: {duration?}}, {analysis: {}}" },
);
export type ArgoStep = z.infer<typeof argoStep>;

/** Argo Rollouts settings of a canary or blue-green app (`strategy.argo`); read only with engine argoRollouts. */
export const argoSchema = z.strictObject({
    /** Canary steps. @default setWeight 20, analysis, pause until promoted, setWeight 50, pause 10m, analysis */
    steps: z.array(argoStep).min(1, { error: "expected at least one step" }).optional(),
    /** Seconds the aborted canary's pods keep running (for a look at them) before scale-down. @default 30 */
    abortScaleDownDelaySeconds: intRange(0, 86400).default(30),
    /**
     * Blue-green: seconds the previous version keeps running after a promotion, so that undo is an
     * instant switch back (Argo's own default is 30). @default 3600
     */
    scaleDownDelaySeconds: intRange(30, 86400).default(3600),
    /**
     * Blue-green: promote without `kubectl argo rollouts promote` once pre-promotion analysis passed.
     * Refused in production. @default false
     */
    autoPromotionEnabled: z.boolean().default(false),
});
export type ArgoConfig = z.infer<typeof argoSchema>;
export const argoDefaults: ArgoConfig = { abortScaleDownDelaySeconds: 30, scaleDownDelaySeconds: 3600, autoPromotionEnabled: false };

/** The canary steps an Argo app walks when it declares none. */
export const DEFAULT_ARGO_STEPS: readonly ArgoStep[] = [
    { setWeight: 20 },
    { analysis: {} },
    { pause: {} },
    { setWeight: 50 },
    { pause: { duration: "10m" } },
    { analysis: {} },
];

interface StrategyLike {
    type: string;
    engine?: DeliveryEngine;
    weight?: number;
    router?: string;
    argo?: { steps?: ArgoStep[]; autoPromotionEnabled?: boolean };
}

/** The engine of one app: its own `strategy.engine`, else the environment's `deliveryEngine`. Direct apps: launchpad. */
export function engineOf(strategy: StrategyLike, environmentDefault: DeliveryEngine): DeliveryEngine {
    if (strategy.type === "direct") return "launchpad";
    return strategy.engine ?? environmentDefault;
}

/** Cross-field checks; called from the superRefine of `launchpadSchema`. */
export function refineDelivery(
    cfg: { environment: { tier: string; deliveryEngine: DeliveryEngine }; apps: Record<string, { strategy: StrategyLike }> },
    ctx: z.RefinementCtx,
): void {
    for (const [name, app] of Object.entries(cfg.apps)) {
        const s = app.strategy;
        const at = (...p: (string | number)[]) => ["apps", name, "strategy", ...p];
        if (engineOf(s, cfg.environment.deliveryEngine) !== "argoRollouts") {
            if (s.argo !== undefined)
                ctx.addIssue({
                    code: "custom",
                    path: at("argo"),
                    input: s.argo,
                    message: "only read with engine: argoRollouts (set strategy.engine: argoRollouts or remove argo)",
                });
            continue;
        }
        if (s.type === "canary" && s.weight !== undefined && s.weight !== 0)
            ctx.addIssue({
                code: "custom",
                path: at("weight"),
                input: s.weight,
                message: "expected 0 with engine argoRollouts: the controller walks the weights (set strategy.argo.steps)",
            });
        if (s.type === "blueGreen" && s.argo?.steps !== undefined)
            ctx.addIssue({
                code: "custom",
                path: at("argo", "steps"),
                input: s.argo.steps,
                message: "steps are canary steps: a blue-green Rollout has pre- and post-promotion analysis instead",
            });
        if (s.type === "blueGreen" && s.argo?.autoPromotionEnabled === true && cfg.environment.tier === "production")
            ctx.addIssue({
                code: "custom",
                path: at("argo", "autoPromotionEnabled"),
                input: true,
                message: "expected false in production: a person promotes (kubectl argo rollouts promote) after the preview is checked",
            });
    }
}

/**
 * The config with every canary and blue-green strategy's `engine` resolved (its own, else the
 * environment's default), so that components read `strategy.engine` and never restate the default.
 */
export function withEngines<
    C extends { environment: { deliveryEngine: DeliveryEngine }; apps: Record<string, { strategy: StrategyLike }> },
>(config: C): C {
    const apps = Object.fromEntries(
        Object.entries(config.apps).map(([name, app]) => [
            name,
            app.strategy.type === "direct"
                ? app
                : { ...app, strategy: { ...app.strategy, engine: engineOf(app.strategy, config.environment.deliveryEngine) } },
        ]),
    );
    return { ...config, apps };
}

/** Whether an app's release is walked by Argo Rollouts (after `withEngines`, or with an explicit engine). */
export function isArgo(strategy: { type: string; engine?: DeliveryEngine }): boolean {
    return strategy.type !== "direct" && strategy.engine === "argoRollouts";
}
