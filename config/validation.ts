// Configuration of post-deployment validation: per-app smoke checks and metric-gate thresholds, and the
// stack-wide `launchpad:validation` key (runner image, Prometheus, defaults, release notices).
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";

import { httpUrl, intRange as int, pinnedImage as pinned } from "./primitives";
import type { RefineHook } from "./primitives";

/** A Prometheus range duration: 30s, 5m, 1h. */
const PROM_DURATION = /^[1-9][0-9]*(s|m|h)$/;
export const promDuration = z.string().regex(PROM_DURATION, { error: "expected a Prometheus duration such as 30s, 5m or 1h" });

/** One HTTP check the smoke runner makes against the Service under test. */
export const smokeCheck = z.strictObject({
    /** Shown in results and errors. @default "<method> <path>" */
    name: z.string().min(1).max(80).optional(),
    method: z.enum(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]).default("GET"),
    path: z.string().startsWith("/", { error: "expected an HTTP path starting with /" }),
    headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/, { error: "expected an HTTP header name" }), z.string()).default({}),
    /** Request body (sent as is). */
    body: z.string().optional(),
    /** Expected HTTP status. @default 200 */
    status: int(100, 599).default(200),
    /** The response body must contain this text (`{{version}}` is replaced by the version under test). */
    bodyContains: z.string().min(1).optional(),
    /** The JSON response must have these fields (dot paths, `a.b.0.c`) equal to these values (`{{version}}` as above). */
    json: z.record(z.string().min(1), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
    /** Slowest acceptable response, in milliseconds. @default 2000 */
    maxLatencyMs: int(1, 120000).default(2000),
});
export type SmokeCheck = z.infer<typeof smokeCheck>;

/** Per-app smoke tests: `launchpad:apps.<app>.smoke`. */
export const smokeSchema = z.strictObject({
    checks: z.array(smokeCheck).min(1, { error: "expected at least one check" }),
    /** Attempts per check after the first failure (exponential backoff between them). @default 3 */
    retries: int(0, 20).default(3),
    /** First backoff delay; doubles on every retry up to maxBackoffMs. @default 1000 */
    backoffMs: int(0, 60000).default(1000),
    maxBackoffMs: int(0, 300000).default(10000),
    /** Hard limit for the whole Job (activeDeadlineSeconds) and for `up`'s wait on it. @default 300 */
    timeoutSeconds: int(10, 3600).default(300),
});
export type SmokeConfig = z.infer<typeof smokeSchema>;

/** Seconds in a Prometheus duration (`30s`, `5m`, `1h`). */
const durationSeconds = (d: string): number => Number(d.slice(0, -1)) * { s: 1, m: 60, h: 3600 }[d.slice(-1) as "s" | "m" | "h"];
const bounded = (what: string, min: number, max: number) =>
    z
        .number({ error: `expected ${what} ${min}-${max}` })
        .min(min, { error: `expected ${what} ${min}-${max}` })
        .max(max, { error: `expected ${what} ${min}-${max}` });

/**
 * Gate thresholds, bounded so that a gate stays a gate: beyond these bounds it can no longer fail on a
 * bad version (an error ratio of 0.6 passes a version that fails most requests; a latency limit of
 * 1e12 s never fires; a window of seconds is noise, one of days averages a new version away).
 * docs/validation.md lists them.
 */
