// Pure rendering of `launchpad:flags` into flagd flag-definition documents: one environment's effective
// flags (declaration + that environment's overrides), then one document per app with the flags it uses.
import type { Condition, FlagConfig, FlagsConfig, Rule } from "../../config/flags";
import { defaultVariantOf, offVariantOf, trueVariant, variantsOfFlag } from "../../config/flags";
import { FLAGD_SCHEMA, FLAG_META, exposure } from "./flagd";
import type { FlagdDocument, FlagdFlag, JsonLogic } from "./flagd";

/** Evaluation-context attributes the rules read. Apps put these in their OpenFeature context. */
export const CONTEXT = { email: "email", tenant: "tenantId", appVersion: "appVersion" } as const;

/** One flag as it applies in one environment, overrides merged. */
export interface EffectiveFlag {
    readonly key: string;
    readonly description?: string;
    readonly type: FlagConfig["type"];
    readonly variants: Record<string, unknown>;
    readonly defaultVariant: string;
    readonly offVariant: string | undefined;
    readonly state: "ENABLED" | "DISABLED";
    readonly killSwitch: boolean;
    readonly killed: boolean;
    /** `[variant, percentage]` buckets in order (the rolled-out variant first, so raising it nests). */
    readonly fractions: readonly [string, number][] | undefined;
    readonly rules: readonly Rule[];
    readonly apps: readonly string[];
}

/** A flag's effective settings in `environment`. Config must have passed validation. */
export function effectiveFlag(key: string, flag: FlagConfig, environment: string): EffectiveFlag {
    const o = flag.environments[environment] ?? {};
    const defaultVariant = o.defaultVariant ?? defaultVariantOf(flag);
    if (defaultVariant === undefined)
        throw new Error(`programming error: flag ${key} has no default variant (validation should have caught it)`);
    const rollout = o.rollout ?? flag.rollout;
    let fractions: [string, number][] | undefined;
    if (rollout?.split) fractions = Object.entries(rollout.split);
    else if (rollout?.percentage !== undefined) {
        const variant = rollout.variant ?? trueVariant(flag);
        if (variant === undefined) throw new Error(`programming error: flag ${key} rolls out no variant`);
        fractions =
            variant === defaultVariant
                ? [[variant, 100]]
                : [
                      [variant, rollout.percentage],
                      [defaultVariant, 100 - rollout.percentage],
                  ];
    }
    return {
        key,
        ...(flag.description !== undefined ? { description: flag.description } : {}),
        type: flag.type,
        variants: variantsOfFlag(flag),
        defaultVariant,
        offVariant: offVariantOf(flag),
        state: o.state ?? flag.state,
        killSwitch: flag.killSwitch,
        killed: o.killed ?? flag.killed,
        fractions,
        rules: o.rules ?? flag.rules,
        apps: flag.apps,
    };
}

/** Every declared flag's effective settings in `environment`, sorted by key. */
export function effectiveFlags(cfg: FlagsConfig, environment: string): EffectiveFlag[] {
    return Object.keys(cfg.flags)
        .sort()
        .map((key) => effectiveFlag(key, cfg.flags[key], environment));
}

/** JsonLogic for a condition: every given part must hold. */
export function conditionLogic(c: Condition): JsonLogic[] {
    const parts: JsonLogic[] = [];
    if (c.emailDomains) {
        const ends = c.emailDomains.map((d) => ({ ends_with: [{ var: CONTEXT.email }, `@${d}`] }));
        parts.push(ends.length === 1 ? ends[0] : { or: ends });
    }
    if (c.tenants) parts.push({ in: [{ var: CONTEXT.tenant }, [...c.tenants]] });
    if (c.minAppVersion) parts.push({ sem_ver: [{ var: CONTEXT.appVersion }, ">=", c.minAppVersion] });
    return parts;
}

function all(parts: JsonLogic[]): JsonLogic {
    return parts.length === 1 ? parts[0] : { and: parts };
}

function ruleLogic(r: Rule): JsonLogic {
    return all([...(r.segment ? [{ $ref: r.segment }] : []), ...conditionLogic(r)]);
}

/** The targeting of one flag: rules in order (first match wins), then the percentage rollout. */
export function targetingOf(f: EffectiveFlag): JsonLogic | undefined {
    if (f.killed) return undefined;
    const fractional = f.fractions ? { fractional: f.fractions.map(([v, p]) => [v, p]) } : undefined;
    if (f.rules.length === 0) return fractional;
    const args: JsonLogic[] = f.rules.flatMap((r) => [ruleLogic(r), r.variant]);
    if (fractional) args.push(fractional);
    return { if: args };
}

