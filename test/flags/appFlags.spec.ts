// The flags components under the mock runtime: exact resources per delivery mode, the pod seam, roll on
// change only where asked, and the custom resources checked against the OpenFeature CRDs.
import * as assert from "node:assert/strict";
import { parseConfig } from "../../config/load";
import { DEFINITIONS_KEY, FLAGD_SCHEMA, PREVIOUS_ROLLOUT_ANNOTATION } from "../../components/flags/flagd";
import { OPERATOR_ANNOTATION, checksumOf, flagdSidecar } from "../../components/flags/appFlags";
import { documentJson, documentsByApp } from "../../components/flags/render";
import { ANNOTATION } from "../../components/common/labels";
import { loadCrdValidators } from "../../tools/plan/crds";
import type { ProgramRun, ResourceRecord } from "../../tools/plan/recorder";
import { T, diffRuns, ofType, one, runConfig, fixtureRaw } from "../harness";
import { requireCrds } from "./support";

const CM = "kubernetes:core/v1:ConfigMap";
const FF = "kubernetes:core.openfeature.dev/v1beta1:FeatureFlag";
const FFS = "kubernetes:core.openfeature.dev/v1beta1:FeatureFlagSource";
const APP_FLAGS = "launchpad:flags:AppFlags";
const APPS = ["api", "web", "worker"];
const DEPLOYMENTS: Record<string, string[]> = { api: ["api-stable", "api-canary"], web: ["web-blue", "web-green"], worker: ["worker"] };
const FLAGD_ENV = [
    { name: "FLAGD_HOST", value: "localhost" },
    { name: "FLAGD_PORT", value: "8013" },
    { name: "FLAGD_RESOLVER", value: "rpc" },
];

type Obj = Record<string, any>;
const pod = (r: ResourceRecord): Obj => (r.inputs.spec as Obj).template;
const names = (rs: ResourceRecord[]) => rs.map((r) => r.name).sort();
/** Flag-definition ConfigMaps only (other domains add their own ConfigMaps: dashboards, runners...). */
const flagConfigMaps = (run: ProgramRun) => ofType(run, CM).filter((r) => r.name.endsWith("-flags"));
const short = (d: Record<string, string[]>) =>
    Object.fromEntries(
        Object.entries(d).map(([urn, paths]) => [`${urn.split("::")[2].split("$").pop()}::${urn.split("::").pop()}`, paths]),
    );

