import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { parseConfig } from "../../config";
import { metricsSchema } from "../../config/monitoring";
import { PODINFO_METRICS, appSelector, errorRate, rulesFile } from "../../components/monitoring";
import { fixtureProblems, fixtureRaw } from "../harness";
import { cleanTmp, tmpFile } from "../policies/support";
import { requireTool } from "../support/tools";

const problems = (breakIt: (c: Record<string, any>) => void) => fixtureProblems("prod", breakIt);

describe("config: launchpad:monitoring and apps.<app>.slo/metrics", () => {
    it("reads the prod stack's channels, subscriptions and routing", () => {
        const m = parseConfig(fixtureRaw("prod")).monitoring;
        assert.deepEqual(m.channels.pager, { type: "webhook", url: "https://events.pager.example.com/integration/launchpad-prod" });
        assert.deepEqual(m.subscriptions, { alerts: ["oncall-email", "pager"], releases: ["stakeholders"] });
        assert.deepEqual(m.routing.critical, { channels: ["chatops"], alertsTopic: true, repeatInterval: "1h" });
        assert.deepEqual(m.routing.info, { channels: [], alertsTopic: false, repeatInterval: "24h" });
        assert.equal(m.dashboards, true);
    });

    it("defaults: no monitoring key pages through the alerts topic; apps get podinfo's metrics and a 99.9% objective", () => {
        const raw = fixtureRaw("prod");
        delete raw.monitoring;
        // Production refuses an alerts topic nobody subscribes to (the defaults subscribe no one).
        assert.throws(() => parseConfig(raw), /launchpad:monitoring\.subscriptions\.alerts: expected at least one channel in production/);
        raw.environment.tier = "preproduction";
        const cfg = parseConfig(raw);
        assert.deepEqual(cfg.monitoring.channels, {});
        assert.equal(cfg.monitoring.routing.critical.alertsTopic, true);
        assert.equal(cfg.monitoring.routing.warning.alertsTopic, false);
        assert.deepEqual(cfg.apps.web.metrics, {
            requests: "http_request_duration_seconds_count",
            duration: "http_request_duration_seconds",
            statusLabel: "status",
            errorStatus: "5..",
            pathLabel: "path",
            notTraffic: "healthz|readyz|metrics",
            path: "/metrics",
            interval: "30s",
        });
        assert.deepEqual(cfg.apps.web.slo, { availability: 99.9, latency: { thresholdSeconds: 0.5, percentile: 99 }, errorRatio: 0.05 });
        assert.equal(cfg.apps.api.slo.latency.thresholdSeconds, 0.3);
    });

    const table: [string, (c: Record<string, any>) => void, string[]][] = [
        [
            "a subscription to an undeclared channel",
            (c) => (c.monitoring.subscriptions.alerts = ["oncall-email", "pagr"]),
            [
                'launchpad:monitoring.subscriptions.alerts[1]: expected the name of a channel in monitoring.channels (oncall-email, pager, chatops, stakeholders), got "pagr"',
            ],
        ],
        [
            "routing to an undeclared channel",
            (c) => (c.monitoring.routing.warning.channels = ["slack"]),
            [
                'launchpad:monitoring.routing.warning.channels[0]: expected the name of a channel in monitoring.channels (oncall-email, pager, chatops, stakeholders), got "slack"',
            ],
        ],
        [
            "a plain-HTTP webhook",
            (c) => (c.monitoring.channels.pager.url = "http://events.pager.example.com/x"),
            // Not echoed: a webhook URL may be a decrypted secret.
            ["launchpad:monitoring.channels.pager.url: expected an https:// URL or a secure value (value not shown: it may be a secret)"],
        ],
        [
            "a channel of unknown type",
            (c) => (c.monitoring.channels.pager = { type: "sms", number: "1" }),
            ['launchpad:monitoring.channels.pager.type: expected type email (address) or webhook (url), got "sms"'],
        ],
        [
            "an invalid repeat interval",
            (c) => (c.monitoring.routing.critical.repeatInterval = "1 hour"),
            [
                'launchpad:monitoring.routing.critical.repeatInterval: expected a Prometheus duration above zero such as 30s, 5m, 4h, got "1 hour"',
            ],
        ],
        [
            // amtool check-config: "repeat_interval cannot be zero"; the whole environment's routing would not load.
            "a repeat interval of zero",
            (c) => (c.monitoring.routing.critical.repeatInterval = "0s"),
            [
                'launchpad:monitoring.routing.critical.repeatInterval: expected a Prometheus duration above zero such as 30s, 5m, 4h, got "0s"',
            ],
        ],
        [
            "a repeat interval below the group interval",
            (c) => (c.monitoring.routing.warning.repeatInterval = "1m"),
            [
                'launchpad:monitoring.routing.warning.repeatInterval: expected at least 5m, the routes\' group interval: Alertmanager sends a still-firing alert again no sooner, got "1m"',
            ],
        ],
        [
            "an availability of 100%",
            (c) => (c.apps.api.slo.availability = 100),
            ["launchpad:apps.api.slo.availability: expected a percentage between 93.1 and 99.999, got 100"],
        ],
        [
            "an availability of 90% (its fast burn-rate page would need an error ratio of 1.44)",
            (c) => (c.apps.api.slo.availability = 90),
            [
                "launchpad:apps.api.slo.availability: expected a percentage between 93.1 and 99.999: below 93.06 the fast burn-rate page (14.4 times the error budget) would need more than 100% errors and could never fire, got 90",
            ],
        ],
        [
            "a percentile of 100",
            (c) => (c.apps.api.slo.latency.percentile = 100),
            ["launchpad:apps.api.slo.latency.percentile: expected a percentile between 50 and 99.9, got 100"],
        ],
        [
            "a metric name with a dash",
            (c) => (c.apps.web.metrics = { requests: "http-requests" }),
            ['launchpad:apps.web.metrics.requests: expected a Prometheus metric name, got "http-requests"'],
        ],
        [
            "an error status pattern that is not RE2",
            (c) => (c.apps.web.metrics = { errorStatus: "5(" }),
            [
                'launchpad:apps.web.metrics.errorStatus: expected a regular expression in RE2 syntax, as Prometheus reads it (missing ): 5(), got "5("',
            ],
        ],
        ["an unknown monitoring key", (c) => (c.monitoring.pagerduty = true), []],
    ];
    for (const [what, breakIt, expected] of table) {
        it(`rejects ${what}`, () => {
            const got = problems(breakIt);
            if (expected.length > 0) assert.deepEqual(got, expected);
            else assert.equal(got.length, 1, got.join("\n"));
        });
    }

    describe("errorStatus: the config and promtool agree, pattern by pattern", () => {
        // Groups, look-around, back-references, repeats, escapes; and what RE2 takes but Go's regexp (so
        // Prometheus) refuses: \C, and (?<name>) in a Prometheus built with Go before 1.22 (Debian's promtool).
        const patterns = [
            "5..",
            "5..|429",
            "[45]\\d\\d",
            "(5|4)0[0-9]",
            "(?P<code>5)..",
            "a\\\\C",
            "5(",
            "(?=5)..",
            "(5)\\1",
            "5{2,1}",
            "[5-4]..",
            "5\\",
            "\\C..",
            "(?<code>5)..",
        ];
        const accepted = (p: string) => metricsSchema.safeParse({ errorStatus: p }).success;

        it("refuses a pattern RE2 refuses and keeps the ones it accepts", () => {
            assert.deepEqual(patterns.filter(accepted), ["5..", "5..|429", "[45]\\d\\d", "(5|4)0[0-9]", "(?P<code>5)..", "a\\\\C"]);
        });

        it("matches `promtool check rules` pattern by pattern", function () {
            const promtool = requireTool(this, "promtool");
            for (const p of patterns) {
                // The error series exactly as the alert rules and the gate build it (components/monitoring/queries.ts).
                const expr = errorRate(appSelector("prod", "web"), "5m", { ...PODINFO_METRICS, errorStatus: p });
                const file = tmpFile(
                    "rules.yaml",
                    rulesFile([{ name: "g", rules: [{ alert: "WebErrors", expr: `${expr} > 0`, labels: {}, annotations: {} }] }]),
                );
                const r = spawnSync(promtool, ["check", "rules", file], { encoding: "utf8" });
                assert.equal(
                    accepted(p),
                    r.status === 0,
                    `${p}: config ${accepted(p) ? "accepts" : "refuses"}, promtool says ${r.stdout}${r.stderr}`,
                );
            }
        });
        after(cleanTmp);
    });
});
