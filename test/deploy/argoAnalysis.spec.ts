// The Argo Rollouts gate's queries, judged by Prometheus's own engine (`promtool test rules`): what the
// controller reads as `result` where the canary has no requests yet (0/0), where the baseline has none,
// and where both serve traffic. The conditions then decide as Launchpad's gate does (`judge`).
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { stringify } from "yaml";
import { gateMetrics } from "../../components/deploy/argo/analysis";
import { PODINFO_METRICS } from "../../components/monitoring/queries";
import type { GateConfig } from "../../config/validation";
import { cleanTmp, tmpFile } from "../policies/support";
import { requireTool } from "../support/tools";

const gate: GateConfig = {
    enabled: true,
    window: "5m",
    latencyQuantile: 0.99,
    maxErrorRatio: 0.01,
    maxErrorRatioIncrease: 0.005,
    maxLatencySeconds: 0.5,
    maxLatencyRatio: 1.5,
    onNoData: "fail",
} as GateConfig;
const metrics = gateMetrics({
    namespace: "prod",
    app: "api",
    prometheusUrl: "http://127.0.0.1:9090",
    gate,
    metrics: PODINFO_METRICS,
    candidate: "canary",
    baseline: "stable",
});
const query = (name: string) => (metrics.find((m) => m.name === name)!.provider.prometheus as { query: string }).query;

/** One slot's series: `rps` requests per second, `errorRps` of them 5xx, every request under 100 ms. */
function slot(name: string, rps: number, errorRps = 0) {
    const sel = (extra: string) => `{namespace="prod",app="api",slot="${name}"${extra}}`;
    const counter = (perSecond: number) => (perSecond === 0 ? "100x20" : `0+${perSecond * 60}x20`);
    return [
        { series: `http_request_duration_seconds_count${sel(',path="api_info",status="200"')}`, values: counter(rps - errorRps) },
        ...(errorRps > 0
            ? [{ series: `http_request_duration_seconds_count${sel(',path="api_info",status="500"')}`, values: counter(errorRps) }]
            : []),
        { series: `http_request_duration_seconds_bucket${sel(',le="0.1"')}`, values: counter(rps) },
        { series: `http_request_duration_seconds_bucket${sel(',le="+Inf"')}`, values: counter(rps) },
    ];
}

/** A promtool test: the series, and what each metric's query returns 10 minutes in (`[]`: no sample). */
function scenario(series: object[], expected: Record<string, number | undefined>) {
    return {
        interval: "1m",
        input_series: series,
        promql_expr_test: Object.entries(expected).map(([name, value]) => ({
            expr: query(name),
            eval_time: "10m",
            exp_samples: value === undefined ? [] : [{ labels: "{}", value }],
        })),
    };
}

describe("Argo analysis queries under Prometheus's engine (promtool)", function () {
    let promtool: string;
    before(function () {
        promtool = requireTool(this, "promtool");
    });
    after(cleanTmp);

    const run = (tests: object[]) => {
        const file = tmpFile("analysis.test.yaml", stringify({ rule_files: [], evaluation_interval: "1m", tests }));
        return spawnSync(promtool, ["test", "rules", path.basename(file)], { cwd: path.dirname(file), encoding: "utf8" });
    };

    it("return no sample where the gate reads no data, and the measured value otherwise", () => {
        const r = run([
            // Scraped, but no request in the window: every ratio is 0/0. The gate reads NaN as no data;
            // Argo would compare NaN (always false), so the query drops it: `len(result) == 0`.
            scenario([...slot("canary", 0), ...slot("stable", 10)], {
                "error-ratio": undefined,
                "error-ratio-increase": undefined,
                latency: undefined,
                "latency-ratio": undefined,
            }),
            // The baseline idle: the comparisons have no sample (passed), the thresholds judge the candidate.
            scenario([...slot("canary", 10, 1), ...slot("stable", 0)], {
                "error-ratio": 0.1,
                "error-ratio-increase": undefined,
                latency: 0.099,
                "latency-ratio": undefined,
            }),
            // No stable series at all (nothing scraped with that slot).
            scenario(slot("canary", 10), {
                "error-ratio": 0,
                "error-ratio-increase": undefined,
                latency: 0.099,
                "latency-ratio": undefined,
            }),
            // Both serving: the measured values, as the gate measures them.
            scenario([...slot("canary", 10, 1), ...slot("stable", 10)], {
                "error-ratio": 0.1,
                "error-ratio-increase": 0.1,
                latency: 0.099,
                "latency-ratio": 1,
            }),
        ]);
        assert.equal(r.status, 0, r.stdout + r.stderr);
    });

    it("the check can fail: without the filter, 0/0 is a NaN sample", () => {
        const nan = scenario(slot("canary", 0), { "error-ratio": undefined });
        (nan.promql_expr_test[0] as { expr: string }).expr = query("error-ratio").replace(/ >= 0$/, "");
        const r = run([nan]);
        assert.notEqual(r.status, 0);
        assert.match(r.stdout + r.stderr, /NaN/);
    });

    it("every metric waits one gate window before it measures, and only the candidate's own metrics fail on no data", () => {
        assert.deepEqual(
            metrics.map((m) => [m.name, m.initialDelay, m.successCondition]),
            [
                ["error-ratio", "5m", "len(result) > 0 && result[0] <= 0.01"],
                ["error-ratio-increase", "5m", "len(result) == 0 || result[0] <= 0.005"],
                ["latency", "5m", "len(result) > 0 && result[0] <= 0.5"],
                ["latency-ratio", "5m", "len(result) == 0 || result[0] <= 1.5"],
            ],
        );
    });
});
