// Feature flags (`launchpad:flags`): declared ONCE for every environment, with per-environment overrides.
//
// Where the declaration lives: Pulumi stack config cannot inherit from another stack, so the flags are
// a project-level value in Pulumi.yaml (`config: launchpad:flags: value: {...}`), which Pulumi hands to
// every stack. Each stack picks its own environment's overrides by `launchpad:environment.name`. One
// declaration also means every stack knows every environment's rollout: the prod run can show (and the
// policy can check) staging's percentages without reading another stack. A stack file may still set
// `launchpad:flags` to replace the whole value (Pulumi's precedence), which docs/flags.md advises against.
import { z } from "zod";

import { dnsLabel, dnsName, intRange, pinnedImage, semver } from "./primitives";
import type { RefineHook } from "./primitives";

/** A flag key as applications ask for it: `new-checkout`, `payments.kill-switch`. */
export const flagKey = z.string().regex(/^[a-z][a-z0-9]*([._-][a-z0-9]+)*$/, {
    error: "expected a flag key: lowercase letters and digits separated by '-', '_' or '.', starting with a letter",
});
const variantName = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,62}$/, {
    error: "expected a variant name (a letter, then letters, digits, '-' or '_')",
});
const segmentName = z.string().regex(/^[a-z][a-zA-Z0-9-]{0,62}$/, { error: "expected a segment name such as staff or beta-tenants" });
const domain = dnsName("a DNS domain such as example.com");

export const FLAG_TYPES = ["boolean", "string", "number", "object"] as const;
export type FlagType = (typeof FLAG_TYPES)[number];

/**
 * Who a rule or segment matches. Every condition given must hold (AND). The evaluation context
 * attributes are fixed so that every app sends the same ones: `email`, `tenantId`, `appVersion`.
 */
export const conditionSchema = z.strictObject({
    /** Users whose `email` ends with `@<domain>` for one of these domains. */
    emailDomains: z.array(domain).min(1).optional(),
    /** Users whose `tenantId` is one of these. */
    tenants: z.array(z.string().min(1)).min(1).optional(),
    /** Clients whose `appVersion` is at least this semantic version (flagd `sem_ver`). */
    minAppVersion: semver.optional(),
});
export type Condition = z.infer<typeof conditionSchema>;

/** A targeting rule: users matching a named segment and/or inline conditions get `variant`. First match wins. */
export const ruleSchema = z.strictObject({
    ...conditionSchema.shape,
    /** A segment declared under `launchpad:flags.segments` (shared `$evaluators` in the flagd document). */
    segment: segmentName.optional(),
    variant: variantName,
});
export type Rule = z.infer<typeof ruleSchema>;

/**
 * A percentage rollout of users NOT matched by a rule, sticky per user (flagd `fractional` over the
 * flag key and the context's `targetingKey`). Either `percentage` of users get `variant` (the rest get
 * the default variant), or `split` shares users between variants with percentages summing to 100.
 */
export const rolloutSchema = z.strictObject({
    /** Percentage of users who get `variant`. Raising it keeps everyone who already had it (nesting). */
    percentage: intRange(0, 100).optional(),
    /** The variant being rolled out. @default the variant whose value is `true` (boolean flags) */
    variant: variantName.optional(),
    /** Variant -> percentage, summing to 100 (A/B/n tests). */
    split: z.record(variantName, intRange(0, 100)).optional(),
});
export type Rollout = z.infer<typeof rolloutSchema>;

/** What one environment changes about a flag. Each given field replaces the declared one. */
export const flagOverrideSchema = z.strictObject({
    state: z.enum(["ENABLED", "DISABLED"]).optional(),
    /** Serve `offVariant` to everyone, ignoring rules and rollout (the kill switch pulled). */
    killed: z.boolean().optional(),
    defaultVariant: variantName.optional(),
    rollout: rolloutSchema.optional(),
    rules: z.array(ruleSchema).optional(),
});
export type FlagOverride = z.infer<typeof flagOverrideSchema>;

const variantValue = z.union([z.boolean(), z.string(), z.number(), z.record(z.string(), z.unknown())], {
    error: "expected a boolean, string, number or object",
});

