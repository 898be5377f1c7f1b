import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { snapshotOf } from "../../tools/plan/compare";
import {
    MASK,
    PlanDiff,
    PlanResource,
    PlanSnapshot,
    diffPlans,
    isEmpty,
    isSecretPath,
    propertyChanges,
    renderMarkdown,
    replacementReason,
} from "../../tools/plan/diff";
import { ProgramRun } from "../../tools/plan/recorder";
import { renderComment } from "../../tools/pipeline/planAll";
import { runConfig, fixtureRaw } from "../harness";

const GOLDEN = path.join(__dirname, "golden");

/** Compares with test/pipeline/golden/<name>.md; UPDATE_GOLDEN=1 rewrites the file (review it as a diff). */
function golden(name: string, text: string): void {
    const file = path.join(GOLDEN, `${name}.md`);
    if (process.env.UPDATE_GOLDEN === "1") fs.writeFileSync(file, text);
    assert.equal(text, fs.readFileSync(file, "utf8"), `${file} differs (UPDATE_GOLDEN=1 to rewrite, then review the diff)`);
}

/** op -> "type::name" of every changed resource. */
function ops(d: PlanDiff): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const g of d.groups) for (const r of g.resources) (out[r.op] ??= []).push(`${r.type}::${r.name}`);
    for (const k of Object.keys(out)) out[k].sort();
    return out;
}

const snap = (run: ProgramRun, label: string) => snapshotOf(run, label);

function res(type: string, name: string, inputs: Record<string, unknown>, parent: string | null = null): PlanResource {
    return { urn: `urn:pulumi:prod::launchpad::${type}::${name}`, type, name, parent, dependsOn: [], inputs };
}
const plan = (label: string, ...resources: PlanResource[]): PlanSnapshot => ({ label, resources });

describe("plan diff of a moved resource", () => {
    it("matches it by its alias: the old URN's record is compared, not deleted and created again", async () => {
        const old = res("launchpad:release:ReleaseRecord", "launchpad-release", {});
        const cm = res("kubernetes:core/v1:ConfigMap", "launchpad-release", { data: { version: "1" } });
        const moved = {
            ...old,
            urn: "urn:pulumi:prod::launchpad::launchpad:environment:Environment$launchpad:release:ReleaseRecord::launchpad-release",
            aliases: [old.urn],
        };
        const same = await diffPlans(plan("base", old, cm), plan("head", moved, cm));
        assert.ok(isEmpty(same));
        assert.equal(same.counts.same, 2);
        const unaliased = await diffPlans(plan("base", old, cm), plan("head", { ...moved, aliases: undefined }, cm));
        assert.deepEqual([unaliased.counts.create, unaliased.counts.delete], [1, 1]);
    });
});

