// Alert rule generation: pure functions from an app's objectives and metrics to Prometheus rule groups.
// The same groups become a PrometheusRule object (rules.ts -> appMonitoring.ts) and a plain rules file
// that `promtool check rules` / `promtool test rules` read (test/monitoring).
import { stringify } from "yaml";
import type { SloConfig } from "../../config/monitoring";
import {
    appSelector,
    errorRatio,
    formatNumber,
    latencyQuantile,
    matchers,
    MetricNames,
    requestRate,
    Selector,
    trafficOnly,
} from "./queries";

/** Alert names; each has a runbook section in docs/monitoring.md (anchor = lowercase name). */
export const ALERT = {
    highErrorRatio: "HighErrorRatio",
    highLatency: "HighLatency",
    trafficStopped: "TrafficStopped",
    errorBudgetFastBurn: "ErrorBudgetFastBurn",
    errorBudgetSlowBurn: "ErrorBudgetSlowBurn",
    cpuThrottling: "CPUThrottling",
    memoryNearLimit: "MemoryNearLimit",
    podCrashLooping: "PodCrashLooping",
    candidateErrorRatioAboveStable: "CandidateErrorRatioAboveStable",
    candidateLatencyAboveStable: "CandidateLatencyAboveStable",
} as const;
export type AlertName = (typeof ALERT)[keyof typeof ALERT];

export interface Rule {
    alert: string;
    expr: string;
    for?: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
}
export interface RuleGroup {
    name: string;
    rules: Rule[];
}

/** A release in progress: the slot running the new version and the one users rely on. */
export interface SlotComparison {
    /** `canary` (canary strategy) or the idle blue-green slot serving previews. */
    readonly candidate: string;
    /** `stable` (canary strategy) or the active blue-green slot. */
    readonly baseline: string;
}

export interface AppRulesArgs {
    readonly app: string;
    /** Namespace the app's pods (and so its series) live in. */
    readonly namespace: string;
    readonly environment: string;
    readonly team: string;
    /** Workers serve no HTTP traffic: they get the saturation and crash-loop alerts only. */
    readonly kind: "service" | "worker";
    readonly slo: SloConfig;
    readonly metrics: MetricNames;
    /** Present while a canary or a blue-green preview runs next to the stable version. */
    readonly comparison?: SlotComparison;
    /** docs/monitoring.md as published; `#<alert lowercase>` is appended. */
    readonly runbookUrl: string;
}

/**
 * Multi-window, multi-burn-rate alerts for a 30-day objective (Google SRE workbook, "Alerting on SLOs",
 * table 5-8): a long window measures the burn, a short one (1/12 of it) makes the alert stop soon after
 * the burn does. 14.4x for 1h spends 2% of the budget; 6x for 6h 5%; 3x for 1d and 1x for 3d 10%.
 */
export const BURN_RATES = {
    fast: [
        { long: "1h", short: "5m", factor: 14.4 },
        { long: "6h", short: "30m", factor: 6 },
    ],
    slow: [
        { long: "1d", short: "2h", factor: 3 },
        { long: "3d", short: "6h", factor: 1 },
    ],
} as const;

/** How much worse than the stable slot a candidate may be before its comparison alert fires. */
export const COMPARISON = {
    /** Candidate error ratio above this many times the stable one (and above the error budget). */
    errorRatioFactor: 2,
    /** Candidate latency quantile above this many times the stable one (and above half the objective). */
    latencyFactor: 1.5,
    /** Requests per second the candidate must receive for a comparison to mean anything. */
    minRequestRate: 0.05,
} as const;

/** `99.9` -> `0.001`, rounded so that 1 - 0.999 does not print as 0.0010000000000000009. */
export function errorBudget(availabilityPercent: number): number {
    return Number((1 - availabilityPercent / 100).toPrecision(12));
}

