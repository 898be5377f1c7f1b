// Validation in the whole program under mocks: exact Jobs, gates and notices, and the dependency chain
// that keeps users off a version that failed (live Service / canary weight dependsOn smoke Job and gate).
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { parseConfig, PROJECT } from "../../config";
import { runnerScript } from "../../components/validation/runner/bundle";
import { smokeJobName } from "../../components/validation/smokeTest";
import { main } from "../../program";
import { ProgramRun, ResourceRecord, runProgram } from "../../tools/plan/recorder";
import { T, diffRuns, one, ofType, runConfig, runFixture, fixtureProblems, fixtureRaw } from "../harness";
import { noticeUpdate } from "./noticeDiff";
import { vectorSelectors } from "../monitoring/promql";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const requireFromString = require("require-from-string") as (code: string) => { handler: () => pulumi.dynamic.ResourceProvider };

const V = {
    Job: "kubernetes:batch/v1:Job",
    ConfigMap: "kubernetes:core/v1:ConfigMap",
    Gate: "pulumi-nodejs:dynamic/validation:MetricGate",
    Notice: "pulumi-nodejs:dynamic/validation:ReleaseNotice",
    AppValidation: "launchpad:validation:AppValidation",
    SmokeTest: "launchpad:validation:SmokeTest",
} as const;

/** `type::name` of each dependsOn URN. */
const deps = (r: ResourceRecord) => r.dependsOn.map((u) => `${u.split("::")[2].split("$").pop()}::${u.split("::")[3]}`).sort();
const spec = (r: ResourceRecord) => r.inputs.spec as any;
const meta = (r: ResourceRecord) => r.inputs.metadata as any;
const inputJson = (run: ProgramRun, name: string) => JSON.parse((one(run, V.ConfigMap, name).inputs.data as any)["input.json"]);

