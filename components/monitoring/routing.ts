// Alertmanager routing for one environment as an AlertmanagerConfig spec (monitoring.coreos.com/v1alpha1):
// alerts of this environment only, one route per severity, each to the channels config names and,
// where asked, to the environment's `alerts` SNS topic (whose subscriptions page on-call).
import type { Channel, MonitoringConfig, Severity } from "../../config/monitoring";
import { ALERT_GROUP_INTERVAL, severities } from "../../config/monitoring";

/** Receiver that drops what no severity route claims (Alertmanager needs a default receiver). */
export const DISCARD = "discard";

/** Label every Launchpad alert carries (rules.ts) and the routing matches on. */
export const ENVIRONMENT_LABEL = "environment";

export interface RoutingArgs<Arn> {
    readonly environment: string;
    readonly config: MonitoringConfig;
    /** ARN of `<env>-alerts` (an Output in the program, a literal in tests). */
    readonly alertsTopicArn: Arn;
    /** Region of the topic, for the SigV4 signature. */
    readonly region: Arn;
}

/**
 * Kubernetes Secret holding the environment's webhook URLs, one key per channel: the operator reads
 * `urlSecret` from it, so no URL (they embed tokens) sits in plain text in the AlertmanagerConfig.
 */
export function webhookSecretName(environment: string): string {
    return `${environment}-alert-webhooks`;
}

export function receiverName(environment: string, severity: Severity): string {
    return `${environment}-${severity}`;
}

function receiver<Arn>(a: RoutingArgs<Arn>, severity: Severity) {
    const route = a.config.routing[severity];
    const channels: [string, Channel][] = route.channels.map((c) => [c, a.config.channels[c]]);
    const emails = channels.flatMap(([, c]) => (c.type === "email" ? [{ to: c.address, sendResolved: true }] : []));
    const hooks = channels.flatMap(([n, c]) =>
        c.type === "webhook" ? [{ urlSecret: { name: webhookSecretName(a.environment), key: n }, sendResolved: true }] : [],
    );
    return {
        name: receiverName(a.environment, severity),
        ...(emails.length > 0 ? { emailConfigs: emails } : {}),
        ...(hooks.length > 0 ? { webhookConfigs: hooks } : {}),
        ...(route.alertsTopic
            ? {
                  snsConfigs: [
                      {
                          topicARN: a.alertsTopicArn,
                          sigv4: { region: a.region },
                          subject: `[${a.environment}] {{ .CommonLabels.severity }}: {{ .CommonLabels.alertname }} {{ .CommonLabels.app }}`,
                          sendResolved: true,
                      },
                  ],
              }
            : {}),
    };
}

/** Severities whose route notifies someone; the others fall through to DISCARD. */
export function routedSeverities(config: MonitoringConfig): Severity[] {
    return severities.filter((s) => config.routing[s].alertsTopic || config.routing[s].channels.length > 0);
}

/** The AlertmanagerConfig `spec`. The operator also restricts it to alerts from its own namespace. */
export function alertmanagerSpec<Arn>(a: RoutingArgs<Arn>) {
    const routed = routedSeverities(a.config);
    return {
        route: {
            receiver: DISCARD,
            groupBy: ["alertname", "app", "slot"],
            groupWait: "30s",
            groupInterval: ALERT_GROUP_INTERVAL,
            matchers: [{ name: ENVIRONMENT_LABEL, value: a.environment, matchType: "=" as const }],
            routes: routed.map((s) => ({
                receiver: receiverName(a.environment, s),
                matchers: [{ name: "severity", value: s, matchType: "=" as const }],
                repeatInterval: a.config.routing[s].repeatInterval,
            })),
        },
        receivers: [{ name: DISCARD }, ...routed.map((s) => receiver(a, s))],
    };
}
