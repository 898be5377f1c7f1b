// Pure rendering: effective flags per environment, JsonLogic targeting, shared $evaluators, exposure.
import * as assert from "node:assert/strict";
import fc from "fast-check";
import { exposure, exposures, fractionalOf } from "../../components/flags/flagd";
import type { FlagdFlag } from "../../components/flags/flagd";
import { documentsByApp, effectiveFlag, previousRollout, renderFlag, targetingOf } from "../../components/flags/render";
import type { FlagsConfigInput } from "../../config/flags";
import { flagd, flagsConfig } from "./support";

const one = (flag: Record<string, unknown>, extra: Partial<FlagsConfigInput> = {}) =>
    flagsConfig({ ...extra, flags: { x: { type: "boolean", apps: ["web"], ...flag } as never } });
const eff = (flag: Record<string, unknown>, env = "prod", extra: Partial<FlagsConfigInput> = {}) =>
    effectiveFlag("x", one(flag, extra).flags.x, env);
const staff = { segments: { staff: { emailDomains: ["launchpad.example.com"] } } };

describe("flags: rendering", () => {
    describe("targeting", () => {
        const cases: [string, Record<string, unknown>, unknown][] = [
            ["no rules, no rollout: static", {}, undefined],
            [
                "rollout only: fractional, the rolled-out variant first",
                { rollout: { percentage: 5 } },
                {
                    fractional: [
                        ["on", 5],
                        ["off", 95],
                    ],
                },
            ],
            [
                "split: fractional in declared order",
                { type: "string", variants: { a: "A", b: "B" }, defaultVariant: "a", rollout: { split: { b: 30, a: 70 } } },
                {
                    fractional: [
                        ["b", 30],
                        ["a", 70],
                    ],
                },
            ],
            [
                "rule only: if without else (falls back to the default variant)",
                { rules: [{ tenants: ["acme"], variant: "on" }] },
                { if: [{ in: [{ var: "tenantId" }, ["acme"]] }, "on"] },
            ],
            [
                "rules then rollout: the rollout is the else branch",
                { rules: [{ minAppVersion: "2.4.0", variant: "on" }], rollout: { percentage: 20 } },
                {
                    if: [
                        { sem_ver: [{ var: "appVersion" }, ">=", "2.4.0"] },
                        "on",
                        {
                            fractional: [
                                ["on", 20],
                                ["off", 80],
                            ],
                        },
                    ],
                },
            ],
            [
                "conditions of one rule are ANDed; several domains are ORed",
                { rules: [{ emailDomains: ["a.com", "b.com"], tenants: ["t1"], variant: "on" }] },
                {
                    if: [
                        {
                            and: [
                                { or: [{ ends_with: [{ var: "email" }, "@a.com"] }, { ends_with: [{ var: "email" }, "@b.com"] }] },
                                { in: [{ var: "tenantId" }, ["t1"]] },
                            ],
                        },
                        "on",
                    ],
                },
            ],
            [
                "killed: no targeting at all",
                { rules: [{ tenants: ["acme"], variant: "on" }], rollout: { percentage: 50 }, killed: true },
                undefined,
            ],
        ];
        for (const [name, flag, expected] of cases) it(name, () => assert.deepEqual(targetingOf(eff(flag)), expected));

        it("a segment reference is combined with inline conditions", () => {
            assert.deepEqual(targetingOf(eff({ rules: [{ segment: "staff", minAppVersion: "1.0.0", variant: "on" }] }, "prod", staff)), {
                if: [{ and: [{ $ref: "staff" }, { sem_ver: [{ var: "appVersion" }, ">=", "1.0.0"] }] }, "on"],
            });
        });
    });

    describe("environment overrides", () => {
        const flag = {
            rollout: { percentage: 0 },
            rules: [{ tenants: ["acme"], variant: "on" }],
            environments: { staging: { rollout: { percentage: 100 }, rules: [] }, prod: { state: "DISABLED" } },
        };
        it("each given field replaces the declared one; the rest is inherited", () => {
            const s = eff(flag, "staging");
            assert.deepEqual(
                [s.fractions, s.rules, s.state],
                [
                    [
                        ["on", 100],
                        ["off", 0],
                    ],
                    [],
                    "ENABLED",
                ],
            );
            const p = eff(flag, "prod");
            assert.deepEqual(
                [p.fractions, p.rules.length, p.state],
                [
                    [
                        ["on", 0],
                        ["off", 100],
                    ],
                    1,
                    "DISABLED",
                ],
            );
        });

        it("killing in one environment leaves the others alone, and serves the off variant there", () => {
            const k = { killSwitch: true, defaultVariant: "on", environments: { prod: { killed: true } } };
            assert.deepEqual(renderFlag(eff(k, "prod")), {
                state: "ENABLED",
                variants: { on: true, off: false },
                defaultVariant: "off",
                metadata: { offVariant: "off", killSwitch: true, killed: true },
            });
            assert.deepEqual(renderFlag(eff(k, "staging")), {
                state: "ENABLED",
                variants: { on: true, off: false },
                defaultVariant: "on",
                metadata: { offVariant: "off", killSwitch: true },
            });
        });
    });

    describe("documents", () => {
        const cfg = flagsConfig({
            segments: { staff: { emailDomains: ["launchpad.example.com"] }, beta: { tenants: ["acme"] }, unused: { tenants: ["x"] } },
            flags: {
                a: { type: "boolean", apps: ["web", "api"], rules: [{ segment: "staff", variant: "on" }] },
                b: {
                    type: "boolean",
                    apps: ["web"],
                    rules: [
                        { segment: "staff", variant: "on" },
                        { segment: "beta", variant: "on" },
                    ],
                },
                c: { type: "boolean", apps: ["api"], rules: [{ segment: "beta", variant: "on" }], killed: true },
            },
        });
        const docs = documentsByApp(cfg, "prod");

        it("one document per app with exactly its flags", () => {
            assert.deepEqual([...docs.keys()], ["api", "web"]);
            assert.deepEqual(Object.keys(docs.get("web")!.flags), ["a", "b"]);
            assert.deepEqual(Object.keys(docs.get("api")!.flags), ["a", "c"]);
        });

        it("a segment used by several rules is defined once in $evaluators; unused and killed-only segments are left out", () => {
            assert.deepEqual(docs.get("web")!.$evaluators, {
                beta: { in: [{ var: "tenantId" }, ["acme"]] },
                staff: { ends_with: [{ var: "email" }, "@launchpad.example.com"] },
            });
            assert.deepEqual(docs.get("api")!.$evaluators, { staff: { ends_with: [{ var: "email" }, "@launchpad.example.com"] } });
            assert.equal(JSON.stringify(docs.get("web")).split('"@launchpad.example.com"').length - 1, 1);
        });

        it("carries the flagd $schema and flag-set metadata", () => {
            const web = docs.get("web")!;
            assert.equal(web.$schema, "https://flagd.dev/schema/v0/flags.json");
            assert.deepEqual(web.metadata, { flagSetId: "prod/web", environment: "prod" });
            for (const doc of docs.values()) flagd(doc);
        });
    });

    describe("exposure (what the outputs and the policy call rollout)", () => {
        const f = (x: Partial<FlagdFlag>): FlagdFlag => ({
            state: "ENABLED",
            variants: { on: true, off: false },
            defaultVariant: "off",
            metadata: { offVariant: "off" },
            ...x,
        });
        const cases: [string, FlagdFlag, number][] = [
            ["off by default, no rollout", f({}), 0],
            ["on by default (fully launched)", f({ defaultVariant: "on" }), 100],
            ["disabled: nobody (callers use their default)", f({ state: "DISABLED", defaultVariant: "on" }), 0],
            [
                "fractional 5/95",
                f({
                    targeting: {
                        fractional: [
                            ["on", 5],
                            ["off", 95],
                        ],
                    },
                }),
                5,
            ],
            [
                "fractional behind a rule",
                f({
                    targeting: {
                        if: [
                            { in: [{ var: "tenantId" }, ["a"]] },
                            "on",
                            {
                                fractional: [
                                    ["on", 20],
                                    ["off", 80],
                                ],
                            },
                        ],
                    },
                }),
                20,
            ],
            ["rule only: untargeted users get the default", f({ targeting: { if: [{ in: [{ var: "tenantId" }, ["a"]] }, "on"] } }), 0],
            [
                "weights not in percent",
                f({
                    targeting: {
                        fractional: [
                            ["on", 1],
                            ["off", 3],
                        ],
                    },
                }),
                25,
            ],
            [
                "split with an off variant: everyone not on control",
                {
                    state: "ENABLED",
                    variants: { control: {}, a: {}, b: {} },
                    defaultVariant: "control",
                    metadata: { offVariant: "control" },
                    targeting: {
                        fractional: [
                            ["control", 50],
                            ["a", 25],
                            ["b", 25],
                        ],
                    },
                },
                50,
            ],
            [
                "no offVariant metadata: the default variant is the baseline",
                {
                    state: "ENABLED",
                    variants: { x: "1", y: "2" },
                    defaultVariant: "x",
                    targeting: {
                        fractional: [
                            ["y", 10],
                            ["x", 90],
                        ],
                    },
                },
                10,
            ],
        ];
        for (const [name, flag, pct] of cases) it(`${name}: ${pct}%`, () => assert.equal(exposure(flag), pct));

        it("fractionalOf skips a bucketing expression given as the first argument", () => {
            assert.deepEqual(fractionalOf({ fractional: [{ var: "email" }, ["on", 10], ["off", 90]] }), [
                ["on", 10],
                ["off", 90],
            ]);
        });

        it("previousRollout: staging's percentages for prod, nothing for staging", () => {
            const cfg = flagsConfig({
                flags: {
                    x: {
                        type: "boolean",
                        apps: ["web"],
                        environments: { staging: { rollout: { percentage: 100 } }, prod: { rollout: { percentage: 5 } } },
                    },
                },
            });
            assert.deepEqual(previousRollout(cfg, "prod"), { environment: "staging", rollout: { x: 100 } });
            assert.equal(previousRollout(cfg, "staging"), undefined);
        });

        it("property: any percentage and rules render a document flagd accepts, whose exposure is that percentage", () => {
            const rule = fc.record(
                {
                    emailDomains: fc.constantFrom<string[]>(["launchpad.example.com"], ["a.io", "b.io"]),
                    tenants: fc.array(fc.stringMatching(/^[a-z]{1,8}$/), { minLength: 1, maxLength: 3 }),
                    minAppVersion: fc.constantFrom("1.0.0", "2.4.0", "10.2.3-rc.1"),
                    variant: fc.constantFrom("on", "off"),
                },
                { requiredKeys: ["variant", "tenants"] },
            );
            fc.assert(
                fc.property(fc.integer({ min: 0, max: 100 }), fc.array(rule, { maxLength: 3 }), fc.boolean(), (pct, rules, disabled) => {
                    const doc = documentsByApp(
                        flagsConfig({
                            flags: {
                                x: {
                                    type: "boolean",
                                    apps: ["web"],
                                    rules,
                                    rollout: { percentage: pct },
                                    state: disabled ? "DISABLED" : "ENABLED",
                                },
                            },
                        }),
                        "prod",
                    ).get("web")!;
                    flagd(doc);
                    assert.deepEqual(exposures(doc), { x: disabled ? 0 : pct });
                }),
                { numRuns: 60 },
            );
        });
    });
});
