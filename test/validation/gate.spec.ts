// The metric gate against a REAL Prometheus (Debian package) on 127.0.0.1 that scrapes a real local
// exporter whose error rate and latency the test controls. Pure judging logic is tested beside it.
import * as assert from "node:assert/strict";
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { GateInputs, canonical, evaluateGate, gateProvider, guardedChange, judge, runGate } from "../../components/validation/gate";
import { gateQueries } from "../../components/validation/queries";
import { PODINFO_METRICS } from "../../components/monitoring/queries";
import { requireTool } from "../support/tools";

const thresholds = {
    maxErrorRatio: 0.05,
    maxErrorRatioIncrease: 0.02,
    latencyQuantile: 0.99,
    maxLatencySeconds: 0.5,
    maxLatencyRatio: 1.5,
    onNoData: "fail" as const,
};
const ABORT = "pulumi config set --path 'launchpad:apps.api.strategy.weight' 0 --stack prod && pulumi up --stack prod --yes";

function inputs(app: string, prometheusUrl: string, weight = 25, extra: Partial<GateInputs> = {}): GateInputs {
    return {
        app,
        strategy: "canary",
        candidate: { name: `${app}-canary`, version: "6.7.1" },
        baseline: { name: `${app}-stable`, version: "6.7.0" },
        weight,
        prometheusUrl,
        window: "10s",
        queries: gateQueries("prod", app, "canary", "stable", "10s", 0.99, PODINFO_METRICS),
        thresholds,
        abortCommand: ABORT,
        ...extra,
    };
}
/** The gate's previous state at the canary's earlier step (10%). */
const olds = (i: GateInputs): GateInputs => ({ ...i, weight: 10 });

async function freePort(): Promise<number> {
    const s = http.createServer();
    await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
    const port = (s.address() as AddressInfo).port;
    await new Promise<void>((resolve) => s.close(() => resolve()));
    return port;
}

describe("metric gate (pure)", () => {
    const i = inputs("api", "http://127.0.0.1:1");
    it("measures only updates that give an already-serving candidate more traffic", () => {
        assert.deepEqual(guardedChange(i, olds(i)), { evaluate: true });
        assert.equal(guardedChange(i, undefined).evaluate, false);
        assert.equal(guardedChange(i, { ...i, weight: 0 }).evaluate, false);
        assert.equal(guardedChange(i, { ...i, candidate: { name: "api-canary", version: "6.7.0" }, weight: 10 }).evaluate, false);
        assert.deepEqual(guardedChange({ ...i, weight: 0 }, olds(i)), {
            evaluate: false,
            note: "weight 10 -> 0: no more traffic to the canary",
        });
        const bg = {
            ...i,
            strategy: "blueGreen" as const,
            candidate: { name: "web-green", version: "6.7.1" },
            baseline: { name: "web-blue", version: "6.7.0" },
            weight: 100,
        };
        assert.equal(guardedChange(bg, bg).evaluate, false);
        assert.equal(guardedChange(bg, { ...bg, candidate: bg.baseline, baseline: bg.candidate }).evaluate, true);
    });

    it("judges thresholds and the comparison with the stable version", () => {
        const m = { candidateErrorRatio: 0.04, baselineErrorRatio: 0.01, candidateLatency: 0.3, baselineLatency: 0.1 };
        assert.deepEqual(judge(m, thresholds, "api-canary", "api-stable").failures, [
            "error ratio of api-canary (0.0400) exceeds api-stable's (0.0100) by more than maxErrorRatioIncrease 0.02",
            "p99 latency of api-canary (0.300 s) is 3.00x api-stable's (0.100 s), above maxLatencyRatio 1.5",
        ]);
        assert.deepEqual(judge({ ...m, candidateErrorRatio: 0.011, candidateLatency: 0.12 }, thresholds, "c", "b"), {
            failures: [],
            notes: [],
        });
        const none = { candidateErrorRatio: null, baselineErrorRatio: null, candidateLatency: null, baselineLatency: null };
        assert.equal(judge(none, thresholds, "c", "b").failures.length, 2);
        assert.deepEqual(judge(none, { ...thresholds, onNoData: "pass" }, "c", "b").failures, []);
    });

    it("the provider diffs on inputs only (result, key order and its own code ignored) and skips a first step without querying", async () => {
        const created = (await gateProvider.create(i)) as { id: string; outs: any };
        assert.equal(created.id, "api-gate");
        assert.equal(created.outs.result.outcome, "skipped");
        const reordered = JSON.parse(canonical(created.outs));
        assert.deepEqual(await gateProvider.diff!("api-gate", reordered, i), { changes: false });
        assert.deepEqual(await gateProvider.diff!("api-gate", reordered, { ...i, weight: 50 }), { changes: true });
        // The engine passes the stored and the new `__provider` too: a new version of the gate's code alone
        // must not run the gate again (it would measure a release step nobody asked for).
        const stored = { ...reordered, __provider: "exports.handler = () => old;" };
        const next = { ...i, __provider: "exports.handler = () => new;" } as typeof i;
        assert.deepEqual(await gateProvider.diff!("api-gate", stored, next), { changes: false });
        assert.deepEqual(await gateProvider.diff!("api-gate", stored, { ...next, weight: 50 }), { changes: true });
    });
});

