// Alerts on a VM app's hosts and process, from the series its ScrapeConfigs collect: node exporter on
// :9100 (`launchpad_scrape="node"`) and the app's own /metrics (`launchpad_scrape="app"`), both labelled
// `launchpad_app`. Pure: rendered into the PrometheusRule and checked by promtool in the tests.

import { PODINFO_METRICS, trafficOnly } from "../monitoring/queries";

export interface VmRuleArgs {
    readonly app: string;
    readonly team: string;
    readonly kind: "service" | "worker";
    /** Namespace label of the alerts (the series carry it from the ScrapeConfigs; routes match on it). */
    readonly namespace: string;
    /** Environment label of the alerts: the environment's AlertmanagerConfig routes on it. */
    readonly environment: string;
    readonly runbookUrl?: string;
}

export interface AlertRule {
    alert: string;
    expr: string;
    for: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
}

const pascal = (s: string) =>
    s
        .split("-")
        .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
        .join("");

/** One rule group `<app>-vm`: hosts down, app down, disk filling, and for services error rate and latency. */
export function vmRuleGroups(args: VmRuleArgs): { name: string; rules: AlertRule[] }[] {
    const p = pascal(args.app);
    const sel = (scrape: string, extra = "") => `{launchpad_app="${args.app}",launchpad_scrape="${scrape}"${extra}}`;
    const annotations = (summary: string) => ({
        summary,
        ...(args.runbookUrl ? { runbook_url: `${args.runbookUrl}#${args.app}` } : {}),
    });
    const alert = (name: string, expr: string, f: string, severity: string, summary: string): AlertRule => ({
        alert: `${p}${name}`,
        expr,
        for: f,
        labels: { severity, team: args.team, app: args.app, namespace: args.namespace, environment: args.environment },
        annotations: annotations(summary),
    });
    const rules = [
        alert(
            "HostDown",
            `up${sel("node")} == 0`,
            "5m",
            "critical",
            `host {{ $labels.instance }} of ${args.app} is down (node exporter unreachable)`,
        ),
        alert("AppDown", `up${sel("app")} == 0`, "2m", "critical", `${args.app} on {{ $labels.instance }} does not answer /metrics`),
        alert(
            "DiskFilling",
            `node_filesystem_avail_bytes${sel("node", ',mountpoint="/"')} / node_filesystem_size_bytes${sel("node", ',mountpoint="/"')} < 0.1`,
            "15m",
            "warning",
            `less than 10% disk left on {{ $labels.instance }} (${args.app})`,
        ),
    ];
    // podinfo's series, without the load balancer's health checks and the scrape (components/monitoring/queries.ts).
    const M = PODINFO_METRICS;
    const traffic = `,${trafficOnly(M).join(",")}`;
    if (args.kind === "service")
        rules.push(
            alert(
                "HighErrorRate",
                `sum(rate(${M.requests}${sel("app", `${traffic},status=~"5.."`)}[5m])) / sum(rate(${M.requests}${sel("app", traffic)}[5m])) > 0.05`,
                "5m",
                "critical",
                `more than 5% of ${args.app}'s requests fail`,
            ),
            alert(
                "HighLatency",
                `histogram_quantile(0.95, sum by (le) (rate(${M.duration}_bucket${sel("app", traffic)}[5m]))) > 0.5`,
                "10m",
                "warning",
                `${args.app}'s p95 latency is above 500ms`,
            ),
        );
    return [{ name: `${args.app}-vm`, rules }];
}
