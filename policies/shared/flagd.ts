// The flagd flag-definition format (https://flagd.dev/schema/v0/flags.json) and what can be read back
// from a rendered document. No imports: the policy pack uses this module too.

export const FLAGD_SCHEMA = "https://flagd.dev/schema/v0/flags.json";

/** A JsonLogic expression (flagd targeting). */
export type JsonLogic = unknown;

export interface FlagdFlag {
    state: "ENABLED" | "DISABLED";
    variants: Record<string, unknown>;
    defaultVariant: string;
    targeting?: JsonLogic;
    /** flagd allows string, number and boolean values only. */
    metadata?: Record<string, string | number | boolean>;
}

export interface FlagdDocument {
    $schema?: string;
    /** Shared rules, referenced from targeting as `{"$ref": "<name>"}`. */
    $evaluators?: Record<string, JsonLogic>;
    flags: Record<string, FlagdFlag>;
    metadata?: Record<string, string | number | boolean>;
}

/** Metadata keys Launchpad writes on each flag. */
export const FLAG_META = {
    /** The variant meaning "feature off": what a killed flag serves, and the baseline of `exposure`. */
    offVariant: "offVariant",
    /** Present and true on flags declared `killSwitch`. */
    killSwitch: "killSwitch",
    /** Present and true when the flag is killed in this environment. */
    killed: "killed",
} as const;

/** The first `fractional` operation in a JsonLogic tree: its `[variant, weight]` buckets. */
export function fractionalOf(logic: JsonLogic): [string, number][] | undefined {
    if (Array.isArray(logic)) {
        for (const item of logic) {
            const found = fractionalOf(item);
            if (found) return found;
        }
        return undefined;
    }
    if (logic === null || typeof logic !== "object") return undefined;
    for (const [op, args] of Object.entries(logic as Record<string, unknown>)) {
        if (op === "fractional" && Array.isArray(args)) {
            // An optional first argument is the bucketing expression; buckets are [variant, weight] pairs.
            return args.filter((a): a is [string, number] => Array.isArray(a)).map(([v, w]) => [String(v), typeof w === "number" ? w : 1]);
        }
        const found = fractionalOf(args);
        if (found) return found;
    }
    return undefined;
}

/**
 * The percentage (0-100) of users not matched by a targeting rule who get something other than the
 * flag's off variant: the "rollout" a policy compares between environments. A disabled flag exposes
 * nobody (callers fall back to their code default); without a `fractional`, everyone or nobody gets
 * the default variant.
 */
export function exposure(flag: FlagdFlag): number {
    if (flag.state === "DISABLED") return 0;
    const offMeta = flag.metadata?.[FLAG_META.offVariant];
    const off = typeof offMeta === "string" ? offMeta : flag.defaultVariant;
    const buckets = flag.targeting === undefined ? undefined : fractionalOf(flag.targeting);
    if (!buckets) return flag.defaultVariant === off ? 0 : 100;
    const total = buckets.reduce((a, [, w]) => a + Math.max(0, w), 0);
    if (total === 0) return 0;
    const on = buckets.filter(([v]) => v !== off).reduce((a, [, w]) => a + Math.max(0, w), 0);
    return Math.round((on / total) * 10000) / 100;
}

/** Every flag's exposure in a document. */
export function exposures(doc: FlagdDocument): Record<string, number> {
    const out: Record<string, number> = {};
    for (const key of Object.keys(doc.flags).sort()) out[key] = exposure(doc.flags[key]);
    return out;
}

/** Label value (`app.kubernetes.io/component`) of the objects that carry flag definitions. */
export const FLAGS_COMPONENT = "feature-flags";
/** ConfigMap key holding the document (flagd's file sync wants a .json/.yaml name). */
export const DEFINITIONS_KEY = "flags.json";
/**
 * Annotation on a definitions object: JSON `{"environment": "staging", "rollout": {"<flag>": 100}}`,
 * the previous environment's rollout percentages (from the shared declaration) for the policy.
 */
export const PREVIOUS_ROLLOUT_ANNOTATION = "launchpad.dev/flags-previous-rollout";