export const flagSchema = z.strictObject({
    description: z.string().optional(),
    type: z.enum(FLAG_TYPES),
    /** Variant name -> value, all of `type`. @default {on: true, off: false} for boolean flags */
    variants: z.record(variantName, variantValue).optional(),
    /** What users get when no rule or rollout picks a variant. @default "off" for boolean flags */
    defaultVariant: variantName.optional(),
    /** The "feature off" variant: served when the flag is killed. @default the `false` variant (boolean), else defaultVariant */
    offVariant: variantName.optional(),
    /**
     * ENABLED evaluates the flag. DISABLED makes flagd answer every caller with the caller's own code
     * default (reason DISABLED), as if the flag did not exist.
     */
    state: z.enum(["ENABLED", "DISABLED"]).default("ENABLED"),
    /** Marks an operational kill switch: must be boolean; the policy checks that it stays so. */
    killSwitch: z.boolean().default(false),
    /** Serve `offVariant` to everyone (deterministic, unlike DISABLED, which depends on each caller's default). */
    killed: z.boolean().default(false),
    rollout: rolloutSchema.optional(),
    rules: z.array(ruleSchema).default([]),
    /** Apps whose flagd serves this flag. */
    apps: z.array(dnsLabel).min(1, { error: "expected at least one app" }),
    /** Per-environment overrides, keyed by environment name (one of `launchpad:flags.environments`). */
    environments: z.record(dnsLabel, flagOverrideSchema).default({}),
});
export type FlagConfig = z.infer<typeof flagSchema>;

/** Pinned flagd release (ghcr.io/open-feature/flagd v0.16.1). */
export const FLAGD_IMAGE = "ghcr.io/open-feature/flagd:v0.16.1@sha256:9525b3c2916183810f93f0a72774c1dfad48d1ae22852c753719c46db80af5e7";

export const deliverySchema = z.discriminatedUnion(
    "mode",
    [
        z.strictObject({
            /** A flagd sidecar in every pod of the app, reading the definitions from a ConfigMap. */
            mode: z.literal("sidecar"),
            /** Apps whose pods restart when their definitions change (otherwise flagd reloads the file live). */
            rollOnChange: z.array(dnsLabel).default([]),
        }),
        z.strictObject({
            /**
             * The OpenFeature Operator injects the sidecar: FeatureFlag + FeatureFlagSource objects and pod
             * annotations. The sidecar syncs through flagd-proxy (the app pods mount no service account token,
             * so flagd cannot read FeatureFlag objects from the Kubernetes API itself).
             */
            mode: z.literal("operator"),
            rollOnChange: z.array(dnsLabel).default([]),
            /** Namespace the operator and its flagd-proxy run in (egress is allowed there). */
            operatorNamespace: dnsLabel.default("open-feature-operator-system"),
            /** flagd-proxy's sync port. */
            proxyPort: intRange(1, 65535).default(8015),
        }),
    ],
    { error: (iss) => (iss.code === "invalid_union" ? "expected mode sidecar or operator" : undefined) },
);
export type Delivery = z.infer<typeof deliverySchema>;

export const flagsSchema = z.strictObject({
    /** Every environment flags are declared for, in promotion order (staging before prod). */
    environments: z.array(dnsLabel).min(1, { error: "expected at least one environment" }),
    /** Delivery per environment. @default {mode: sidecar} */
    delivery: z.record(dnsLabel, deliverySchema).default({}),
    /** The flagd sidecar (sidecar mode; the operator brings its own). */
    sidecar: z
        .strictObject({
            image: pinnedImage.default(FLAGD_IMAGE),
            /** Evaluation port (gRPC and HTTP) the apps call on localhost. */
            port: intRange(1024, 65535).default(8013),
            /** Management port: /healthz, /readyz, /metrics. */
            managementPort: intRange(1024, 65535).default(8014),
        })
        .default({ image: FLAGD_IMAGE, port: 8013, managementPort: 8014 }),
    /** Named audiences that rules share; rendered once into the document's `$evaluators`. */
    segments: z.record(segmentName, conditionSchema).default({}),
    flags: z.record(flagKey, flagSchema).default({}),
});
export type FlagsConfig = z.infer<typeof flagsSchema>;
export type FlagsConfigInput = z.input<typeof flagsSchema>;

/** Ports flagd listens on inside the pod besides the configured two (sync, OFREP). */
const FLAGD_FIXED_PORTS = [8015, 8016];

/** The flagd container's name in the pods of apps that use flags (the operator's injected one has it too). */
export const FLAGD_CONTAINER = "flagd";

/** What Launchpad sets in the app container of an app that uses flags, for the OpenFeature flagd provider. */
export const FLAGD_ENV = ["FLAGD_HOST", "FLAGD_PORT", "FLAGD_RESOLVER"] as const;

function variantsOf(flag: FlagConfig): Record<string, unknown> {
    return flag.variants ?? (flag.type === "boolean" ? { on: true, off: false } : {});
}

/** The variant a boolean flag rolls out by default: the one whose value is `true`. */
export function trueVariant(flag: FlagConfig): string | undefined {
    return Object.entries(variantsOf(flag)).find(([, v]) => v === true)?.[0];
}

