import * as assert from "node:assert/strict";
import { Pod } from "kubernetes-models/v1/Pod";
import { parseConfig } from "../../config";
import { podTemplate, volumeName } from "../../components/deploy/podTemplate";
import { fixtureRaw } from "../harness";

const cfg = parseConfig(fixtureRaw("prod"));
const template = podTemplate({
    app: "web",
    config: cfg.apps.web,
    slot: "blue",
    release: { image: "ghcr.io/stefanprodan/podinfo@sha256:" + "a".repeat(64), version: "6.7.0" },
    labels: { "launchpad.dev/environment": "prod" },
}) as any;

describe("pod template (every strategy)", () => {
    it("is a valid Pod under the upstream Kubernetes schema", () => {
        new Pod({ metadata: { name: "x" }, spec: template.spec }).validate();
    });

    it("meets the restricted Pod Security Standard with a numeric user (podinfo's USER is a name)", () => {
        assert.deepEqual(template.spec.securityContext, {
            runAsNonRoot: true,
            runAsUser: 10001,
            runAsGroup: 10001,
            fsGroup: 10001,
            seccompProfile: { type: "RuntimeDefault" },
        });
        assert.deepEqual(template.spec.containers[0].securityContext, {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
            privileged: false,
            capabilities: { drop: ["ALL"] },
            seccompProfile: { type: "RuntimeDefault" },
        });
        assert.equal(template.spec.automountServiceAccountToken, false);
    });

    it("probes podinfo's health endpoints on the named port and sets requests and limits", () => {
        const c = template.spec.containers[0];
        assert.deepEqual(c.livenessProbe.httpGet, { path: "/healthz", port: "http" });
        assert.deepEqual(c.readinessProbe.httpGet, { path: "/readyz", port: "http" });
        assert.deepEqual(c.ports, [{ name: "http", containerPort: 9898, protocol: "TCP" }]);
        assert.deepEqual(c.resources, { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } });
    });

    it("mounts an emptyDir at every writable path (root filesystem is read-only)", () => {
        assert.deepEqual(template.spec.containers[0].volumeMounts, [
            { name: "tmp", mountPath: "/tmp" },
            { name: "data", mountPath: "/data" },
        ]);
        assert.deepEqual(
            template.spec.volumes.map((v: any) => v.name),
            ["tmp", "data"],
        );
    });

    it("labels pods with the slot selector and version, spreads them across zones and nodes", () => {
        assert.deepEqual(template.metadata.labels, {
            "launchpad.dev/environment": "prod",
            "app.kubernetes.io/name": "web",
            "launchpad.dev/slot": "blue",
            "app.kubernetes.io/version": "6.7.0",
        });
        assert.deepEqual(
            template.spec.topologySpreadConstraints.map((t: any) => t.topologyKey),
            ["topology.kubernetes.io/zone", "kubernetes.io/hostname"],
        );
    });

    const names: [string, string][] = [
        ["/tmp", "tmp"],
        ["/data/", "data"],
        ["/var/cache/App", "var-cache-app"],
        ["/", "root"],
        // A DNS label: no hyphen first or last.
        ["/.cache", "cache"],
        [`/${"a".repeat(62)}/b`, "a".repeat(62)],
    ];
    for (const [p, n] of names) it(`volume name of ${p} is ${n}`, () => assert.equal(volumeName(p), n));
});

