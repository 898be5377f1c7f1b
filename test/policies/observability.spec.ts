import * as assert from "node:assert/strict";
import * as k8s from "@pulumi/kubernetes";
import { ProgramRun } from "../../tools/plan/recorder";
import { check, reported, runStackWith, violationsOf } from "./support";

const APPS = { web: "frontend", api: "backend", worker: "backend" } as Record<string, string>;

interface Breakage {
    skipApp?: string;
    noLatencyFor?: string;
    noTeamLabel?: boolean;
    routing?: "none" | "silent";
}

/** What the monitoring domain adds (its contract): per app `<app>-alerts`, and routing to the alerts topic. */
function monitoringDomain(b: Breakage = {}) {
    for (const [app, team] of Object.entries(APPS)) {
        if (app === b.skipApp) continue;
        const labels = { severity: "page", ...(b.noTeamLabel ? {} : { team }) };
        const sel = `namespace="prod",app="${app}"`;
        const rules = [
            {
                alert: "HighErrorRate",
                expr: `sum(rate(http_requests_total{${sel},status=~"5.."}[5m])) / sum(rate(http_requests_total{${sel}}[5m])) > 0.05`,
                for: "5m",
                labels,
            },
            ...(app === b.noLatencyFor
                ? []
                : [
                      {
                          alert: "HighLatencyP99",
                          expr: `histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{${sel}}[5m]))) > 0.5`,
                          for: "10m",
                          labels,
                      },
                  ]),
        ];
        new k8s.apiextensions.CustomResource(`${app}-alerts`, {
            apiVersion: "monitoring.coreos.com/v1",
            kind: "PrometheusRule",
            metadata: { name: `${app}-alerts`, namespace: "prod", labels: { "app.kubernetes.io/name": app } },
            spec: { groups: [{ name: app, rules }] },
        });
    }
    if (b.routing === "none") return;
    new k8s.apiextensions.CustomResource("prod-alert-routing", {
        apiVersion: "monitoring.coreos.com/v1alpha1",
        kind: "AlertmanagerConfig",
        metadata: { name: "prod-alert-routing", namespace: "prod" },
        spec: {
            route: { receiver: "prod-alerts", groupBy: ["alertname", "team"] },
            receivers: [
                b.routing === "silent"
                    ? { name: "prod-alerts" }
                    : {
                          name: "prod-alerts",
                          snsConfigs: [{ topicARN: "arn:aws:sns:eu-west-1:123456789012:prod-alerts", sigv4: { region: "eu-west-1" } }],
                      },
            ],
        },
    });
}

