// PromQL for the metric gate, from the same builders and the same metric names as the app's alert rules
// (components/monitoring/queries.ts with `apps.<app>.metrics`): a gate that queried other series than
// the alerts would see no data on an app with its own metric names and fail closed (or pass blind).
import { appSelector, errorRatio, latencyQuantile } from "../monitoring/queries";
import type { MetricNames } from "../monitoring/queries";
import type { GateQueries } from "./gate";

/** The four queries of one gate: the candidate slot against the baseline slot, over the app's own metrics. */
export function gateQueries(
    namespace: string,
    app: string,
    candidateSlot: string,
    baselineSlot: string,
    window: string,
    quantile: number,
    metrics: MetricNames,
): GateQueries {
    const candidate = appSelector(namespace, app, candidateSlot);
    const baseline = appSelector(namespace, app, baselineSlot);
    return {
        candidateErrorRatio: errorRatio(candidate, window, metrics),
        baselineErrorRatio: errorRatio(baseline, window, metrics),
        candidateLatency: latencyQuantile(candidate, window, quantile, metrics),
        baselineLatency: latencyQuantile(baseline, window, quantile, metrics),
    };
}
