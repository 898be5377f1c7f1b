// Release gate on seeing trouble: every app has error-rate and latency alerts that reach people
// (observed). Written against the monitoring contract: per app a PrometheusRule `<app>-alerts`
// labelled app.kubernetes.io/name=<app>, alerts labelled severity and team, routed by an
// AlertmanagerConfig to a receiver.
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { LABEL } from "../components/common/labels";
import { TYPE, describe, Props } from "./common";

export interface ObservedConfig {
    requireAlerts: boolean;
    requiredLabels: string[];
}

interface Alert {
    alert: string;
    expr: string;
    labels: Record<string, string>;
}

function alertsOf(rule: PolicyResource): Alert[] {
    const groups = (rule.props.spec?.groups ?? []) as Props[];
    return groups.flatMap((g) => ((g.rules ?? []) as Props[]).filter((r) => typeof r.alert === "string")) as Alert[];
}

const isErrorRate = (a: Alert) => /error/i.test(a.alert) || /status(_code)?=~?"5/.test(String(a.expr));
const isLatency = (a: Alert) => /latency|slow/i.test(a.alert) || /histogram_quantile|_duration_seconds/.test(String(a.expr));

/** Receivers of an AlertmanagerConfig that notify someone (any *Configs list). */
function notifyingReceivers(c: PolicyResource): string[] {
    return ((c.props.spec?.receivers ?? []) as Props[])
        .filter((r) => Object.keys(r).some((k) => k.endsWith("Configs") && Array.isArray(r[k]) && r[k].length > 0))
        .map((r) => String(r.name));
}

export const observed: StackValidationPolicy = {
    name: "observed",
    description:
        "Every app has error-rate and latency alert rules (PrometheusRule <app>-alerts) with severity and team labels, routed by an AlertmanagerConfig to a notification channel.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            requireAlerts: {
                type: "boolean",
                default: true,
                description:
                    "Every app must have its PrometheusRule. When false, only the rules that exist are checked (for stacks without monitoring).",
            },
            requiredLabels: {
                type: "array",
                items: { type: "string" },
                default: ["severity", "team"],
                description: "Labels every alert must carry (routing keys).",
            },
        },
    },
    validateStack: (args, report) => {
        const cfg = args.getConfig<ObservedConfig>();
        const apps = [
            ...new Set(
                args.resources
                    .filter((r) => r.type === TYPE.Deployment)
                    .map((d) => d.props.metadata?.labels?.[LABEL.name])
                    .filter((n) => typeof n === "string"),
            ),
        ] as string[];
        const rules = args.resources.filter((r) => r.type === TYPE.PrometheusRule);
        if (apps.length === 0 && rules.length === 0) args.notApplicable("no apps");
        const ruleOf = (app: string) =>
            rules.filter((r) => r.props.metadata?.labels?.[LABEL.name] === app || r.props.metadata?.name === `${app}-alerts`);

        for (const app of apps.sort()) {
            const mine = ruleOf(app);
            if (mine.length === 0) {
                if (cfg.requireAlerts)
                    report(
                        `app '${app}' has no alert rules: a bad release would go unnoticed. Enable monitoring for it so that a PrometheusRule '${app}-alerts' (label ${LABEL.name}: ${app}) with error-rate and latency alerts is created.`,
                    );
                continue;
            }
            const alerts = mine.flatMap(alertsOf);
            if (!alerts.some(isErrorRate))
                report(
                    `${describe(mine[0])} has no error-rate alert for app '${app}': add one on the ratio of 5xx responses (components/monitoring/queries.ts).`,
                    mine[0].urn,
                );
            if (!alerts.some(isLatency))
                report(
                    `${describe(mine[0])} has no latency alert for app '${app}': add one on a latency quantile of http_request_duration_seconds (components/monitoring/queries.ts).`,
                    mine[0].urn,
                );
            for (const a of alerts) {
                const missing = cfg.requiredLabels.filter((l) => !a.labels?.[l]);
                if (missing.length > 0)
                    report(
                        `alert '${a.alert}' in ${describe(mine[0])} has no ${missing.join(", ")} label${missing.length === 1 ? "" : "s"}: Alertmanager routes on them, so without them nobody is paged.`,
                        mine[0].urn,
                    );
            }
        }
        if (rules.length > 0) {
            const routes = args.resources.filter((r) => r.type === TYPE.AlertmanagerConfig);
            const receivers = routes.flatMap(notifyingReceivers);
            const routed = routes.filter((c) => receivers.includes(String(c.props.spec?.route?.receiver)));
            if (routed.length === 0)
                report(
                    routes.length === 0
                        ? "alerts are defined but no AlertmanagerConfig routes them: add one whose route sends to a receiver with a notification channel (SNS topic <env>-alerts, Slack, e-mail)."
                        : `no AlertmanagerConfig routes alerts to a receiver that notifies anyone (${routes.map((r) => describe(r)).join(", ")}): give the route's receiver an snsConfigs/slackConfigs/emailConfigs/webhookConfigs entry.`,
                );
        }
    },
};

export const observabilityPolicies = [observed];
