// launchpad:flags validation: every mistake named by its key path, before any resource exists.
import * as assert from "node:assert/strict";
import { ConfigError } from "../../config/errors";
import { PROJECT, parseConfig } from "../../config/load";
import type { FlagsConfigInput } from "../../config/flags";
import { FLAGD_IMAGE } from "../../config/flags";
import { main } from "../../program";
import { runProgram } from "../../tools/plan/recorder";
import { configProblems, fixtureRaw } from "../harness";
import { prodWithFlags } from "./support";

const withFlags = (f: Partial<FlagsConfigInput>) => prodWithFlags({ environments: ["staging", "prod"], ...f } as FlagsConfigInput);
const flag = (x: Record<string, unknown>) => withFlags({ flags: { x: { type: "boolean", apps: ["web"], ...x } as never } });

const problems = configProblems;

describe("flags: config", () => {
    it("the real stacks' flags are valid, with defaults applied", () => {
        for (const stack of ["staging", "prod"]) {
            const cfg = parseConfig(fixtureRaw(stack));
            assert.ok(cfg.flags, stack);
            assert.deepEqual(cfg.flags.environments, ["staging", "prod"]);
            assert.equal(cfg.flags.sidecar.image, FLAGD_IMAGE);
            assert.equal(cfg.flags.flags["new-checkout"].state, "ENABLED");
            assert.equal(cfg.flags.flags.recommendations.killSwitch, true);
        }
    });

    it("stacks without launchpad:flags stay valid", () => {
        const raw = fixtureRaw("prod");
        delete raw.flags;
        assert.equal(parseConfig(raw).flags, undefined);
    });

    const cases: [string, Record<string, unknown>, string[]][] = [
        [
            "unknown default variant",
            flag({ defaultVariant: "maybe" }),
            [`${PROJECT}:flags.flags.x.defaultVariant: expected one of the flag's variants (on, off), got "maybe"`],
        ],
        [
            "unknown default variant in an environment override",
            flag({ environments: { prod: { defaultVariant: "maybe" } } }),
            [`${PROJECT}:flags.flags.x.environments.prod.defaultVariant: expected one of the flag's variants (on, off), got "maybe"`],
        ],
        [
            "mixed variant types",
            flag({ type: "string", variants: { a: "A", b: 2 }, defaultVariant: "a" }),
            [
                `${PROJECT}:flags.flags.x.variants.b: expected a string: every variant of a string flag has that type (no mixed variant types), got 2`,
            ],
        ],
        [
            "boolean flag with a string variant",
            flag({ variants: { on: "yes", off: false } }),
            [
                `${PROJECT}:flags.flags.x.variants.on: expected a boolean: every variant of a boolean flag has that type (no mixed variant types), got "yes"`,
            ],
        ],
        [
            "split percentages not summing to 100",
            flag({ type: "string", variants: { a: "A", b: "B" }, defaultVariant: "a", rollout: { split: { a: 60, b: 30 } } }),
            [`${PROJECT}:flags.flags.x.rollout.split: expected percentages summing to 100 (these sum to 90), got {"a":60,"b":30}`],
        ],
        [
            "split naming an unknown variant",
            flag({ rollout: { split: { on: 50, maybe: 50 } } }),
            [`${PROJECT}:flags.flags.x.rollout.split.maybe: expected one of the flag's variants (on, off), got "maybe"`],
        ],
        [
            "percentage out of range",
            flag({ rollout: { percentage: 150 } }),
            [`${PROJECT}:flags.flags.x.rollout.percentage: expected an integer 0-100, got 150`],
        ],
        [
            "percentage and split together",
            flag({ rollout: { percentage: 5, split: { on: 100 } } }),
            [
                `${PROJECT}:flags.flags.x.rollout: expected either percentage (with variant) or split, got {"percentage":5,"split":{"on":100}}`,
            ],
        ],
        [
            "percentage of a non-boolean flag without a variant",
            flag({ type: "number", variants: { low: 10, high: 100 }, defaultVariant: "low", rollout: { percentage: 5 } }),
            [`${PROJECT}:flags.flags.x.rollout.variant: required: expected one of the flag's variants (low, high), got nothing`],
        ],
        [
            "override for an undeclared environment",
            flag({ environments: { prd: { rollout: { percentage: 5 } } } }),
            [`${PROJECT}:flags.flags.x.environments.prd: expected one of launchpad:flags.environments (staging, prod), got "prd"`],
        ],
        [
            "stack environment not declared",
            prodWithFlags({ environments: ["staging"], flags: { x: { type: "boolean", apps: ["web"] } } }),
            [
                `${PROJECT}:flags.environments: expected to include this stack's environment 'prod' (launchpad:environment.name), got ["staging"]`,
            ],
        ],
        [
            "killSwitch on a string flag",
            flag({ type: "string", killSwitch: true, variants: { a: "A" }, defaultVariant: "a" }),
            [`${PROJECT}:flags.flags.x.type: a killSwitch flag must be boolean, got "string"`],
        ],
        [
            "killSwitch without a false variant",
            flag({ killSwitch: true, variants: { on: true, alsoOn: true }, defaultVariant: "on" }),
            [`${PROJECT}:flags.flags.x.offVariant: a killSwitch flag needs an off variant whose value is false, got nothing`],
        ],
        [
            "unknown app",
            flag({ apps: ["wbe"] }),
            [`${PROJECT}:flags.flags.x.apps[0]: expected the name of an app in this stack (web, api, worker), got "wbe"`],
        ],
        [
            "unknown segment",
            flag({ rules: [{ segment: "staf", variant: "on" }] }),
            [
                `${PROJECT}:flags.flags.x.rules[0].segment: expected a segment declared under launchpad:flags.segments (none declared), got "staf"`,
            ],
        ],
        [
            "rule variant unknown",
            flag({ rules: [{ tenants: ["acme"], variant: "yes" }] }),
            [`${PROJECT}:flags.flags.x.rules[0].variant: expected one of the flag's variants (on, off), got "yes"`],
        ],
        [
            "rule without a condition",
            flag({ rules: [{ variant: "on" }] }),
            [
                `${PROJECT}:flags.flags.x.rules[0]: expected at least one of segment, emailDomains, tenants, minAppVersion, got {"variant":"on"}`,
            ],
        ],
        [
            "bad minimum version",
            flag({ rules: [{ minAppVersion: "2.4", variant: "on" }] }),
            [`${PROJECT}:flags.flags.x.rules[0].minAppVersion: expected a semantic version such as 2.4.0, got "2.4"`],
        ],
        [
            "minimum version with a leading zero (not semver, checked by the semver package)",
            flag({ rules: [{ minAppVersion: "01.2.3", variant: "on" }] }),
            [`${PROJECT}:flags.flags.x.rules[0].minAppVersion: expected a semantic version such as 2.4.0, got "01.2.3"`],
        ],
        [
            "minimum version with a v prefix",
            flag({ rules: [{ minAppVersion: "v2.4.0", variant: "on" }] }),
            [`${PROJECT}:flags.flags.x.rules[0].minAppVersion: expected a semantic version such as 2.4.0, got "v2.4.0"`],
        ],
        [
            "unknown flag type",
            flag({ type: "bool" }),
            [`${PROJECT}:flags.flags.x.type: expected one of boolean, string, number, object, got "bool"`],
        ],
        ["unknown key", flag({ percent: 5 }), [`${PROJECT}:flags.flags.x.percent: unknown key 'percent'`]],
        [
            "unknown delivery mode",
            withFlags({ delivery: { prod: { mode: "helm" } } as never }),
            [`${PROJECT}:flags.delivery.prod.mode: expected mode sidecar or operator, got "helm"`],
        ],
        [
            "rollOnChange naming an unknown app",
            withFlags({ delivery: { prod: { mode: "sidecar", rollOnChange: ["nope"] } } }),
            [`${PROJECT}:flags.delivery.prod.rollOnChange[0]: expected the name of an app in this stack (web, api, worker), got "nope"`],
        ],
        [
            "sidecar image not pinned",
            withFlags({ sidecar: { image: "ghcr.io/open-feature/flagd:v0.16.1" } }),
            [
                `${PROJECT}:flags.sidecar.image: expected an image pinned by digest, <repository>@sha256:<64 hex digits>, got "ghcr.io/open-feature/flagd:v0.16.1"`,
            ],
        ],
    ];
    for (const [name, raw, expected] of cases) {
        it(`rejects ${name} with the key path`, () => assert.deepEqual(problems(raw), expected));
    }

    it("rejects an app port that collides with the flagd sidecar", () => {
        const raw = flag({});
        raw.apps.web.port = 8014;
        assert.deepEqual(problems(raw), [
            `${PROJECT}:apps.web.port: conflicts with the flagd sidecar's ports (8013, 8014, 8015, 8016): choose another port, got 8014`,
        ]);
    });

    it("fails before any resource is registered", async () => {
        let registered = 0;
        const raw = flag({ defaultVariant: "maybe" });
        await assert.rejects(
            runProgram({
                project: PROJECT,
                stack: "prod",
                config: {},
                program: () => main(parseConfig(raw)),
                onRegister: () => registered++,
            }),
            ConfigError,
        );
        assert.equal(registered, 0);
    });
});
