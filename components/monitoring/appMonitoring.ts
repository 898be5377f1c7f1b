import * as pulumi from "@pulumi/pulumi";
import * as k8s from "../common/kubernetes";
import type { MetricsConfig, SloConfig } from "../../config/monitoring";
import type { Strategy } from "../../config/schema";
import { isArgo } from "../../config/delivery";
import { ARGO_SLOTS } from "../deploy/argo/rollout";
import { LABEL } from "../common/labels";
import { podMonitorSpec } from "./podMonitor";
import { appPlan } from "../app/plan";
import { appRuleGroups, RuleGroup } from "./rules";
import { prometheusRule, ruleName } from "./ruleObject";

export interface AppMonitoringArgs {
    /** Namespace the objects go to: the Environment's output, so they wait for the Namespace. */
    readonly namespace: pulumi.Input<string>;
    /** The same namespace's name as the series' `namespace` label carries (known before anything exists). */
    readonly seriesNamespace: string;
    readonly environment: string;
    readonly team: string;
    readonly kind: "service" | "worker";
    readonly strategy: Strategy;
    readonly slo: SloConfig;
    readonly metrics: MetricsConfig;
    /** Labels of the app's objects. */
    readonly labels: Record<string, string>;
    /** Extra labels the Prometheus/Alertmanager selectors of the cluster require. @default {} */
    readonly selectorLabels?: Record<string, string>;
    readonly runbookUrl: string;
}

/**
 * Monitoring of one app: a PodMonitor `<name>` (scrape, relabel pod labels to `app`/`slot`/`version`)
 * and a PrometheusRule `<name>-alerts` with its golden-signal, burn-rate, saturation and (during a
 * release) slot-comparison alerts.
 */
export class AppMonitoring extends pulumi.ComponentResource {
    /** The rule groups in the PrometheusRule (also what the promtool tests render). */
    public readonly groups: RuleGroup[];
    public readonly ruleName: string;

    constructor(name: string, args: AppMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("launchpad:monitoring:AppMonitoring", name, {}, opts);
        const labels = { ...args.labels, ...(args.selectorLabels ?? {}), [LABEL.name]: name };
        this.groups = appRuleGroups({
            app: name,
            namespace: args.seriesNamespace,
            environment: args.environment,
            team: args.team,
            kind: args.kind,
            slo: args.slo,
            metrics: args.metrics,
            // The slots compared while a release is in progress (none for direct deployments and promoted canaries).
            // Argo Rollouts labels the pods by role (components/deploy/argo/rollout.ts ARGO_SLOTS), not by colour.
            comparison:
                args.strategy.type === "blueGreen" && isArgo(args.strategy)
                    ? { candidate: ARGO_SLOTS.blueGreen.candidate, baseline: ARGO_SLOTS.blueGreen.baseline }
                    : appPlan(name, args).watched,
            runbookUrl: args.runbookUrl,
        });

        new k8s.apiextensions.CustomResource(
            name,
            {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "PodMonitor",
                metadata: { name, namespace: args.namespace, labels },
                spec: podMonitorSpec({ app: name, port: "http", path: args.metrics.path, interval: args.metrics.interval }),
            },
            { parent: this },
        );
        this.ruleName = ruleName(name);
        prometheusRule(this, name, args.namespace, labels, this.groups);
        // The rule groups are the PrometheusRule's own spec, read by the program (dashboards, promtool tests):
        // registered again as the component's outputs they were a second copy in the state (~4 KB an app) that
        // every preview serialised, a twentieth of a 100-app plan's evaluation. AppVolume registers no `pod`
        // for the same reason: what the program wires is kept as fields, what a reader of the state looks up
        // is registered.
        this.registerOutputs({ ruleName: this.ruleName });
    }
}