describe("metric gate against a real Prometheus", function () {
    let prometheus: ChildProcess | undefined;
    let exporter: http.Server;
    let dir: string;
    let url: string;
    let scrapes = 0;

    // Per scrape: requests and 5xx, and where the request durations fall, per app and slot.
    const traffic: Record<string, { total: number; errors: number; bucket: "0.05" | "1" }> = {
        "good/stable": { total: 100, errors: 1, bucket: "0.05" },
        "good/canary": { total: 100, errors: 1, bucket: "0.05" },
        "bad/stable": { total: 100, errors: 1, bucket: "0.05" },
        "bad/canary": { total: 100, errors: 30, bucket: "1" },
    };

    function metrics(): string {
        scrapes++;
        // podinfo's histogram: route and status on every series; the probes' series next to the app's.
        const lines = ["# TYPE http_request_duration_seconds histogram"];
        for (const [key, t] of Object.entries(traffic)) {
            const [app, slot] = key.split("/");
            const n = scrapes * t.total;
            const e = scrapes * t.errors;
            for (const [path, status, count] of [
                ["api_info", "200", n - e],
                ["api_info", "500", e],
                ["readyz", "200", scrapes * 50],
            ] as const) {
                const l = `namespace="prod",app="${app}",slot="${slot}",path="${path}",status="${status}"`;
                for (const le of ["0.05", "0.1", "0.5", "1", "+Inf"]) {
                    const inBucket = path === "readyz" || t.bucket === "0.05" || le === "1" || le === "+Inf" ? count : 0;
                    lines.push(`http_request_duration_seconds_bucket{${l},le="${le}"} ${inBucket}`);
                }
                lines.push(`http_request_duration_seconds_count{${l}} ${count}`);
            }
        }
        return `${lines.join("\n")}\n`;
    }

    before(async function () {
        const bin = requireTool(this, "prometheus");
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "launchpad-gate-"));
        exporter = http.createServer((_req, res) => {
            res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
            res.end(metrics());
        });
        await new Promise<void>((resolve) => exporter.listen(0, "127.0.0.1", resolve));
        const target = `127.0.0.1:${(exporter.address() as AddressInfo).port}`;
        fs.writeFileSync(
            path.join(dir, "prometheus.yml"),
            `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: exporter\n    static_configs:\n      - targets: ["${target}"]\n`,
        );
        const port = await freePort();
        url = `http://127.0.0.1:${port}`;
        prometheus = spawn(
            bin,
            [
                `--config.file=${path.join(dir, "prometheus.yml")}`,
                `--storage.tsdb.path=${path.join(dir, "data")}`,
                `--web.listen-address=127.0.0.1:${port}`,
            ],
            { stdio: "ignore" },
        );
        // Wait until Prometheus has scraped enough for rate() over the window on both slots.
        const probe = inputs("good", url);
        for (;;) {
            if (prometheus.exitCode !== null) throw new Error(`prometheus exited with ${prometheus.exitCode} before serving`);
            try {
                const r = await evaluateGate(probe, olds(probe));
                if (r.measured?.candidateErrorRatio !== null && r.measured?.baselineLatency !== null) break;
            } catch {
                // not up yet
            }
            await new Promise((resolve) => setTimeout(resolve, 500));
        }
    });

    after(async () => {
        if (prometheus && prometheus.exitCode === null) {
            const exited = new Promise((resolve) => prometheus!.once("exit", resolve));
            prometheus.kill("SIGTERM");
            await exited;
        }
        if (exporter) {
            exporter.closeAllConnections();
            await new Promise<void>((resolve) => exporter.close(() => resolve()));
        }
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("passes a healthy canary, with the measured values", async () => {
        const i = inputs("good", url);
        const r = await runGate(i, olds(i));
        assert.equal(r.passed, true);
        assert.equal(r.outcome, "evaluated");
        assert.ok(Math.abs(r.measured!.candidateErrorRatio! - 0.01) < 1e-9, `candidate error ratio ${r.measured!.candidateErrorRatio}`);
        assert.ok(Math.abs(r.measured!.baselineErrorRatio! - 0.01) < 1e-9);
        assert.ok(r.measured!.candidateLatency! < 0.05 && r.measured!.candidateLatency! > 0.04, `p99 ${r.measured!.candidateLatency}`);
        assert.match(r.summary, /^passed over 10s: error ratio good-canary 6\.7\.1 0\.0100, good-stable 6\.7\.0 0\.0100; latency/);
    });

    it("fails an unhealthy canary with the measured ratio, latency and the abort command", async () => {
        const i = inputs("bad", url);
        await assert.rejects(runGate(i, olds(i)), (e: Error) => {
            const lines = e.message.split("\n");
            assert.equal(
                lines[0],
                `metric gate of bad failed before raising bad-canary 6.7.1 to weight 25 (window 10s, Prometheus ${url}):`,
            );
            assert.equal(lines[1], "  - error ratio of bad-canary is 0.3000, above maxErrorRatio 0.05");
            assert.equal(
                lines[2],
                "  - error ratio of bad-canary (0.3000) exceeds bad-stable's (0.0100) by more than maxErrorRatioIncrease 0.02",
            );
            assert.match(lines[3], /^ {2}- p99 latency of bad-canary is 0\.99\d s, above maxLatencySeconds 0\.5$/);
            assert.match(lines[4], /^ {2}- p99 latency of bad-canary \(0\.99\d s\) is \d+\.\d\dx bad-stable's/);
            assert.match(lines[5], /^measured: error ratio bad-canary 6\.7\.1 0\.3000, bad-stable 6\.7\.0 0\.0100; latency/);
            assert.equal(lines[6], `Traffic was not changed. To abort the release: ${ABORT}`);
            return true;
        });
    });

    it("does not block an abort: lowering the weight is never measured", async () => {
        const i = inputs("bad", url, 0);
        const r = await runGate(i, { ...i, weight: 25 });
        assert.equal(r.outcome, "skipped");
    });

    it("fails closed when the candidate has no data", async () => {
        const i = inputs("ghost", url);
        await assert.rejects(
            runGate(i, olds(i)),
            /no data for the error ratio of ghost-canary \(is ghost-canary receiving traffic and being scraped\?\)/,
        );
    });

    it("fails closed when Prometheus rejects a query", async () => {
        const i = inputs("good", url, 25, {
            queries: { ...inputs("good", url).queries, candidateErrorRatio: "sum(rate(http_request_duration_seconds_count[10s]" },
        });
        await assert.rejects(
            runGate(i, olds(i)),
            /could not judge good-canary 6\.7\.1 and fails closed: Prometheus rejected the query \(HTTP 400: /,
        );
    });

    it("fails closed when Prometheus is unreachable", async () => {
        const closed = `http://127.0.0.1:${await freePort()}`;
        const i = inputs("good", closed);
        await assert.rejects(runGate(i, olds(i)), (e: Error) => {
            assert.match(e.message, new RegExp(`fails closed: Prometheus at ${closed} is unreachable \\(ECONNREFUSED\\)`));
            assert.match(e.message, /Fix Prometheus access \(launchpad:validation\.prometheusUrl\)/);
            return true;
        });
    });
});
