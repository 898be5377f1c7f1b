// The observed policy on the real merged stacks: the monitoring domain gives every app a PrometheusRule
// `<app>-alerts` and routes them by severity with the AlertmanagerConfig `<env>-routing`. Each failing
// case breaks one real thing in a copy of the real program run.
import * as assert from "node:assert/strict";
import { ProgramRun, ResourceRecord } from "../../tools/plan/recorder";
import { check, copyRun, record, reported, runStackWith, violationsOf } from "./support";

const PrometheusRule = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";
const AlertmanagerConfig = "kubernetes:monitoring.coreos.com/v1alpha1:AlertmanagerConfig";

const inputs = (r: ResourceRecord): any => r.inputs;
const alerts = (r: ResourceRecord): any[] => inputs(r).spec.groups.flatMap((g: any) => g.rules.filter((x: any) => x.alert));
const drop = (run: ProgramRun, type: string, name: string) => {
    const r = record(run, type, name);
    run.resources.splice(run.resources.indexOf(r), 1);
};

describe("policies: observability", () => {
    describe("observed", () => {
        let prod: ProgramRun;
        before(async () => {
            prod = await runStackWith("prod");
        });

        it("passes both stacks: every app has its rules, routed per severity (requireAlerts in prod and staging)", async () => {
            const report = await check(prod, "prod");
            assert.equal(report.policies.find((p) => p.name === "observed")?.enforcementLevel, "mandatory");
            assert.deepEqual(violationsOf(report, "observed"), []);
            const staging = await runStackWith("staging");
            assert.deepEqual(violationsOf(await check(staging, "staging"), "observed"), []);
        });

        it("fails an app whose PrometheusRule is dropped (requireAlerts), and says nothing of it without requireAlerts", async () => {
            const run = copyRun(prod);
            drop(run, PrometheusRule, "worker-alerts");
            const v = violationsOf(await check(run, "prod"), "observed");
            assert.deepEqual(
                v.map((x) => [x.level, x.urn]),
                [["mandatory", undefined]],
            );
            assert.equal(
                reported(v[0]),
                "app 'worker' has no alert rules: a bad release would go unnoticed. Enable monitoring for it so that a PrometheusRule 'worker-alerts' (label app.kubernetes.io/name: worker) with error-rate and latency alerts is created.",
            );
            assert.deepEqual(violationsOf(await check(run, "prod", { observed: { requireAlerts: false } }), "observed"), []);
        });

        it("fails a served app without a latency alert", async () => {
            const run = copyRun(prod);
            const rule = record(run, PrometheusRule, "api-alerts");
            for (const g of inputs(rule).spec.groups) g.rules = g.rules.filter((x: any) => !/latency/i.test(x.alert ?? ""));
            assert.deepEqual(
                alerts(rule).filter((a) => /histogram_quantile|_duration_seconds_bucket/.test(a.expr)),
                [],
                "no other alert of api's looks at latency",
            );
            const v = violationsOf(await check(run, "prod"), "observed");
            assert.deepEqual(
                v.map((x) => x.name),
                ["api-alerts"],
            );
            assert.equal(
                reported(v[0]),
                "PrometheusRule prod/api-alerts has no latency alert for app 'api': add one on a latency quantile of http_request_duration_seconds (components/monitoring/queries.ts).",
            );
        });

        it("fails an alert without a team label", async () => {
            const run = copyRun(prod);
            const web = alerts(record(run, PrometheusRule, "web-alerts")).find((a) => a.alert === "HighErrorRatio");
            delete web.labels.team;
            assert.deepEqual(violationsOf(await check(run, "prod"), "observed").map(reported), [
                "alert 'HighErrorRatio' in PrometheusRule prod/web-alerts has no team label: Alertmanager routes on them, so without them nobody is paged.",
            ]);
        });

        it("follows the route tree: the catch-all discards, so a severity whose sub-route goes to 'discard' reaches nobody", async () => {
            const run = copyRun(prod);
            const route = inputs(record(run, AlertmanagerConfig, "prod-routing")).spec.route;
            assert.equal(route.receiver, "discard");
            route.routes.find((r: any) => r.matchers.some((m: any) => m.name === "severity" && m.value === "critical")).receiver =
                "discard";
            assert.deepEqual(violationsOf(await check(run, "prod"), "observed").map(reported), [
                "no AlertmanagerConfig routes alerts of severity 'critical' (HighErrorRatio, TrafficStopped, ErrorBudgetFastBurn, CandidateErrorRatioAboveStable, PodCrashLooping, and 6 more) to a receiver that notifies anyone (AlertmanagerConfig prod/prod-routing): give them the labels the routes match on (environment, severity), or add a route for them whose receiver has an snsConfigs/slackConfigs/emailConfigs/webhookConfigs entry.",
            ]);
        });

        it("routes as Alertmanager does: the first matching child decides, the parent's receiver only catches what no child matches", async () => {
            // A notifying root with a silent critical child: Alertmanager sends critical alerts to the child's
            // receiver and never to the root's, so they reach nobody.
            const run = copyRun(prod);
            const spec = inputs(record(run, AlertmanagerConfig, "prod-routing")).spec;
            spec.route.receiver = "prod-critical";
            spec.receivers.push({ name: "silent" });
            spec.route.routes.find((r: any) => r.matchers.some((m: any) => m.value === "critical")).receiver = "silent";
            assert.deepEqual(violationsOf(await check(run, "prod"), "observed").map(reported), [
                "no AlertmanagerConfig routes alerts of severity 'critical' (HighErrorRatio, TrafficStopped, ErrorBudgetFastBurn, CandidateErrorRatioAboveStable, PodCrashLooping, and 6 more) to a receiver that notifies anyone (AlertmanagerConfig prod/prod-routing): give them the labels the routes match on (environment, severity), or add a route for them whose receiver has an snsConfigs/slackConfigs/emailConfigs/webhookConfigs entry.",
            ]);
            // With `continue` on the silent child, the next matching sibling gets them too: routed.
            const silent = spec.route.routes.find((r: any) => r.receiver === "silent");
            silent.continue = true;
            spec.route.routes.push({ receiver: "prod-critical", matchers: [{ name: "severity", value: "critical", matchType: "=" }] });
            assert.deepEqual(violationsOf(await check(run, "prod"), "observed"), []);
        });

        it("fails alerts of another environment: the route matches on the environment label", async () => {
            const run = copyRun(prod);
            for (const g of inputs(record(run, PrometheusRule, "worker-alerts")).spec.groups)
                for (const r of g.rules) if (r.labels) r.labels.environment = "staging";
            assert.deepEqual(violationsOf(await check(run, "prod"), "observed").map(reported), [
                "no AlertmanagerConfig routes alerts of severity 'critical' (PodCrashLooping) to a receiver that notifies anyone (AlertmanagerConfig prod/prod-routing): give them the labels the routes match on (environment, severity), or add a route for them whose receiver has an snsConfigs/slackConfigs/emailConfigs/webhookConfigs entry.",
                "no AlertmanagerConfig routes alerts of severity 'warning' (CPUThrottling, MemoryNearLimit) to a receiver that notifies anyone (AlertmanagerConfig prod/prod-routing): give them the labels the routes match on (environment, severity), or add a route for them whose receiver has an snsConfigs/slackConfigs/emailConfigs/webhookConfigs entry.",
            ]);
        });

        it("fails a receiver without a notification channel", async () => {
            const run = copyRun(prod);
            const warning = inputs(record(run, AlertmanagerConfig, "prod-routing")).spec.receivers.find(
                (r: any) => r.name === "prod-warning",
            );
            delete warning.webhookConfigs;
            assert.deepEqual(Object.keys(warning), ["name"]);
            assert.deepEqual(violationsOf(await check(run, "prod"), "observed").map(reported), [
                "no AlertmanagerConfig routes alerts of severity 'warning' (HighLatency, ErrorBudgetSlowBurn, CandidateLatencyAboveStable, CPUThrottling, MemoryNearLimit, and 7 more) to a receiver that notifies anyone (AlertmanagerConfig prod/prod-routing): give them the labels the routes match on (environment, severity), or add a route for them whose receiver has an snsConfigs/slackConfigs/emailConfigs/webhookConfigs entry.",
            ]);
        });

        it("asks a background worker (no Service) for alerts, not for request error rate or latency", async () => {
            const worker = alerts(record(prod, PrometheusRule, "worker-alerts")).map((a) => a.alert);
            assert.deepEqual(worker.sort(), ["CPUThrottling", "MemoryNearLimit", "PodCrashLooping"]);
            assert.deepEqual(violationsOf(await check(prod, "prod"), "observed"), []);
        });

        it("fails rules that nobody routes (the AlertmanagerConfig dropped), even without requireAlerts", async () => {
            const run = copyRun(prod);
            drop(run, AlertmanagerConfig, "prod-routing");
            assert.deepEqual(violationsOf(await check(run, "prod", { observed: { requireAlerts: false } }), "observed").map(reported), [
                "alerts are defined but no AlertmanagerConfig routes them: add one whose route sends to a receiver with a notification channel (SNS topic <env>-alerts, Slack, e-mail).",
            ]);
        });
    });
});
