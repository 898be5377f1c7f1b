import * as assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { metricsDefaults, sloDefaults } from "../../config/monitoring";
import { ALERT, appRuleGroups, AppRulesArgs, errorBudget, RuleGroup, rulesFile } from "../../components/monitoring";
import { requireTool } from "../support/tools";
import { promqlSyntaxError } from "./promql";
import { GOLDEN_DIR, PROMTOOL_DIR, renderAllStacks, writeRules } from "./render";

const base: AppRulesArgs = {
    app: "api",
    namespace: "prod",
    environment: "prod",
    team: "backend",
    kind: "service",
    slo: sloDefaults,
    metrics: metricsDefaults,
    runbookUrl: "https://docs.example.com/monitoring.md",
};
const names = (groups: RuleGroup[]) => groups.map((g) => `${g.name}: ${g.rules.map((r) => r.alert).join(", ")}`);
const allRules = (groups: RuleGroup[]) => groups.flatMap((g) => g.rules);

/** Rule sets beyond the real stacks: every shape the generator can take. */
const variants: Record<string, AppRulesArgs> = {
    "service-canary": { ...base, comparison: { candidate: "canary", baseline: "stable" } },
    "service-direct": base,
    worker: { ...base, app: "worker", kind: "worker" },
    "custom-metrics-and-slo": {
        ...base,
        app: "shop",
        slo: { availability: 99.99, latency: { thresholdSeconds: 0.25, percentile: 95 }, errorRatio: 0.02 },
        metrics: {
            ...metricsDefaults,
            requests: "shop_requests_total",
            duration: "shop_request_seconds",
            statusLabel: "code",
            errorStatus: "5..|429",
        },
        comparison: { candidate: "green", baseline: "blue" },
    },
};

