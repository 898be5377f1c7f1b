// PromQL for the metric gate, over podinfo's metrics (`http_requests_total{status}`,
// `http_request_duration_seconds_bucket{le}`). The gate takes query STRINGS, so it does not depend on
// who builds them. These builders are a stand-in written to produce exactly the strings of the shared
// builders in components/monitoring/queries.ts (`errorRatio(appSelector(ns, app, slot), window)`,
// `latencyQuantile(...)`: same labels, same matcher order, `or vector(0)` for a missing error series),
// so that the lead can swap them in (AppValidationArgs.queries) without changing any gate input.
import type { GateQueries } from "./gate";

/** Labels the PodMonitor's relabelling puts on every series of an app (as in the monitoring component). */
export const SERIES_LABEL = {
    namespace: "namespace",
    app: "app",
    /** From the pod label `launchpad.dev/slot`. */
    slot: "slot",
} as const;

/** `{app="api",namespace="prod",slot="canary"}` plus extra raw matchers; label names sorted. */
export function selector(namespace: string, app: string, slot: string, extra: readonly string[] = []): string {
    const labels: Record<string, string> = { [SERIES_LABEL.namespace]: namespace, [SERIES_LABEL.app]: app, [SERIES_LABEL.slot]: slot };
    const parts = Object.keys(labels)
        .sort()
        .map((k) => `${k}=${JSON.stringify(labels[k])}`);
    return `{${[...parts, ...extra].join(",")}}`;
}

/**
 * 5xx responses over all responses of one slot, over `window`. A missing error series counts as 0; no
 * requests at all gives no result, which the gate treats as "no data".
 */
export function errorRatio(namespace: string, app: string, slot: string, window: string): string {
    const errors = `sum(rate(http_requests_total${selector(namespace, app, slot, ['status=~"5.."'])}[${window}]))`;
    const all = `sum(rate(http_requests_total${selector(namespace, app, slot)}[${window}]))`;
    return `((${errors} or vector(0)) / ${all})`;
}

/** Latency quantile (seconds) of one slot, over `window`. */
export function latencyQuantile(namespace: string, app: string, slot: string, window: string, quantile: number): string {
    return `histogram_quantile(${quantile}, sum by (le) (rate(http_request_duration_seconds_bucket${selector(namespace, app, slot)}[${window}])))`;
}

/** The four queries of one gate: the candidate slot against the baseline slot. */
export function gateQueries(
    namespace: string,
    app: string,
    candidateSlot: string,
    baselineSlot: string,
    window: string,
    quantile: number,
): GateQueries {
    return {
        candidateErrorRatio: errorRatio(namespace, app, candidateSlot, window),
        baselineErrorRatio: errorRatio(namespace, app, baselineSlot, window),
        candidateLatency: latencyQuantile(namespace, app, candidateSlot, window, quantile),
        baselineLatency: latencyQuantile(namespace, app, baselineSlot, window, quantile),
    };
}