describe("plan diff on real program runs (prod)", function () {
    this.timeout(120000);
    let base: ProgramRun;
    const variant = async (change: (c: Record<string, any>) => void) => {
        const c = fixtureRaw("prod");
        change(c);
        return runConfig(c, "prod");
    };
    before(async () => {
        base = await runConfig(fixtureRaw("prod"), "prod");
    });

    it("an unchanged stack reads 'no changes'", async () => {
        const again = await runConfig(fixtureRaw("prod"), "prod");
        const d = await diffPlans(snap(base, "base"), snap(again, "head"));
        assert.ok(isEmpty(d));
        assert.deepEqual(d.groups, []);
        assert.equal(d.counts.same, base.resources.length);
        golden("unchanged", renderMarkdown("prod", d));
        assert.match(renderMarkdown("prod", d), /\*\*no changes\*\*/);
    });

    it("a blue-green switch: the two Service selectors, the idle slot's alerts, smoke test and gate; no new notice", async () => {
        const head = await variant((c) => (c.apps.web.strategy.activeSlot = "green"));
        const d = await diffPlans(snap(base, "base"), snap(head, "head"));
        assert.deepEqual(ops(d), {
            // The smoke test runs against the new idle slot (blue, 6.7.0): a new Job and its immutable input.
            replace: ["kubernetes:batch/v1:Job::web-smoke", "kubernetes:core/v1:ConfigMap::web-smoke"],
            update: [
                "kubernetes:core/v1:Service::web",
                "kubernetes:core/v1:Service::web-preview",
                "kubernetes:monitoring.coreos.com/v1:PrometheusRule::web-alerts",
                "pulumi-nodejs:dynamic/validation:MetricGate::web-gate",
            ],
        });
        const changed = (type: string, name: string) =>
            d.groups.flatMap((g) => g.resources).find((r) => r.type === type && r.name === name)!.changes;
        assert.deepEqual(changed("kubernetes:core/v1:Service", "web"), [
            { path: 'spec.selector["launchpad.dev/slot"]', old: "blue", new: "green" },
        ]);
        assert.deepEqual(changed("kubernetes:core/v1:Service", "web-preview"), [
            { path: 'spec.selector["launchpad.dev/slot"]', old: "green", new: "blue" },
        ]);
        // The preview-vs-live alerts follow the slots: every change is the same text with blue and green swapped.
        const swap = (v: unknown) => String(v).replace(/blue|green/g, (m) => (m === "blue" ? "green" : "blue"));
        const rule = changed("kubernetes:monitoring.coreos.com/v1:PrometheusRule", "web-alerts");
        assert.ok(rule.length > 0);
        for (const c of rule) assert.equal(c.new, swap(c.old), c.path);
        const gate = changed("pulumi-nodejs:dynamic/validation:MetricGate", "web-gate");
        assert.deepEqual(
            gate.map((c) => c.path),
            [
                "abortCommand",
                "baseline.name",
                "baseline.version",
                "candidate.name",
                "candidate.version",
                "queries.baselineErrorRatio",
                "queries.baselineLatency",
                "queries.candidateErrorRatio",
                "queries.candidateLatency",
            ],
        );
        assert.deepEqual(
            gate.filter((c) => c.path.endsWith(".name")),
            [
                { path: "baseline.name", old: "web-green", new: "web-blue" },
                { path: "candidate.name", old: "web-blue", new: "web-green" },
            ],
        );
        const job = changed("kubernetes:batch/v1:Job", "web-smoke");
        assert.match(String(job.find((c) => c.path === "metadata.name")!.new), /^web-smoke-6-7-0-[0-9a-f]{8}$/);
        // One group per component, the switch itself first.
        assert.deepEqual(
            d.groups.map((g) => g.title),
            [
                "web (launchpad:deploy:BlueGreenDeployment)",
                "web (launchpad:monitoring:AppMonitoring)",
                "web (launchpad:validation:AppValidation)",
                "web (launchpad:validation:SmokeTest)",
            ],
        );
        assert.deepEqual(d.config, []);
        golden("blue-green-switch", renderMarkdown("prod", d));
    });

    it("a canary step: the canary weight annotation and the gate's weight; no new notice", async () => {
        const head = await variant((c) => (c.apps.api.strategy.weight = 25));
        const d = await diffPlans(snap(base, "base"), snap(head, "head"));
        assert.deepEqual(ops(d), {
            update: ["kubernetes:networking.k8s.io/v1:Ingress::api-canary", "pulumi-nodejs:dynamic/validation:MetricGate::api-gate"],
        });
        const changes = Object.fromEntries(d.groups.flatMap((g) => g.resources).map((r) => [r.name, r.changes]));
        assert.deepEqual(changes["api-canary"], [
            { path: 'metadata.annotations["nginx.ingress.kubernetes.io/canary-weight"]', old: "10", new: "25" },
        ]);
        assert.deepEqual(changes["api-gate"], [{ path: "weight", old: 10, new: 25 }]);
        // The notice's inputs changed (the api's state), but its provider, which the engine asks, publishes a
        // notice for a new release version only.
        assert.equal(changes["release-notice"], undefined);
        assert.deepEqual(d.outputs, [{ path: "apps.api.canaryWeight", old: 10, new: 25 }]);
        golden("canary-step", renderMarkdown("prod", d));
    });

    it("a new app is created (workload, network policies, alerts); the app it calls admits it, the dashboard lists it", async () => {
        const head = await variant((c) => {
            c.apps.jobs = {
                team: "backend",
                kind: "worker",
                replicas: 1,
                talksTo: ["api"],
                strategy: structuredClone(c.apps.worker.strategy),
            };
        });
        const d = await diffPlans(snap(base, "base"), snap(head, "head"));
        assert.deepEqual(ops(d), {
            create: [
                "kubernetes:apps/v1:Deployment::jobs",
                "kubernetes:monitoring.coreos.com/v1:PodMonitor::jobs",
                "kubernetes:monitoring.coreos.com/v1:PrometheusRule::jobs-alerts",
                "kubernetes:networking.k8s.io/v1:NetworkPolicy::prod-jobs-egress",
                "kubernetes:networking.k8s.io/v1:NetworkPolicy::prod-jobs-ingress",
                "kubernetes:policy/v1:PodDisruptionBudget::jobs",
                "launchpad:deploy:DirectDeployment::jobs",
                "launchpad:monitoring:AppMonitoring::jobs",
            ],
            update: ["kubernetes:core/v1:ConfigMap::prod-dashboard", "kubernetes:networking.k8s.io/v1:NetworkPolicy::prod-api-ingress"],
        });
        const changes = Object.fromEntries(d.groups.flatMap((g) => g.resources).map((r) => [r.name, r.changes]));
        // An inserted name is one change of the list, not a shift of every later element.
        assert.deepEqual(changes["prod-api-ingress"], [
            {
                path: "spec.ingress[2].from[0].podSelector.matchExpressions[0].values",
                old: ["web", "worker"],
                new: ["jobs", "web", "worker"],
            },
        ]);
        // The notice lists the new app, but a notice is published for a new release version only: its
        // provider's diff, which the engine asks, reports no change.
        assert.equal(changes["release-notice"], undefined);
        golden("new-app", renderMarkdown("prod", d));
    });

    it("a removed app is deleted, with every object it owned", async () => {
        const head = await variant((c) => {
            delete c.apps.worker;
            // Flags name the apps they reach (config validation refuses an unknown app).
            c.flags.delivery.prod.rollOnChange = c.flags.delivery.prod.rollOnChange.filter((a: string) => a !== "worker");
            for (const f of Object.values<any>(c.flags.flags)) if (f.apps) f.apps = f.apps.filter((a: string) => a !== "worker");
        });
        const d = await diffPlans(snap(base, "base"), snap(head, "head"));
        assert.deepEqual(ops(d), {
            delete: [
                "kubernetes:apps/v1:Deployment::worker",
                "kubernetes:core/v1:ConfigMap::worker-flags",
                "kubernetes:monitoring.coreos.com/v1:PodMonitor::worker",
                "kubernetes:monitoring.coreos.com/v1:PrometheusRule::worker-alerts",
                "kubernetes:networking.k8s.io/v1:NetworkPolicy::prod-worker-egress",
                "kubernetes:networking.k8s.io/v1:NetworkPolicy::prod-worker-ingress",
                "kubernetes:policy/v1:PodDisruptionBudget::worker",
                "launchpad:deploy:DirectDeployment::worker",
                "launchpad:flags:AppFlags::worker-flags",
                "launchpad:monitoring:AppMonitoring::worker",
            ],
            update: ["kubernetes:core/v1:ConfigMap::prod-dashboard", "kubernetes:networking.k8s.io/v1:NetworkPolicy::prod-api-ingress"],
        });
        golden("removed-app", renderMarkdown("prod", d));
    });

    it("a new version of a built app (staging): the image's VERSION and the Deployment's version labels (digest known after up)", async () => {
        // The built example app runs in staging only.
        const staging = await runConfig(fixtureRaw("staging"), "staging");
        const c = fixtureRaw("staging");
        c.apps.hello.strategy.release.version = "1.1.0";
        const head = await runConfig(c, "staging");
        const d = await diffPlans(snap(staging, "base"), snap(head, "head"));
        assert.deepEqual(ops(d), { update: ["docker:index/image:Image::hello", "kubernetes:apps/v1:Deployment::hello"] });
        const changes = Object.fromEntries(d.groups.flatMap((g) => g.resources).map((r) => [r.type, r.changes]));
        assert.deepEqual(changes["docker:index/image:Image"], [{ path: "build.args.VERSION", old: "1.0.0", new: "1.1.0" }]);
        assert.deepEqual(
            changes["kubernetes:apps/v1:Deployment"].map((c: { path: string }) => c.path),
            [
                'metadata.labels["app.kubernetes.io/version"]',
                'spec.template.metadata.labels["app.kubernetes.io/version"]',
                "spec.template.spec.containers[0].image",
            ],
        );
        // The image reference is the rebuilt Image's digest: unknown until up, as pulumi preview shows it.
        assert.deepEqual(changes["kubernetes:apps/v1:Deployment"][2], {
            path: "spec.template.spec.containers[0].image",
            old: "(known after up)",
            new: "(known after up): Image hello is rebuilt",
        });
    });

    it("a changed namespace replaces every namespaced object (metadata.namespace)", async () => {
        const head = await variant((c) => (c.environment.namespace = "prod-eu"));
        const d = await diffPlans(snap(base, "base"), snap(head, "head"));
        const ns = (r: { inputs: Record<string, any> }) => r.inputs.metadata?.namespace;
        const kube = base.resources.filter((r) => r.type.startsWith("kubernetes:") && ns(r) === "prod");
        assert.equal(d.counts.replace, kube.length + 1 /* the Namespace itself: metadata.name */);
        // Objects in other namespaces (Velero's backups, the monitoring dashboard) stay: they only point to the new one.
        const elsewhere = base.resources.filter((r) => r.type.startsWith("kubernetes:") && ns(r) !== undefined && ns(r) !== "prod");
        assert.ok(elsewhere.length > 0);
        const byUrn = new Map(d.groups.flatMap((g) => g.resources).map((r) => [r.urn, r]));
        for (const r of elsewhere) assert.equal(byUrn.get(r.urn)?.op, "update", r.urn);
        for (const r of d.groups.flatMap((g) => g.resources).filter((r) => r.type === "kubernetes:apps/v1:Deployment")) {
            assert.equal(r.op, "replace");
            assert.match(r.changes.find((c) => c.path === "metadata.namespace")!.replaces!, /identified by its name and namespace/);
        }
    });
});