const gateFields = {
    /** Range of the rate() windows the queries use, 1m-1h. @default "5m" */
    // (A value that is no duration at all is reported once, by promDuration.)
    window: promDuration.refine((d) => !PROM_DURATION.test(d) || (durationSeconds(d) >= 60 && durationSeconds(d) <= 3600), {
        error: "expected a window between 1m and 1h (shorter is noise, longer averages a new version away)",
    }),
    /** Highest acceptable error ratio (5xx / all) of the new version, at most 0.5. @default 0.01 */
    maxErrorRatio: bounded("an error ratio", 0, 0.5),
    /** How much higher than the stable version's the new version's error ratio may be (absolute), at most 0.5. @default 0.005 */
    maxErrorRatioIncrease: bounded("an error-ratio increase", 0, 0.5),
    /** Latency quantile compared (0.99 = p99), 0.5-0.999. @default 0.99 */
    latencyQuantile: bounded("a quantile", 0.5, 0.999),
    /** Highest acceptable latency at that quantile, in seconds, up to 60. @default 0.5 */
    maxLatencySeconds: z
        .number({ error: "expected a number of seconds, more than 0 and at most 60" })
        .positive({ error: "expected a number of seconds, more than 0 and at most 60" })
        .max(60, { error: "expected a number of seconds, more than 0 and at most 60" }),
    /** Highest acceptable ratio of the new version's latency to the stable version's, 1-10. @default 1.5 */
    maxLatencyRatio: bounded("a latency ratio", 1, 10),
    /**
     * A query without data (no traffic, not scraped) fails the gate (`fail`) or is reported and passed
     * (`pass`; refused in production, where a gate that sees nothing must not pass). @default "fail"
     */
    onNoData: z.enum(["fail", "pass"]),
};
export const gateDefaults = {
    window: "5m",
    maxErrorRatio: 0.01,
    maxErrorRatioIncrease: 0.005,
    latencyQuantile: 0.99,
    maxLatencySeconds: 0.5,
    maxLatencyRatio: 1.5,
    onNoData: "fail",
} as const;
/** Stack-wide gate thresholds (`launchpad:validation.gate`), every field defaulted. */
export const gateSchema = z.strictObject({
    /** Metric gates on canary steps and blue-green switches. @default true when prometheusUrl is set */
    enabled: z.boolean().optional(),
    window: gateFields.window.default(gateDefaults.window),
    maxErrorRatio: gateFields.maxErrorRatio.default(gateDefaults.maxErrorRatio),
    maxErrorRatioIncrease: gateFields.maxErrorRatioIncrease.default(gateDefaults.maxErrorRatioIncrease),
    latencyQuantile: gateFields.latencyQuantile.default(gateDefaults.latencyQuantile),
    maxLatencySeconds: gateFields.maxLatencySeconds.default(gateDefaults.maxLatencySeconds),
    maxLatencyRatio: gateFields.maxLatencyRatio.default(gateDefaults.maxLatencyRatio),
    onNoData: gateFields.onNoData.default(gateDefaults.onNoData),
});
export type GateConfig = Omit<z.infer<typeof gateSchema>, "enabled"> & { enabled: boolean };
/** Per-app overrides (`launchpad:apps.<app>.gate`): any field of the stack-wide gate. */
export const gateOverrideSchema = z.strictObject({ enabled: z.boolean().optional(), ...partial(gateFields) });
export type GateOverride = z.infer<typeof gateOverrideSchema>;

function partial<T extends Record<string, z.ZodType>>(fields: T): { [K in keyof T]: z.ZodOptional<T[K]> } {
    return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v.optional()])) as { [K in keyof T]: z.ZodOptional<T[K]> };
}

/**
 * Node image the smoke runner runs in (the compiled runner comes in a ConfigMap). Pinned by digest;
 * its `node` user is uid 1000.
 */
export const DEFAULT_RUNNER_IMAGE =
    "docker.io/library/node:20-alpine@sha256:fb4cd12c85ee03686f6af5362a0b0d56d50c58a04632e6c0fb8363f609372293";

/** `launchpad:validation`: everything validation needs that is not per app. */
export const validationSchema = z.strictObject({
    /** Image that runs the compiled smoke runner (Node 20+). */
    runnerImage: pinned.default(DEFAULT_RUNNER_IMAGE),
    /** Prometheus HTTP API base URL, reachable from where `pulumi up` runs (the gate queries it). */
    prometheusUrl: httpUrl("http://prometheus.monitoring:9090").optional(),
    gate: gateSchema.default(gateSchema.parse({})),
    /** Release notices (prod stacks): the `releases` SNS topic and an optional chat webhook. */
    notices: z
        .strictObject({
            /** @default true for production-tier environments, false otherwise */
            enabled: z.boolean().optional(),
            /** ARN of the `<env>-releases` SNS topic (the monitoring component's output once wired). */
            topicArn: z
                .string()
                .regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+$/, { error: "expected an SNS topic ARN" })
                .optional(),
        })
        .default({}),
});
export type ValidationConfig = z.infer<typeof validationSchema>;

