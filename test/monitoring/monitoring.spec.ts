import * as assert from "node:assert/strict";
import { PodMonitor, PrometheusRule } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";
import { AlertmanagerConfig } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1alpha1";
import { ProgramRun, ResourceRecord } from "../../tools/plan/recorder";
import { one, runConfig, runFixture, fixtureRaw } from "../harness";

const M = {
    PrometheusRule: "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
    PodMonitor: "kubernetes:monitoring.coreos.com/v1:PodMonitor",
    AlertmanagerConfig: "kubernetes:monitoring.coreos.com/v1alpha1:AlertmanagerConfig",
    ConfigMap: "kubernetes:core/v1:ConfigMap",
    Topic: "aws:sns/topic:Topic",
    TopicPolicy: "aws:sns/topicPolicy:TopicPolicy",
    Subscription: "aws:sns/topicSubscription:TopicSubscription",
    Key: "aws:kms/key:Key",
    KeyPolicy: "aws:kms/keyPolicy:KeyPolicy",
    Alias: "aws:kms/alias:Alias",
    Alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
    EventRule: "aws:cloudwatch/eventRule:EventRule",
    EventTarget: "aws:cloudwatch/eventTarget:EventTarget",
} as const;
const UNKNOWN = "(known after up)";

/** `type name` of every resource under a monitoring component (types shortened). */
function monitoringResources(run: ProgramRun): string[] {
    return run.resources
        .filter((r) => r.custom && r.urn.includes("launchpad:monitoring:"))
        .map((r) => `${r.type.split(":").pop()} ${r.name}`)
        .sort();
}

function expected(env: string, apps: string[], subscriptions: string[], extra: string[] = []): string[] {
    return [
        `Alias ${env}-notifications`,
        `AlertmanagerConfig ${env}-routing`,
        `ConfigMap ${env}-dashboard`,
        `EventRule ${env}-backup-failed`,
        `EventTarget ${env}-backup-failed`,
        `Key ${env}-notifications`,
        `KeyPolicy ${env}-notifications`,
        // The api's database (apps.api.data.postgres in both stacks).
        ...["connections", "cpu", "free-storage"].map((n) => `MetricAlarm ${env}-api-db-${n}`),
        ...apps.flatMap((a) => [`PodMonitor ${a}`, `PrometheusRule ${a}-alerts`]),
        `Topic ${env}-alerts`,
        `Topic ${env}-releases`,
        `TopicPolicy ${env}-alerts`,
        `TopicPolicy ${env}-releases`,
        ...subscriptions.map((s) => `TopicSubscription ${env}-${s}`),
        ...extra,
    ].sort();
}

const spec = (r: ResourceRecord) => r.inputs.spec as any;
const PROD_APPS = ["api", "web", "worker"];
/** staging also runs the built example app hello (apps/hello): it is monitored like any other service. */
const STAGING_APPS = ["api", "hello", "web", "worker"];

