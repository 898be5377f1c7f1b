// PromQL builders: pure functions from a label selector and a window to an expression. The alert rules
// and the release validation gate (metric gates before a canary step or a blue-green switch) use the
// same functions, so a gate and an alert can never disagree about what "error ratio" means.

/** Metric names and labels of an app; defaults are the sample app's (podinfo). */
export interface MetricNames {
    /**
     * Counter of HTTP requests with a status label (and the path label, to leave probes out).
     * @default "http_request_duration_seconds_count"
     */
    readonly requests: string;
    /** Histogram base name (seconds). @default "http_request_duration_seconds" */
    readonly duration: string;
    /** Label holding the HTTP status code. @default "status" */
    readonly statusLabel: string;
    /** Regular expression of error status codes. @default "5.." */
    readonly errorStatus: string;
    /** Label holding the route. @default "path" */
    readonly pathLabel: string;
    /**
     * Regular expression of the routes that are not user traffic: the kubelet's probes and Prometheus's
     * scrapes (podinfo counts them like any request). @default "healthz|readyz|metrics"
     */
    readonly notTraffic: string;
}

/**
 * podinfo's: its `http_requests_total` has only a status label, so it counts the kubelet's probes and
 * Prometheus's scrapes (about 14 a minute per pod with no user at all: a broken Ingress would never
 * stop the traffic, and errors would be diluted); the histogram's `_count` has `path` and `status`.
 */
export const PODINFO_METRICS: MetricNames = {
    requests: "http_request_duration_seconds_count",
    duration: "http_request_duration_seconds",
    statusLabel: "status",
    errorStatus: "5..",
    pathLabel: "path",
    notTraffic: "healthz|readyz|metrics",
};

/** The matcher that leaves probes and scrapes out (a series without the path label is kept). */
export function trafficOnly(m: MetricNames): string[] {
    return [`${m.pathLabel}!~${quote(m.notTraffic)}`];
}

/**
 * Labels every scraped series of an app carries (added by the PodMonitor's relabelling, see
 * podMonitor.ts), so that these queries select exactly one app and, optionally, one slot.
 */
export const SERIES_LABEL = {
    namespace: "namespace",
    app: "app",
    /** From the pod label `launchpad.dev/slot`: main, blue, green, stable, canary. */
    slot: "slot",
    version: "version",
} as const;

/** An equality matcher set, rendered in a stable (sorted) order. */
export type Selector = Readonly<Record<string, string>>;

/** Escapes a label value for a double-quoted PromQL string. */
export function quote(value: string): string {
    return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

/** `{a="1",b="2"}` plus extra raw matchers (e.g. `status=~"5.."`). */
export function matchers(selector: Selector, extra: readonly string[] = []): string {
    const parts = Object.keys(selector)
        .sort()
        .map((k) => `${k}=${quote(selector[k])}`);
    return `{${[...parts, ...extra].join(",")}}`;
}

/** The selector of one app's series in one namespace, optionally one slot. */
export function appSelector(namespace: string, app: string, slot?: string): Selector {
    return {
        [SERIES_LABEL.namespace]: namespace,
        [SERIES_LABEL.app]: app,
        ...(slot !== undefined ? { [SERIES_LABEL.slot]: slot } : {}),
    };
}

const WINDOW = /^[0-9]+(ms|s|m|h|d|w)$/;
function checkWindow(window: string): string {
    if (!WINDOW.test(window)) throw new Error(`programming error: ${JSON.stringify(window)} is not a PromQL duration`);
    return window;
}

/** Requests per second over `window`, summed over every series of the selector. */
export function requestRate(selector: Selector, window: string, m: MetricNames = PODINFO_METRICS): string {
    return `sum(rate(${m.requests}${matchers(selector, trafficOnly(m))}[${checkWindow(window)}]))`;
}

/** Error responses per second over `window`. */
export function errorRate(selector: Selector, window: string, m: MetricNames = PODINFO_METRICS): string {
    return `sum(rate(${m.requests}${matchers(selector, [...trafficOnly(m), `${m.statusLabel}=~${quote(m.errorStatus)}`])}[${checkWindow(window)}]))`;
}

/**
 * Fraction (0-1) of requests over `window` that failed. A counter with an error status only exists once
 * such a response happened, so a missing error series counts as 0 (`or vector(0)`): a healthy slot
 * yields 0, not "no data". No requests at all still yields no result (the denominator is empty), so an
 * idle slot neither fires an alert nor passes a gate by accident.
 */
export function errorRatio(selector: Selector, window: string, m: MetricNames = PODINFO_METRICS): string {
    return `((${errorRate(selector, window, m)} or vector(0)) / ${requestRate(selector, window, m)})`;
}

/** The `quantile` (0-1) of request durations in seconds over `window`, from the histogram buckets. */
export function latencyQuantile(selector: Selector, window: string, quantile: number, m: MetricNames = PODINFO_METRICS): string {
    if (!(quantile > 0 && quantile < 1)) throw new Error(`programming error: quantile must be in (0, 1), got ${quantile}`);
    return `histogram_quantile(${formatNumber(quantile)}, sum by (le) (rate(${m.duration}_bucket${matchers(selector, trafficOnly(m))}[${checkWindow(window)}])))`;
}

/** A number as PromQL writes it: no exponent for the ranges used here, no trailing zeros. */
export function formatNumber(n: number): string {
    if (!Number.isFinite(n)) throw new Error(`programming error: ${n} is not a finite number`);
    return String(Number(n.toPrecision(12)));
}