export function renderFlag(f: EffectiveFlag): FlagdFlag {
    const targeting = targetingOf(f);
    const metadata: Record<string, string | boolean> = {};
    if (f.description !== undefined) metadata.description = f.description;
    if (f.offVariant !== undefined) metadata[FLAG_META.offVariant] = f.offVariant;
    if (f.killSwitch) metadata[FLAG_META.killSwitch] = true;
    if (f.killed) metadata[FLAG_META.killed] = true;
    return {
        state: f.state,
        variants: structuredClone(f.variants),
        // A killed flag serves its off variant to everyone, whatever the caller's code default is.
        defaultVariant: f.killed && f.offVariant !== undefined ? f.offVariant : f.defaultVariant,
        ...(targeting !== undefined ? { targeting } : {}),
        ...(Object.keys(metadata).length > 0 ? { metadata } : {}),
    };
}

export interface DocumentMeta {
    environment: string;
    /** The app whose flagd serves the document. */
    app: string;
}

/**
 * The flagd document for `flags`: every segment their rules use goes once into `$evaluators`, and rules
 * refer to it by `$ref`, so an audience is defined in one place however many flags target it.
 */
export function renderDocument(flags: readonly EffectiveFlag[], segments: Record<string, Condition>, meta: DocumentMeta): FlagdDocument {
    const used = [...new Set(flags.filter((f) => !f.killed).flatMap((f) => f.rules.flatMap((r) => (r.segment ? [r.segment] : []))))].sort();
    const evaluators: Record<string, JsonLogic> = {};
    for (const s of used) evaluators[s] = all(conditionLogic(segments[s]));
    const out: Record<string, FlagdFlag> = {};
    for (const f of [...flags].sort((a, b) => a.key.localeCompare(b.key))) out[f.key] = renderFlag(f);
    return {
        $schema: FLAGD_SCHEMA,
        ...(used.length > 0 ? { $evaluators: evaluators } : {}),
        flags: out,
        metadata: { flagSetId: `${meta.environment}/${meta.app}`, environment: meta.environment },
    };
}

/** One document per app that uses at least one flag in `environment`, keyed by app name (sorted). */
export function documentsByApp(cfg: FlagsConfig, environment: string): Map<string, FlagdDocument> {
    const flags = effectiveFlags(cfg, environment);
    const apps = [...new Set(flags.flatMap((f) => f.apps))].sort();
    return new Map(
        apps.map((app) => [
            app,
            renderDocument(
                flags.filter((f) => f.apps.includes(app)),
                cfg.segments,
                { environment, app },
            ),
        ]),
    );
}

/** Stable JSON of a document: what the ConfigMap holds and the checksum is taken of. */
export function documentJson(doc: FlagdDocument): string {
    return JSON.stringify(doc, null, 2) + "\n";
}

/** What a stack reports per flag and environment. */
export interface FlagStatus {
    state: "ENABLED" | "DISABLED";
    killed: boolean;
    /** Percentage of untargeted users served something other than the off variant (see `exposure`). */
    rollout: number;
    /** Number of targeting rules. */
    rules: number;
}

/** Flag -> environment -> status, for every declared environment (the declaration is shared). */
export function flagStatus(cfg: FlagsConfig): Record<string, Record<string, FlagStatus>> {
    const out: Record<string, Record<string, FlagStatus>> = {};
    for (const env of cfg.environments) {
        for (const f of effectiveFlags(cfg, env)) {
            out[f.key] ??= {};
            out[f.key][env] = { state: f.state, killed: f.killed, rollout: exposure(renderFlag(f)), rules: f.killed ? 0 : f.rules.length };
        }
    }
    return out;
}

/**
 * The environment before `environment` in promotion order and its flags' rollout percentages: what
 * the policy compares this environment's rollout with. Undefined for the first environment.
 */
export function previousRollout(
    cfg: FlagsConfig,
    environment: string,
): { environment: string; rollout: Record<string, number> } | undefined {
    const i = cfg.environments.indexOf(environment);
    if (i <= 0) return undefined;
    const prev = cfg.environments[i - 1];
    const rollout: Record<string, number> = {};
    for (const f of effectiveFlags(cfg, prev)) rollout[f.key] = exposure(renderFlag(f));
    return { environment: prev, rollout };
}
