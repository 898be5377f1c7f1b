// Release gate on seeing trouble: every app has error-rate and latency alerts that reach people
// (observed). Written against the monitoring contract: per app a PrometheusRule `<app>-alerts`
// labelled app.kubernetes.io/name=<app>, alerts labelled severity, team and environment, routed by an
// AlertmanagerConfig to a receiver.
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { LABEL } from "./shared/labels";
import { APP_WORKLOADS, Props, TYPE, describe, servicesSelecting, vmDeploys } from "./common";

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
// "Slow" names a latency alert (SlowRequests), but not an error budget's slow burn (ErrorBudgetSlowBurn: an error rate).
// A request count can be a histogram's `_count` (podinfo's `http_request_duration_seconds_count`): only a
// quantile or the buckets are latency.
const isLatency = (a: Alert) =>
    /latency|slow(?!_?burn)/i.test(a.alert) || /histogram_quantile|_duration_seconds_bucket/.test(String(a.expr));

/** Receivers of an AlertmanagerConfig that notify someone (any non-empty *Configs list). */
function notifyingReceivers(c: PolicyResource): Set<string> {
    return new Set(
        ((c.props.spec?.receivers ?? []) as Props[])
            .filter((r) => Object.keys(r).some((k) => k.endsWith("Configs") && Array.isArray(r[k]) && r[k].length > 0))
            .map((r) => String(r.name)),
    );
}

/**
 * Does a route's matchers accept an alert? A matcher on a label the rule does not set itself is not held
 * against it: such a label comes from the series the expression returns, which a plan cannot know.
 */
function routeMatches(route: Props, labels: Record<string, string>): boolean {
    return ((route.matchers ?? []) as Props[]).every((m) => {
        const name = String(m.name);
        if (!(name in labels)) return true;
        const value = labels[name];
        const type = m.matchType ?? "=";
        if (type === "=") return value === m.value;
        if (type === "!=") return value !== m.value;
        const re = new RegExp(`^(?:${String(m.value)})$`);
        return type === "=~" ? re.test(value) : !re.test(value);
    });
}

/**
 * The receivers Alertmanager hands an alert to below a route it matched, as its routing tree does: the
 * first child that matches (and the next ones while a matched child has `continue`), each with its own
 * subtree, or the route's own receiver (inherited when unset) when no child matches.
 */
function receiversBelow(route: Props, labels: Record<string, string>, inherited: string | undefined): string[] {
    const receiver = route.receiver === undefined ? inherited : String(route.receiver);
    const out: string[] = [];
    let matched = false;
    for (const child of (route.routes ?? []) as Props[]) {
        if (!routeMatches(child, labels)) continue;
        matched = true;
        out.push(...receiversBelow(child, labels, receiver));
        if (!child.continue) break;
    }
    return matched ? out : receiver === undefined ? [] : [receiver];
}

/**
 * An AlertmanagerConfig's routing, each part read once, when first needed (as often as before, the first
 * time): its top route as the Prometheus Operator installs it (with a `namespace` matcher, the config's
 * own namespace) and the receivers that notify someone.
 */
interface Routing {
    readonly config: PolicyResource;
    readonly top?: Props;
    notify?: Set<string>;
}

function routingOf(c: PolicyResource): Routing {
    const top = c.props.spec?.route as Props | undefined;
    if (!top) return { config: c };
    const namespace = c.props.metadata?.namespace;
    const scoped =
        typeof namespace === "string"
            ? { ...top, matchers: [...((top.matchers ?? []) as Props[]), { name: "namespace", value: namespace }] }
            : top;
    return { config: c, top: scoped };
}

/** Does an AlertmanagerConfig (its routing) deliver an alert to a receiver that notifies someone? */
function routesAlert(routing: Routing, labels: Record<string, string>): boolean {
    if (!routing.top || !routeMatches(routing.top, labels)) return false;
    const notify = (routing.notify ??= notifyingReceivers(routing.config));
    return receiversBelow(routing.top, labels, undefined).some((r) => notify.has(r));
}