describe("flags: components", () => {
    describe("prod: flagd sidecar from a ConfigMap", () => {
        let run: ProgramRun;
        const cfg = parseConfig(fixtureRaw("prod"));
        const docs = documentsByApp(cfg.flags!, "prod");
        before(async () => {
            run = await runConfig(fixtureRaw("prod"), "prod");
        });

        it("registers one AppFlags and one ConfigMap per app that serves flags, and no operator objects", () => {
            assert.deepEqual(names(ofType(run, APP_FLAGS)), ["api-flags", "web-flags", "worker-flags"]);
            assert.deepEqual(names(flagConfigMaps(run)), ["api-flags", "web-flags", "worker-flags"]);
            assert.deepEqual(ofType(run, FF), []);
            assert.deepEqual(ofType(run, FFS), []);
            for (const app of APPS) {
                const cm = one(run, CM, `${app}-flags`);
                assert.equal(cm.parent, one(run, APP_FLAGS, `${app}-flags`).urn);
            }
        });

        for (const app of APPS) {
            it(`${app}-flags holds the rendered document, labelled, with staging's rollout for the policy`, () => {
                const cm = one(run, CM, `${app}-flags`);
                assert.deepEqual(cm.inputs.data, { [DEFINITIONS_KEY]: documentJson(docs.get(app)!) });
                const meta = cm.inputs.metadata as Obj;
                assert.equal(meta.name, `${app}-flags`);
                assert.equal(meta.namespace, "prod");
                assert.equal(meta.labels["app.kubernetes.io/component"], "feature-flags");
                assert.equal(meta.labels["app.kubernetes.io/name"], app);
                assert.deepEqual(JSON.parse(meta.annotations[PREVIOUS_ROLLOUT_ANNOTATION]), {
                    environment: "staging",
                    rollout: { "checkout-banner": 50, "new-checkout": 100, recommendations: 100, "search-backend": 0 },
                });
                assert.equal(JSON.parse(cm.inputs.data && (cm.inputs.data as Obj)[DEFINITIONS_KEY]).$schema, FLAGD_SCHEMA);
            });

            it(`${app}: every slot's pods run the pinned flagd sidecar reading that ConfigMap`, () => {
                for (const d of DEPLOYMENTS[app]) {
                    const spec = pod(one(run, T.Deployment, d)).spec;
                    assert.equal(spec.containers.length, 2, d);
                    assert.match(spec.containers[1].image, /^ghcr\.io\/open-feature\/flagd:v[\d.]+@sha256:[a-f0-9]{64}$/);
                    assert.deepEqual(spec.containers[1], flagdSidecar(cfg.flags!.sidecar));
                    assert.deepEqual(spec.containers[0].env.slice(-3), FLAGD_ENV);
                    assert.deepEqual(spec.volumes.at(-1), {
                        name: "flagd-config",
                        configMap: { name: `${app}-flags`, items: [{ key: DEFINITIONS_KEY, path: DEFINITIONS_KEY }] },
                    });
                }
            });
        }

        it("the sidecar meets the restricted Pod Security level", () => {
            const c = flagdSidecar(cfg.flags!.sidecar) as Obj;
            assert.deepEqual(c.securityContext, {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                privileged: false,
                capabilities: { drop: ["ALL"] },
                seccompProfile: { type: "RuntimeDefault" },
            });
            assert.deepEqual(c.volumeMounts, [{ name: "flagd-config", mountPath: "/etc/flagd", readOnly: true }]);
            assert.deepEqual(c.args, ["start", "--uri", "file:/etc/flagd/flags.json", "--port", "8013", "--management-port", "8014"]);
        });

        it("only the app that asks (worker) carries the definitions checksum on its pods", () => {
            assert.deepEqual(pod(one(run, T.Deployment, "worker")).metadata.annotations, {
                [ANNOTATION.configChecksum]: checksumOf(docs.get("worker")!),
            });
            // Other components annotate pods too (the database's instance): only the flags' key matters here.
            for (const d of [...DEPLOYMENTS.api, ...DEPLOYMENTS.web])
                assert.equal(pod(one(run, T.Deployment, d)).metadata.annotations?.[ANNOTATION.configChecksum], undefined, d);
        });

        it("raising a percentage changes the definitions only: no pod of an app that did not ask restarts", async () => {
            const raw = fixtureRaw("prod");
            raw.flags.flags["new-checkout"].environments.prod.rollout.percentage = 20;
            assert.deepEqual(short(diffRuns(run, await runConfig(raw, "prod"))), {
                "kubernetes:core/v1:ConfigMap::api-flags": ["data.flags.json"],
                "kubernetes:core/v1:ConfigMap::web-flags": ["data.flags.json"],
            });
        });

        it("changing a flag of an app that asks to roll changes its pod template checksum as well", async () => {
            const raw = fixtureRaw("prod");
            raw.flags.flags["search-backend"].rules.pop();
            assert.deepEqual(short(diffRuns(run, await runConfig(raw, "prod"))), {
                "kubernetes:core/v1:ConfigMap::api-flags": ["data.flags.json"],
                "kubernetes:core/v1:ConfigMap::worker-flags": ["data.flags.json"],
                "kubernetes:apps/v1:Deployment::worker": [`spec.template.metadata.annotations.${ANNOTATION.configChecksum}`],
            });
        });

        it("outputs each flag's state and rollout per environment", () => {
            assert.deepEqual(run.outputs.flags, {
                "checkout-banner": {
                    staging: { state: "ENABLED", killed: false, rollout: 50, rules: 0 },
                    prod: { state: "DISABLED", killed: false, rollout: 0, rules: 0 },
                },
                "new-checkout": {
                    staging: { state: "ENABLED", killed: false, rollout: 100, rules: 1 },
                    prod: { state: "ENABLED", killed: false, rollout: 5, rules: 1 },
                },
                recommendations: {
                    staging: { state: "ENABLED", killed: false, rollout: 100, rules: 0 },
                    prod: { state: "ENABLED", killed: false, rollout: 100, rules: 0 },
                },
                "search-backend": {
                    staging: { state: "ENABLED", killed: false, rollout: 0, rules: 2 },
                    prod: { state: "ENABLED", killed: false, rollout: 0, rules: 2 },
                },
            });
        });

        it("killing the kill switch in prod changes the documents of its apps and the outputs", async () => {
            const raw = fixtureRaw("prod");
            raw.flags.flags.recommendations.environments.prod.killed = true;
            const after = await runConfig(raw, "prod");
            assert.deepEqual(Object.keys(short(diffRuns(run, after))).sort(), [
                "kubernetes:core/v1:ConfigMap::api-flags",
                "kubernetes:core/v1:ConfigMap::web-flags",
            ]);
            const doc = JSON.parse((one(after, CM, "web-flags").inputs.data as Obj)[DEFINITIONS_KEY]);
            assert.equal(doc.flags.recommendations.defaultVariant, "off");
            assert.equal((after.outputs.flags as Obj).recommendations.prod.killed, true);
            assert.equal((after.outputs.flags as Obj).recommendations.prod.rollout, 0);
        });

        it("a stack without launchpad:flags registers no flag resources and leaves pods alone", async () => {
            const raw = fixtureRaw("prod");
            delete raw.flags;
            const bare = await runConfig(raw, "prod");
            assert.deepEqual(ofType(bare, APP_FLAGS), []);
            assert.deepEqual(flagConfigMaps(bare), []);
            assert.equal(pod(one(bare, T.Deployment, "web-blue")).spec.containers.length, 1);
            assert.equal(bare.outputs.flags, undefined);
        });
    });

    describe("staging: OpenFeature Operator", () => {
        let run: ProgramRun;
        const cfg = parseConfig(fixtureRaw("staging"));
        const docs = documentsByApp(cfg.flags!, "staging");
        before(async () => {
            run = await runConfig(fixtureRaw("staging"), "staging");
        });

        it("registers FeatureFlag, FeatureFlagSource and an egress NetworkPolicy per app, and no ConfigMap", () => {
            assert.deepEqual(names(ofType(run, FF)), ["api-flags", "web-flags", "worker-flags"]);
            assert.deepEqual(names(ofType(run, FFS)), ["api-flags", "web-flags", "worker-flags"]);
            assert.deepEqual(flagConfigMaps(run), []);
            for (const app of APPS)
                assert.equal(one(run, T.NetworkPolicy, `${app}-flags-egress`).parent, one(run, APP_FLAGS, `${app}-flags`).urn);
        });

        for (const app of APPS) {
            it(`${app}: FeatureFlag holds the document; FeatureFlagSource syncs it through flagd-proxy`, () => {
                const ff = one(run, FF, `${app}-flags`);
                const { $schema: _s, ...flagSpec } = docs.get(app)!;
                void _s;
                assert.deepEqual((ff.inputs.spec as Obj).flagSpec, flagSpec);
                assert.equal((ff.inputs.metadata as Obj).annotations, undefined, "staging is first in promotion order");
                const ffs = one(run, FFS, `${app}-flags`);
                assert.deepEqual(ffs.inputs.spec, {
                    sources: [{ source: `staging/${app}-flags`, provider: "flagd-proxy" }],
                    port: 8013,
                    probesEnabled: true,
                    rolloutOnChange: false,
                    resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
                });
                assert.deepEqual(ffs.dependsOn, [ff.urn]);
                assert.deepEqual((one(run, T.NetworkPolicy, `${app}-flags-egress`).inputs.spec as Obj).egress, [
                    {
                        to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "open-feature-operator-system" } } }],
                        ports: [{ protocol: "TCP", port: 8015 }],
                    },
                ]);
            });

            it(`${app}: pods ask the operator to inject flagd and carry no sidecar of their own`, () => {
                for (const d of DEPLOYMENTS[app].filter((n) => n !== "api-canary")) {
                    const p = pod(one(run, T.Deployment, d));
                    const flagAnnotations = Object.fromEntries(
                        Object.entries(p.metadata.annotations).filter(([k]) => k.startsWith("openfeature.dev/")),
                    );
                    assert.deepEqual(
                        flagAnnotations,
                        { [OPERATOR_ANNOTATION.enabled]: "true", [OPERATOR_ANNOTATION.source]: `${app}-flags` },
                        d,
                    );
                    assert.equal(p.spec.containers.length, 1, d);
                    assert.deepEqual(p.spec.containers[0].env.slice(-3), FLAGD_ENV);
                }
            });
        }

        it("an app that asks to roll on change carries the definitions checksum too: rolloutOnChange only follows the FeatureFlagSource", async () => {
            const raw = fixtureRaw("staging");
            raw.flags.delivery.staging.rollOnChange = ["worker"];
            const rolled = await runConfig(raw, "staging");
            const worker = pod(one(rolled, T.Deployment, "worker"));
            assert.equal(worker.metadata.annotations[ANNOTATION.configChecksum], checksumOf(docs.get("worker")!));
            assert.equal((one(rolled, FFS, "worker-flags").inputs.spec as Obj).rolloutOnChange, true);
            assert.equal(pod(one(rolled, T.Deployment, "web-blue")).metadata.annotations[ANNOTATION.configChecksum], undefined);
        });

        it("FeatureFlag and FeatureFlagSource are valid under the OpenFeature CRDs, and a broken one is not", function () {
            const validators = loadCrdValidators(requireCrds(this));
            const check = (r: ResourceRecord) => validators.get(`${r.inputs.apiVersion}/${r.inputs.kind}`)!(r.inputs);
            for (const r of [...ofType(run, FF), ...ofType(run, FFS)]) assert.equal(check(r), undefined, r.name);
            const broken = structuredClone(one(run, FF, "web-flags"));
            ((broken.inputs.spec as Obj).flagSpec.flags["new-checkout"] as Obj).state = "ON";
            assert.match(check(broken) ?? "", /state must be equal to one of the allowed values/);
            const noSources = structuredClone(one(run, FFS, "web-flags"));
            delete (noSources.inputs.spec as Obj).sources;
            assert.match(check(noSources) ?? "", /must have required property 'sources'/);
        });
    });
});
