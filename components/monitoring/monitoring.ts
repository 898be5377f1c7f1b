import * as pulumi from "@pulumi/pulumi";
import * as aws from "../common/aws";
import * as k8s from "../common/kubernetes";
import type { MonitoringConfig, TopicKind } from "../../config/monitoring";
import { topicKinds } from "../../config/monitoring";
import { awsTags, TAG } from "../common/tags";
import { AlarmSpec, backupFailureMessage, backupFailurePattern, databaseAlarms, DatabaseAlarmArgs, replicaLagAlarm } from "./alarms";
import { ALERT_PUBLISHERS, parseArn, RELEASE_PUBLISHERS, snsKeyPolicy, topicPolicy } from "./awsPolicies";
import { dashboardFiles, DashboardApp } from "./dashboard";
import { alertmanagerSpec, webhookSecretName } from "./routing";

/** An RDS instance to alarm on. The data component creates it; the program hands its identifier here. */
export interface MonitoredDatabase extends DatabaseAlarmArgs {
    /** App that owns the database (alarm names, tags). */
    readonly app: string;
    /** RDS DB instance identifier (`aws.rds.Instance.identifier`). */
    readonly instanceIdentifier: pulumi.Input<string>;
    /** Identifiers of its read replicas; each gets a ReplicaLag alarm. @default [] */
    readonly replicaIdentifiers?: readonly pulumi.Input<string>[];
}

export interface MonitoringArgs {
    /** Environment name: resource names `<env>-alerts`, `<env>-releases`, the `environment` alert label. */
    readonly environment: string;
    /** Namespace of the environment (the AlertmanagerConfig goes there): the Environment's output. */
    readonly namespace: pulumi.Input<string>;
    /** The same namespace's name as series carry it (dashboard queries). */
    readonly seriesNamespace: string;
    /** Namespace Grafana's sidecar watches (the dashboard ConfigMap goes there). */
    readonly monitoringNamespace: string;
    readonly config: MonitoringConfig;
    /** Labels of the environment's objects. */
    readonly labels: Record<string, string>;
}

/**
 * Monitoring of one environment: a KMS key and the SNS topics `<env>-alerts` (on-call) and
 * `<env>-releases` (stakeholders) with their policies and subscriptions, the AlertmanagerConfig
 * `<env>-routing` and an EventBridge rule for failed AWS Backup jobs; CloudWatch alarms for each database
 * (`watchDatabase`, as the program builds the app that owns it), and, once every app is built
 * (`complete`), the Grafana dashboard ConfigMap `<env>-dashboard` (unless dashboards are off). Per-app
 * parts are built with their app rather than all at the end: a stack's registrations are spread over its
 * apps (see README, Performance).
 */
export class Monitoring extends pulumi.ComponentResource {
    public readonly alertsTopicArn: pulumi.Output<string>;
    public readonly releasesTopicArn: pulumi.Output<string>;
    /** Names of the CloudWatch alarms, in the order their databases were watched. */
    public readonly alarmNames: string[] = [];
    /** Name of the dashboard ConfigMap, or undefined when dashboards are off (set by `complete`). */
    public dashboardName: string | undefined;
    private readonly baseName: string;
    private readonly args: MonitoringArgs;
    private completed = false;

    constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("launchpad:monitoring:Monitoring", name, {}, opts);
        const env = args.environment;
        const cfg = args.config;
        const tags = awsTags(env);
        const child = { parent: this };

        // One customer-managed key for both topics: AWS-managed SNS keys cannot grant CloudWatch,
        // EventBridge or Backup the use they need to publish to an encrypted topic.
        const key = new aws.kms.Key(
            `${name}-notifications`,
            {
                description: `Launchpad ${env}: encrypts the ${env}-alerts and ${env}-releases SNS topics`,
                enableKeyRotation: true,
                deletionWindowInDays: 30,
                tags,
            },
            child,
        );
        new aws.kms.KeyPolicy(`${name}-notifications`, { keyId: key.id, policy: key.arn.apply(snsKeyPolicy) }, child);
        new aws.kms.Alias(`${name}-notifications`, { name: `alias/launchpad-${env}-notifications`, targetKeyId: key.keyId }, child);

        const topics = {} as Record<TopicKind, aws.sns.Topic>;
        for (const kind of topicKinds) {
            const topicName = `${name}-${kind}`;
            const topic = new aws.sns.Topic(topicName, { name: `${env}-${kind}`, kmsMasterKeyId: key.arn, tags }, child);
            topics[kind] = topic;
            const publishers = kind === "alerts" ? ALERT_PUBLISHERS : RELEASE_PUBLISHERS;
            new aws.sns.TopicPolicy(topicName, { arn: topic.arn, policy: topic.arn.apply((arn) => topicPolicy(arn, publishers)) }, child);
            for (const channelName of cfg.subscriptions[kind]) {
                const channel = cfg.channels[channelName];
                new aws.sns.TopicSubscription(
                    `${topicName}-${channelName}`,
                    channel.type === "email"
                        ? { topic: topic.arn, protocol: "email", endpoint: channel.address }
                        : // Webhook URLs embed tokens: secret in state and plans, whether or not the stack set them secure.
                          { topic: topic.arn, protocol: "https", endpoint: pulumi.secret(channel.url), rawMessageDelivery: false },
                    child,
                );
            }
        }

