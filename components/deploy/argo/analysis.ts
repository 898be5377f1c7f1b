// Argo Rollouts AnalysisTemplates built from the very query builders and thresholds of the alerts
// (components/monitoring/queries.ts) and of Launchpad's metric gate (config/validation.ts `gate`), so the
// controller's analysis and the gate inside `up` can never disagree about what "healthy" means.
import type { GateConfig } from "../../../config/validation";
import { appSelector, errorRatio, formatNumber, latencyQuantile } from "../../monitoring/queries";
import type { MetricNames } from "../../monitoring/queries";

export const ANALYSIS_API_VERSION = "argoproj.io/v1alpha1";

/** One metric of an AnalysisTemplate (`spec.metrics[]`). */
export interface AnalysisMetric {
    name: string;
    /** Go duration: the controller waits this long after the step (or promotion) starts before measuring. */
    initialDelay?: string;
    successCondition?: string;
    failureLimit?: number;
    provider: Record<string, unknown>;
}

export interface GateAnalysisArgs {
    /** Namespace as series carry it (`namespace` label). */
    readonly namespace: string;
    readonly app: string;
    readonly prometheusUrl: string;
    readonly gate: GateConfig;
    readonly metrics: MetricNames;
    /** Slot label of the new version's pods (`canary`, `preview`, `active`). */
    readonly candidate: string;
    /** Slot label of the version serving users; absent after a blue-green promotion (absolute thresholds only). */
    readonly baseline?: string;
}

/** The four queries of a comparison, exactly as the gate builds them (components/validation/queries.ts). */
export function analysisQueries(a: GateAnalysisArgs) {
    const sel = (slot: string) => appSelector(a.namespace, a.app, slot);
    const q = a.gate.latencyQuantile;
    return {
        candidateErrorRatio: errorRatio(sel(a.candidate), a.gate.window, a.metrics),
        candidateLatency: latencyQuantile(sel(a.candidate), a.gate.window, q, a.metrics),
        ...(a.baseline !== undefined
            ? {
                  baselineErrorRatio: errorRatio(sel(a.baseline), a.gate.window, a.metrics),
                  baselineLatency: latencyQuantile(sel(a.baseline), a.gate.window, q, a.metrics),
              }
            : {}),
    };
}

/**
 * `result` is the query's vector as Argo reads it. No sample (no traffic, not scraped) fails like the
 * gate with `onNoData: fail`, or passes with `pass`.
 */
export function condition(onNoData: "fail" | "pass", max: number): string {
    return onNoData === "fail"
        ? `len(result) > 0 && result[0] <= ${formatNumber(max)}`
        : `len(result) == 0 || result[0] <= ${formatNumber(max)}`;
}

/**
 * The gate reads NaN (0/0: a series without requests in the window) as no data (`queryScalar`); Argo would
 * compare it, and every comparison with NaN is false (a failed metric, even with `onNoData: pass`).
 * `>= 0` drops a NaN sample and keeps every number an error ratio or a latency can be.
 */
export const absolute = (query: string) => `(${query}) >= 0`;

/**
 * A comparison with the baseline only where both sides are numbers, as the gate compares: with no
 * baseline data (or a baseline latency of 0) the gate notes it and judges the thresholds alone. The
 * filter drops NaN and infinities, so no sample means "not compared" and passes; the candidate's own
 * metrics judge its no data.
 */
export const compared = (query: string) => `(${query}) > -Inf < +Inf`;

/**
 * The gate's checks as Prometheus metrics: absolute error ratio and latency, and (with a baseline) the
 * comparisons. Each is measured once, one gate window after its step starts: the rate() windows then hold
 * the new state's traffic (measured at once, the canary has no series yet and fails, and a blue-green
 * post-promotion check averages the previous version in). Launchpad's own gate skips a canary's first
 * step for the same reason (`guardedChange`).
 */
export function gateMetrics(a: GateAnalysisArgs): AnalysisMetric[] {
    const q = analysisQueries(a);
    const g = a.gate;
    const metric = (name: string, query: string, successCondition: string): AnalysisMetric => ({
        name,
        initialDelay: g.window,
        // One measurement per run: a failed check aborts at once, as the gate fails `up`.
        failureLimit: 0,
        successCondition,
        provider: { prometheus: { address: a.prometheusUrl, query } },
    });
    const comparison = (max: number) => condition("pass", max);
    return [
        metric("error-ratio", absolute(q.candidateErrorRatio), condition(g.onNoData, g.maxErrorRatio)),
        ...(q.baselineErrorRatio !== undefined
            ? [
                  metric(
                      "error-ratio-increase",
                      compared(`${q.candidateErrorRatio} - ${q.baselineErrorRatio}`),
                      comparison(g.maxErrorRatioIncrease),
                  ),
              ]
            : []),
        metric("latency", absolute(q.candidateLatency), condition(g.onNoData, g.maxLatencySeconds)),
        ...(q.baselineLatency !== undefined
            ? [metric("latency-ratio", compared(`${q.candidateLatency} / ${q.baselineLatency}`), comparison(g.maxLatencyRatio))]
            : []),
    ];
}

/** The smoke test as a `job` metric: Argo runs the Job spec of components/validation/smokeTest.ts and fails on a failed Job. */
export function smokeMetric(jobSpec: unknown, labels: Record<string, string>): AnalysisMetric {
    return { name: "smoke", failureLimit: 0, provider: { job: { metadata: { labels }, spec: jobSpec } } };
}