describe("monitoring alert rules (rules.ts)", () => {
    it("generate golden signals, burn rates and saturation for a service, plus the comparison during a release", () => {
        assert.deepEqual(names(appRuleGroups(variants["service-canary"])), [
            "api.golden-signals: HighErrorRatio, HighLatency, TrafficStopped",
            "api.slo-burn-rate: ErrorBudgetFastBurn, ErrorBudgetSlowBurn",
            "api.release-comparison: CandidateErrorRatioAboveStable, CandidateLatencyAboveStable",
            "api.saturation: CPUThrottling, MemoryNearLimit, PodCrashLooping",
        ]);
        assert.deepEqual(
            names(appRuleGroups(base)).map((n) => n.split(":")[0]),
            ["api.golden-signals", "api.slo-burn-rate", "api.saturation"],
        );
    });

    it("give a worker (no HTTP traffic) only saturation and crash-loop alerts", () => {
        assert.deepEqual(names(appRuleGroups(variants.worker)), ["worker.saturation: CPUThrottling, MemoryNearLimit, PodCrashLooping"]);
    });

    it("derive thresholds from the objectives: budget x burn factor, error ratio, latency percentile", () => {
        const rules = allRules(appRuleGroups(variants["custom-metrics-and-slo"]));
        const by = (a: string) => rules.find((r) => r.alert === a)!;
        assert.equal(errorBudget(99.99), 0.0001);
        assert.match(by(ALERT.errorBudgetFastBurn).expr, /\) > 0\.00144 and .*\) > 0\.0006 and /);
        assert.match(by(ALERT.errorBudgetSlowBurn).expr, /\[1d\].*> 0\.0003 and .*\[2h\].*\[3d\].*> 0\.0001 and .*\[6h\]/);
        assert.match(by(ALERT.highErrorRatio).expr, /code=~"5\.\.\|429".* > 0\.02$/);
        assert.match(by(ALERT.highLatency).expr, /^histogram_quantile\(0\.95, .*shop_request_seconds_bucket.* > 0\.25$/);
        assert.match(by(ALERT.candidateErrorRatioAboveStable).expr, /slot="green".* > clamp_min\(.*slot="blue".*\* 2, 0\.0001\)/);
    });

    it("label every alert with severity, team, app and environment and link its runbook section in docs/monitoring.md", () => {
        const docs = fs.readFileSync(path.join(__dirname, "../../docs/monitoring.md"), "utf8");
        const anchors = new Set(
            [...docs.matchAll(/^#{2,4} (.+)$/gm)].map((m) =>
                m[1]
                    .trim()
                    .toLowerCase()
                    .replace(/[^a-z0-9 -]/g, "")
                    .replace(/ /g, "-"),
            ),
        );
        for (const v of Object.values(variants)) {
            for (const r of allRules(appRuleGroups(v))) {
                assert.ok(["critical", "warning"].includes(r.labels.severity), `${r.alert} severity`);
                assert.equal(r.labels.team, "backend");
                assert.equal(r.labels.app, v.app);
                assert.equal(r.labels.environment, "prod");
                assert.ok(r.annotations.summary && r.annotations.description, `${r.alert} summary/description`);
                assert.equal(r.annotations.runbook_url, `https://docs.example.com/monitoring.md#${r.alert.toLowerCase()}`);
                assert.ok(anchors.has(r.alert.toLowerCase()), `docs/monitoring.md has no section "${r.alert}"`);
                assert.equal(promqlSyntaxError(r.expr), undefined, `${r.alert}: ${r.expr}`);
            }
        }
    });

    describe("rendered from the real stacks", () => {
        let rendered: Record<string, Record<string, string>>;
        let tmp: string;
        before(async () => {
            rendered = await renderAllStacks();
            tmp = fs.mkdtempSync(path.join(os.tmpdir(), "launchpad-rules-"));
        });
        after(() => fs.rmSync(tmp, { recursive: true, force: true }));

        it("match the reviewed golden files (UPDATE_GOLDEN=1 rewrites them)", () => {
            if (process.env.UPDATE_GOLDEN === "1") writeRules(GOLDEN_DIR, rendered);
            for (const [stack, apps] of Object.entries(rendered)) {
                // The built example app hello runs in staging only.
                assert.deepEqual(
                    Object.keys(apps).sort(),
                    stack === "staging" ? ["api", "hello", "web", "worker"] : ["api", "web", "worker"],
                );
                for (const [app, text] of Object.entries(apps)) {
                    const golden = fs.readFileSync(path.join(GOLDEN_DIR, stack, `${app}.rules.yaml`), "utf8");
                    assert.equal(text, golden, `${stack}/${app}: rules changed; review and run UPDATE_GOLDEN=1`);
                }
            }
        });

        describe("with promtool", () => {
            let promtool: string;
            before(function () {
                promtool = requireTool(this, "promtool");
            });

            it("every generated rule group passes `promtool check rules`", () => {
                const files = writeRules(path.join(tmp, "check"), {
                    ...rendered,
                    variants: Object.fromEntries(Object.entries(variants).map(([k, v]) => [k, rulesFile(appRuleGroups(v))])),
                });
                // staging: api, hello, web, worker; prod: api, web, worker; four variants.
                assert.equal(files.length, 11);
                const out = execFileSync(promtool, ["check", "rules", ...files], { encoding: "utf8" });
                assert.equal((out.match(/SUCCESS/g) ?? []).length, files.length, out);
            });

            it("`promtool check rules` rejects what is broken (the check can fail)", () => {
                const file = path.join(tmp, "broken.rules.yaml");
                const groups = appRuleGroups(base);
                groups[0].rules[0].expr = "sum(rate(http_requests_total[5m]) >";
                fs.writeFileSync(file, rulesFile(groups));
                const result = spawnSync(promtool, ["check", "rules", file], { encoding: "utf8" });
                assert.notEqual(result.status, 0);
                assert.match(result.stdout + result.stderr, /FAILED/);
            });

            /** Copies the promtool tests next to freshly generated rules (same layout as the repo) and runs them. */
            function runPromtoolTests(dir: string, rules: Record<string, Record<string, string>>, only?: string) {
                writeRules(path.join(dir, "golden"), rules);
                fs.mkdirSync(path.join(dir, "promtool"), { recursive: true });
                const tests = fs.readdirSync(PROMTOOL_DIR).filter((f) => f.endsWith(".test.yaml") && (!only || f === only));
                for (const f of tests) fs.copyFileSync(path.join(PROMTOOL_DIR, f), path.join(dir, "promtool", f));
                return {
                    tests,
                    result: spawnSync(promtool, ["test", "rules", ...tests], { cwd: path.join(dir, "promtool"), encoding: "utf8" }),
                };
            }

            it("`promtool test rules` proves the alerts fire on bad series and stay quiet on healthy ones", () => {
                const { tests, result } = runPromtoolTests(path.join(tmp, "unit"), rendered);
                assert.deepEqual(tests.sort(), [
                    "api-burn-rate.test.yaml",
                    "api-canary.test.yaml",
                    "api-error-ratio.test.yaml",
                    "api-latency.test.yaml",
                    "healthy.test.yaml",
                    "web-preview.test.yaml",
                    "worker-saturation.test.yaml",
                ]);
                assert.equal(result.status, 0, result.stdout + result.stderr);
                assert.equal((result.stdout.match(/SUCCESS/g) ?? []).length, tests.length, result.stdout);
            });

            it("the canary test fails when the comparison rules are missing (the tests can fail)", () => {
                const doc = parse(rendered.prod.api) as { groups: RuleGroup[] };
                const without = rulesFile(doc.groups.filter((g) => g.name !== "api.release-comparison"));
                const { result } = runPromtoolTests(
                    path.join(tmp, "broken"),
                    { prod: { ...rendered.prod, api: without } },
                    "api-canary.test.yaml",
                );
                assert.notEqual(result.status, 0);
                assert.match(result.stdout + result.stderr, /CandidateErrorRatioAboveStable[\s\S]*got:\[\]/);
            });
        });
    });
});
