import * as assert from "node:assert/strict";
import { CONFIGMAP_DATA_MAX, dashboard, dashboardFiles, PODINFO_METRICS, RELEASE_ANNOTATION_TAG } from "../../components/monitoring";
import { one, runFixture } from "../harness";
import { promqlSyntaxError } from "./promql";

describe("monitoring Grafana dashboard (dashboard.ts)", () => {
    const d = dashboard({
        environment: "prod",
        namespace: "prod",
        apps: [
            { name: "web", kind: "service", metrics: PODINFO_METRICS, percentile: 99 },
            { name: "api", kind: "service", metrics: PODINFO_METRICS, percentile: 95 },
            { name: "worker", kind: "worker", metrics: PODINFO_METRICS, percentile: 99 },
        ],
    });

    it("has a row per app and a panel per golden signal (workers: saturation only)", () => {
        const byRow: Record<string, string[]> = {};
        let row = "";
        for (const p of d.panels) {
            if (p.type === "row") byRow[(row = p.title)] = [];
            else byRow[row].push(p.title.split(":")[0]);
        }
        assert.deepEqual(byRow, {
            "api (service)": ["Traffic", "Errors", "Latency", "Saturation"],
            "web (service)": ["Traffic", "Errors", "Latency", "Saturation"],
            "worker (worker)": ["Saturation"],
        });
        assert.equal(d.panels.find((p) => p.title === "Latency: p95")?.type, "timeseries");
    });

    it("is a well-formed dashboard: unique ids, panels inside the 24-column grid and not overlapping, valid PromQL", () => {
        const ids = d.panels.map((p) => p.id);
        assert.equal(new Set(ids).size, ids.length);
        const cells = new Set<string>();
        for (const p of d.panels) {
            const g = p.gridPos;
            assert.ok(g.x >= 0 && g.w > 0 && g.x + g.w <= 24, `${p.title} fits the grid`);
            for (let x = g.x; x < g.x + g.w; x++)
                for (let y = g.y; y < g.y + g.h; y++) {
                    assert.ok(!cells.has(`${x},${y}`), `${p.title} overlaps at ${x},${y}`);
                    cells.add(`${x},${y}`);
                }
            for (const t of p.targets ?? []) {
                assert.equal(promqlSyntaxError(t.expr), undefined, t.expr);
                assert.match(t.expr, /namespace="prod"/);
            }
            if (p.type !== "row") assert.deepEqual(p.datasource, { type: "prometheus", uid: "${datasource}" });
        }
        assert.equal(d.uid, "launchpad-prod");
        assert.equal(d.templating.list[0].type, "datasource");
    });

    it("annotates releases (Grafana tags) and rollouts (Deployment generation changes)", () => {
        const [releases, rollouts] = d.annotations.list;
        assert.deepEqual(releases.target?.tags, [RELEASE_ANNOTATION_TAG, "prod"]);
        assert.equal(promqlSyntaxError(rollouts.expr!), undefined);
        assert.match(rollouts.expr!, /kube_deployment_metadata_generation\{namespace="prod"\}/);
    });

    it("ships in a ConfigMap the Grafana sidecar loads, in the monitoring namespace", async () => {
        const run = await runFixture("prod");
        const cm = one(run, "kubernetes:core/v1:ConfigMap", "prod-dashboard").inputs as any;
        assert.equal(cm.metadata.labels.grafana_dashboard, "1");
        assert.equal(cm.metadata.namespace, "monitoring");
        const json = JSON.parse(cm.data["launchpad-prod.json"]);
        assert.equal(json.title, "Launchpad prod");
        assert.equal(json.panels.filter((p: any) => p.type === "row").length, 3);
    });

    it("splits into ConfigMaps that each fit when one would exceed what a ConfigMap holds (1 MiB)", () => {
        // 400 apps: one dashboard would be about 1.4 MB, which the API server refuses.
        const apps = Array.from({ length: 400 }, (_, i) => ({
            name: `app-${String(i).padStart(3, "0")}`,
            kind: "service" as const,
            metrics: PODINFO_METRICS,
            percentile: 99,
        }));
        const whole = JSON.stringify(dashboard({ environment: "prod", namespace: "prod", apps }), null, 2);
        assert.ok(whole.length > CONFIGMAP_DATA_MAX, `one dashboard has ${whole.length} bytes`);
        const files = dashboardFiles({ environment: "prod", namespace: "prod", apps });
        assert.equal(files.length, 2);
        for (const f of files) assert.ok(Buffer.byteLength(f.key) + Buffer.byteLength(f.json) <= CONFIGMAP_DATA_MAX, `${f.key} fits`);
        const parsed = files.map((f) => JSON.parse(f.json));
        assert.deepEqual(
            files.map((f, i) => [f.suffix, f.key, parsed[i].uid, parsed[i].title]),
            [
                ["", "launchpad-prod.json", "launchpad-prod", "Launchpad prod (1/2)"],
                ["-2", "launchpad-prod-2.json", "launchpad-prod-2", "Launchpad prod (2/2)"],
            ],
        );
        // Every app once, in name order.
        const rows = parsed.flatMap((d) => d.panels.filter((p: any) => p.type === "row").map((p: any) => p.title.split(" ")[0]));
        assert.deepEqual(
            rows,
            apps.map((a) => a.name),
        );
    });

    it("stays one ConfigMap, exactly the one dashboard, while it fits; parts fit any smaller limit", () => {
        const apps = [
            { name: "web", kind: "service" as const, metrics: PODINFO_METRICS, percentile: 99 },
            { name: "api", kind: "service" as const, metrics: PODINFO_METRICS, percentile: 95 },
            { name: "worker", kind: "worker" as const, metrics: PODINFO_METRICS, percentile: 99 },
        ];
        const args = { environment: "prod", namespace: "prod", apps };
        assert.deepEqual(dashboardFiles(args), [{ suffix: "", key: "launchpad-prod.json", json: JSON.stringify(d, null, 2) }]);
        const limit = JSON.stringify(d, null, 2).length;
        const parts = dashboardFiles(args, limit);
        assert.ok(parts.length >= 2);
        for (const f of parts) assert.ok(f.key.length + f.json.length <= limit);
    });
});