describe("policies: observability", () => {
    describe("observed", () => {
        let plain: ProgramRun;
        before(async () => {
            plain = await runStackWith("prod");
        });

        it("passes the sample stack as configured (requireAlerts: false until monitoring lands)", async () => {
            assert.deepEqual(violationsOf(await check(plain, "prod"), "observed"), []);
        });

        it("with requireAlerts, fails every app without alert rules", async () => {
            const v = violationsOf(await check(plain, "prod", { observed: { requireAlerts: true } }), "observed");
            assert.equal(v.length, 3);
            assert.equal(v[0].level, "mandatory");
            assert.equal(v[0].urn, undefined);
            assert.equal(
                reported(v[0]),
                "app 'api' has no alert rules: a bad release would go unnoticed. Enable monitoring for it so that a PrometheusRule 'api-alerts' (label app.kubernetes.io/name: api) with error-rate and latency alerts is created.",
            );
        });

        it("passes error-rate and latency alerts per app, labelled and routed to the SNS topic", async () => {
            const run = await runStackWith("prod", undefined, () => monitoringDomain());
            assert.deepEqual(violationsOf(await check(run, "prod", { observed: { requireAlerts: true } }), "observed"), []);
        });

        it("fails an app without its rule, a missing latency alert and alerts without a team label", async () => {
            const run = await runStackWith("prod", undefined, () =>
                monitoringDomain({ skipApp: "worker", noLatencyFor: "api", noTeamLabel: true }),
            );
            const v = violationsOf(await check(run, "prod", { observed: { requireAlerts: true } }), "observed").map(reported);
            assert.deepEqual(v, [
                "PrometheusRule prod/api-alerts has no latency alert for app 'api': add one on a latency quantile of http_request_duration_seconds (components/monitoring/queries.ts).",
                "alert 'HighErrorRate' in PrometheusRule prod/api-alerts has no team label: Alertmanager routes on them, so without them nobody is paged.",
                "alert 'HighErrorRate' in PrometheusRule prod/web-alerts has no team label: Alertmanager routes on them, so without them nobody is paged.",
                "alert 'HighLatencyP99' in PrometheusRule prod/web-alerts has no team label: Alertmanager routes on them, so without them nobody is paged.",
                "app 'worker' has no alert rules: a bad release would go unnoticed. Enable monitoring for it so that a PrometheusRule 'worker-alerts' (label app.kubernetes.io/name: worker) with error-rate and latency alerts is created.",
            ]);
        });

        it("follows the route tree: a catch-all that discards, with a sub-route per severity to a channel", async () => {
            const run = await runStackWith("prod", undefined, () => {
                monitoringDomain({ routing: "none" });
                new k8s.apiextensions.CustomResource("prod-routing", {
                    apiVersion: "monitoring.coreos.com/v1alpha1",
                    kind: "AlertmanagerConfig",
                    metadata: { name: "prod-routing", namespace: "prod" },
                    spec: {
                        route: {
                            receiver: "discard",
                            routes: [{ matchers: [{ name: "severity", value: "ticket", matchType: "=" }], receiver: "prod-pager" }],
                        },
                        receivers: [
                            { name: "discard" },
                            { name: "prod-pager", webhookConfigs: [{ url: "https://hooks.example.com/prod" }] },
                        ],
                    },
                });
            });
            // The rules page with severity 'page'; only 'ticket' reaches anyone.
            assert.deepEqual(violationsOf(await check(run, "prod"), "observed").map(reported), [
                "no AlertmanagerConfig routes alerts of severity 'page' to a receiver that notifies anyone (AlertmanagerConfig prod/prod-routing): add a route for it whose receiver has an snsConfigs/slackConfigs/emailConfigs/webhookConfigs entry.",
            ]);
        });

        it("asks a background worker (no Service) for alerts, not for request error rate or latency", async () => {
            const run = await runStackWith("prod", undefined, () => {
                monitoringDomain({ skipApp: "worker" });
                new k8s.apiextensions.CustomResource("worker-alerts", {
                    apiVersion: "monitoring.coreos.com/v1",
                    kind: "PrometheusRule",
                    metadata: { name: "worker-alerts", namespace: "prod", labels: { "app.kubernetes.io/name": "worker" } },
                    spec: {
                        groups: [
                            {
                                name: "worker",
                                rules: [
                                    {
                                        alert: "PodCrashLooping",
                                        expr: 'increase(kube_pod_container_status_restarts_total{namespace="prod",container="worker"}[15m]) > 3',
                                        labels: { severity: "page", team: "backend" },
                                    },
                                ],
                            },
                        ],
                    },
                });
            });
            assert.deepEqual(violationsOf(await check(run, "prod", { observed: { requireAlerts: true } }), "observed"), []);
        });

        it("fails rules that nobody routes, even without requireAlerts", async () => {
            const none = await runStackWith("prod", undefined, () => monitoringDomain({ routing: "none" }));
            assert.deepEqual(violationsOf(await check(none, "prod"), "observed").map(reported), [
                "alerts are defined but no AlertmanagerConfig routes them: add one whose route sends to a receiver with a notification channel (SNS topic <env>-alerts, Slack, e-mail).",
            ]);
            const silent = await runStackWith("prod", undefined, () => monitoringDomain({ routing: "silent" }));
            assert.deepEqual(violationsOf(await check(silent, "prod"), "observed").map(reported), [
                "no AlertmanagerConfig routes alerts of severity 'page' to a receiver that notifies anyone (AlertmanagerConfig prod/prod-alert-routing): add a route for it whose receiver has an snsConfigs/slackConfigs/emailConfigs/webhookConfigs entry.",
            ]);
        });
    });
});
