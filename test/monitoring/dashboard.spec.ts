import * as assert from "node:assert/strict";
import { dashboard, PODINFO_METRICS, RELEASE_ANNOTATION_TAG } from "../../components/monitoring";
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
});
