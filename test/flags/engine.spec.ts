// The rendered definitions evaluated by the real flagd engine (@openfeature/flagd-core): validity,
// percentage rollouts over synthetic users, stickiness, nesting, targeting rules, disabled and killed.
import * as assert from "node:assert/strict";
import { ErrorCode, StandardResolutionReasons } from "@openfeature/core";
import { parseConfig } from "../../config/load";
import { documentJson, documentsByApp } from "../../components/flags/render";
import type { FlagsConfigInput } from "../../config/flags";
import { fixtureRaw } from "../harness";
import { USERS, flagd, flagsConfig } from "./support";

const onShare = (core: ReturnType<typeof flagd>, key: string) =>
    USERS.filter((u) => core.resolveBooleanEvaluation(key, false, { targetingKey: u }).value).length / USERS.length;

function docFor(flags: Partial<FlagsConfigInput>, env = "prod", app = "web") {
    const doc = documentsByApp(flagsConfig(flags), env).get(app);
    if (!doc) throw new Error(`no document for ${app}`);
    return doc;
}

const rolloutFlag = (percentage: number) => ({
    flags: { "new-checkout": { type: "boolean" as const, apps: ["web"], rollout: { percentage } } },
});

describe("flags: rendered definitions in flagd-core", () => {
    for (const stack of ["staging", "prod"]) {
        it(`${stack}: every app's document loads under strict validation and serves exactly its flags`, () => {
            const cfg = parseConfig(fixtureRaw(stack));
            const docs = documentsByApp(cfg.flags!, stack);
            assert.deepEqual([...docs.keys()], ["api", "web", "worker"]);
            for (const [app, doc] of docs) {
                const core = flagd(doc);
                const expected = Object.entries(cfg.flags!.flags)
                    .filter(([, f]) => f.apps.includes(app))
                    .map(([k]) => k)
                    .sort();
                assert.deepEqual([...core.getFlags().keys()].sort(), expected, app);
            }
        });
    }

    it("rejects an invalid document (the validation is real)", () => {
        const doc = JSON.parse(documentJson(docFor(rolloutFlag(5))));
        flagd(JSON.stringify(doc)); // the unbroken document loads
        doc.flags["new-checkout"].state = "ON";
        assert.throws(() => flagd(JSON.stringify(doc)), /invalid flagd flag configuration/);
        const mixed = JSON.parse(documentJson(docFor(rolloutFlag(5))));
        mixed.flags["new-checkout"].variants.on = "yes";
        assert.throws(() => flagd(JSON.stringify(mixed)), /invalid flagd flag configuration/);
        const badRule = JSON.parse(documentJson(docFor(rolloutFlag(5))));
        badRule.flags["new-checkout"].targeting = { no_such_operator: [1] };
        assert.throws(() => flagd(JSON.stringify(badRule)), /invalid flagd flag configuration/);
    });

    describe("percentage rollout over 10,000 synthetic users", () => {
        for (const pct of [5, 20, 50, 100]) {
            it(`${pct}% lands within ±1.5 points`, () => {
                const share = onShare(flagd(docFor(rolloutFlag(pct))), "new-checkout") * 100;
                assert.ok(Math.abs(share - pct) <= 1.5, `${pct}% rollout gave ${share.toFixed(2)}%`);
            });
        }

        it("0% exposes nobody", () => {
            assert.equal(onShare(flagd(docFor(rolloutFlag(0))), "new-checkout"), 0);
        });

        it("is sticky: every user gets the same variant on every evaluation, in any flagd instance", () => {
            const doc = docFor(rolloutFlag(20));
            const a = flagd(doc);
            const b = flagd(doc);
            for (const u of USERS) {
                const first = a.resolveBooleanEvaluation("new-checkout", false, { targetingKey: u });
                assert.equal(first.reason, StandardResolutionReasons.TARGETING_MATCH);
                assert.equal(a.resolveBooleanEvaluation("new-checkout", false, { targetingKey: u }).variant, first.variant, u);
                assert.equal(b.resolveBooleanEvaluation("new-checkout", false, { targetingKey: u }).variant, first.variant, u);
            }
        });

        it("nests: every user in the 5% is still in after raising to 20%", () => {
            const five = flagd(docFor(rolloutFlag(5)));
            const twenty = flagd(docFor(rolloutFlag(20)));
            const inFive = USERS.filter((u) => five.resolveBooleanEvaluation("new-checkout", false, { targetingKey: u }).value);
            assert.ok(inFive.length > 350, `expected about 500 users in 5%, got ${inFive.length}`);
            const dropped = inFive.filter((u) => !twenty.resolveBooleanEvaluation("new-checkout", false, { targetingKey: u }).value);
            assert.deepEqual(dropped, []);
        });

        it("an A/B split shares users between the variants within ±1.5 points", () => {
            const core = flagd(
                docFor({
                    flags: {
                        banner: {
                            type: "string",
                            variants: { a: "A", b: "B", c: "C" },
                            defaultVariant: "a",
                            apps: ["web"],
                            rollout: { split: { a: 50, b: 30, c: 20 } },
                        },
                    },
                }),
            );
            const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
            for (const u of USERS) counts[core.resolveStringEvaluation("banner", "none", { targetingKey: u }).variant!]++;
            for (const [v, pct] of Object.entries({ a: 50, b: 30, c: 20 }))
                assert.ok(Math.abs((counts[v] / USERS.length) * 100 - pct) <= 1.5, `${v}: ${counts[v]}`);
        });

        it("environment overrides: the same declaration serves 100% in staging and 5% in prod", () => {
            const flags = {
                flags: {
                    "new-checkout": {
                        type: "boolean" as const,
                        apps: ["web"],
                        rollout: { percentage: 0 },
                        environments: { staging: { rollout: { percentage: 100 } }, prod: { rollout: { percentage: 5 } } },
                    },
                },
            };
            assert.equal(onShare(flagd(docFor(flags, "staging")), "new-checkout"), 1);
            const prod = onShare(flagd(docFor(flags, "prod")), "new-checkout") * 100;
            assert.ok(Math.abs(prod - 5) <= 1.5, `prod ${prod}`);
        });

        it("a user without a targetingKey gets the default variant", () => {
            const r = flagd(docFor(rolloutFlag(100))).resolveBooleanEvaluation("new-checkout", true, {});
            assert.equal(r.variant, "off");
            assert.equal(r.value, false);
        });
    });

    describe("targeting rules", () => {
        const core = () =>
            flagd(
                docFor(
                    {
                        segments: {
                            staff: { emailDomains: ["launchpad.example.com", "launchpad.dev"] },
                            beta: { tenants: ["acme", "globex"] },
                        },
                        flags: {
                            search: {
                                type: "string",
                                variants: { old: "postgres", new: "opensearch", preview: "opensearch-preview" },
                                defaultVariant: "old",
                                apps: ["api"],
                                rules: [
                                    { segment: "staff", variant: "preview" },
                                    { segment: "beta", minAppVersion: "2.4.0", variant: "new" },
                                ],
                            },
                            "new-checkout": { type: "boolean", apps: ["api"], rules: [{ segment: "staff", variant: "on" }] },
                        },
                    },
                    "prod",
                    "api",
                ),
            );
        const cases: [string, Record<string, string>, string, string][] = [
            ["staff email (first domain)", { email: "ana@launchpad.example.com" }, "preview", "TARGETING_MATCH"],
            ["staff email (second domain)", { email: "bo@launchpad.dev" }, "preview", "TARGETING_MATCH"],
            ["lookalike domain", { email: "eve@notlaunchpad.example.com.evil.io" }, "old", "DEFAULT"],
            ["domain without the @ boundary", { email: "eve@xlaunchpad.dev" }, "old", "DEFAULT"],
            ["beta tenant on 2.4.0", { tenantId: "acme", appVersion: "2.4.0" }, "new", "TARGETING_MATCH"],
            ["beta tenant on 2.10.1", { tenantId: "globex", appVersion: "2.10.1" }, "new", "TARGETING_MATCH"],
            ["beta tenant on 2.3.9", { tenantId: "acme", appVersion: "2.3.9" }, "old", "DEFAULT"],
            ["beta tenant without a version", { tenantId: "acme" }, "old", "DEFAULT"],
            ["other tenant on 3.0.0", { tenantId: "initech", appVersion: "3.0.0" }, "old", "DEFAULT"],
            [
                "staff in a beta tenant: first rule wins",
                { email: "ana@launchpad.dev", tenantId: "acme", appVersion: "2.4.0" },
                "preview",
                "TARGETING_MATCH",
            ],
            ["empty context", {}, "old", "DEFAULT"],
        ];
        for (const [name, ctx, variant, reason] of cases) {
            it(`${name} -> ${variant}`, () => {
                const r = core().resolveStringEvaluation("search", "code-default", { targetingKey: "u1", ...ctx });
                assert.equal(r.variant, variant);
                assert.equal(r.reason, reason);
            });
        }

        it("a shared segment is defined once in $evaluators and works from every flag that uses it", () => {
            const c = core();
            assert.equal(c.resolveBooleanEvaluation("new-checkout", false, { email: "ana@launchpad.dev" }).value, true);
            assert.equal(c.resolveBooleanEvaluation("new-checkout", true, { email: "ana@example.org" }).value, false);
        });

        it("rules come before the percentage rollout: staff get the feature at 0%", () => {
            const c = flagd(
                docFor({
                    segments: { staff: { emailDomains: ["launchpad.example.com"] } },
                    flags: {
                        "new-checkout": {
                            type: "boolean",
                            apps: ["web"],
                            rules: [{ segment: "staff", variant: "on" }],
                            rollout: { percentage: 0 },
                        },
                    },
                }),
            );
            assert.equal(
                c.resolveBooleanEvaluation("new-checkout", false, { targetingKey: "u1", email: "a@launchpad.example.com" }).value,
                true,
            );
            assert.equal(c.resolveBooleanEvaluation("new-checkout", true, { targetingKey: "u1", email: "a@example.org" }).value, false);
        });
    });

    describe("disabled and killed", () => {
        it("a DISABLED flag returns the caller's default with reason DISABLED", () => {
            const c = flagd(
                docFor({ flags: { "new-checkout": { type: "boolean", apps: ["web"], state: "DISABLED", rollout: { percentage: 100 } } } }),
            );
            for (const callerDefault of [true, false]) {
                const r = c.resolveBooleanEvaluation("new-checkout", callerDefault, { targetingKey: "u1" });
                assert.equal(r.value, callerDefault);
                assert.equal(r.reason, StandardResolutionReasons.DISABLED);
            }
        });

        it("a killed kill switch returns its off variant to everyone, whatever the caller's default", () => {
            const c = flagd(
                docFor({
                    segments: { staff: { emailDomains: ["launchpad.example.com"] } },
                    flags: {
                        recommendations: {
                            type: "boolean",
                            killSwitch: true,
                            defaultVariant: "on",
                            apps: ["web"],
                            rules: [{ segment: "staff", variant: "on" }],
                            rollout: { percentage: 100 },
                            environments: { prod: { killed: true } },
                        },
                    },
                }),
            );
            const contexts: Record<string, string>[] = [
                { targetingKey: "u1" },
                { targetingKey: "u2", email: "a@launchpad.example.com" },
                {},
            ];
            for (const ctx of contexts) {
                const r = c.resolveBooleanEvaluation("recommendations", true, ctx);
                assert.equal(r.value, false);
                assert.equal(r.variant, "off");
                assert.equal(r.reason, StandardResolutionReasons.STATIC);
            }
        });

        it("the same kill switch not killed in staging serves on", () => {
            const flags = {
                flags: {
                    recommendations: {
                        type: "boolean" as const,
                        killSwitch: true,
                        defaultVariant: "on",
                        apps: ["web"],
                        environments: { prod: { killed: true } },
                    },
                },
            };
            assert.equal(flagd(docFor(flags, "staging")).resolveBooleanEvaluation("recommendations", false, {}).value, true);
        });

        it("asking a flag the app does not serve returns the caller's default with FLAG_NOT_FOUND", () => {
            const r = flagd(docFor(rolloutFlag(5))).resolveBooleanEvaluation("nope", true, {});
            assert.equal(r.value, true);
            assert.equal(r.errorCode, ErrorCode.FLAG_NOT_FOUND);
        });
    });
});
