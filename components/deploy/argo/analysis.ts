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

/** The gate's checks as Prometheus metrics: absolute error ratio and latency, and (with a baseline) the comparisons. */
export function gateMetrics(a: GateAnalysisArgs): AnalysisMetric[] {
    const q = analysisQueries(a);
    const g = a.gate;
    const metric = (name: string, query: string, max: number): AnalysisMetric => ({
        name,
        // One measurement per run: a failed check aborts at once, as the gate fails `up`.
        failureLimit: 0,
        successCondition: condition(g.onNoData, max),
        provider: { prometheus: { address: a.prometheusUrl, query } },
    });
    return [
        metric("error-ratio", q.candidateErrorRatio, g.maxErrorRatio),
        ...(q.baselineErrorRatio !== undefined
            ? [metric("error-ratio-increase", `${q.candidateErrorRatio} - ${q.baselineErrorRatio}`, g.maxErrorRatioIncrease)]
            : []),
        metric("latency", q.candidateLatency, g.maxLatencySeconds),
        ...(q.baselineLatency !== undefined
            ? [metric("latency-ratio", `${q.candidateLatency} / ${q.baselineLatency}`, g.maxLatencyRatio)]
            : []),
    ];
}

/** The smoke test as a `job` metric: Argo runs the Job spec of components/validation/smokeTest.ts and fails on a failed Job. */
export function smokeMetric(jobSpec: unknown, labels: Record<string, string>): AnalysisMetric {
    return { name: "smoke", failureLimit: 0, provider: { job: { metadata: { labels }, spec: jobSpec } } };
}