describe("Monitoring components (whole-program runs)", () => {
    let prod: ProgramRun;
    let staging: ProgramRun;
    before(async () => {
        prod = await runFixture("prod");
        staging = await runFixture("staging");
    });

    it("prod: rules and a PodMonitor per app, routing, two encrypted topics with subscriptions, backup-failure rule, dashboard", () => {
        assert.deepEqual(
            monitoringResources(prod),
            expected("prod", PROD_APPS, ["alerts-oncall-email", "alerts-pager", "releases-stakeholders"], ["Secret prod-alert-webhooks"]),
        );
    });

    it("staging: the same shape with staging's subscriptions", () => {
        assert.deepEqual(
            monitoringResources(staging),
            // The staging fixture's api database is a db.t4g.micro: burstable, so it has the cpu-credits alarm too.
            expected(
                "staging",
                STAGING_APPS,
                ["alerts-team-email", "releases-stakeholders"],
                ["Secret staging-alert-webhooks", "MetricAlarm staging-api-db-cpu-credits"],
            ),
        );
    });

    it("PrometheusRule <app>-alerts: labelled for the app, valid for the prometheus-operator schema, comparison only during a release", () => {
        for (const [run, app, groups] of [
            [prod, "api", ["api.golden-signals", "api.slo-burn-rate", "api.release-comparison", "api.saturation"]],
            [prod, "web", ["web.golden-signals", "web.slo-burn-rate", "web.release-comparison", "web.saturation"]],
            [prod, "worker", ["worker.saturation"]],
            // staging's api canary is promoted (no candidate): no comparison group.
            [staging, "api", ["api.golden-signals", "api.slo-burn-rate", "api.saturation"]],
            // staging's built hello: a direct-rollout service, so no release comparison either.
            [staging, "hello", ["hello.golden-signals", "hello.slo-burn-rate", "hello.saturation"]],
        ] as const) {
            const r = one(run, M.PrometheusRule, `${app}-alerts`);
            const meta = r.inputs.metadata as any;
            assert.equal(meta.name, `${app}-alerts`);
            assert.equal(meta.labels["app.kubernetes.io/name"], app);
            assert.deepEqual(
                spec(r).groups.map((g: any) => g.name),
                groups,
            );
            for (const rule of spec(r).groups.flatMap((g: any) => g.rules)) {
                assert.ok(rule.labels.severity && rule.labels.team, `${app} ${rule.alert}`);
            }
            new PrometheusRule(r.inputs as any).validate();
        }
        assert.equal((one(prod, M.PrometheusRule, "api-alerts").inputs.metadata as any).namespace, "prod");
        // The schema check is real: a rule without an expression is refused.
        const broken = structuredClone(one(prod, M.PrometheusRule, "api-alerts").inputs) as any;
        delete broken.spec.groups[0].rules[0].expr;
        assert.throws(() => new PrometheusRule(broken).validate(), /expr/);
    });

    it("uses the app's SLO from config: prod api 99.9% and p99 under 0.3 s, staging api 99.5%", () => {
        const exprs = (run: ProgramRun) =>
            Object.fromEntries(
                spec(one(run, M.PrometheusRule, "api-alerts"))
                    .groups.flatMap((g: any) => g.rules)
                    .map((r: any) => [r.alert, r.expr]),
            );
        assert.match(exprs(prod).HighLatency, /^histogram_quantile\(0\.99, .* > 0\.3$/);
        assert.match(exprs(prod).ErrorBudgetFastBurn, /> 0\.0144 and/);
        assert.match(exprs(staging).ErrorBudgetFastBurn, /> 0\.072 and/);
    });

    it("PodMonitor <app> scrapes podinfo's metrics port and relabels the slot so comparisons can select it", () => {
        const r = one(prod, M.PodMonitor, "api");
        new PodMonitor(r.inputs as any).validate();
        assert.deepEqual(spec(r).selector, { matchLabels: { "app.kubernetes.io/name": "api" } });
        const ep = spec(r).podMetricsEndpoints[0];
        assert.equal(ep.port, "http");
        assert.equal(ep.path, "/metrics");
        assert.deepEqual(
            ep.relabelings.map((x: any) => `${x.sourceLabels[0]} -> ${x.targetLabel}`),
            [
                "__meta_kubernetes_pod_label_app_kubernetes_io_name -> app",
                "__meta_kubernetes_pod_label_launchpad_dev_slot -> slot",
                "__meta_kubernetes_pod_label_app_kubernetes_io_version -> version",
            ],
        );
    });

    it("AlertmanagerConfig routes this environment's alerts by severity: critical to the alerts topic and chat, warning to chat", () => {
        const r = one(prod, M.AlertmanagerConfig, "prod-routing");
        new AlertmanagerConfig(r.inputs as any).validate();
        const s = spec(r);
        assert.deepEqual(s.route.matchers, [{ name: "environment", value: "prod", matchType: "=" }]);
        assert.equal(s.route.receiver, "discard");
        assert.deepEqual(
            s.route.routes.map((x: any) => [x.matchers[0].value, x.receiver, x.repeatInterval]),
            [
                ["critical", "prod-critical", "1h"],
                ["warning", "prod-warning", "4h"],
            ],
        );
        const critical = s.receivers.find((x: any) => x.name === "prod-critical");
        // The URL (it embeds a token) is read by the operator from a Secret, never written into the object.
        assert.deepEqual(critical.webhookConfigs, [{ urlSecret: { name: "prod-alert-webhooks", key: "chatops" }, sendResolved: true }]);
        const hooks = one(prod, "kubernetes:core/v1:Secret", "prod-alert-webhooks");
        assert.deepEqual((hooks.inputs as any).stringData, { chatops: "[secret]", pager: "[secret]" });
        assert.deepEqual(r.dependsOn, [hooks.urn]);
        assert.equal(critical.snsConfigs[0].topicARN, UNKNOWN); // the alerts topic's ARN, known after creation
        const warning = s.receivers.find((x: any) => x.name === "prod-warning");
        assert.equal(warning.snsConfigs, undefined);
        assert.deepEqual(
            s.receivers.map((x: any) => x.name),
            ["discard", "prod-critical", "prod-warning"],
        );
        const stagingCritical = spec(one(staging, M.AlertmanagerConfig, "staging-routing")).route.routes[0];
        assert.equal(stagingCritical.repeatInterval, "4h");
    });

    it("topics <env>-alerts and <env>-releases are KMS-encrypted with the environment's own key, with policies and subscriptions", () => {
        for (const kind of ["alerts", "releases"]) {
            const t = one(prod, M.Topic, `prod-${kind}`);
            assert.equal(t.inputs.name, `prod-${kind}`);
            assert.equal(t.inputs.kmsMasterKeyId, UNKNOWN); // the key's ARN
            assert.equal((t.inputs.tags as any)["launchpad:environment"], "prod");
            assert.equal(one(prod, M.TopicPolicy, `prod-${kind}`).inputs.policy, UNKNOWN); // built from the topic's ARN
        }
        const key = one(prod, M.Key, "prod-notifications");
        assert.equal(key.inputs.enableKeyRotation, true);
        assert.equal(one(prod, M.KeyPolicy, "prod-notifications").inputs.keyId, "prod-notifications-id");
        assert.deepEqual(one(prod, M.Subscription, "prod-alerts-pager").inputs, {
            topic: UNKNOWN,
            protocol: "https",
            endpoint: "[secret]",
            rawMessageDelivery: false,
        });
        assert.deepEqual(
            { ...one(prod, M.Subscription, "prod-releases-stakeholders").inputs },
            { topic: UNKNOWN, protocol: "email", endpoint: "releases@example.com" },
        );
    });

    it("sends failed AWS Backup jobs to the alerts topic through EventBridge", () => {
        const rule = one(prod, M.EventRule, "prod-backup-failed");
        assert.deepEqual(JSON.parse(rule.inputs.eventPattern as string).detail, { state: ["FAILED", "ABORTED", "EXPIRED"] });
        assert.equal(JSON.parse(rule.inputs.eventPattern as string).source[0], "aws.backup");
        const target = one(prod, M.EventTarget, "prod-backup-failed");
        assert.equal(target.inputs.rule, "prod-backup-failed");
        assert.equal(target.inputs.arn, UNKNOWN);
        assert.match((target.inputs.inputTransformer as any).inputTemplate, /^"\[prod\] AWS Backup: <type> <state>/);
    });

    it("dashboards: false removes only the dashboard ConfigMap", async () => {
        const raw = fixtureRaw("prod");
        raw.monitoring.dashboards = false;
        const run = await runConfig(raw, "prod");
        assert.deepEqual(
            monitoringResources(run),
            expected(
                "prod",
                PROD_APPS,
                ["alerts-oncall-email", "alerts-pager", "releases-stakeholders"],
                ["Secret prod-alert-webhooks"],
            ).filter((x) => x !== "ConfigMap prod-dashboard"),
        );
    });

    it("a stack without launchpad:monitoring still gets rules, routing to the alerts topic and topics without subscriptions", async () => {
        const raw = fixtureRaw("prod");
        delete raw.monitoring;
        // Production refuses an alerts topic nobody subscribes to (config/schema.ts); the defaults are for pre-production.
        raw.environment.tier = "preproduction";
        const run = await runConfig(raw, "prod");
        assert.deepEqual(monitoringResources(run), expected("prod", PROD_APPS, []));
        const s = spec(one(run, M.AlertmanagerConfig, "prod-routing"));
        assert.deepEqual(
            s.receivers.map((x: any) => x.name),
            ["discard", "prod-critical"],
        );
    });

    describe("with databases (the RDS instance the data component creates for apps.api.data.postgres)", () => {
        let run: ProgramRun;
        before(async () => {
            run = await runConfig(fixtureRaw("prod"), "prod");
        });

        it("creates CPU, free-storage and connection alarms for the api's database", () => {
            assert.deepEqual(
                monitoringResources(run).filter((x) => x.startsWith("MetricAlarm")),
                ["prod-api-db-connections", "prod-api-db-cpu", "prod-api-db-free-storage"].map((n) => `MetricAlarm ${n}`),
            );
            assert.deepEqual(run.outputs.monitoring && (run.outputs.monitoring as any).alarms, [
                "prod-api-db-cpu",
                "prod-api-db-free-storage",
                "prod-api-db-connections",
            ]);
        });

        it("with M-of-N datapoints, treatMissingData per alarm, and alarm and OK actions to the alerts topic", () => {
            const a = (n: string) => one(run, M.Alarm, n).inputs as any;
            const summary = (n: string) => {
                const x = a(n);
                return [
                    x.metricName,
                    x.comparisonOperator,
                    x.threshold,
                    `${x.datapointsToAlarm}/${x.evaluationPeriods}x${x.period}s`,
                    x.treatMissingData,
                ];
            };
            assert.deepEqual(summary("prod-api-db-cpu"), ["CPUUtilization", "GreaterThanThreshold", 80, "3/5x60s", "ignore"]);
            // 5% of the 100 GiB allocated in Pulumi.prod.yaml: its storage autoscaling (maxAllocatedStorage) acts at 10%.
            assert.deepEqual(summary("prod-api-db-free-storage"), [
                "FreeStorageSpace",
                "LessThanThreshold",
                5368709120,
                "2/3x300s",
                "breaching",
            ]);
            // 80% of the max_connections of Pulumi.prod.yaml's db.m7g.large (839, components/data/connections.ts).
            assert.deepEqual(summary("prod-api-db-connections"), [
                "DatabaseConnections",
                "GreaterThanThreshold",
                671,
                "3/5x60s",
                "notBreaching",
            ]);
            const db = one(run, "aws:rds/instance:Instance", "api-db").inputs as any;
            assert.equal(db.identifier, "prod-api");
            assert.deepEqual(a("prod-api-db-cpu").dimensions, { DBInstanceIdentifier: "prod-api" });
            for (const n of ["prod-api-db-cpu", "prod-api-db-connections"]) {
                assert.deepEqual(a(n).alarmActions, [UNKNOWN]);
                assert.deepEqual(a(n).okActions, [UNKNOWN]);
                assert.equal(a(n).tags["launchpad:app"], "api");
                assert.match(a(n).alarmDescription, /Runbook: https:\/\/.*monitoring\.md#rds-/);
            }
        });
    });

    it("without storage autoscaling, the free-storage alarm fires under 10% of the allocated storage", async () => {
        const raw = fixtureRaw("prod");
        delete raw.apps.api.data.postgres.maxAllocatedStorage;
        const run = await runConfig(raw, "prod");
        const alarm = one(run, M.Alarm, "prod-api-db-free-storage").inputs as any;
        assert.deepEqual([alarm.threshold, alarm.alarmDescription.split(".")[0]], [10737418240, "Free storage under 10"]);
    });

    it("a burstable class (db.t3, db.t4g) also gets the cpu-credits alarm on surplus credits charged", async () => {
        const raw = fixtureRaw("prod");
        raw.apps.api.data.postgres.instanceClass = "db.t4g.medium";
        const run = await runConfig(raw, "prod");
        assert.deepEqual((run.outputs.monitoring as any).alarms, [
            "prod-api-db-cpu",
            "prod-api-db-free-storage",
            "prod-api-db-connections",
            "prod-api-db-cpu-credits",
        ]);
        const x = one(run, M.Alarm, "prod-api-db-cpu-credits").inputs as any;
        assert.deepEqual(
            [x.namespace, x.metricName, x.statistic, x.comparisonOperator, x.threshold],
            ["AWS/RDS", "CPUSurplusCreditsCharged", "Maximum", "GreaterThanThreshold", 0],
        );
        assert.deepEqual([x.datapointsToAlarm, x.evaluationPeriods, x.period, x.treatMissingData], [2, 3, 300, "notBreaching"]);
        assert.deepEqual(x.dimensions, { DBInstanceIdentifier: "prod-api" });
        assert.deepEqual(x.alarmActions, [UNKNOWN]);
        assert.match(x.alarmDescription, /Runbook: https:\/\/.*monitoring\.md#rds-cpu-credits$/);
        // db.t4g.medium: 4 GiB, RDS's formula gives 419 connections; the alarm is at 80%.
        assert.equal((one(run, M.Alarm, "prod-api-db-connections").inputs as any).threshold, 335);
    });

    it("exports both topic ARNs and the rule names for the validation and release components", () => {
        const m = prod.outputs.monitoring as any;
        assert.deepEqual(m.rules, ["api-alerts", "web-alerts", "worker-alerts"]);
        assert.deepEqual(m.alarms, ["prod-api-db-cpu", "prod-api-db-free-storage", "prod-api-db-connections"]);
        assert.ok("alertsTopicArn" in m && "releasesTopicArn" in m);
    });
});