/** Every rule group of one app, in a stable order. */
export function appRuleGroups(a: AppRulesArgs): RuleGroup[] {
    const sel = appSelector(a.namespace, a.app);
    // Every label the Alertmanager routes match on, on every alert. `namespace` is set here rather than
    // kept through `sum by (namespace)`: the `or vector(0)` fallbacks carry no labels, and each rule
    // selects this namespace's series only, so the value is the same. The operator's default matcher
    // strategy (OnNamespace) adds `namespace="<ns>"` to every route of the AlertmanagerConfig: an alert
    // without it reaches no team's receiver.
    const labels = (severity: string, extra: Record<string, string> = {}) => ({
        severity,
        team: a.team,
        app: a.app,
        environment: a.environment,
        namespace: a.namespace,
        ...extra,
    });
    const notes = (alert: AlertName, summary: string, description: string) => ({
        summary,
        description,
        runbook_url: `${a.runbookUrl}#${alert.toLowerCase()}`,
    });
    const who = `${a.app} (${a.environment})`;
    const groups: RuleGroup[] = [];

    if (a.kind === "service") {
        const pct = formatNumber(a.slo.errorRatio * 100);
        const q = a.slo.latency.percentile / 100;
        const p = `p${formatNumber(a.slo.latency.percentile)}`;
        groups.push({
            name: `${a.app}.golden-signals`,
            rules: [
                {
                    alert: ALERT.highErrorRatio,
                    expr: `${errorRatio(sel, "5m", a.metrics)} > ${formatNumber(a.slo.errorRatio)}`,
                    for: "5m",
                    labels: labels("critical"),
                    annotations: notes(
                        ALERT.highErrorRatio,
                        `${who}: {{ $value | humanizePercentage }} of requests fail`,
                        `More than ${pct}% of ${a.app}'s requests answered ${a.metrics.errorStatus} over the last 5 minutes, for 5 minutes.`,
                    ),
                },
                {
                    alert: ALERT.highLatency,
                    expr: `${latencyQuantile(sel, "5m", q, a.metrics)} > ${formatNumber(a.slo.latency.thresholdSeconds)}`,
                    for: "10m",
                    labels: labels("warning"),
                    annotations: notes(
                        ALERT.highLatency,
                        `${who}: ${p} latency is {{ $value | humanizeDuration }}`,
                        `The ${p} of ${a.app}'s request durations stayed above ${formatNumber(a.slo.latency.thresholdSeconds)}s for 10 minutes.`,
                    ),
                },
                {
                    alert: ALERT.trafficStopped,
                    // An app that served requests an hour ago and serves none now (or whose series vanished).
                    expr:
                        `((${requestRate(sel, "5m", a.metrics)} or vector(0)) == 0)` +
                        ` and on() (sum(rate(${a.metrics.requests}${matchers(sel, trafficOnly(a.metrics))}[1h] offset 1h)) > 0)`,
                    for: "10m",
                    labels: labels("critical"),
                    annotations: notes(
                        ALERT.trafficStopped,
                        `${who} receives no requests`,
                        `${a.app} received requests an hour ago and none in the last 15 minutes: check its Ingress, Service selector and pods.`,
                    ),
                },
            ],
        });

        const budget = errorBudget(a.slo.availability);
        const burn = (windows: readonly { long: string; short: string; factor: number }[]) =>
            windows
                .map((w) => {
                    const t = formatNumber(w.factor * budget);
                    return `(${errorRatio(sel, w.long, a.metrics)} > ${t} and ${errorRatio(sel, w.short, a.metrics)} > ${t})`;
                })
                .join(" or ");
        const objective = `${formatNumber(a.slo.availability)}%`;
        groups.push({
            name: `${a.app}.slo-burn-rate`,
            rules: [
                {
                    alert: ALERT.errorBudgetFastBurn,
                    expr: burn(BURN_RATES.fast),
                    for: "2m",
                    labels: labels("critical"),
                    annotations: notes(
                        ALERT.errorBudgetFastBurn,
                        `${who} burns its error budget fast`,
                        `At this rate ${a.app} spends its 30-day error budget (availability ${objective}) within about two days (14.4x over 1h and 5m, or 6x over 6h and 30m).`,
                    ),
                },
                {
                    alert: ALERT.errorBudgetSlowBurn,
                    expr: burn(BURN_RATES.slow),
                    for: "15m",
                    labels: labels("warning"),
                    annotations: notes(
                        ALERT.errorBudgetSlowBurn,
                        `${who} burns its error budget`,
                        `${a.app} spends its 30-day error budget (availability ${objective}) faster than it accrues (3x over 1d and 2h, or 1x over 3d and 6h).`,
                    ),
                },
            ],
        });

        if (a.comparison) groups.push(comparisonGroup(a, labels, notes, who));
    }

    groups.push({ name: `${a.app}.saturation`, rules: saturationRules(a, labels, notes, who) });
    return groups;
}

type Labels = (severity: string, extra?: Record<string, string>) => Record<string, string>;
type Notes = (alert: AlertName, summary: string, description: string) => Record<string, string>;