export const observed: StackValidationPolicy = {
    name: "observed",
    description:
        "Every app has alert rules (PrometheusRule <app>-alerts), error-rate and latency ones for apps that serve traffic, host and availability ones for VM apps, with severity, team and environment labels, each alert routed by an AlertmanagerConfig (as Alertmanager walks its route tree) to a notification channel.",
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
                default: ["severity", "team", "environment"],
                description: "Labels every alert must carry (routing keys).",
            },
        },
    },
    validateStack: (args, report) => {
        const cfg = args.getConfig<ObservedConfig>();
        const deployments = args.resources.filter((r) => APP_WORKLOADS.includes(r.type));
        const served = new Set(
            deployments.filter((d) => servicesSelecting(d, args.resources).length > 0).map((d) => d.props.metadata?.labels?.[LABEL.name]),
        );
        const apps = [
            ...new Set(deployments.map((d) => d.props.metadata?.labels?.[LABEL.name]).filter((n) => typeof n === "string")),
        ] as string[];
        const rules = args.resources.filter((r) => r.type === TYPE.PrometheusRule);
        const vmApps = [...new Set(vmDeploys(args.resources).map((d) => d.app))].sort();
        if (apps.length === 0 && rules.length === 0 && vmApps.length === 0) args.notApplicable("no apps");
        const checkLabels = (alerts: Alert[], rule: PolicyResource) => {
            for (const a of alerts) {
                const missing = cfg.requiredLabels.filter((l) => !a.labels?.[l]);
                if (missing.length > 0)
                    report(
                        `alert '${a.alert}' in ${describe(rule)} has no ${missing.join(", ")} label${missing.length === 1 ? "" : "s"}: Alertmanager routes on them, so without them nobody is paged.`,
                        rule.urn,
                    );
            }
        };
        // Rules by the app they name (label or `<app>-alerts`), read once: filtering every rule per app read
        // each rule's props through the SDK's proxy apps × rules times (quadratic at 1,000 apps).
        const rulesByApp = new Map<unknown, PolicyResource[]>();
        const index = (key: unknown, r: PolicyResource) => {
            const list = rulesByApp.get(key) ?? [];
            if (!list.includes(r)) list.push(r);
            rulesByApp.set(key, list);
        };
        for (const r of rules) {
            const meta = r.props.metadata;
            index(meta?.labels?.[LABEL.name], r);
            const name = meta?.name;
            if (typeof name === "string" && name.endsWith("-alerts")) index(name.slice(0, -"-alerts".length), r);
        }
        // Each list is in the order of `rules`, as a filter would return it.
        const ruleOf = (app: string) => rulesByApp.get(app) ?? [];

        // VM apps: alerts on the hosts' metrics (node exporter) and on the app answering its scrape.
        for (const app of vmApps) {
            const mine = ruleOf(app);
            if (mine.length === 0) {
                report(
                    `VM app '${app}' has no alert rules: a host or release failure would go unnoticed. Its PrometheusRule '${app}-alerts' (components/vm) must alert on node exporter and on the app's up series.`,
                );
                continue;
            }
            const alerts = mine.flatMap(alertsOf);
            if (!alerts.some((a) => /node_|launchpad_scrape="node"/.test(String(a.expr))))
                report(
                    `${describe(mine[0])} has no alert on VM app '${app}''s hosts: add one on node exporter's series (up{launchpad_scrape="node"} == 0, disk space).`,
                    mine[0].urn,
                );
            if (!alerts.some((a) => /\bup\{[^}]*launchpad_scrape="app"/.test(String(a.expr))))
                report(
                    `${describe(mine[0])} has no alert on VM app '${app}' being down: add one on up{launchpad_app="${app}",launchpad_scrape="app"} == 0.`,
                    mine[0].urn,
                );
            checkLabels(alerts, mine[0]);
        }
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
            if (alerts.length === 0)
                report(`${describe(mine[0])} defines no alerts for app '${app}': add alerting rules (components/monitoring).`, mine[0].urn);
            // Error rate and latency are about requests: a background worker (no Service) has neither.
            if (!served.has(app)) {
                checkLabels(alerts, mine[0]);
                continue;
            }
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
            checkLabels(alerts, mine[0]);
        }
        if (rules.length > 0) {
            const routes = args.resources.filter((r) => r.type === TYPE.AlertmanagerConfig);
            const alerts = rules.flatMap(alertsOf);
            if (routes.length === 0)
                report(
                    "alerts are defined but no AlertmanagerConfig routes them: add one whose route sends to a receiver with a notification channel (SNS topic <env>-alerts, Slack, e-mail).",
                );
            else {
                // Every alert, with the labels its rule gives it, must reach a receiver that notifies someone. Each
                // config's routing is read once (when first needed, as before), and each set of labels (an app's
                // alerts share a few) routed once: walking every config's routes through the SDK's proxy for every
                // alert was a fifth of the phase.
                const routings = routes.map((config) => ({ config, routing: undefined as Routing | undefined }));
                const routedBySome = (labels: Record<string, string>) =>
                    routings.some((r) => routesAlert((r.routing ??= routingOf(r.config)), labels));
                const routed = new Map<string, boolean>();
                const lost = new Map<string, string[]>();
                for (const a of alerts) {
                    const labels = Object.fromEntries(Object.entries(a.labels ?? {}).map(([k, v]) => [k, String(v)]));
                    const key = JSON.stringify(Object.entries(labels).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
                    let ok = routed.get(key);
                    if (ok === undefined) routed.set(key, (ok = routedBySome(labels)));
                    if (ok) continue;
                    const severity = labels.severity ?? "(none)";
                    lost.set(severity, [...(lost.get(severity) ?? []), a.alert]);
                }
                for (const [severity, names] of [...lost].sort())
                    report(
                        `no AlertmanagerConfig routes alerts of severity '${severity}' (${names.slice(0, 5).join(", ")}${names.length > 5 ? `, and ${names.length - 5} more` : ""}) to a receiver that notifies anyone (${routes.map((r) => describe(r)).join(", ")}): give them the labels the routes match on (environment, severity), or add a route for them whose receiver has an snsConfigs/slackConfigs/emailConfigs/webhookConfigs entry.`,
                    );
            }
        }
    },
};

export const observabilityPolicies = [observed];
