// Monitoring configuration: where alerts go (`launchpad:monitoring`) and what each app promises and
// exposes (`apps.<app>.slo`, `apps.<app>.metrics`). Defaults match the sample app (podinfo), so an app
// that declares nothing still gets its golden-signal and burn-rate alerts.
import { z } from "zod";
import { httpUrl, labelKey, labelValue, re2Pattern, secretable } from "./primitives";
import type { RefineHook } from "./primitives";

export const severities = ["critical", "warning", "info"] as const;
export type Severity = (typeof severities)[number];

/** The environment's two SNS topics: `alerts` (on-call) and `releases` (stakeholders). */
export const topicKinds = ["alerts", "releases"] as const;
export type TopicKind = (typeof topicKinds)[number];

/** A Prometheus duration such as 30s, 5m, 1h, 3d; never zero (Alertmanager refuses a zero repeat_interval, Prometheus a zero interval). */
const PROM_DURATION = /^[1-9][0-9]*(ms|s|m|h|d|w)$/;
export const promDuration = z.string().regex(PROM_DURATION, { error: "expected a Prometheus duration above zero such as 30s, 5m, 4h" });

/** Seconds in a `promDuration`. */
export function durationSeconds(d: string): number {
    const [, n, unit] = /^(\d+)(ms|s|m|h|d|w)$/.exec(d) ?? [];
    const factor = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[unit as "s"];
    return Number(n) * factor;
}

/** How long Alertmanager waits before it sends new alerts of a group that already notified (each route's group_interval). */
export const ALERT_GROUP_INTERVAL = "5m";

const channelName = z.string().regex(/^[a-z]([-a-z0-9]{0,40}[a-z0-9])?$/, { error: "expected a lowercase channel name (a-z, 0-9, '-')" });

/**
 * Config paths below the project (`*`: any key) whose values are secrets whether or not the stack set them
 * `secure`: a webhook URL embeds its token. The program wraps them in pulumi.secret; the plan's config
 * comparison masks them too.
 */
export const ALWAYS_SECRET_PATHS: readonly (readonly string[])[] = [["monitoring", "channels", "*", "url"]];

/** One place a person (or a pager) receives alerts or release notices. */
export const channelSchema = z.discriminatedUnion(
    "type",
    [
        z.strictObject({ type: z.literal("email"), address: z.email({ error: "expected an email address" }) }),
        z.strictObject({
            type: z.literal("webhook"),
            /**
             * HTTPS only: SNS and Alertmanager post alert contents here. Webhook URLs usually embed a token,
             * so they may be set as secrets (`pulumi config set --secret --path ...url`) and are always
             * handled as secrets (components/monitoring).
             */
            url: secretable(z.url({ protocol: /^https$/, error: "expected an https:// URL" }), "an https:// URL"),
        }),
    ],
    { error: (iss) => (iss.code === "invalid_union" ? "expected type email (address) or webhook (url)" : undefined) },
);
export type Channel = z.infer<typeof channelSchema>;

export const routeSchema = z.strictObject({
    /** Channels (names from `channels`) Alertmanager notifies directly for this severity. @default [] */
    channels: z.array(channelName).default([]),
    /** Also publish to the environment's `alerts` SNS topic (its subscriptions page on-call). */
    alertsTopic: z.boolean().default(false),
    /** How often a still-firing alert is sent again; at least the group interval (5m), as Alertmanager sends no sooner. */
    repeatInterval: promDuration
        .refine((d) => !PROM_DURATION.test(d) || durationSeconds(d) >= durationSeconds(ALERT_GROUP_INTERVAL), {
            error: `expected at least ${ALERT_GROUP_INTERVAL}, the routes' group interval: Alertmanager sends a still-firing alert again no sooner`,
        })
        .default("4h"),
});
export type RouteConfig = z.infer<typeof routeSchema>;

const defaultRouting = {
    critical: { channels: [], alertsTopic: true, repeatInterval: "1h" },
    warning: { channels: [], alertsTopic: false, repeatInterval: "4h" },
    info: { channels: [], alertsTopic: false, repeatInterval: "24h" },
};

export const monitoringSchema = z.strictObject({
    /** Named alert channels. */
    channels: z.record(channelName, channelSchema).default({}),
    /** SNS topic subscriptions: channel names per topic (`<env>-alerts`, `<env>-releases`). */
    subscriptions: z
        .strictObject({ alerts: z.array(channelName).default([]), releases: z.array(channelName).default([]) })
        .default({ alerts: [], releases: [] }),
    /** Alertmanager routing by severity (alerts of other environments never match this route). */
    routing: z
        .strictObject({
            critical: routeSchema.default(defaultRouting.critical),
            warning: routeSchema.default(defaultRouting.warning),
            info: routeSchema.default(defaultRouting.info),
        })
        .default(defaultRouting),
    /**
     * Labels added to the PodMonitors, PrometheusRules and the AlertmanagerConfig, for clusters whose
     * Prometheus/Alertmanager select them by label (kube-prometheus-stack: `release: <helm release>`).
     */
    selectorLabels: z.record(labelKey, labelValue("a Kubernetes label value")).default({}),
    /** Grafana dashboard ConfigMap for the environment. */
    dashboards: z.boolean().default(true),
    /** Base of every alert's `runbook_url`; the alert's anchor is appended (`#higherrorratio`). */
    runbookUrl: httpUrl("https://github.com/<org>/<repo>/blob/main/docs/monitoring.md").default(
        "https://github.com/launchpad-dev/launchpad/blob/main/docs/monitoring.md",
    ),
});
export type MonitoringConfig = z.infer<typeof monitoringSchema>;
export const monitoringDefaults: MonitoringConfig = monitoringSchema.parse({});