function comparisonGroup(a: AppRulesArgs, labels: Labels, notes: Notes, who: string): RuleGroup {
    const c = a.comparison!;
    const cand = appSelector(a.namespace, a.app, c.candidate);
    const base = appSelector(a.namespace, a.app, c.baseline);
    const hasTraffic = `${requestRate(cand, "5m", a.metrics)} > ${formatNumber(COMPARISON.minRequestRate)}`;
    const q = a.slo.latency.percentile / 100;
    const p = `p${formatNumber(a.slo.latency.percentile)}`;
    const budget = formatNumber(errorBudget(a.slo.availability));
    const floor = formatNumber(a.slo.latency.thresholdSeconds / 2);
    return {
        name: `${a.app}.release-comparison`,
        rules: [
            {
                alert: ALERT.candidateErrorRatioAboveStable,
                expr:
                    `${errorRatio(cand, "5m", a.metrics)} > clamp_min(${errorRatio(base, "5m", a.metrics)} * ${COMPARISON.errorRatioFactor}, ${budget})` +
                    ` and on() (${hasTraffic})`,
                for: "5m",
                labels: labels("critical", { slot: c.candidate }),
                annotations: notes(
                    ALERT.candidateErrorRatioAboveStable,
                    `${who}: the ${c.candidate} slot fails {{ $value | humanizePercentage }} of requests, more than ${c.baseline}`,
                    `The new version in slot ${c.candidate} has an error ratio above ${COMPARISON.errorRatioFactor}x that of ${c.baseline} and above the error budget (${budget}) for 5 minutes: stop the release (canary weight 0, or keep the active slot).`,
                ),
            },
            {
                alert: ALERT.candidateLatencyAboveStable,
                expr:
                    `${latencyQuantile(cand, "5m", q, a.metrics)} > clamp_min(${latencyQuantile(base, "5m", q, a.metrics)} * ${COMPARISON.latencyFactor}, ${floor})` +
                    ` and on() (${hasTraffic})`,
                for: "10m",
                labels: labels("warning", { slot: c.candidate }),
                annotations: notes(
                    ALERT.candidateLatencyAboveStable,
                    `${who}: the ${c.candidate} slot's ${p} latency is {{ $value | humanizeDuration }}, slower than ${c.baseline}`,
                    `The ${p} latency of slot ${c.candidate} is above ${COMPARISON.latencyFactor}x that of ${c.baseline} and above ${floor}s for 10 minutes.`,
                ),
            },
        ],
    };
}

/**
 * Saturation and crash loops from cAdvisor (kubelet) and kube-state-metrics series. Their `container`
 * label is the container name, which is the app name (podTemplate.ts), so no pod-name pattern can
 * match another app.
 */
function saturationRules(a: AppRulesArgs, labels: Labels, notes: Notes, who: string): Rule[] {
    const c: Selector = { namespace: a.namespace, container: a.app };
    const by = "by (namespace, pod, container)";
    return [
        {
            alert: ALERT.cpuThrottling,
            expr:
                `sum ${by} (rate(container_cpu_cfs_throttled_periods_total${matchers(c)}[5m]))` +
                ` / sum ${by} (rate(container_cpu_cfs_periods_total${matchers(c)}[5m])) > 0.25`,
            for: "15m",
            labels: labels("warning"),
            annotations: notes(
                ALERT.cpuThrottling,
                `${who}: pod {{ $labels.pod }} is CPU-throttled in {{ $value | humanizePercentage }} of periods`,
                `More than 25% of ${a.app}'s CPU periods were throttled for 15 minutes: raise resources.limits.cpu or replicas.`,
            ),
        },
        {
            alert: ALERT.memoryNearLimit,
            expr:
                `max ${by} (container_memory_working_set_bytes${matchers(c)})` +
                ` / max ${by} (kube_pod_container_resource_limits${matchers({ ...c, resource: "memory" })}) > 0.9`,
            for: "15m",
            labels: labels("warning"),
            annotations: notes(
                ALERT.memoryNearLimit,
                `${who}: pod {{ $labels.pod }} uses {{ $value | humanizePercentage }} of its memory limit`,
                `${a.app}'s working set stayed above 90% of resources.limits.memory for 15 minutes; the kernel kills the container at the limit.`,
            ),
        },
        {
            alert: ALERT.podCrashLooping,
            expr: `max_over_time(kube_pod_container_status_waiting_reason${matchers({ ...c, reason: "CrashLoopBackOff" })}[5m]) >= 1`,
            for: "10m",
            labels: labels("critical"),
            annotations: notes(
                ALERT.podCrashLooping,
                `${who}: pod {{ $labels.pod }} is crash-looping`,
                `A container of ${a.app} has been in CrashLoopBackOff for 10 minutes: read its logs (kubectl logs --previous) and roll back if a release caused it.`,
            ),
        },
    ];
}

/** A Prometheus rules file (`groups:`), as `promtool check rules` and the Prometheus server read it. */
export function rulesFile(groups: readonly RuleGroup[]): string {
    return stringify({ groups }, { lineWidth: 0 });
}
