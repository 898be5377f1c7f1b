// The environment's Grafana dashboard (JSON model, schemaVersion 39): a row per app with one panel per
// golden signal (traffic, errors, latency, saturation), per slot so a canary stands out, and release
// annotations. The Grafana sidecar loads it from a ConfigMap labelled `grafana_dashboard: "1"`.
import { appSelector, formatNumber, quote, latencyQuantile, matchers, MetricNames, SERIES_LABEL, trafficOnly } from "./queries";

export interface DashboardApp {
    readonly name: string;
    readonly kind: "service" | "worker";
    readonly metrics: MetricNames;
    /** Latency percentile of the app's objective (e.g. 99). */
    readonly percentile: number;
}

export interface DashboardArgs {
    readonly environment: string;
    /** Namespace the apps' series carry. */
    readonly namespace: string;
    readonly apps: readonly DashboardApp[];
    /** Which part of the environment's dashboards this is, when they are split (dashboardFiles). */
    readonly part?: { readonly index: number; readonly of: number };
}

/** The most data one ConfigMap holds: Kubernetes' ValidateConfigMap refuses more than MaxSecretSize (1 MiB). */
export const CONFIGMAP_DATA_MAX = 1024 * 1024;

/** One dashboard as the ConfigMap that carries it: its name's suffix, its data key and JSON. */
export interface DashboardFile {
    /** `""` for the first (`launchpad-<env>-dashboard`), `-2`, `-3`... for the others. */
    readonly suffix: string;
    readonly key: string;
    readonly json: string;
}

/**
 * The environment's dashboards as ConfigMap data: one while it fits a ConfigMap (`limit` bytes), as any
 * stack of up to a few hundred apps; else the apps, in name order, in as few consecutive parts as fit,
 * titled `(1/n)`, `(2/n)`... The first keeps the environment's uid, so links to it keep working.
 */
export function dashboardFiles(a: Omit<DashboardArgs, "part">, limit = CONFIGMAP_DATA_MAX): DashboardFile[] {
    const apps = [...a.apps].sort((x, z) => x.name.localeCompare(z.name));
    const file = (chunk: readonly DashboardApp[], index: number, of: number): DashboardFile => {
        const suffix = index === 1 ? "" : `-${index}`;
        const json = JSON.stringify(dashboard({ ...a, apps: chunk, ...(of > 1 ? { part: { index, of } } : {}) }), null, 2);
        return { suffix, key: `launchpad-${a.environment}${suffix}.json`, json };
    };
    const fits = (f: DashboardFile) => Buffer.byteLength(f.key) + Buffer.byteLength(f.json) <= limit;
    const whole = file(apps, 1, 1);
    if (fits(whole)) return [whole];
    for (let of = Math.ceil(Buffer.byteLength(whole.json) / limit); of <= apps.length; of++) {
        const size = Math.ceil(apps.length / of);
        const files = Array.from({ length: Math.ceil(apps.length / size) }, (_, i) => apps.slice(i * size, (i + 1) * size)).map(
            (chunk, i, all) => file(chunk, i + 1, all.length),
        );
        if (files.every(fits)) return files;
    }
    throw new Error(`one app's dashboard panels exceed ${limit} bytes`);
}

export const DASHBOARD_DATASOURCE = { type: "prometheus", uid: "${datasource}" } as const;
/** Tag Launchpad's release notices put on Grafana annotations (see docs/monitoring.md). */
export const RELEASE_ANNOTATION_TAG = "launchpad-release";

const W = 6;
const H = 8;

interface Panel {
    id: number;
    type: string;
    title: string;
    gridPos: { x: number; y: number; w: number; h: number };
    datasource?: typeof DASHBOARD_DATASOURCE;
    targets?: { refId: string; expr: string; legendFormat: string }[];
    fieldConfig?: { defaults: { unit: string }; overrides: [] };
    collapsed?: boolean;
    panels?: Panel[];
}

/** Error ratio per slot (a slot without any error series shows no line rather than 0). */
function errorRatioBySlot(sel: Record<string, string>, m: MetricNames): string {
    const by = `sum by (${SERIES_LABEL.slot})`;
    return `${by} (rate(${m.requests}${matchers(sel, [...trafficOnly(m), `${m.statusLabel}=~${quote(m.errorStatus)}`])}[5m])) / ${by} (rate(${m.requests}${matchers(sel, trafficOnly(m))}[5m]))`;
}