        const hooks = Object.entries(cfg.channels).filter(([, c]) => c.type === "webhook");
        const webhooks =
            hooks.length > 0
                ? new k8s.core.v1.Secret(
                      `${name}-alert-webhooks`,
                      {
                          metadata: { name: webhookSecretName(env), namespace: args.namespace, labels: args.labels },
                          type: "Opaque",
                          stringData: Object.fromEntries(hooks.map(([n, c]) => [n, pulumi.secret(c.type === "webhook" ? c.url : "")])),
                      },
                      child,
                  )
                : undefined;
        new k8s.apiextensions.CustomResource(
            `${name}-routing`,
            {
                apiVersion: "monitoring.coreos.com/v1alpha1",
                kind: "AlertmanagerConfig",
                metadata: { name: `${env}-routing`, namespace: args.namespace, labels: { ...args.labels, ...cfg.selectorLabels } },
                spec: alertmanagerSpec({
                    environment: env,
                    config: cfg,
                    alertsTopicArn: topics.alerts.arn,
                    region: topics.alerts.arn.apply((arn) => parseArn(arn).region),
                }),
            },
            // The operator reads the webhook URLs from the Secret when it renders the routing.
            { ...child, ...(webhooks ? { dependsOn: [webhooks] } : {}) },
        );

        const backupRule = new aws.cloudwatch.EventRule(
            `${name}-backup-failed`,
            {
                name: `${env}-backup-failed`,
                description: `Launchpad ${env}: AWS Backup, copy and restore jobs that failed, aborted or expired`,
                eventPattern: JSON.stringify(backupFailurePattern()),
                tags,
            },
            child,
        );
        new aws.cloudwatch.EventTarget(
            `${name}-backup-failed`,
            { rule: backupRule.name, arn: topics.alerts.arn, inputTransformer: backupFailureMessage(env) },
            child,
        );

        this.baseName = name;
        this.args = args;
        this.alertsTopicArn = topics.alerts.arn;
        this.releasesTopicArn = topics.releases.arn;
    }

    private alarm(alarmName: string, spec: AlarmSpec, instance: pulumi.Input<string>, app: string): void {
        const { environment: env, config: cfg } = this.args;
        const actions = [this.alertsTopicArn];
        new aws.cloudwatch.MetricAlarm(
            alarmName,
            {
                name: alarmName,
                alarmDescription: `${spec.description}. Runbook: ${cfg.runbookUrl}#rds-${spec.suffix}`,
                namespace: spec.namespace,
                metricName: spec.metricName,
                dimensions: { DBInstanceIdentifier: instance },
                statistic: spec.statistic,
                comparisonOperator: spec.comparisonOperator,
                threshold: spec.threshold,
                period: spec.period,
                evaluationPeriods: spec.evaluationPeriods,
                datapointsToAlarm: spec.datapointsToAlarm,
                treatMissingData: spec.treatMissingData,
                alarmActions: actions,
                okActions: actions,
                tags: awsTags(env, { [TAG.app]: app }),
            },
            { parent: this },
        );
        this.alarmNames.push(alarmName);
    }

    /** The CloudWatch alarms of an RDS instance (and of each of its read replicas' lag). */
    watchDatabase(db: MonitoredDatabase): void {
        if (this.completed) throw new Error(`programming error: ${db.app}'s database is watched after monitoring was completed`);
        const name = this.baseName;
        for (const spec of databaseAlarms(db)) this.alarm(`${name}-${db.app}-db-${spec.suffix}`, spec, db.instanceIdentifier, db.app);
        (db.replicaIdentifiers ?? []).forEach((replica, i) =>
            this.alarm(`${name}-${db.app}-db-replica-${i + 1}-lag`, replicaLagAlarm(), replica, db.app),
        );
    }

    /** The dashboards of `apps` (every app of the environment), then the component's outputs: called once, last. */
    complete(apps: readonly DashboardApp[]): void {
        if (this.completed) throw new Error("programming error: monitoring was completed twice");
        this.completed = true;
        const args = this.args;
        const env = args.environment;
        const name = this.baseName;
        if (args.config.dashboards) {
            this.dashboardName = `${name}-dashboard`;
            // One ConfigMap per dashboard: a single one unless the stack has several hundred apps (dashboardFiles).
            for (const file of dashboardFiles({ environment: env, namespace: args.seriesNamespace, apps }))
                new k8s.core.v1.ConfigMap(
                    `${this.dashboardName}${file.suffix}`,
                    {
                        metadata: {
                            name: `launchpad-${env}-dashboard${file.suffix}`,
                            namespace: args.monitoringNamespace,
                            labels: { ...args.labels, grafana_dashboard: "1" },
                            annotations: { grafana_folder: "Launchpad" },
                        },
                        data: { [file.key]: file.json },
                    },
                    { parent: this },
                );
        }
        this.registerOutputs({
            alertsTopicArn: this.alertsTopicArn,
            releasesTopicArn: this.releasesTopicArn,
            alarmNames: this.alarmNames,
            dashboardName: this.dashboardName,
        });
    }
}
