import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { CONTAINER_MAX } from "../../config/schema";
import { T, ofType, one, runFixture } from "../harness";
import { ProgramRun } from "../../tools/plan/recorder";

describe("Environment component (prod stack)", () => {
    let run: ProgramRun;
    before(async () => {
        run = await runFixture("prod");
    });
    const envPolicies = () => ofType(run, T.NetworkPolicy).filter((r) => r.parent?.endsWith("launchpad:environment:Environment::prod"));

    it("creates a namespace that enforces the restricted Pod Security Standard", () => {
        const ns = one(run, T.Namespace, "prod").inputs.metadata as any;
        assert.equal(ns.name, "prod");
        assert.equal(ns.labels["pod-security.kubernetes.io/enforce"], "restricted");
        assert.equal(ns.labels["launchpad.dev/environment"], "prod");
        assert.equal(ns.labels["app.kubernetes.io/part-of"], "launchpad");
    });

    it("sets a quota and default container limits from config", () => {
        assert.deepEqual((one(run, "kubernetes:core/v1:ResourceQuota", "prod-quota").inputs.spec as any).hard, {
            "requests.cpu": "32",
            "requests.memory": "64Gi",
            "limits.cpu": "32",
            "limits.memory": "64Gi",
            pods: "200",
        });
        const lr = (one(run, "kubernetes:core/v1:LimitRange", "prod-limits").inputs.spec as any).limits[0];
        assert.deepEqual(lr.default, { cpu: "500m", memory: "256Mi" });
        assert.deepEqual(lr.max, { cpu: "4", memory: "8Gi" });
        // The README's configuration reference names the same maximum the config refuses limits above.
        const readme = fs.readFileSync(path.join(__dirname, "..", "..", "README.md"), "utf8");
        assert.ok(readme.includes(`LimitRange maximum (\`${CONTAINER_MAX.cpu}\` CPU, \`${CONTAINER_MAX.memory}\`)`));
    });

    it("denies all traffic by default and allows exactly what apps declare", () => {
        assert.deepEqual(
            // The environment's own policies; components add theirs (the api's database egress, smoke tests) under themselves.
            envPolicies().map((r) => r.name),
            [
                "prod-allow-dns",
                "prod-api-ingress",
                "prod-default-deny",
                "prod-web-egress",
                "prod-web-ingress",
                "prod-worker-egress",
                "prod-worker-ingress",
            ],
        );
        assert.deepEqual(one(run, T.NetworkPolicy, "prod-default-deny").inputs.spec, {
            podSelector: {},
            policyTypes: ["Ingress", "Egress"],
        });
        const api = one(run, T.NetworkPolicy, "prod-api-ingress").inputs.spec as any;
        assert.deepEqual(api.podSelector, { matchLabels: { "app.kubernetes.io/name": "api" } });
        assert.deepEqual(api.ingress, [
            {
                from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } } }],
                ports: [{ protocol: "TCP", port: 9898 }],
            },
            {
                from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }],
                ports: [{ protocol: "TCP", port: 9898 }],
            },
            {
                from: [
                    { podSelector: { matchExpressions: [{ key: "app.kubernetes.io/name", operator: "In", values: ["web", "worker"] }] } },
                ],
                ports: [{ protocol: "TCP", port: 9898 }],
            },
        ]);
        // The worker is not exposed: only Prometheus may reach it.
        assert.equal((one(run, T.NetworkPolicy, "prod-worker-ingress").inputs.spec as any).ingress.length, 1);
        assert.deepEqual((one(run, T.NetworkPolicy, "prod-web-egress").inputs.spec as any).egress, [
            { to: [{ podSelector: { matchLabels: { "app.kubernetes.io/name": "api" } } }], ports: [{ protocol: "TCP", port: 9898 }] },
        ]);
    });

    it("orders namespaced objects after the namespace and parents everything to the component", () => {
        const env = one(run, "launchpad:environment:Environment", "prod");
        const ns = one(run, T.Namespace, "prod");
        // Selected by name, not by parent: the parent is what this test checks.
        const objects = [
            one(run, "kubernetes:core/v1:ResourceQuota", "prod-quota"),
            one(run, "kubernetes:core/v1:LimitRange", "prod-limits"),
            ...["allow-dns", "api-ingress", "default-deny", "web-egress", "web-ingress", "worker-egress", "worker-ingress"].map((n) =>
                one(run, T.NetworkPolicy, `prod-${n}`),
            ),
        ];
        assert.equal(ns.parent, env.urn);
        for (const r of objects) {
            assert.equal(r.parent, env.urn, r.name);
            assert.deepEqual(r.dependsOn, [ns.urn], r.name);
        }
    });
});