describe("plan diff rules", () => {
    const D = "kubernetes:apps/v1:Deployment";
    const dep = (name: string, selector: Record<string, string>, image = "app@sha256:1") =>
        res(D, "api-stable", {
            metadata: { name, namespace: "prod" },
            spec: { selector: { matchLabels: selector }, template: { spec: { containers: [{ name: "api", image }] } } },
        });

    it("identical plans: no changes, exit-worthy empty diff", async () => {
        const a = plan("a", dep("api-stable", { app: "api" }));
        const d = await diffPlans(a, structuredClone({ ...a, label: "b" }));
        assert.ok(isEmpty(d));
        assert.equal(renderMarkdown("prod", d), "### Plan diff: `prod`\n\n`a` → `b`\n\n**no changes** (1 resources unchanged)\n");
    });

    describe("inputs from resources that are created, replaced or rebuilt: known after up, as preview shows them", () => {
        const U = "(known after up)";
        const KEY = "aws:kms/key:Key";
        const DB = "aws:rds/instance:Instance";
        const SECRET_K8S = "kubernetes:core/v1:Secret";
        const key = (spec: string) => res(KEY, "key", { customerMasterKeySpec: spec });
        const urnOf = (type: string, name: string) => `urn:pulumi:prod::launchpad::${type}::${name}`;
        const from = (r: PlanResource, unknownFrom: Record<string, string[]>): PlanResource => ({ ...r, unknownFrom });
        const db = (extra: Record<string, unknown> = {}) =>
            from(res(DB, "db", { kmsKeyId: U, instanceClass: "db.t4g.micro", ...extra }), { kmsKeyId: [urnOf(KEY, "key")] });
        const cm = () =>
            from(res("kubernetes:core/v1:ConfigMap", "cfg", { metadata: { name: "cfg" }, data: { host: U } }), {
                "data.host": [urnOf(DB, "db")],
            });

        it("a replaced resource's outputs: its dependents change; a replacement rule on the path replaces them too, and so on", async () => {
            const d = await diffPlans(plan("a", key("SYMMETRIC_DEFAULT"), db(), cm()), plan("b", key("RSA_2048"), db(), cm()));
            assert.deepEqual(ops(d), { replace: [`${KEY}::key`, `${DB}::db`], update: ["kubernetes:core/v1:ConfigMap::cfg"] });
            const byName = Object.fromEntries(d.groups.flatMap((g) => g.resources).map((r) => [r.name, r.changes]));
            assert.deepEqual(byName.db, [
                {
                    path: "kmsKeyId",
                    old: U,
                    new: `${U}: Key key is replaced`,
                    replaces: replacementReason(DB, "kmsKeyId"),
                },
            ]);
            assert.deepEqual(byName.cfg, [{ path: "data.host", old: U, new: `${U}: Instance db is replaced` }]);
            assert.equal(d.counts.same, 0);
        });

        it("an update leaves its outputs known (no propagation), but for a rebuilt image; a created resource's are unknown", async () => {
            const updated = await diffPlans(plan("a", db(), cm()), plan("b", db({ instanceClass: "db.m7g.large" }), cm()));
            assert.deepEqual(ops(updated), { update: [`${DB}::db`] });
            assert.equal(updated.counts.same, 1);
            const created = await diffPlans(plan("a", db()), plan("b", key("SYMMETRIC_DEFAULT"), db()));
            assert.deepEqual(ops(created), { create: [`${KEY}::key`], replace: [`${DB}::db`] }, "an unknown ForceNew input replaces");
        });

        it("a change the comparison found at or below the path stays as it is; secrets stay masked", async () => {
            const moved = from(res(DB, "db", { kmsKeyId: "arn:aws:kms:eu-west-1:1:key/new", instanceClass: "db.t4g.micro" }), {
                kmsKeyId: [urnOf(KEY, "key")],
            });
            const d = await diffPlans(plan("a", key("SYMMETRIC_DEFAULT"), db()), plan("b", key("RSA_2048"), moved));
            const dbChanges = d.groups.flatMap((g) => g.resources).find((r) => r.name === "db")!.changes;
            assert.deepEqual(
                dbChanges.map((c) => [c.path, c.new]),
                [["kmsKeyId", "arn:aws:kms:eu-west-1:1:key/new"]],
            );
            const secret = (k: string) =>
                from(res(SECRET_K8S, "s", { metadata: { name: "s" }, stringData: { PGHOST: U, k } }), {
                    "stringData.PGHOST": [urnOf(KEY, "key")],
                });
            const s2 = await diffPlans(plan("a", key("SYMMETRIC_DEFAULT"), secret("a")), plan("b", key("RSA_2048"), secret("a")));
            const sChanges = s2.groups.flatMap((g) => g.resources).find((r) => r.name === "s")!.changes;
            assert.deepEqual(sChanges, [{ path: "stringData.PGHOST", old: MASK, new: MASK }]);
        });
    });

    describe("dynamic resources: the engine asks the provider in __provider", () => {
        const T = "pulumi-nodejs:dynamic/test:Thing";
        // A provider as the engine loads it: a CommonJS module whose handler() returns the provider.
        const provider = (body: string) => `exports.handler = () => ({ async diff(id, olds, news) { ${body} } });\n`;
        const decides = provider("return { changes: olds.x !== news.x, replaces: olds.k !== news.k ? ['k'] : [] };");
        const thing = (inputs: Record<string, unknown>, code = decides) => res(T, "thing", { __provider: code, ...inputs });

        it("inputs its diff ignores are no change", async () => {
            const d = await diffPlans(plan("a", thing({ x: 1, note: "a" })), plan("b", thing({ x: 1, note: "b" })));
            assert.ok(isEmpty(d));
            assert.equal(d.counts.same, 1);
        });

        it("a change it reports is an update, listed with every input that changed; a replace key replaces", async () => {
            const up = await diffPlans(plan("a", thing({ x: 1, note: "a" })), plan("b", thing({ x: 2, note: "b" })));
            assert.deepEqual(ops(up), { update: [`${T}::thing`] });
            assert.deepEqual(up.groups[0].resources[0].changes, [
                { path: "note", old: "a", new: "b" },
                { path: "x", old: 1, new: 2 },
            ]);
            const re = await diffPlans(plan("a", thing({ x: 1, k: "a" })), plan("b", thing({ x: 2, k: "b" })));
            assert.deepEqual(ops(re), { replace: [`${T}::thing`] });
            assert.equal(
                re.groups[0].resources[0].changes[0].replaces,
                "k: the dynamic provider's diff replaces the resource when it changes",
            );
        });

        it("new provider code alone is no change unless its diff says so; its text is not shown", async () => {
            const edited = `${decides}// a comment\n`;
            assert.ok(isEmpty(await diffPlans(plan("a", thing({ x: 1 })), plan("b", thing({ x: 1 }, edited)))));
            const always = provider("return { changes: true };");
            const d = await diffPlans(plan("a", thing({ x: 1 })), plan("b", thing({ x: 1 }, always)));
            assert.deepEqual(d.groups[0].resources[0].changes, [
                { path: "__provider", old: "(dynamic provider code)", new: "(dynamic provider code, changed)" },
            ]);
        });

        it("a provider without diff (or an undecided one) leaves the comparison to the engine: every input", async () => {
            for (const code of ["exports.handler = () => ({});\n", provider("return {};")]) {
                const d = await diffPlans(plan("a", thing({ x: 1 }, code)), plan("b", thing({ x: 2 }, code)));
                assert.deepEqual(ops(d), { update: [`${T}::thing`] }, code);
            }
        });
    });

    it("a renamed Deployment (metadata.name) is a replacement with its reason", async () => {
        const d = await diffPlans(plan("a", dep("api-stable", { app: "api" })), plan("b", dep("api-main", { app: "api" })));
        assert.deepEqual(ops(d), { replace: [`${D}::api-stable`] });
        assert.deepEqual(d.groups[0].resources[0].changes, [
            {
                path: "metadata.name",
                old: "api-stable",
                new: "api-main",
                replaces: "metadata.name: a Kubernetes object is identified by its name and namespace",
            },
        ]);
        golden("renamed-deployment", renderMarkdown("prod", d));
    });

    it("an image change is an update; a selector change a replacement", async () => {
        const img = await diffPlans(plan("a", dep("x", { app: "api" })), plan("b", dep("x", { app: "api" }, "app@sha256:2")));
        assert.deepEqual(ops(img), { update: [`${D}::api-stable`] });
        assert.equal(img.groups[0].resources[0].changes[0].path, "spec.template.spec.containers[0].image");
        const sel = await diffPlans(plan("a", dep("x", { app: "api" })), plan("b", dep("x", { app: "api", slot: "stable" })));
        assert.deepEqual(ops(sel), { replace: [`${D}::api-stable`] });
    });

    const table: [string, string, string, Record<string, unknown>, boolean][] = [
        ["Job pod template", "kubernetes:batch/v1:Job", "spec.template.spec.containers[0].args[0]", {}, true],
        ["Job parallelism", "kubernetes:batch/v1:Job", "spec.parallelism", {}, false],
        ["Service clusterIP", "kubernetes:core/v1:Service", "spec.clusterIP", {}, true],
        ["Service selector (blue-green switch)", "kubernetes:core/v1:Service", 'spec.selector["launchpad.dev/slot"]', {}, false],
        ["immutable ConfigMap data", "kubernetes:core/v1:ConfigMap", "data.flags", { immutable: true }, true],
        ["mutable ConfigMap data", "kubernetes:core/v1:ConfigMap", "data.flags", {}, false],
        ["StatefulSet volumeClaimTemplates", "kubernetes:apps/v1:StatefulSet", "spec.volumeClaimTemplates[0].spec", {}, true],
        ["StatefulSet replicas", "kubernetes:apps/v1:StatefulSet", "spec.replicas", {}, false],
        ["RDS identifier (renamed in place)", "aws:rds/instance:Instance", "identifier", {}, false],
        ["RDS instance class", "aws:rds/instance:Instance", "instanceClass", {}, false],
        ["ECR repository name", "aws:ecr/repository:Repository", "name", {}, true],
        ["ECR scan on push", "aws:ecr/repository:Repository", "imageScanningConfiguration.scanOnPush", {}, false],
        ["any object's namespace", "kubernetes:networking.k8s.io/v1:Ingress", "metadata.namespace", {}, true],
        ["a label", "kubernetes:networking.k8s.io/v1:Ingress", 'metadata.labels["app.kubernetes.io/version"]', {}, false],
        ["name prefix is not the name", "kubernetes:core/v1:Service", "metadata.nameSuffix", {}, false],
    ];
    for (const [what, type, p, old, replaces] of table) {
        it(`${what}: ${replaces ? "replace" : "update"}`, () => assert.equal(replacementReason(type, p, old) !== undefined, replaces));
    }

    it("a deletion lists the resource without properties", async () => {
        const d = await diffPlans(plan("a", dep("x", { app: "api" })), plan("b"));
        assert.deepEqual(ops(d), { delete: [`${D}::api-stable`] });
        assert.deepEqual(d.groups[0].resources[0].changes, []);
        assert.match(renderMarkdown("prod", d), /- `-` \*\*delete\*\* `kubernetes:apps\/v1:Deployment` \*\*api-stable\*\*/);
    });

    it("lists of named objects whose names differ are matched by name; same names compare by index", () => {
        const a = [
            { name: "api", state: "canary 10%" },
            { name: "web", state: "live blue" },
        ];
        const b = [
            { name: "api", state: "canary 25%" },
            { name: "jobs", state: "running" },
            { name: "web", state: "live blue" },
        ];
        assert.deepEqual(propertyChanges({ apps: a }, { apps: b }), [
            { path: 'apps[name="api"].state', old: "canary 10%", new: "canary 25%" },
            { path: 'apps[name="jobs"]', new: { name: "jobs", state: "running" } },
        ]);
        assert.deepEqual(propertyChanges({ apps: b }, { apps: a }), [
            { path: 'apps[name="api"].state', old: "canary 25%", new: "canary 10%" },
            { path: 'apps[name="jobs"]', old: { name: "jobs", state: "running" } },
        ]);
        assert.deepEqual(propertyChanges({ c: [{ name: "x", image: "1" }] }, { c: [{ name: "x", image: "2" }] }), [
            { path: "c[0].image", old: "1", new: "2" },
        ]);
    });

    it("a scalar inserted or removed before the end of a list is one change of the list", () => {
        assert.deepEqual(propertyChanges({ v: ["web", "worker"] }, { v: ["jobs", "web", "worker"] }), [
            { path: "v", old: ["web", "worker"], new: ["jobs", "web", "worker"] },
        ]);
        assert.deepEqual(propertyChanges({ v: ["a", "b"] }, { v: ["a", "b", "c"] }), [{ path: "v[2]", new: "c" }]);
        assert.deepEqual(propertyChanges({ v: ["a", "b"] }, { v: ["a", "c"] }), [{ path: "v[1]", old: "b", new: "c" }]);
    });

    it("long or multi-line values show where they differ, on one table line", async () => {
        const doc = (title: string) =>
            JSON.stringify({ uid: "d", pad: "x".repeat(200), panels: [{ title }], tail: "y".repeat(200) }, null, 2);
        const d = await diffPlans(
            plan("a", res("kubernetes:core/v1:ConfigMap", "dash", { data: { "d.json": doc("web (service)") } })),
            plan("b", res("kubernetes:core/v1:ConfigMap", "dash", { data: { "d.json": doc("jobs (worker)") } })),
        );
        const row = renderMarkdown("prod", d)
            .split("\n")
            .find((l) => l.includes('`data["d.json"]`'))!;
        const [old, now] = row
            .split(" | ")
            .slice(-2)
            .map((c) => c.replace(/ \|$/, ""));
        assert.match(old, /^`….*"title": "web \(service\)".*…`$/);
        assert.match(now, /^`….*"title": "jobs \(worker\)".*…`$/);
        assert.ok(old.includes("⏎") && old.length <= 122, old);
    });

    it("property changes carry old and new values, added and removed keys", () => {
        assert.deepEqual(propertyChanges({ a: 1, b: [1, 2], c: { d: "x" } }, { a: 2, b: [1], e: true }), [
            { path: "a", old: 1, new: 2 },
            { path: "b[1]", old: 2 },
            { path: "c", old: { d: "x" } },
            { path: "e", new: true },
        ]);
    });
});