/** Service-level objectives of one app; the alert thresholds derive from them. */
export const sloSchema = z.strictObject({
    /** Availability objective in percent of non-5xx responses over 30 days. */
    // At least 93.1: the fastest burn-rate page fires at 14.4 times the error budget (2% of 30 days' budget
    // in an hour, the SRE workbook's table); with a budget above 1/14.4 (availability below 93.06%) that
    // threshold is an error ratio above 1, which no app can reach, and the page could never fire.
    availability: z
        .number({ error: "expected a percentage between 93.1 and 99.999" })
        .min(93.1, {
            error: "expected a percentage between 93.1 and 99.999: below 93.06 the fast burn-rate page (14.4 times the error budget) would need more than 100% errors and could never fire",
        })
        .max(99.999, { error: "expected a percentage between 93.1 and 99.999" })
        .default(99.9),
    latency: z
        .strictObject({
            /** Seconds the `percentile` of requests must stay under. */
            thresholdSeconds: z.number().positive({ error: "expected a positive number of seconds" }).default(0.5),
            /** Percentile (50-99.9) of request durations compared with the threshold. */
            percentile: z
                .number()
                .min(50, { error: "expected a percentile between 50 and 99.9" })
                .max(99.9, { error: "expected a percentile between 50 and 99.9" })
                .default(99),
        })
        .default({ thresholdSeconds: 0.5, percentile: 99 }),
    /** Error ratio (0-1) over 5 minutes that alerts on its own, whatever the budget says. */
    errorRatio: z
        .number()
        .gt(0, { error: "expected a ratio between 0 and 1 (exclusive)" })
        .lt(1, { error: "expected a ratio between 0 and 1 (exclusive)" })
        .default(0.05),
});
export type SloConfig = z.infer<typeof sloSchema>;
export const sloDefaults: SloConfig = sloSchema.parse({});

const metricName = z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, { error: "expected a Prometheus metric name" });
const labelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, { error: "expected a Prometheus label name" });

/** The metrics an app exposes. Defaults are podinfo's (RED method). */
export const metricsSchema = z.strictObject({
    /**
     * Counter of HTTP requests, labelled with the response status (and the route, so that probes and
     * scrapes are left out): podinfo's histogram count, since its http_requests_total counts the
     * kubelet's probes and Prometheus's scrapes as traffic.
     */
    requests: metricName.default("http_request_duration_seconds_count"),
    /** Histogram of request durations in seconds (base name; `_bucket` is appended). */
    duration: metricName.default("http_request_duration_seconds"),
    /** Label of `requests` holding the HTTP status code. */
    statusLabel: labelName.default("status"),
    /** Regular expression (RE2, as Prometheus matches labels: the whole value) of the status codes that count as errors. */
    errorStatus: re2Pattern.default("5.."),
    /** Label of `requests` and `duration` holding the route. */
    pathLabel: labelName.default("path"),
    /**
     * Regular expression (RE2, the whole value) of the routes that are not user traffic: probes and the
     * scrape. Left out of every request rate, error ratio and latency (a series without the label stays in).
     */
    notTraffic: re2Pattern.default("healthz|readyz|metrics"),
    /** Path Prometheus scrapes. */
    path: z.string().startsWith("/", { error: "expected an HTTP path starting with /" }).default("/metrics"),
    /** Scrape interval. */
    interval: promDuration.default("30s"),
});
export type MetricsConfig = z.infer<typeof metricsSchema>;
export const metricsDefaults: MetricsConfig = metricsSchema.parse({});

interface Issue {
    path: PropertyKey[];
    input: unknown;
    message: string;
}

/** Cross-field checks of `launchpad:monitoring`; called from the superRefine of `launchpadSchema`. */
export const refineMonitoring: RefineHook<{ monitoring?: MonitoringConfig }> = (cfg, ctx) => {
    for (const issue of monitoringIssues(cfg.monitoring)) ctx.addIssue({ code: "custom", ...issue });
};

/** Cross-field checks: every channel named in subscriptions and routing exists. */
export function monitoringIssues(m: MonitoringConfig | undefined): Issue[] {
    if (!m) return [];
    const issues: Issue[] = [];
    // Runs inside the schema's superRefine, which also sees input that failed elsewhere: read defensively.
    const channels: Record<string, unknown> = typeof m.channels === "object" && m.channels !== null ? m.channels : {};
    const names = Object.keys(channels);
    const known = names.length > 0 ? names.join(", ") : "none declared";
    const check = (list: readonly string[] | undefined, path: PropertyKey[]) =>
        (Array.isArray(list) ? list : []).forEach((c, i) => {
            if (!Object.hasOwn(channels, c))
                issues.push({
                    path: ["monitoring", ...path, i],
                    input: c,
                    message: `expected the name of a channel in monitoring.channels (${known})`,
                });
        });
    for (const topic of topicKinds) check(m.subscriptions?.[topic], ["subscriptions", topic]);
    for (const sev of severities) check(m.routing?.[sev]?.channels, ["routing", sev, "channels"]);
    return issues;
}
