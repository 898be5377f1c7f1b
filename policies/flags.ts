// Feature-flag safety: a flag may not reach more users in an environment than in the one before it
// (prod <= staging), and kill switches exist and stay boolean. Advisory by default; the pack config
// raises them (`{"flags-rollout-within-previous": "mandatory"}`).
//
// How a prod run knows staging's percentages: the flags are declared once for every environment
// (Pulumi.yaml), so the prod stack renders staging's definitions too and records their rollout on each
// definitions object (annotation `launchpad.dev/flags-previous-rollout`). The policy compares that with
// the percentages it reads from the prod document itself (the `fractional` buckets flagd will use).
// When staging's DEPLOYED state is what counts, CI passes it as pack config instead, from staging's
// stack output: `previousRollout: {"environment": "staging", "rollout": {"new-checkout": 100}}`.
import type { PolicyResource, ReportViolation, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { DEFINITIONS_KEY, FLAGS_COMPONENT, FLAG_META, PREVIOUS_ROLLOUT_ANNOTATION, exposure } from "./shared/flagd";
import type { FlagdDocument } from "./shared/flagd";

export const FLAG_TYPES = {
    ConfigMap: "kubernetes:core/v1:ConfigMap",
    FeatureFlag: "kubernetes:core.openfeature.dev/v1beta1:FeatureFlag",
} as const;

// Resource props are untyped JSON as the engine hands them over.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;

export interface PreviousRollout {
    environment: string;
    /** Flag key -> percentage (0-100) of users exposed there. */
    rollout: Record<string, number>;
}

/** The flagd document a resource carries: a flags ConfigMap (sidecar mode) or a FeatureFlag (operator). */
export function definitionsOf(type: string, props: Obj): FlagdDocument | undefined {
    if (type === FLAG_TYPES.FeatureFlag) {
        const spec = props?.spec?.flagSpec;
        return spec && typeof spec === "object" && spec.flags ? (spec as FlagdDocument) : undefined;
    }
    if (type === FLAG_TYPES.ConfigMap && props?.metadata?.labels?.["app.kubernetes.io/component"] === FLAGS_COMPONENT) {
        const text = props?.data?.[DEFINITIONS_KEY];
        if (typeof text !== "string") return undefined;
        try {
            const doc = JSON.parse(text) as FlagdDocument;
            return doc && typeof doc === "object" && doc.flags ? doc : undefined;
        } catch {
            return undefined;
        }
    }
    return undefined;
}

/** The previous environment's rollout recorded on a definitions object, if any. */
export function previousRolloutOf(props: Obj): PreviousRollout | undefined {
    const text = props?.metadata?.annotations?.[PREVIOUS_ROLLOUT_ANNOTATION];
    if (typeof text !== "string") return undefined;
    try {
        const v = JSON.parse(text) as PreviousRollout;
        return v && typeof v.environment === "string" && v.rollout && typeof v.rollout === "object" ? v : undefined;
    } catch {
        return undefined;
    }
}

/**
 * Violations of "no flag reaches more users here than in the previous environment". A flag the
 * previous environment does not have counts as 0% there.
 */
export function checkRolloutWithinPrevious(doc: FlagdDocument, previous: PreviousRollout, environment = "this environment"): string[] {
    const out: string[] = [];
    for (const key of Object.keys(doc.flags).sort()) {
        const here = exposure(doc.flags[key]);
        const before = previous.rollout[key] ?? 0;
        if (here > before) {
            out.push(
                `flag '${key}' reaches ${here}% of users in ${environment} but ${before}% in ${previous.environment}: ` +
                    `raise it in ${previous.environment} first, or lower it here ` +
                    `(launchpad:flags.flags.${key}.environments.<env>.rollout in Pulumi.yaml; see docs/flags.md)`,
            );
        }
    }
    return out;
}

/** Violations of "a flag marked killSwitch is boolean, with an off variant whose value is false". */
export function checkKillSwitches(doc: FlagdDocument): string[] {
    const out: string[] = [];
    for (const key of Object.keys(doc.flags).sort()) {
        const flag = doc.flags[key];
        if (flag.metadata?.[FLAG_META.killSwitch] !== true) continue;
        const nonBoolean = Object.entries(flag.variants ?? {}).filter(([, v]) => typeof v !== "boolean");
        if (nonBoolean.length > 0) {
            out.push(
                `kill switch '${key}' must be boolean, but variant${nonBoolean.length > 1 ? "s" : ""} ${nonBoolean
                    .map(([n]) => `'${n}'`)
                    .join(", ")} ${nonBoolean.length > 1 ? "are" : "is"} not: set launchpad:flags.flags.${key}.type to boolean`,
            );
            continue;
        }
        const off = flag.metadata?.[FLAG_META.offVariant];
        if (typeof off !== "string" || flag.variants[off] !== false) {
            out.push(`kill switch '${key}' has no off variant whose value is false: set launchpad:flags.flags.${key}.offVariant`);
        }
    }
    return out;
}

/** Violations of "every required kill switch exists in this stack's definitions as a boolean kill switch". */
export function checkRequiredKillSwitches(docs: readonly FlagdDocument[], required: readonly string[]): string[] {
    const out: string[] = [];
    for (const key of [...required].sort()) {
        const found = docs.map((d) => d.flags[key]).filter((f) => f !== undefined);
        if (found.length === 0) {
            out.push(
                `kill switch '${key}' is required (policy config) but no app serves it: declare it under launchpad:flags.flags.${key}`,
            );
            continue;
        }
        if (
            !found.every(
                (f) => f.metadata?.[FLAG_META.killSwitch] === true && Object.values(f.variants).every((v) => typeof v === "boolean"),
            )
        ) {
            out.push(`kill switch '${key}' must be a boolean flag marked killSwitch: true (launchpad:flags.flags.${key})`);
        }
    }
    return out;
}

interface RolloutConfig {
    previousRollout?: PreviousRollout;
}
interface KillSwitchConfig {
    requiredKillSwitches?: string[];
}

function report(reportViolation: ReportViolation, messages: string[], urn?: string): void {
    for (const m of messages) reportViolation(m, urn);
}

export const rolloutWithinPrevious: ResourceValidationPolicy = {
    name: "flags-rollout-within-previous",
    description: "A feature flag may not reach more users in an environment than in the one before it (prod <= staging).",
    enforcementLevel: "advisory",
    configSchema: {
        properties: {
            previousRollout: {
                type: "object",
                description: "The previous environment's deployed rollout, e.g. from `pulumi stack output flags --stack staging`",
                properties: { environment: { type: "string" }, rollout: { type: "object", additionalProperties: { type: "number" } } },
                required: ["environment", "rollout"],
            },
        },
    },
    validateResource: (args, reportViolation) => {
        const doc = definitionsOf(args.type, args.props);
        const recorded = previousRolloutOf(args.props);
        // Only definitions of a non-first environment carry the annotation; the first has nothing to compare with.
        if (!doc || !recorded) return;
        const configured = args.getConfig<RolloutConfig>().previousRollout;
        const environment = typeof doc.metadata?.environment === "string" ? doc.metadata.environment : undefined;
        report(reportViolation, checkRolloutWithinPrevious(doc, configured ?? recorded, environment));
    },
};

export const killSwitchBoolean: ResourceValidationPolicy = {
    name: "flags-kill-switch-boolean",
    description: "A flag marked killSwitch is boolean and has an off variant whose value is false.",
    enforcementLevel: "advisory",
    validateResource: (args, reportViolation) => {
        const doc = definitionsOf(args.type, args.props);
        if (doc) report(reportViolation, checkKillSwitches(doc));
    },
};

export const requiredKillSwitches: StackValidationPolicy = {
    name: "flags-required-kill-switches",
    description: "Kill switches the organisation requires (pack config requiredKillSwitches) exist in the stack and are boolean.",
    enforcementLevel: "advisory",
    configSchema: { properties: { requiredKillSwitches: { type: "array", items: { type: "string" } } } },
    validateStack: (args, reportViolation) => {
        const required = args.getConfig<KillSwitchConfig>().requiredKillSwitches ?? [];
        if (required.length === 0) return;
        const docs = args.resources
            .map((r: PolicyResource) => definitionsOf(r.type, r.props))
            .filter((d): d is FlagdDocument => d !== undefined);
        report(reportViolation, checkRequiredKillSwitches(docs, required));
    },
};

export const flagPolicies = [rolloutWithinPrevious, killSwitchBoolean, requiredKillSwitches];