function appPanels(app: DashboardApp, ns: string, y: number, nextId: () => number): Panel[] {
    const sel = appSelector(ns, app.name);
    const container = matchers({ namespace: ns, container: app.name });
    const q = app.percentile / 100;
    const ts = (title: string, unit: string, expr: string, legend: string, x: number): Panel => ({
        id: nextId(),
        type: "timeseries",
        title,
        gridPos: { x, y: y + 1, w: W, h: H },
        datasource: DASHBOARD_DATASOURCE,
        targets: [{ refId: "A", expr, legendFormat: legend }],
        fieldConfig: { defaults: { unit }, overrides: [] },
    });
    const saturation = ts(
        "Saturation: CPU throttled, memory of limit",
        "percentunit",
        `sum by (pod) (rate(container_cpu_cfs_throttled_periods_total${container}[5m])) / sum by (pod) (rate(container_cpu_cfs_periods_total${container}[5m]))`,
        "{{pod}} CPU throttled",
        app.kind === "service" ? 3 * W : 0,
    );
    saturation.targets!.push({
        refId: "B",
        expr: `max by (pod) (container_memory_working_set_bytes${container}) / max by (pod) (kube_pod_container_resource_limits${matchers({ namespace: ns, container: app.name, resource: "memory" })})`,
        legendFormat: "{{pod}} memory",
    });
    const row: Panel = {
        id: nextId(),
        type: "row",
        title: `${app.name} (${app.kind})`,
        gridPos: { x: 0, y, w: 24, h: 1 },
        collapsed: false,
        panels: [],
    };
    if (app.kind === "worker") return [row, saturation];
    return [
        row,
        ts(
            "Traffic: requests per second",
            "reqps",
            `sum by (${SERIES_LABEL.slot}) (rate(${app.metrics.requests}${matchers(sel, trafficOnly(app.metrics))}[5m]))`,
            "{{slot}}",
            0,
        ),
        ts("Errors: error ratio", "percentunit", errorRatioBySlot(sel, app.metrics), "{{slot}}", W),
        ts(
            `Latency: p${formatNumber(app.percentile)}`,
            "s",
            latencyQuantile(sel, "5m", q, app.metrics).replace("sum by (le)", `sum by (le, ${SERIES_LABEL.slot})`),
            "{{slot}}",
            2 * W,
        ),
        saturation,
    ];
}

/** The dashboard's JSON model. `uid` is stable per environment so links survive re-creation. */
export function dashboard(a: DashboardArgs) {
    let id = 0;
    const nextId = () => ++id;
    const panels: Panel[] = [];
    let y = 0;
    for (const app of [...a.apps].sort((x, z) => x.name.localeCompare(z.name))) {
        panels.push(...appPanels(app, a.namespace, y, nextId));
        y += 1 + H;
    }
    const part = a.part && a.part.of > 1 ? a.part : undefined;
    return {
        uid: `launchpad-${a.environment}${part && part.index > 1 ? `-${part.index}` : ""}`,
        title: `Launchpad ${a.environment}${part ? ` (${part.index}/${part.of})` : ""}`,
        tags: ["launchpad", a.environment],
        timezone: "utc",
        schemaVersion: 39,
        version: 1,
        editable: false,
        refresh: "1m",
        time: { from: "now-6h", to: "now" },
        templating: {
            list: [{ name: "datasource", label: "Prometheus", type: "datasource", query: "prometheus", current: {}, hide: 0 }],
        },
        annotations: {
            list: [
                {
                    name: "Releases",
                    // Release notices and gates post annotations with this tag through Grafana's API.
                    datasource: { type: "grafana", uid: "-- Grafana --" },
                    enable: true,
                    iconColor: "purple",
                    target: { type: "tags", tags: [RELEASE_ANNOTATION_TAG, a.environment], matchAny: false, limit: 100 },
                },
                {
                    name: "Rollouts",
                    // Every Deployment spec change (new version, switch of replicas) bumps its generation.
                    datasource: DASHBOARD_DATASOURCE,
                    enable: true,
                    iconColor: "blue",
                    expr: `sum by (deployment) (changes(kube_deployment_metadata_generation${matchers({ namespace: a.namespace })}[2m])) > 0`,
                    step: "1m",
                    titleFormat: "rollout {{deployment}}",
                    textFormat: "",
                    tagKeys: "deployment",
                },
            ],
        },
        panels,
    };
}
