import * as assert from "node:assert/strict";
import fc from "fast-check";
import {
    appSelector,
    errorRatio,
    formatNumber,
    latencyQuantile,
    matchers,
    PODINFO_METRICS,
    quote,
    requestRate,
} from "../../components/monitoring/queries";
import { promqlSyntaxError } from "./promql";

describe("monitoring PromQL builders (queries.ts)", () => {
    const api = appSelector("prod", "api");

    it("select one app, optionally one slot, by the labels the PodMonitor adds", () => {
        assert.deepEqual(api, { namespace: "prod", app: "api" });
        assert.deepEqual(appSelector("prod", "api", "canary"), { namespace: "prod", app: "api", slot: "canary" });
        assert.equal(matchers({ slot: "canary", app: "api" }, ['status=~"5.."']), '{app="api",slot="canary",status=~"5.."}');
    });

    it("build the error ratio on podinfo's histogram count without probes and scrapes, counting a missing error series as zero", () => {
        assert.equal(
            errorRatio(api, "5m"),
            '((sum(rate(http_request_duration_seconds_count{app="api",namespace="prod",path!~"healthz|readyz|metrics",status=~"5.."}[5m])) or vector(0)) / sum(rate(http_request_duration_seconds_count{app="api",namespace="prod",path!~"healthz|readyz|metrics"}[5m])))',
        );
        assert.equal(
            requestRate(api, "1h"),
            'sum(rate(http_request_duration_seconds_count{app="api",namespace="prod",path!~"healthz|readyz|metrics"}[1h]))',
        );
    });

    it("build the latency quantile on podinfo's histogram", () => {
        assert.equal(
            latencyQuantile(appSelector("prod", "web", "green"), "5m", 0.99),
            'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{app="web",namespace="prod",slot="green",path!~"healthz|readyz|metrics"}[5m])))',
        );
    });

    it("follow an app's own metric names and labels", () => {
        const m = {
            requests: "requests_count",
            duration: "req_seconds",
            statusLabel: "code",
            errorStatus: "5..|429",
            pathLabel: "route",
            notTraffic: "health",
        };
        assert.equal(
            errorRatio(api, "10m", m),
            '((sum(rate(requests_count{app="api",namespace="prod",route!~"health",code=~"5..|429"}[10m])) or vector(0)) / sum(rate(requests_count{app="api",namespace="prod",route!~"health"}[10m])))',
        );
        assert.match(latencyQuantile(api, "5m", 0.5, m), /^histogram_quantile\(0\.5, sum by \(le\) \(rate\(req_seconds_bucket\{/);
    });

    it("refuse windows and quantiles that would make invalid PromQL", () => {
        assert.throws(() => errorRatio(api, "5 minutes"), /not a PromQL duration/);
        assert.throws(() => latencyQuantile(api, "5m", 99), /quantile must be in \(0, 1\)/);
        assert.throws(() => formatNumber(NaN), /not a finite number/);
    });

    it("print numbers without float noise", () => {
        assert.equal(formatNumber(14.4 * 0.001), "0.0144");
        assert.equal(formatNumber(1 - 0.999), "0.001");
        assert.equal(formatNumber(0.99), "0.99");
    });

    it("produce valid PromQL for any label value, window and quantile (lezer-promql)", () => {
        fc.assert(
            fc.property(
                fc.string(),
                fc.string(),
                fc.constantFrom("30s", "5m", "1h", "6h", "1d", "3d"),
                fc.double({ min: 0.01, max: 0.999, noNaN: true }),
                (ns, app, window, q) => {
                    const sel = appSelector(ns, app, "canary");
                    for (const expr of [errorRatio(sel, window), requestRate(sel, window), latencyQuantile(sel, window, q)])
                        assert.equal(promqlSyntaxError(expr), undefined, expr);
                },
            ),
        );
        assert.equal(quote('a"b\\c\nd'), '"a\\"b\\\\c\\nd"');
    });

    it("the syntax check itself rejects broken PromQL", () => {
        assert.notEqual(promqlSyntaxError("sum(rate(x[5m]) >"), undefined);
        assert.equal(PODINFO_METRICS.requests, "http_request_duration_seconds_count");
    });
});