describe("plan diff never shows a secret", () => {
    const S = "kubernetes:core/v1:Secret";
    const PLAIN_OLD = "hunter2-old-plaintext";
    const PLAIN_NEW = "hunter2-new-plaintext";

    it("a changed Secret payload shows as changed, masked", async () => {
        const a = plan("a", res(S, "api-db", { metadata: { name: "api-db" }, stringData: { password: PLAIN_OLD, user: "api" } }));
        const b = plan("b", res(S, "api-db", { metadata: { name: "api-db" }, stringData: { password: PLAIN_NEW, user: "api" } }));
        const d = await diffPlans(a, b);
        assert.deepEqual(ops(d), { update: [`${S}::api-db`] });
        assert.deepEqual(d.groups[0].resources[0].changes, [{ path: "stringData.password", old: "[secret]", new: "[secret]" }]);
        const md = renderMarkdown("prod", d);
        const json = JSON.stringify(d);
        for (const text of [md, json]) for (const p of [PLAIN_OLD, PLAIN_NEW]) assert.ok(!text.includes(p), `plaintext leaked: ${p}`);
        golden("changed-secret", md);
    });

    it("values the program marked secret stay masked even inside a changed object", async () => {
        const a = plan("a", res("docker:index/image:Image", "hello", { registry: { server: "r1", password: "[secret]" } }));
        const b = plan(
            "b",
            res("docker:index/image:Image", "hello", { registry: { server: "r2", password: "[secret]" }, extra: { token: "abc" } }),
        );
        const d = await diffPlans(a, b);
        assert.deepEqual(d.groups[0].resources[0].changes, [
            { path: "extra", new: { token: "[secret]" } },
            { path: "registry.server", old: "r1", new: "r2" },
        ]);
    });

    it("secret-looking property names are masked wherever they are", () => {
        assert.ok(isSecretPath("aws:rds/instance:Instance", "password"));
        assert.ok(isSecretPath("x", "spec.auth.apiKey"));
        assert.ok(isSecretPath("x", "env.DB_PASSWORD"));
        assert.ok(!isSecretPath("x", "spec.tls[0].secretName"));
        assert.ok(!isSecretPath("kubernetes:core/v1:ConfigMap", "data.flags"));
    });

    it("a changed secure config value is reported as changed, masked", async () => {
        const a: PlanSnapshot = {
            label: "a",
            resources: [],
            config: { "launchpad:token": '"[secret]:aaaaaaaaaaaa"', "aws:region": '"eu-west-1"' },
        };
        const b: PlanSnapshot = {
            label: "b",
            resources: [],
            config: { "launchpad:token": '"[secret]:bbbbbbbbbbbb"', "aws:region": '"eu-west-1"' },
        };
        const d = await diffPlans(a, b);
        assert.deepEqual(d.config, [{ path: "launchpad:token", old: "[secret]", new: "[secret]" }]);
        assert.ok(isEmpty(d), "config alone changes no resource");
        const md = renderMarkdown("x", d);
        assert.ok(!md.includes("aaaaaaaaaaaa"));
        // "no changes" alone would tell the reviewer that up changes nothing; what is built from a secret is [secret] on both sides.
        assert.match(
            md,
            /\*\*no changes\*\* \(0 resources unchanged\)\n\nA secret changed \(`launchpad:token`\): what is built from it shows `\[secret\]` on both sides, so this diff cannot list it; `pulumi up` updates it\./,
        );
        assert.doesNotMatch(md, /restart/, "no advice for a key that needs none");
        const plain = await diffPlans(a, { ...b, config: { ...a.config, "aws:region": '"eu-west-2"' } });
        assert.doesNotMatch(renderMarkdown("x", plain), /A secret changed/);
        // What applying it does beyond its own resources, by where the secret is.
        const apps = (app: object) => ({ "launchpad:apps": JSON.stringify(app) });
        const hints = async (at: (c: string) => object) =>
            renderMarkdown("x", await diffPlans({ ...a, config: apps(at("aaaaaaaaaaaa")) }, { ...b, config: apps(at("bbbbbbbbbbbb")) }));
        const k8s = await hints((c) => ({ api: { secretEnv: { DB_PASSWORD: `[secret]:${c}` } } }));
        assert.match(k8s, /A secret changed \(`launchpad:apps\.api\.secretEnv\.DB_PASSWORD`\)/);
        assert.match(
            k8s,
            /running pods read only when they start: restart them \(`kubectl rollout restart deployment\/<name> -n <namespace>`, or `kubectl argo rollouts restart <app> -n <namespace>`/,
        );
        const vm = await hints((c) => ({ legacy: { vm: { secretEnv: { TOKEN: `[secret]:${c}` } } } }));
        assert.match(vm, /A VM app's `vm\.secretEnv`: the playbook runs again on its hosts and restarts the app\./);
        assert.doesNotMatch(vm, /kubectl/);
        // The PR comment's summary table says it too.
        assert.match(
            renderComment([{ stack: "prod", exitCode: 0, diff: md, tail: "" }]),
            /\| `prod` \| ✅ clean \| no changes; a secret changed \|/,
        );
    });
});

describe("plan diff report: policies", () => {
    it("renders policy violations from policy.json, and says when all pass", async () => {
        const d = await diffPlans(plan("a"), plan("b"));
        const md = renderMarkdown("prod", d, {
            violations: [
                { policyName: "release-window", enforcementLevel: "mandatory", message: "launch is before launchAt", urn: "urn:x::web" },
            ],
        });
        assert.match(
            md,
            /#### Policies\n\n\| Level \| Policy \| Resource \| Message \|\n\|---\|---\|---\|---\|\n\| mandatory \| `release-window` \| `web` \| launch is before launchAt \|/,
        );
        assert.match(renderMarkdown("prod", d, { violations: [] }), /#### Policies\n\nall policies pass/);
    });

    it("with the base plan's report: each result new or already on the base, and what the base reported that is gone", async () => {
        const d = await diffPlans(plan("main"), plan("working tree"));
        const v = (policyName: string, urn: string, message: string) => ({ policyName, enforcementLevel: "advisory", message, urn });
        const kept = v("alerts-routed", "urn:x::api", "no route for severity info");
        const added = v("rollback-path", "urn:x::web", "no previous slot to switch back to");
        const fixed = v("backup-first", "urn:x::api-db", "no backup before the rollout");
        const md = renderMarkdown("prod", d, { violations: [kept, added] }, { violations: [kept, fixed] });
        const section = md.slice(md.indexOf("#### Policies"));
        assert.equal(
            section,
            [
                "#### Policies",
                "",
                "Against the base's results (`main`):",
                "",
                "| Change | Level | Policy | Resource | Message |",
                "|---|---|---|---|---|",
                "| unchanged | advisory | `alerts-routed` | `api` | no route for severity info |",
                "| **new** | advisory | `rollback-path` | `web` | no previous slot to switch back to |",
                "",
                "No longer reported (on the base, `main`):",
                "",
                "| Level | Policy | Resource | Message |",
                "|---|---|---|---|",
                "| advisory | `backup-first` | `api-db` | no backup before the rollout |",
                "",
            ].join("\n"),
        );
        // All pass now: what the base reported is still listed as gone.
        assert.match(
            renderMarkdown("prod", d, { violations: [] }, { violations: [fixed] }),
            /all policies pass\n\nNo longer reported \(on the base, `main`\):/,
        );
        // An unknown base report: the table without the column.
        assert.match(
            renderMarkdown("prod", d, { violations: [added] }),
            /\| Level \| Policy \| Resource \| Message \|\n\|---\|---\|---\|---\|\n\| advisory/,
        );
    });
});