/** Cross-field checks; called from the superRefine of `launchpadSchema`. */
export const refineValidation: RefineHook<{
    environment: { tier: string };
    validation: ValidationConfig;
    apps: Record<string, { kind: string; smoke?: SmokeConfig; gate?: GateOverride; strategy: { type: string } }>;
}> = (cfg, ctx) => {
    const production = cfg.environment.tier === "production";
    // Production: a gate that passes without data (no traffic, scrape broken) validates nothing.
    if (production && cfg.validation.gate.onNoData === "pass")
        ctx.addIssue({
            code: "custom",
            path: ["validation", "gate", "onNoData"],
            input: "pass",
            message: "expected fail in production (a gate without data must not let a release through)",
        });
    for (const [name, app] of Object.entries(cfg.apps)) {
        if (production && app.gate?.onNoData === "pass")
            ctx.addIssue({
                code: "custom",
                path: ["apps", name, "gate", "onNoData"],
                input: "pass",
                message: "expected fail in production (a gate without data must not let a release through)",
            });
        // Production: without a check of the version, a smoke test passes against the old version (a
        // Service still pointing at it, a rollout that never happened).
        if (production && app.kind === "service" && app.smoke && !app.smoke.checks.some(checksVersion))
            ctx.addIssue({
                code: "custom",
                path: ["apps", name, "smoke", "checks"],
                input: app.smoke.checks.map((c) => c.name ?? c.path),
                message:
                    'expected a check of the version under test in production, e.g. { name: version, path: /version, json: { version: "{{version}}" } }',
            });
    }
    for (const [name, app] of Object.entries(cfg.apps)) {
        if (app.kind === "worker" && app.smoke) {
            ctx.addIssue({
                code: "custom",
                path: ["apps", name, "smoke"],
                input: app.smoke,
                message: "a worker serves no HTTP traffic to test: remove smoke or set kind: service",
            });
        }
    }
    const gated = Object.entries(cfg.apps)
        .filter(
            ([, app]) =>
                app.kind === "service" && app.strategy.type !== "direct" && (app.gate?.enabled ?? cfg.validation.gate.enabled) === true,
        )
        .map(([name]) => name)
        .sort();
    if (gated.length > 0 && !cfg.validation.prometheusUrl) {
        ctx.addIssue({
            code: "custom",
            path: ["validation", "prometheusUrl"],
            input: undefined,
            message: `expected the Prometheus URL the metric gates of ${gated.join(", ")} query (or set validation.gate.enabled: false)`,
        });
    }
};

/** Does a smoke check assert the version under test (`{{version}}` in bodyContains or a json value)? */
export function checksVersion(c: SmokeCheck): boolean {
    return (
        (c.bodyContains ?? "").includes(VERSION_PLACEHOLDER) ||
        Object.values(c.json ?? {}).some((v) => String(v).includes(VERSION_PLACEHOLDER))
    );
}
export const VERSION_PLACEHOLDER = "{{version}}";

/** The merged gate settings of one app. */
export function gateFor(validation: ValidationConfig, override: GateOverride | undefined): GateConfig {
    const out: GateConfig = { ...validation.gate, enabled: validation.gate.enabled ?? validation.prometheusUrl !== undefined };
    for (const [k, v] of Object.entries(override ?? {})) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
    return out;
}

/** Secret config validation needs; read by index.ts only. */
export interface ValidationSecrets {
    /** Slack-compatible incoming-webhook URL for release notices (`launchpad:releaseWebhookUrl`, a secret). */
    releaseWebhookUrl?: pulumi.Output<string>;
}

/** Reads `launchpad:releaseWebhookUrl` (set with `pulumi config set --secret`). */
export function loadValidationSecrets(project = "launchpad"): ValidationSecrets {
    const url = new pulumi.Config(project).getSecret("releaseWebhookUrl");
    return url ? { releaseWebhookUrl: url } : {};
}