describe("validation in the program", () => {
    let prod: ProgramRun;
    before(async () => {
        prod = await runFixture("prod");
    });

    it("prod: one smoke test and one gate per traffic-shifting app, nothing for the worker", () => {
        const names = (type: string) => ofType(prod, type).map((r) => r.name);
        assert.deepEqual(names(V.AppValidation), ["api", "web"]);
        assert.deepEqual(names(V.SmokeTest), ["api", "web"]);
        assert.deepEqual(names(V.Job), ["api-smoke", "web-smoke"]);
        // The smoke tests' ConfigMaps (flags, the dashboard and the release record have their own).
        assert.deepEqual(
            ofType(prod, V.ConfigMap)
                .filter((r) => r.urn.includes("launchpad:validation:SmokeTest$"))
                .map((r) => r.name),
            ["api-smoke", "web-smoke"],
        );
        assert.deepEqual(names(V.Gate), ["api-gate", "web-gate"]);
        assert.deepEqual(
            ofType(prod, T.NetworkPolicy)
                .map((r) => r.name)
                .filter((n) => n.includes("smoke")),
            ["api-smoke-egress", "api-smoke-ingress", "web-smoke-egress", "web-smoke-ingress"],
        );
        // Production publishes a release notice by default, to monitoring's releases topic.
        assert.deepEqual(names(V.Notice), ["release-notice"]);
        assert.equal((one(prod, V.Notice, "release-notice").inputs as any).topicArn, "(known after up)");
    });

    it("blue-green: idle Deployment + preview Service -> smoke Job -> gate -> live Service switch", () => {
        assert.deepEqual(deps(one(prod, V.Job, "web-smoke")), [
            "kubernetes:apps/v1:Deployment::web-green",
            "kubernetes:core/v1:ConfigMap::web-smoke",
            "kubernetes:core/v1:Service::web-preview",
        ]);
        assert.deepEqual(deps(one(prod, V.Gate, "web-gate")), ["kubernetes:batch/v1:Job::web-smoke"]);
        assert.deepEqual(deps(one(prod, T.Service, "web")), ["kubernetes:batch/v1:Job::web-smoke", `${V.Gate}::web-gate`]);
        assert.deepEqual(deps(one(prod, T.Service, "web-preview")), [], "the preview Service must never wait for the test that uses it");
        const input = inputJson(prod, "web-smoke");
        assert.equal(input.target, "http://web-preview.prod.svc.cluster.local");
        assert.equal(input.subject, "web-green 6.7.1 via web-preview");
        assert.deepEqual(input.checks[2], {
            name: "version",
            method: "GET",
            path: "/version",
            headers: {},
            status: 200,
            json: { version: "6.7.1" },
            maxLatencyMs: 1000,
        });
        assert.match(input.onFailure, /^The live Service of web was not switched: users stay on web-blue 6\.7\.0\./);
    });

    it("canary: canary Deployment -> smoke Job -> gate -> canary Ingress weight", () => {
        assert.deepEqual(deps(one(prod, V.Job, "api-smoke")), [
            "kubernetes:apps/v1:Deployment::api-canary",
            "kubernetes:core/v1:ConfigMap::api-smoke",
        ]);
        assert.deepEqual(deps(one(prod, V.Gate, "api-gate")), ["kubernetes:batch/v1:Job::api-smoke"]);
        assert.deepEqual(deps(one(prod, T.Ingress, "api-canary")), ["kubernetes:batch/v1:Job::api-smoke", `${V.Gate}::api-gate`]);
        // The canary waits only for the release backups and the database Secret (the api owns a database), never for its test.
        assert.deepEqual(deps(one(prod, T.Deployment, "api-canary")), [
            "aws:rds/snapshot:Snapshot::api-release-2-4-0-6-7-0_6-7-1-c5c7fd92",
            "kubernetes:core/v1:Secret::api-db",
            "kubernetes:velero.io/v1:Backup::api-release-2-4-0-6-7-0_6-7-1-c5c7fd92",
        ]);
        assert.equal(inputJson(prod, "api-smoke").target, "http://api-canary.prod.svc.cluster.local");
        const gate = one(prod, V.Gate, "api-gate").inputs as any;
        assert.deepEqual(
            [gate.candidate, gate.baseline, gate.weight, gate.window],
            [{ name: "api-canary", version: "6.7.1" }, { name: "api-stable", version: "6.7.0" }, 10, "10m"],
        );
        assert.equal(
            gate.abortCommand,
            "pulumi config set --path 'launchpad:apps.api.strategy.weight' 0 --stack prod && pulumi up --stack prod --yes",
        );
    });

    it("the Job runs the compiled runner under the restricted Pod Security Standard, bounded in time", () => {
        const job = one(prod, V.Job, "web-smoke");
        assert.match(meta(job).name, /^web-smoke-6-7-1-[0-9a-f]{8}$/);
        assert.deepEqual(meta(job).annotations, {
            "launchpad.dev/release": "6.7.1",
            "pulumi.com/replaceUnready": "true",
            "pulumi.com/timeoutSeconds": "240",
        });
        const s = spec(job);
        assert.deepEqual([s.backoffLimit, s.activeDeadlineSeconds, s.ttlSecondsAfterFinished], [0, 180, 86400]);
        const pod = s.template.spec;
        assert.equal(pod.restartPolicy, "Never");
        assert.equal(pod.automountServiceAccountToken, false);
        assert.deepEqual(pod.securityContext, {
            runAsNonRoot: true,
            runAsUser: 1000,
            runAsGroup: 1000,
            seccompProfile: { type: "RuntimeDefault" },
        });
        const c = pod.containers[0];
        assert.deepEqual(c.command, ["node", "/smoke/runner.js", "/smoke/input.json"]);
        assert.match(c.image, /^docker\.io\/library\/node:20-alpine@sha256:[0-9a-f]{64}$/);
        assert.deepEqual(c.securityContext, {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
            capabilities: { drop: ["ALL"] },
            seccompProfile: { type: "RuntimeDefault" },
        });
        assert.equal(c.terminationMessagePolicy, "FallbackToLogsOnError");
        assert.deepEqual(pod.volumes, [{ name: "smoke", configMap: { name: meta(job).name } }]);
        const cm = one(prod, V.ConfigMap, "web-smoke");
        assert.equal(meta(cm).name, meta(job).name);
        assert.equal(cm.inputs.immutable, true);
        assert.equal((cm.inputs.data as any)["runner.js"], runnerScript());
        // Smoke pods are not app pods: no Service may select them.
        assert.equal(pod.metadata, undefined);
        assert.deepEqual(s.template.metadata.labels["app.kubernetes.io/name"], "web-smoke");
        assert.equal(s.template.metadata.labels["launchpad.dev/smoke-for"], "web");
    });

    it("NetworkPolicies open exactly smoke pods -> app pods on the app port", () => {
        assert.deepEqual(spec(one(prod, T.NetworkPolicy, "web-smoke-egress")), {
            podSelector: { matchLabels: { "launchpad.dev/smoke-for": "web" } },
            policyTypes: ["Egress"],
            egress: [
                { to: [{ podSelector: { matchLabels: { "app.kubernetes.io/name": "web" } } }], ports: [{ protocol: "TCP", port: 9898 }] },
            ],
        });
        assert.deepEqual(spec(one(prod, T.NetworkPolicy, "web-smoke-ingress")), {
            podSelector: { matchLabels: { "app.kubernetes.io/name": "web" } },
            policyTypes: ["Ingress"],
            ingress: [
                {
                    from: [{ podSelector: { matchLabels: { "launchpad.dev/smoke-for": "web" } } }],
                    ports: [{ protocol: "TCP", port: 9898 }],
                },
            ],
        });
    });

    it("a new release gets a new Job (so up reruns it); an unchanged one keeps its Job", async () => {
        const same = await runFixture("prod");
        assert.equal(meta(one(same, V.Job, "web-smoke")).name, meta(one(prod, V.Job, "web-smoke")).name);
        const c = fixtureRaw("prod");
        c.apps.web.strategy.slots.green.version = "6.7.2";
        const next = await runConfig(c, "prod");
        assert.match(meta(one(next, V.Job, "web-smoke")).name, /^web-smoke-6-7-2-[0-9a-f]{8}$/);
        const c2 = fixtureRaw("prod");
        c2.apps.web.smoke.checks[0].maxLatencyMs = 400;
        const changedChecks = await runConfig(c2, "prod");
        assert.notEqual(meta(one(changedChecks, V.Job, "web-smoke")).name, meta(one(prod, V.Job, "web-smoke")).name);
    });

    it("direct: the Job runs after the rollout and carries the rollback runbook; nothing waits on it", async () => {
        const c = fixtureRaw("prod");
        c.apps.worker.kind = "service";
        c.apps.worker.smoke = { checks: [{ path: "/version", json: { version: "{{version}}" } }] };
        const run = await runConfig(c, "prod");
        assert.deepEqual(deps(one(run, V.Job, "worker-smoke")), [
            "kubernetes:apps/v1:Deployment::worker",
            "kubernetes:core/v1:ConfigMap::worker-smoke",
        ]);
        assert.deepEqual(deps(one(run, T.Service, "worker")), []);
        assert.deepEqual(
            ofType(run, V.Gate).map((r) => r.name),
            ["api-gate", "web-gate"],
        );
        assert.equal(
            inputJson(run, "worker-smoke").onFailure,
            [
                "worker 6.7.1 is rolled out and failed its smoke tests. Roll back now:",
                "  1. kubectl -n prod rollout undo deployment/worker  (previous ReplicaSet, immediately)",
                "  2. restore the previous launchpad:apps.worker.strategy.release in Pulumi.prod.yaml (git revert), then pulumi up --stack prod --yes",
                "  3. kubectl -n prod logs -l launchpad.dev/smoke-for=worker shows every check as JSON (docs/validation.md)",
            ].join("\n"),
        );
    });

    it("canary with router replicas: gate -> canary Deployment -> smoke Job (no cycle)", async () => {
        const c = fixtureRaw("prod");
        c.apps.api.strategy.router = "replicas";
        const run = await runConfig(c, "prod");
        // The gate (and, as always for the api, its release backups and database Secret).
        assert.deepEqual(deps(one(run, T.Deployment, "api-canary")), [
            "aws:rds/snapshot:Snapshot::api-release-2-4-0-6-7-0_6-7-1-c5c7fd92",
            "kubernetes:core/v1:Secret::api-db",
            "kubernetes:velero.io/v1:Backup::api-release-2-4-0-6-7-0_6-7-1-c5c7fd92",
            `${V.Gate}::api-gate`,
        ]);
        assert.deepEqual(deps(one(run, V.Gate, "api-gate")), []);
        assert.deepEqual(deps(one(run, V.Job, "api-smoke")), [
            "kubernetes:apps/v1:Deployment::api-canary",
            "kubernetes:core/v1:ConfigMap::api-smoke",
        ]);
    });

    it("no canary release: no smoke Job and no gate for the canary app", async () => {
        const staging = await runFixture("staging");
        assert.deepEqual(
            ofType(staging, V.Job).map((r) => r.name),
            ["web-smoke"],
        );
        assert.deepEqual(
            ofType(staging, V.Gate).map((r) => r.name),
            ["web-gate"],
        );
    });

    it("preview shows a placeholder for the gate; staging exports what its smoke tests verify", async () => {
        const out = prod.outputs.validation as any;
        assert.equal(
            out.api.gate,
            "pending: the gate queries http://prometheus-operated.monitoring.svc.cluster.local:9090 over 10m during pulumi up, before traffic changes",
        );
        const staging = await runFixture("staging");
        const v = (staging.outputs.validation as any).web.verified;
        assert.deepEqual(
            { ...v, passedAt: undefined },
            {
                subject: "web-blue",
                image: "ghcr.io/stefanprodan/podinfo@sha256:4a72d3ce7eda670b78baadd8995384db29483dfc76e12f81a24e1fc1256c0a8e",
                version: "6.7.0",
                job: meta(one(staging, V.Job, "web-smoke")).name,
                passedAt: undefined,
            },
        );
        assert.equal(v.passedAt, "(known after up)");
    });

    it("prod publishes a release notice after every app, with the webhook as a secret; staging does not", async () => {
        const c = fixtureRaw("prod");
        c.validation.notices = { topicArn: "arn:aws:sns:eu-west-1:123456789012:prod-releases" };
        const config = parseConfig(c);
        const run = await runProgram({
            project: PROJECT,
            stack: "prod",
            config: {},
            program: () => main(config, { releaseWebhookUrl: pulumi.secret("https://hooks.example.com/services/T/B/X") }),
        });
        const notice = one(run, V.Notice, "release-notice");
        assert.deepEqual(deps(notice), [
            "launchpad:deploy:BlueGreenDeployment::web",
            "launchpad:deploy:CanaryDeployment::api",
            "launchpad:deploy:DirectDeployment::worker",
            "launchpad:validation:AppValidation::api",
            "launchpad:validation:AppValidation::web",
        ]);
        const i = notice.inputs as any;
        assert.equal(i.webhookUrl, "[secret]");
        assert.deepEqual(
            [i.version, i.launchAt, i.topicArn],
            ["2.4.0", "2026-11-27T09:00:00Z", "arn:aws:sns:eu-west-1:123456789012:prod-releases"],
        );
        assert.deepEqual(i.apps[0], {
            name: "api",
            strategy: "canary",
            versions: { stable: "6.7.0", canary: "6.7.1" },
            state: "canary weight 10%",
            url: "https://api.launchpad.example.com/",
            rollback: "pulumi config set --path 'launchpad:apps.api.strategy.weight' 0 --stack prod && pulumi up --stack prod --yes",
        });
        assert.equal(i.apps[2].rollback, "kubectl -n prod rollout undo deployment/worker");
        // Its provider code loads (with the AWS SDK) and diffs on the version only.
        const provider = requireFromString(i.__provider).handler();
        assert.deepEqual(await provider.diff!("n", { ...i, version: "2.4.0" }, { ...i, apps: [] }), { changes: false });
        assert.deepEqual(await provider.diff!("n", { ...i, version: "2.3.0" }, i), { changes: true });
        const quiet = await provider.create({ environment: "prod", stack: "prod", version: "2.4.0", apps: [] });
        assert.deepEqual(Object.keys(quiet.outs.delivery), ["publishedAt"]);

        const s = fixtureRaw("staging");
        s.validation.notices = { topicArn: "arn:aws:sns:eu-west-1:123456789012:staging-releases" };
        assert.deepEqual(ofType(await runConfig(s, "staging"), V.Notice), []);
    });

    it("the dynamic providers' shipped code loads and runs as the engine's provider host runs it", async () => {
        // The engine's dynamic-provider host does exactly this with the `__provider` input.
        const gate = one(prod, V.Gate, "api-gate").inputs as any;
        const provider = requireFromString(gate.__provider).handler();
        const inputs = { ...gate };
        delete inputs.__provider;
        delete inputs.result;
        const first = await provider.create(inputs);
        assert.equal(first.outs.result.outcome, "skipped");
        // The message must survive serialization (a serialized Error subclass once lost it).
        await assert.rejects(
            provider.update!("api-gate", { ...first.outs, weight: 5 }, { ...inputs, prometheusUrl: "http://127.0.0.1:9" }),
            (e: Error) => {
                assert.match(
                    e.message,
                    /^metric gate of api could not judge api-canary 6\.7\.1 and fails closed: Prometheus at http:\/\/127\.0\.0\.1:9 is unreachable/,
                );
                return true;
            },
        );
    });
});