describe("pod template extras (the seam other components use)", () => {
    const release = { image: "ghcr.io/stefanprodan/podinfo@sha256:" + "b".repeat(64), version: "6.7.1" };
    const withExtras = podTemplate({
        app: "api",
        config: cfg.apps.api,
        slot: "stable",
        release,
        labels: {},
        extras: {
            env: [{ name: "DB_HOST", valueFrom: { secretKeyRef: { name: "api-db", key: "host" } } }],
            envFrom: [{ secretRef: { name: "api-db" } }],
            volumeMounts: [{ name: "flags", mountPath: "/etc/flagd", readOnly: true }],
            volumes: [{ name: "flags", configMap: { name: "flags" } }],
            sidecars: [{ name: "flagd", image: "ghcr.io/open-feature/flagd@sha256:" + "c".repeat(64) }],
        },
    }) as any;

    it("appends env, envFrom, mounts, volumes and sidecars after the app's own", () => {
        const app = withExtras.spec.containers[0];
        assert.deepEqual(
            app.env.map((e: any) => e.name),
            ["DB_HOST"],
        );
        assert.deepEqual(app.envFrom, [{ secretRef: { name: "api-db" } }]);
        assert.deepEqual(
            app.volumeMounts.map((m: any) => m.mountPath),
            ["/tmp", "/data", "/etc/flagd"],
        );
        assert.deepEqual(
            withExtras.spec.volumes.map((v: any) => v.name),
            ["tmp", "data", "flags"],
        );
        assert.deepEqual(
            withExtras.spec.containers.map((c: any) => c.name),
            ["api", "flagd"],
        );
        new Pod({ metadata: { name: "x" }, spec: withExtras.spec }).validate();
    });

    it("adds nothing when no extras are given", () => {
        assert.equal(template.spec.containers.length, 1);
        assert.equal(template.spec.containers[0].envFrom, undefined);
        assert.equal(template.spec.volumes.length, 2);
    });
});

describe("pod template: probes and secret environment", () => {
    const release = { image: "ghcr.io/stefanprodan/podinfo@sha256:" + "a".repeat(64), version: "6.7.1" };
    const withApp = (mutate: (raw: Record<string, any>) => void, app = "worker") => {
        const raw = fixtureRaw("prod");
        mutate(raw);
        return podTemplate({ app, config: parseConfig(raw).apps[app], slot: "main", release, labels: {} }) as any;
    };

    it("gives a worker readiness and liveness probes on its http port (podinfo serves /readyz on 9898 in worker mode too)", () => {
        const c = withApp(() => undefined).spec.containers[0];
        assert.deepEqual(c.readinessProbe, {
            httpGet: { path: "/readyz", port: "http" },
            initialDelaySeconds: 0,
            periodSeconds: 10,
            failureThreshold: 3,
            timeoutSeconds: 2,
        });
        assert.deepEqual(c.livenessProbe.httpGet, { path: "/healthz", port: "http" });
    });

    it("runs an exec probe when the app configures a command instead of a path", () => {
        const c = withApp((raw) => {
            raw.apps.worker.probes = { liveness: { path: "/healthz" }, readiness: { exec: ["cat", "/tmp/ready"], periodSeconds: 5 } };
        }).spec.containers[0];
        assert.deepEqual(c.readinessProbe, {
            exec: { command: ["cat", "/tmp/ready"] },
            initialDelaySeconds: 0,
            periodSeconds: 5,
            failureThreshold: 3,
            timeoutSeconds: 2,
        });
        new Pod({
            metadata: { name: "x" },
            spec: withApp((raw) => (raw.apps.worker.probes = { liveness: { exec: ["true"] }, readiness: { exec: ["true"] } })).spec,
        }).validate();
    });

    it("refuses a probe with both or neither of path and exec, naming the key", () => {
        for (const readiness of [{ path: "/readyz", exec: ["true"] }, { periodSeconds: 5 }]) {
            const raw = fixtureRaw("prod");
            raw.apps.worker.probes = { liveness: { path: "/healthz" }, readiness };
            assert.throws(
                () => parseConfig(raw),
                /launchpad:apps\.worker\.probes\.readiness: expected exactly one of path \(HTTP GET on the http port\) or exec \(a command\)/,
            );
        }
    });

    it("passes secretEnv by reference only: valueFrom.secretKeyRef to <app>-env or to the Secret named, never a value", () => {
        const c = withApp(
            (raw) =>
                (raw.apps.api.secretEnv = { DB_PASSWORD: "hunter2", STRIPE_KEY: { secretKeyRef: { name: "payments", key: "stripe" } } }),
            "api",
        ).spec.containers[0];
        assert.deepEqual(
            c.env.filter((e: any) => e.valueFrom),
            [
                { name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "api-env", key: "DB_PASSWORD" } } },
                { name: "STRIPE_KEY", valueFrom: { secretKeyRef: { name: "payments", key: "stripe" } } },
            ],
        );
        assert.ok(!JSON.stringify(c).includes("hunter2"));
    });
});