/** The variant served when the flag is killed (see `offVariant`). */
export function offVariantOf(flag: FlagConfig): string | undefined {
    if (flag.offVariant) return flag.offVariant;
    if (flag.type === "boolean") return Object.entries(variantsOf(flag)).find(([, v]) => v === false)?.[0];
    return flag.defaultVariant;
}

export function defaultVariantOf(flag: FlagConfig): string | undefined {
    return flag.defaultVariant ?? (flag.type === "boolean" ? "off" : undefined);
}

export function variantsOfFlag(flag: FlagConfig): Record<string, unknown> {
    return variantsOf(flag);
}

type Issue = { path: PropertyKey[]; input: unknown; message: string };

function typeOf(v: unknown): string {
    if (v !== null && typeof v === "object" && !Array.isArray(v)) return "object";
    return Array.isArray(v) ? "array" : typeof v;
}

/** Checks one rule list and rollout against a flag's variants and the declared segments. */
function checkTargeting(
    out: Issue[],
    at: PropertyKey[],
    flag: FlagConfig,
    variants: string[],
    segments: Record<string, unknown>,
    rollout: Rollout | undefined,
    rules: readonly Rule[] | undefined,
): void {
    const known = `expected one of the flag's variants (${variants.join(", ")})`;
    (rules ?? []).forEach((r, i) => {
        if (!variants.includes(r.variant)) out.push({ path: [...at, "rules", i, "variant"], input: r.variant, message: known });
        if (r.segment !== undefined && !(r.segment in segments)) {
            out.push({
                path: [...at, "rules", i, "segment"],
                input: r.segment,
                message: `expected a segment declared under launchpad:flags.segments (${Object.keys(segments).join(", ") || "none declared"})`,
            });
        }
        if (!r.segment && !r.emailDomains && !r.tenants && !r.minAppVersion) {
            out.push({
                path: [...at, "rules", i],
                input: r,
                message: "expected at least one of segment, emailDomains, tenants, minAppVersion",
            });
        }
    });
    if (!rollout) return;
    const hasPct = rollout.percentage !== undefined;
    const hasSplit = rollout.split !== undefined;
    if (hasPct === hasSplit) {
        out.push({ path: [...at, "rollout"], input: rollout, message: "expected either percentage (with variant) or split" });
        return;
    }
    if (hasPct) {
        const v = rollout.variant ?? (flag.type === "boolean" ? trueVariant(flag) : undefined);
        if (v === undefined) out.push({ path: [...at, "rollout", "variant"], input: undefined, message: `required: ${known}` });
        else if (!variants.includes(v)) out.push({ path: [...at, "rollout", "variant"], input: v, message: known });
    } else {
        if (rollout.variant !== undefined)
            out.push({ path: [...at, "rollout", "variant"], input: rollout.variant, message: "not used with split: remove it" });
        const split = rollout.split ?? {};
        for (const v of Object.keys(split))
            if (!variants.includes(v)) out.push({ path: [...at, "rollout", "split", v], input: v, message: known });
        const sum = Object.values(split).reduce((a, b) => a + b, 0);
        if (sum !== 100)
            out.push({
                path: [...at, "rollout", "split"],
                input: split,
                message: `expected percentages summing to 100 (these sum to ${sum})`,
            });
    }
}

/**
 * Cross-field checks of `launchpad:flags` against the rest of the stack. Called from the launchpad
 * schema's superRefine; every problem names its key path under `flags`.
 */
export const refineFlags: RefineHook<{
    flags?: FlagsConfig;
    environment: { name: string };
    apps: Record<string, { port: number; env: Record<string, string>; secretEnv: Record<string, unknown> }>;
}> = (cfg, ctx) => {
    for (const issue of flagsIssues(cfg.flags, { environment: cfg.environment.name, apps: cfg.apps }))
        ctx.addIssue({ code: "custom", ...issue });
};

