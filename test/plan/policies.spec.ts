import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as k8s from "@pulumi/kubernetes";
import Ajv from "ajv";
import {
    PolicyResource,
    ResourceValidationPolicy,
    StackValidationPolicy,
    validateResourceOfType,
    validateStackResourcesOfType,
} from "@pulumi/policy";
import { policies } from "../../policies/all";
import { planStack, policiesLeftOut, writePlan } from "../../tools/plan/plan";
import { PolicyConfigError, checkPolicies, configSchemaOf, parsePolicyConfig, reconcileConfig } from "../../tools/plan/policies";
import { ProgramRun } from "../../tools/plan/recorder";
import { FIXTURE_DIR, T, fixturePolicyConfig, runFixture } from "../harness";
import { runCommand } from "../support/commands";

const plan = (args: string[]) => runCommand("tools/plan/cli.ts", args);

describe("offline plan: policies adapter", () => {
    let prod: ProgramRun;
    const tmp: string[] = [];
    const tmpDir = () => {
        const d = fs.mkdtempSync(path.join(os.tmpdir(), "launchpad-policies-"));
        tmp.push(d);
        return d;
    };
    before(async () => {
        prod = await runFixture("prod");
    });
    after(() => tmp.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

    describe("config, reconciled as the Pulumi CLI does", () => {
        it("starts from schema defaults and the policy's level, then 'all', then the policy's own entry", () => {
            const c = reconcileConfig(
                policies,
                "mandatory",
                parsePolicyConfig({
                    all: "advisory",
                    "tested-artifact": { enforcementLevel: "mandatory", maxAgeDays: 3 },
                    announced: "disabled",
                }),
            );
            assert.deepEqual(c.get("tested-artifact"), {
                enforcementLevel: "mandatory",
                properties: {
                    evidenceFile: "release/evidence.json",
                    maxAgeDays: 3,
                    kinds: ["Deployment", "Rollout", "StatefulSet", "DaemonSet"],
                    exemptImages: [],
                },
            });
            assert.equal(c.get("announced")!.enforcementLevel, "disabled");
            assert.deepEqual(c.get("announced")!.properties, { minLeadTimeHours: 48, freezeWindows: [] });
            assert.equal(c.get("rollback-ready")!.enforcementLevel, "advisory");
            assert.deepEqual(reconcileConfig(policies, "advisory").get("immutable-images"), {
                enforcementLevel: "mandatory",
                properties: {},
            });
        });

        it("every policy's configSchema is a valid JSON Schema (the plan compiles them without the meta-schema check)", () => {
            const ajv = new Ajv({ strict: true, strictTypes: false });
            ajv.addFormat("date-time", true);
            const withSchema = policies.filter((p) => p.configSchema);
            assert.ok(withSchema.length > 0);
            for (const p of withSchema) {
                const schema = configSchemaOf(p);
                assert.ok(ajv.validateSchema(schema), `${p.name}: ${ajv.errorsText()}`);
                assert.doesNotThrow(() => ajv.compile(schema), p.name);
            }
        });

        it("every policy's schema defaults satisfy its configSchema (the plan validates only properties a config gives)", () => {
            const ajv = new Ajv({ strict: false, allErrors: true });
            ajv.addFormat("date-time", true);
            const resolved = reconcileConfig(policies, "mandatory");
            for (const p of policies.filter((x) => x.configSchema)) {
                assert.ok(ajv.validate(configSchemaOf(p), resolved.get(p.name)!.properties), `${p.name}: ${ajv.errorsText()}`);
            }
            // A required property with no default is still refused when the config gives none, as the CLI does.
            const strict = {
                ...policies[0],
                name: "needs-a-value",
                configSchema: { properties: { x: { type: "string" as const } }, required: ["x"] },
            };
            assert.throws(() => reconcileConfig([strict], "mandatory"), /needs-a-value: \(root\) must have required property 'x'/);
        });

        it("refuses values the configSchema rejects, unknown policies and unknown levels", () => {
            assert.throws(
                () => reconcileConfig(policies, "mandatory", parsePolicyConfig({ "tested-artifact": { maxAgeDays: "two weeks" } })),
                (e: Error) => e instanceof PolicyConfigError && /tested-artifact: \/maxAgeDays must be number/.test(e.message),
            );
            assert.throws(
                () =>
                    reconcileConfig(
                        policies,
                        "mandatory",
                        parsePolicyConfig({ announced: { freezeWindows: [{ name: "x", start: "soon", end: "2027-01-01T00:00:00Z" }] } }),
                    ),
                /announced: \/freezeWindows\/0\/start must match format "date-time"/,
            );
            assert.throws(
                () => reconcileConfig(policies, "mandatory", parsePolicyConfig({ "tested-artefact": "mandatory" })),
                /unknown policy: tested-artefact/,
            );
            assert.throws(
                () => parsePolicyConfig({ observed: "strict" }, "prod.json"),
                /prod\.json: parsing enforcement level for "observed": "strict" is not a valid enforcement level/,
            );
        });

        it("an override file replaces the stack's pack config whole: the plan names what it leaves out, and a copy with one level changed keeps the rest", () => {
            const own = JSON.parse(fs.readFileSync(fixturePolicyConfig("prod"), "utf8"));
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "launchpad-override-"));
            try {
                const write = (name: string, value: object) => {
                    fs.writeFileSync(path.join(dir, name), JSON.stringify(value));
                    return path.join(dir, name);
                };
                const alone = write("alone.json", { announced: "advisory" });
                assert.deepEqual(
                    policiesLeftOut(alone, "prod", FIXTURE_DIR),
                    Object.keys(own).map((k) => (k === "announced" ? `announced (${Object.keys(own.announced).join(", ")})` : k)),
                );
                assert.ok(policiesLeftOut(alone, "prod", FIXTURE_DIR).includes("tested-artifact"));
                // The documented override (docs/release-checklist.md): the stack's file with one level changed.
                // A copy with the level as a bare string drops the policy's own settings: named too.
                const bare = write("bare.json", { ...own, announced: "advisory" });
                assert.deepEqual(policiesLeftOut(bare, "prod", FIXTURE_DIR), [`announced (${Object.keys(own.announced).join(", ")})`]);
                assert.ok(Object.keys(own.announced).includes("freezeWindows"));
                const copy = write("copy.json", { ...own, announced: { ...own.announced, enforcementLevel: "advisory" } });
                assert.deepEqual(policiesLeftOut(copy, "prod", FIXTURE_DIR), []);
                const config = reconcileConfig(policies, "mandatory", parsePolicyConfig(JSON.parse(fs.readFileSync(copy, "utf8"))));
                assert.equal(config.get("announced")!.enforcementLevel, "advisory");
                assert.deepEqual(config.get("announced")!.properties.freezeWindows, own.announced.freezeWindows);
                assert.deepEqual(policiesLeftOut(fixturePolicyConfig("prod"), "prod", FIXTURE_DIR), []);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    });

    describe("validation arguments, built as @pulumi/policy's server builds them", () => {
        it("isType/asType answer by the provider class's type token (validateResourceOfType, validateStackResourcesOfType)", async () => {
            const seen: string[] = [];
            const services: string[] = [];
            const byType: ResourceValidationPolicy = {
                name: "deployments-only",
                description: "test",
                enforcementLevel: "advisory",
                validateResource: validateResourceOfType(k8s.apps.v1.Deployment, (d, args) => {
                    assert.ok(args.isType(k8s.apps.v1.Deployment) && !args.isType(k8s.core.v1.Service));
                    assert.equal(args.asType(k8s.apps.v1.Deployment)?.metadata?.name, d.metadata?.name);
                    seen.push(String(d.metadata?.name));
                }),
            };
            const stack: StackValidationPolicy = {
                name: "services-only",
                description: "test",
                enforcementLevel: "advisory",
                validateStack: validateStackResourcesOfType(k8s.core.v1.Service, (svcs) => {
                    services.push(...svcs.map((s) => String(s.metadata.name)));
                }),
            };
            const report = await checkPolicies(prod.resources, { policies: [byType, stack] });
            assert.deepEqual(report.violations, []);
            assert.deepEqual(seen.sort(), ["api-canary", "api-stable", "web-blue", "web-green", "worker"]);
            assert.deepEqual(services.sort(), ["api", "api-canary", "web", "web-preview"]);
        });

        it("stack resources link parent and explicit dependencies as PolicyResource objects; resource opts carry the parent URN", async () => {
            let quota: PolicyResource | undefined;
            let parentUrn: string | undefined;
            const probe: StackValidationPolicy = {
                name: "probe",
                description: "test",
                validateStack: (args) => {
                    quota = args.resources.find((r) => r.name === "prod-quota");
                },
            };
            const res: ResourceValidationPolicy = {
                name: "probe-resource",
                description: "test",
                validateResource: (args) => {
                    if (args.name === "prod-quota") parentUrn = args.opts.parent;
                },
            };
            await checkPolicies(prod.resources, { policies: [probe, res] });
            assert.equal(quota!.parent!.type, "launchpad:environment:Environment");
            assert.deepEqual(
                quota!.dependencies.map((d) => [d.type, d.name, d.props.metadata.name]),
                [[T.Namespace, "prod", "prod"]],
            );
            assert.equal(parentUrn, quota!.parent!.urn);
        });

        it("policies are given the records' own values, and every policy leaves them as they were (staging and prod)", async () => {
            // The adapter copies only what holds an unknown (deserialize): anything a policy changed through its
            // props would change the plan's files.
            for (const run of [prod, await runFixture("staging")]) {
                const before = structuredClone(run.resources);
                let given: unknown;
                const probe: ResourceValidationPolicy = {
                    name: "probe",
                    description: "test",
                    validateResource: (args) => {
                        // The object behind the SDK's proxy (its own `__getSpecialProxyTarget` key).
                        if (args.type === T.Namespace) given = (args.props as any).metadata.__getSpecialProxyTarget;
                    },
                };
                const report = await checkPolicies(run.resources, { policies: [...policies, probe] });
                assert.ok(report.violations.length > 0, "the policies ran and reported something");
                assert.deepEqual(run.resources, before);
                // Behind the SDK's proxy: the record's own object, not a copy.
                assert.equal(given, run.resources.find((r) => r.type === T.Namespace)!.inputs.metadata);
            }
        });

        it("an unknown value read by a policy is an advisory 'can't run during preview', as in the engine", async () => {
            const run = structuredClone(prod);
            const d = run.resources.find((r) => r.type === T.Deployment && r.name === "worker")!;
            (d.inputs as any).metadata.namespace = "(known after up)";
            const reads: ResourceValidationPolicy = {
                name: "reads-namespace",
                description: "Reads the namespace.",
                enforcementLevel: "mandatory",
                validateResource: (args) => {
                    if (args.type === T.Deployment) void String(args.props.metadata.namespace);
                },
            };
            const report = await checkPolicies(run.resources, { policies: [reads] });
            assert.equal(report.mandatory, 0);
            assert.deepEqual(
                report.violations.map((v) => [v.level, v.name, v.message]),
                [
                    [
                        "advisory",
                        "worker",
                        "can't run policy 'reads-namespace' from policy pack 'launchpad-release-gates@v0.1.0' during preview: string value at .metadata.namespace can't be known during preview",
                    ],
                ],
            );
        });

        it("a reported message reads 'description\\nmessage', at the policy's resolved level; a stack violation may name no resource", async () => {
            const p: StackValidationPolicy = {
                name: "always",
                description: "Always says something.",
                enforcementLevel: "advisory",
                validateStack: (_args, report) => {
                    report("stack-wide");
                    report("on the namespace", prod.resources.find((r) => r.type === T.Namespace)!.urn);
                },
            };
            const report = await checkPolicies(prod.resources, { policies: [p], config: parsePolicyConfig({ always: "mandatory" }) });
            assert.deepEqual(
                report.violations.map((v) => [v.policy, v.level, v.name ?? null, v.message]),
                [
                    ["always", "mandatory", null, "Always says something.\nstack-wide"],
                    ["always", "mandatory", "prod", "Always says something.\non the namespace"],
                ],
            );
            assert.equal(report.mandatory, 2);
        });
    });

    describe("in the plan", () => {
        // What preview honestly cannot say: the export and log buckets' policies are built from ARNs (an
        // output); staging's 'hello' image is built by the update, and it runs direct (advisory there).
        const notes: Record<string, string[]> = {
            prod: ["no-public-buckets prod-backup-export-logs", "no-public-buckets prod-backup-exports"],
            staging: [
                "immutable-images hello",
                "no-public-buckets staging-backup-export-logs",
                "no-public-buckets staging-backup-exports",
                // hello: the pipeline's example app, direct at 1 replica without smoke test (advisory in staging).
                "production-availability hello",
                "production-availability hello",
                "rollback-ready hello",
                "tested-artifact (stack)",
                "validated-traffic hello",
            ],
        };
        for (const stack of ["staging", "prod"]) {
            it(`${stack}: every policy passes with policies/config/${stack}.json (only advisory notes); the phase is timed; policy.json is written`, async () => {
                const p = await planStack({ stack, projectDir: FIXTURE_DIR });
                assert.equal(p.policy!.configFile, path.join("policies", "config", `${stack}.json`));
                assert.equal(p.policy!.mandatory, 0);
                assert.deepEqual(
                    p.policy!.violations.map((v) => v.level).filter((l) => l !== "advisory"),
                    [],
                );
                assert.deepEqual(p.policy!.violations.map((v) => `${v.policy} ${v.name ?? "(stack)"}`).sort(), notes[stack]);
                assert.equal(p.policy!.policies.length, policies.length);
                assert.equal(typeof p.timings.policies, "number");
                const out = tmpDir();
                writePlan(p, out);
                const written = JSON.parse(fs.readFileSync(path.join(out, "policy.json"), "utf8"));
                assert.equal(written.pack, "launchpad-release-gates");
                assert.equal(written.mandatory, 0);
            });
        }
    });

    describe("command line @e2e", function () {
        this.timeout(60000);
        it("prints violations as pulumi preview does, writes policy.json and exits 1 on a mandatory violation", () => {
            const dir = tmpDir();
            const evidence = JSON.parse(fs.readFileSync(path.join(FIXTURE_DIR, "release", "evidence.json"), "utf8"));
            evidence.artifacts[1].tests.failed = 2;
            fs.writeFileSync(path.join(dir, "evidence.json"), JSON.stringify(evidence));
            const cfg = JSON.parse(fs.readFileSync(fixturePolicyConfig("prod"), "utf8"));
            cfg["tested-artifact"].evidenceFile = path.join(dir, "evidence.json");
            fs.writeFileSync(path.join(dir, "prod.json"), JSON.stringify(cfg));
            const out = path.join(dir, "plan");
            const r = plan(["--stack", "prod", "--project", FIXTURE_DIR, "--out", out, "--policy-config", path.join(dir, "prod.json")]);
            assert.equal(r.status, 1, r.stderr);
            assert.match(r.stdout, /\nPolicy Violations:\n {4}\[(advisory|mandatory)\] {2}launchpad-release-gates v0\.1\.0 {2}/);
            assert.match(
                r.stdout,
                /\n {4}\[mandatory\] {2}launchpad-release-gates v0\.1\.0 {2}tested-artifact \(web-green: kubernetes:apps\/v1:Deployment\)\n {4}Every container image/,
            );
            assert.match(
                r.stdout,
                /\n {4}\[mandatory\] {2}launchpad-release-gates v0\.1\.0 {2}tested-artifact \(api-canary: kubernetes:apps\/v1:Deployment\)\n {4}Every container image/,
            );
            assert.match(r.stdout, /\n {4}container 'api' of Deployment prod\/api-canary runs .*has 2 failed tests: fix them/);
            assert.match(
                r.stdout,
                new RegExp(
                    `policies: ${policies.length} of ${policies.length} enabled \\(.*prod\\.json\\), 3 mandatory and 2 advisory violations`,
                ),
            );
            assert.ok(r.stdout.includes(`(${path.join(dir, "prod.json")})`), "a config outside the project is shown by its absolute path");
            const written = JSON.parse(fs.readFileSync(path.join(out, "policy.json"), "utf8"));
            assert.deepEqual(
                written.violations
                    .filter((v: any) => v.level === "mandatory")
                    .map((v: any) => v.name)
                    .sort(),
                ["api-canary", "web-green", "worker"],
            );
        });

        it("exits 2 on a missing or invalid policy config", () => {
            const missing = plan(["--stack", "prod", "--policy-config", "nope.json"]);
            assert.equal(missing.status, 2);
            assert.match(missing.stderr, /--policy-config: no such file: nope\.json/);
            const dir = tmpDir();
            fs.writeFileSync(path.join(dir, "bad.json"), JSON.stringify({ "backup-coverage": { minRetentionDays: 0 } }));
            const bad = plan(["--stack", "prod", "--out", path.join(dir, "out"), "--policy-config", path.join(dir, "bad.json")]);
            assert.equal(bad.status, 2);
            assert.match(bad.stderr, /invalid policy config:\n {2}backup-coverage: \/minRetentionDays must be >= 1/);
        });
    });
});
