// PromQL for the metric gate, over podinfo's metrics (`http_requests_total{status}`,
// `http_request_duration_seconds_bucket{le}`). The gate takes query STRINGS, so it does not depend on
// who builds them: these builders are the stand-in until the program passes the shared builders of
// components/monitoring/queries.ts (the same expressions as the alert rules), which the lead wires.
//
// Pod labels reach the series through the scrape configuration; prometheus-operator's
// `podTargetLabels: [app.kubernetes.io/name, launchpad.dev/slot]` turns them into the label names below.
import type { GateQueries } from "./gate";

export const SERIES_LABEL = {
    namespace: "namespace",
    app: "app_kubernetes_io_name",
    slot: "launchpad_dev_slot",
} as const;

/** `{namespace="prod",app_kubernetes_io_name="api",launchpad_dev_slot="canary"}` */
export function selector(namespace: string, app: string, slot: string): string {
    return `{${SERIES_LABEL.namespace}="${namespace}",${SERIES_LABEL.app}="${app}",${SERIES_LABEL.slot}="${slot}"}`;
}

const withMatcher = (sel: string, matcher: string) => `${sel.slice(0, -1)},${matcher}}`;

/** 5xx responses over all responses of one slot, over `window`. NaN (no data) when it served nothing. */
export function errorRatio(sel: string, window: string): string {
    return `sum(rate(http_requests_total${withMatcher(sel, 'status=~"5.."')}[${window}])) / sum(rate(http_requests_total${sel}[${window}]))`;
}

/** Latency quantile (seconds) of one slot, over `window`. */
export function latencyQuantile(sel: string, window: string, quantile: number): string {
    return `histogram_quantile(${quantile}, sum by (le) (rate(http_request_duration_seconds_bucket${sel}[${window}])))`;
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
    const c = selector(namespace, app, candidateSlot);
    const b = selector(namespace, app, baselineSlot);
    return {
        candidateErrorRatio: errorRatio(c, window),
        baselineErrorRatio: errorRatio(b, window),
        candidateLatency: latencyQuantile(c, window, quantile),
        baselineLatency: latencyQuantile(b, window, quantile),
    };
}