function flagsIssues(
    flags: FlagsConfig | undefined,
    stack: { environment: string; apps: Record<string, { port: number; env: Record<string, string>; secretEnv: Record<string, unknown> }> },
): Issue[] {
    const out: Issue[] = [];
    if (!flags) return out;
    const envs = flags.environments;
    const appNames = Object.keys(stack.apps);
    const P = ["flags"];
    if (Object.keys(flags.flags).length > 0 && !envs.includes(stack.environment)) {
        out.push({
            path: [...P, "environments"],
            input: envs,
            message: `expected to include this stack's environment '${stack.environment}' (launchpad:environment.name)`,
        });
    }
    if (new Set(envs).size !== envs.length) out.push({ path: [...P, "environments"], input: envs, message: "expected no duplicates" });
    for (const [env, d] of Object.entries(flags.delivery)) {
        if (!envs.includes(env))
            out.push({
                path: [...P, "delivery", env],
                input: env,
                message: `expected one of launchpad:flags.environments (${envs.join(", ")})`,
            });
        d.rollOnChange.forEach((app, i) => {
            if (!appNames.includes(app) && env === stack.environment)
                out.push({
                    path: [...P, "delivery", env, "rollOnChange", i],
                    input: app,
                    message: `expected the name of an app in this stack (${appNames.join(", ")})`,
                });
        });
    }
    const sc = flags.sidecar;
    if (sc.port === sc.managementPort || FLAGD_FIXED_PORTS.includes(sc.port) || FLAGD_FIXED_PORTS.includes(sc.managementPort)) {
        out.push({
            path: [...P, "sidecar"],
            input: sc,
            message: "expected distinct ports, none of 8015 or 8016 (flagd's sync and OFREP ports)",
        });
    }
    const flagdPorts = [sc.port, sc.managementPort, ...FLAGD_FIXED_PORTS];
    const usingFlags = new Set<string>();
    for (const [key, flag] of Object.entries(flags.flags)) {
        const at = [...P, "flags", key];
        const variants = variantsOfFlag(flag);
        const names = Object.keys(variants);
        if (names.length === 0) out.push({ path: [...at, "variants"], input: flag.variants, message: `required for ${flag.type} flags` });
        for (const [name, value] of Object.entries(variants)) {
            if (typeOf(value) !== flag.type) {
                out.push({
                    path: [...at, "variants", name],
                    input: value,
                    message: `expected a ${flag.type}: every variant of a ${flag.type} flag has that type (no mixed variant types)`,
                });
            }
        }
        const known = `expected one of the flag's variants (${names.join(", ")})`;
        const def = defaultVariantOf(flag);
        if (def === undefined) out.push({ path: [...at, "defaultVariant"], input: undefined, message: `required: ${known}` });
        else if (!names.includes(def)) out.push({ path: [...at, "defaultVariant"], input: def, message: known });
        const off = offVariantOf(flag);
        if (flag.offVariant !== undefined && !names.includes(flag.offVariant))
            out.push({ path: [...at, "offVariant"], input: flag.offVariant, message: known });
        if (flag.killSwitch) {
            if (flag.type !== "boolean")
                out.push({ path: [...at, "type"], input: flag.type, message: "a killSwitch flag must be boolean" });
            else if (off === undefined || variants[off] !== false)
                out.push({
                    path: [...at, "offVariant"],
                    input: off,
                    message: "a killSwitch flag needs an off variant whose value is false",
                });
        }
        checkTargeting(out, at, flag, names, flags.segments, flag.rollout, flag.rules);
        flag.apps.forEach((app, i) => {
            if (!appNames.includes(app))
                out.push({
                    path: [...at, "apps", i],
                    input: app,
                    message: `expected the name of an app in this stack (${appNames.join(", ")})`,
                });
            else usingFlags.add(app);
        });
        for (const [env, o] of Object.entries(flag.environments)) {
            const eat = [...at, "environments", env];
            if (!envs.includes(env)) {
                out.push({ path: eat, input: env, message: `expected one of launchpad:flags.environments (${envs.join(", ")})` });
                continue;
            }
            if (o.defaultVariant !== undefined && !names.includes(o.defaultVariant))
                out.push({ path: [...eat, "defaultVariant"], input: o.defaultVariant, message: known });
            checkTargeting(out, eat, flag, names, flags.segments, o.rollout, o.rules);
        }
        if ((flag.killed || Object.values(flag.environments).some((o) => o.killed)) && off === undefined)
            out.push({ path: [...at, "offVariant"], input: undefined, message: `required to kill the flag: ${known}` });
    }
    for (const app of usingFlags) {
        if (app === FLAGD_CONTAINER)
            out.push({
                path: ["apps", app],
                input: app,
                message: `expected another name for an app that uses flags: its pods get a flagd container named '${FLAGD_CONTAINER}' beside the app's container, which takes the app's name`,
            });
        for (const source of ["env", "secretEnv"] as const)
            for (const name of Object.keys(stack.apps[app][source]).filter((n) => (FLAGD_ENV as readonly string[]).includes(n)))
                out.push({
                    path: ["apps", app, source, name],
                    input: name,
                    message: `set by Launchpad for an app that uses flags (${FLAGD_ENV.join(", ")} point the OpenFeature provider at flagd): remove it`,
                });
        if (flagdPorts.includes(stack.apps[app].port))
            out.push({
                path: ["apps", app, "port"],
                input: stack.apps[app].port,
                message: `conflicts with the flagd sidecar's ports (${flagdPorts.join(", ")}): choose another port`,
            });
    }
    return out;
}