describe("validation config errors", () => {
    const problems = (edit: (c: Record<string, any>) => void) => fixtureProblems("prod", edit);

    it("names the key path, the value and what is allowed", () => {
        const worker = problems((c) => (c.apps.worker.smoke = { checks: [{ path: "/healthz" }] }));
        assert.equal(worker.length, 1);
        assert.match(
            worker[0],
            /^launchpad:apps\.worker\.smoke: a worker serves no HTTP traffic to test: remove smoke or set kind: service, got \{"checks"/,
        );
        assert.deepEqual(
            problems((c) => {
                delete c.validation.prometheusUrl;
                c.validation.gate.enabled = true;
            }).concat(problems((c) => (c.validation.gate.window = "5 minutes"))),
            [
                "launchpad:validation.prometheusUrl: expected the Prometheus URL the metric gates of api, web query (or set validation.gate.enabled: false), got nothing",
                'launchpad:validation.gate.window: expected a Prometheus duration such as 30s, 5m or 1h, got "5 minutes"',
            ],
        );
        assert.deepEqual(
            problems((c) => (c.apps.web.smoke.checks[0].status = 99)),
            ["launchpad:apps.web.smoke.checks[0].status: expected an integer 100-599, got 99"],
        );
        assert.deepEqual(
            problems((c) => (c.apps.api.gate = { maxErrorRatio: 2 })),
            ["launchpad:apps.api.gate.maxErrorRatio: expected an error ratio 0-0.5, got 2"],
        );
        // A password in the Prometheus URL would be in the MetricGates' inputs and the stack outputs: refused, not echoed.
        assert.deepEqual(
            problems((c) => (c.validation.prometheusUrl = "https://gate:hunter2@prometheus.example.com")),
            [
                "launchpad:validation.prometheusUrl: expected no user or password in the URL: it is written in plain text into resources and outputs (value not shown: it may be a secret)",
            ],
        );
    });
});

describe("validation across updates (diffs under mocks)", () => {
    const short = (d: Record<string, string[]>) =>
        Object.fromEntries(
            Object.entries(d).map(([urn, paths]) => [`${urn.split("::")[2].split("$").pop()}::${urn.split("::")[3]}`, paths]),
        );
    async function change(edit: (c: Record<string, any>) => void): Promise<{ d: Record<string, string[]>; notice: boolean | undefined }> {
        const a = fixtureRaw("prod");
        const b = fixtureRaw("prod");
        edit(b);
        const before = await runConfig(a, "prod");
        const after = await runConfig(b, "prod");
        // The release notice restates the apps' state; its provider updates (publishes) only for a new release version.
        return { d: short(diffRuns(before, after)), notice: await noticeUpdate(before, after) };
    }

    it("a canary step changes the gate's weight and the weight objects; the smoke Job (same release) does not rerun", async () => {
        const { d, notice } = await change((c) => (c.apps.api.strategy.weight = 25));
        // (10% -> 25% of the api's 4 replicas keeps one canary pod: only the Ingress weight moves.)
        assert.deepEqual(Object.keys(d).sort(), [
            "kubernetes:networking.k8s.io/v1:Ingress::api-canary",
            `${V.Gate}::api-gate`,
            `${V.Notice}::release-notice`,
        ]);
        assert.deepEqual(d[`${V.Gate}::api-gate`], ["weight"]);
        assert.deepEqual(d[`${V.Notice}::release-notice`], ["apps[0].state"]);
        assert.equal(notice, false, "a step within a release publishes no notice");
    });

    it("a blue-green switch reruns validation for the new idle slot and re-evaluates the gate for the new live slot", async () => {
        const { d, notice } = await change((c) => (c.apps.web.strategy.activeSlot = "green"));
        // Besides validation and the two Services, the alert rules' release comparison follows the idle slot.
        assert.deepEqual(Object.keys(d).sort(), [
            "kubernetes:batch/v1:Job::web-smoke",
            "kubernetes:core/v1:ConfigMap::web-smoke",
            "kubernetes:core/v1:Service::web",
            "kubernetes:core/v1:Service::web-preview",
            "kubernetes:monitoring.coreos.com/v1:PrometheusRule::web-alerts",
            `${V.Gate}::web-gate`,
            `${V.Notice}::release-notice`,
        ]);
        assert.ok(d[`${V.Gate}::web-gate`].includes("candidate.name"));
        assert.ok(d["kubernetes:batch/v1:Job::web-smoke"].includes("metadata.name"));
        assert.deepEqual(d[`${V.Notice}::release-notice`], ["apps[1].rollback", "apps[1].state"]);
        assert.equal(notice, false);
    });
});

describe("metric gate and alert rules read the app's own series", () => {
    const series = (exprs: string[]) => [...new Set(exprs.flatMap(vectorSelectors))].sort();
    const ruleExprs = (run: ProgramRun, app: string) =>
        (spec(one(run, "kubernetes:monitoring.coreos.com/v1:PrometheusRule", `${app}-alerts`)).groups as any[]).flatMap((g) =>
            (g.rules as any[]).map((r) => r.expr as string),
        );

    it("with custom metric names (canary api, blue-green web), every series the gate queries is one the alerts query", async () => {
        const c = fixtureRaw("prod");
        const metrics = { requests: "shop_requests_total", duration: "shop_request_duration_seconds" };
        c.apps.api.metrics = metrics;
        c.apps.web.metrics = metrics;
        const run = await runConfig(c, "prod");
        for (const [app, candidate] of [
            ["api", "canary"],
            ["web", "blue"],
        ]) {
            const gate = series(Object.values((one(run, V.Gate, `${app}-gate`).inputs as any).queries as Record<string, string>));
            const alerts = series(ruleExprs(run, app));
            assert.deepEqual(
                gate.filter((s) => !alerts.includes(s)),
                [],
                `${app}: the gate queries series that no alert rule reads`,
            );
            assert.ok(
                gate.includes(
                    `shop_requests_total{app="${app}",namespace="prod",slot="${candidate}",path!~"healthz|readyz|metrics",status=~"5.."}`,
                ),
                gate.join("\n"),
            );
            assert.ok(
                gate.includes(
                    `shop_request_duration_seconds_bucket{app="${app}",namespace="prod",slot="${candidate}",path!~"healthz|readyz|metrics"}`,
                ),
                gate.join("\n"),
            );
            assert.ok(!gate.some((s) => s.startsWith("http_")), gate.join("\n"));
        }
    });
});

describe("smoke Job names", () => {
    it("stay as they were when they fit, and fit 63 characters with the whole hash when the app and version are long", () => {
        const hash = (name: string) => name.slice(-8);
        const short = smokeJobName("web", "6.7.1", "x");
        assert.match(short, /^web-smoke-6-7-1-[0-9a-f]{8}$/);
        // A 42-character app (the longest name config allows) and a long pre-release version.
        const app = "a".repeat(42);
        for (const version of ["1.0.0-rc.1234", "10.20.30-beta.12345678", "1.0"]) {
            const name = smokeJobName(app, version, "x");
            assert.ok(name.length <= 63, `${name} has ${name.length} characters`);
            assert.match(name, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, name);
            assert.doesNotMatch(name, /--/, name);
            assert.equal(hash(name), hash(short), "the whole content hash is kept");
        }
        assert.equal(smokeJobName(app, "1.0.0-rc.1234", "x"), `${app}-smoke-1-0-0-${hash(short)}`);
    });
});
