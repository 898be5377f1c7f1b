// Flag safety policies: the pure checks from a valid case with one thing broken at a time, then the
// policy objects as the pack would call them, on records of the real stacks.
import * as assert from "node:assert/strict";
import type {
    PolicyResource,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import type { FlagdDocument } from "../../components/flags/flagd";
import {
    checkKillSwitches,
    checkRequiredKillSwitches,
    checkRolloutWithinPrevious,
    definitionsOf,
    flagPolicies,
    killSwitchBoolean,
    requiredKillSwitches,
    rolloutWithinPrevious,
} from "../../policies/flags";
import type { ProgramRun, ResourceRecord } from "../../tools/plan/recorder";
import { runConfig, fixtureRaw } from "../harness";

const boolFlag = (pct: number, extra: Record<string, unknown> = {}) => ({
    state: "ENABLED" as const,
    variants: { on: true, off: false },
    defaultVariant: "off",
    targeting: {
        fractional: [
            ["on", pct],
            ["off", 100 - pct],
        ],
    },
    metadata: { offVariant: "off", ...extra },
});
const doc = (flags: FlagdDocument["flags"]): FlagdDocument => ({ flags });

class NotApplicable extends Error {}
function resourceArgs(r: ResourceRecord, config: object = {}): ResourceValidationArgs {
    return {
        type: r.type,
        props: r.inputs,
        urn: r.urn,
        name: r.name,
        opts: {} as ResourceValidationArgs["opts"],
        stackTags: new Map(),
        isType: () => false,
        asType: () => undefined,
        getConfig: <T extends object>() => config as T,
        notApplicable: (reason?: string) => {
            throw new NotApplicable(reason);
        },
    };
}

async function violations(policy: ResourceValidationPolicy, run: ProgramRun, config: object = {}): Promise<string[]> {
    const out: string[] = [];
    const validate = policy.validateResource;
    if (typeof validate !== "function") throw new Error("expected one validateResource");
    for (const r of run.resources) await validate(resourceArgs(r, config), (m) => out.push(`${r.name}: ${m}`));
    return out;
}

async function stackViolations(policy: StackValidationPolicy, run: ProgramRun, config: object): Promise<string[]> {
    const out: string[] = [];
    const resources = run.resources.map((r) => ({ type: r.type, props: r.inputs, urn: r.urn, name: r.name }) as PolicyResource);
    const args: StackValidationArgs = {
        resources,
        stackTags: new Map(),
        getConfig: <T extends object>() => config as T,
        notApplicable: (reason?: string) => {
            throw new NotApplicable(reason);
        },
    };
    await policy.validateStack(args, (m) => out.push(m));
    return out;
}

describe("flags: policies", () => {
    it("are advisory by default and named", () => {
        assert.deepEqual(
            flagPolicies.map((p) => [p.name, p.enforcementLevel]),
            [
                ["flags-rollout-within-previous", "advisory"],
                ["flags-kill-switch-boolean", "advisory"],
                ["flags-required-kill-switches", "advisory"],
            ],
        );
    });

    describe("checkRolloutWithinPrevious", () => {
        const staging = { environment: "staging", rollout: { a: 20, b: 100 } };
        it("passes when every flag reaches at most as many users as in staging", () => {
            assert.deepEqual(checkRolloutWithinPrevious(doc({ a: boolFlag(5), b: boolFlag(100) }), staging, "prod"), []);
            assert.deepEqual(checkRolloutWithinPrevious(doc({ a: boolFlag(20) }), staging, "prod"), []);
        });
        it("flags prod ahead of staging and says what to change", () => {
            assert.deepEqual(checkRolloutWithinPrevious(doc({ a: boolFlag(21), b: boolFlag(100) }), staging, "prod"), [
                "flag 'a' reaches 21% of users in prod but 20% in staging: raise it in staging first, or lower it here " +
                    "(launchpad:flags.flags.a.environments.<env>.rollout in Pulumi.yaml; see docs/flags.md)",
            ]);
        });
        it("counts a flag staging does not have as 0% there", () => {
            assert.equal(checkRolloutWithinPrevious(doc({ c: boolFlag(1) }), staging, "prod").length, 1);
            assert.deepEqual(checkRolloutWithinPrevious(doc({ c: boolFlag(0) }), staging, "prod"), []);
        });
        it("a disabled or killed flag in prod exposes nobody", () => {
            const disabled = { ...boolFlag(100), state: "DISABLED" as const };
            const killed = {
                state: "ENABLED" as const,
                variants: { on: true, off: false },
                defaultVariant: "off",
                metadata: { offVariant: "off", killed: true },
            };
            assert.deepEqual(
                checkRolloutWithinPrevious(doc({ a: disabled, z: killed }), { environment: "staging", rollout: {} }, "prod"),
                [],
            );
        });
    });

    describe("checkKillSwitches", () => {
        it("passes a boolean kill switch with a false off variant", () => {
            assert.deepEqual(checkKillSwitches(doc({ k: boolFlag(100, { killSwitch: true }) })), []);
        });
        it("flags a kill switch with non-boolean variants", () => {
            const k = {
                state: "ENABLED" as const,
                variants: { on: "yes", off: false },
                defaultVariant: "on",
                metadata: { offVariant: "off", killSwitch: true },
            };
            assert.deepEqual(checkKillSwitches(doc({ k })), [
                "kill switch 'k' must be boolean, but variant 'on' is not: set launchpad:flags.flags.k.type to boolean",
            ]);
        });
        it("flags a kill switch whose off variant is missing or not false", () => {
            const k = { ...boolFlag(100, { killSwitch: true }), metadata: { killSwitch: true, offVariant: "on" } };
            assert.deepEqual(checkKillSwitches(doc({ k })), [
                "kill switch 'k' has no off variant whose value is false: set launchpad:flags.flags.k.offVariant",
            ]);
        });
        it("ignores flags not marked as kill switches", () => {
            assert.deepEqual(checkKillSwitches(doc({ s: { state: "ENABLED", variants: { a: "A" }, defaultVariant: "a" } })), []);
        });
    });

    describe("checkRequiredKillSwitches", () => {
        const docs = [doc({ k: boolFlag(100, { killSwitch: true }), other: boolFlag(5) })];
        it("passes when each required kill switch exists, marked and boolean", () => {
            assert.deepEqual(checkRequiredKillSwitches(docs, ["k"]), []);
        });
        it("flags a missing one", () => {
            assert.deepEqual(checkRequiredKillSwitches(docs, ["payments"]), [
                "kill switch 'payments' is required (policy config) but no app serves it: declare it under launchpad:flags.flags.payments",
            ]);
        });
        it("flags one that exists but is not marked killSwitch", () => {
            assert.deepEqual(checkRequiredKillSwitches(docs, ["other"]), [
                "kill switch 'other' must be a boolean flag marked killSwitch: true (launchpad:flags.flags.other)",
            ]);
        });
    });

    describe("on the real stacks", () => {
        let prod: ProgramRun;
        let staging: ProgramRun;
        before(async () => {
            prod = await runConfig(fixtureRaw("prod"), "prod");
            staging = await runConfig(fixtureRaw("staging"), "staging");
        });

        it("finds the definitions in flags ConfigMaps (prod) and FeatureFlags (staging) only", () => {
            const carriers = (run: ProgramRun) =>
                run.resources.filter((r) => definitionsOf(r.type, r.inputs)).map((r) => `${r.type.split(":").pop()}/${r.name}`);
            assert.deepEqual(carriers(prod).sort(), ["ConfigMap/api-flags", "ConfigMap/web-flags", "ConfigMap/worker-flags"]);
            assert.deepEqual(carriers(staging).sort(), ["FeatureFlag/api-flags", "FeatureFlag/web-flags", "FeatureFlag/worker-flags"]);
        });

        it("both stacks pass every flag policy as declared", async () => {
            for (const run of [prod, staging]) {
                assert.deepEqual(await violations(rolloutWithinPrevious, run), []);
                assert.deepEqual(await violations(killSwitchBoolean, run), []);
                assert.deepEqual(await stackViolations(requiredKillSwitches, run, { requiredKillSwitches: ["recommendations"] }), []);
            }
        });

        it("prod ahead of staging (from the shared declaration) is reported on each app's definitions", async () => {
            const raw = fixtureRaw("prod");
            raw.flags.flags["new-checkout"].environments.staging.rollout.percentage = 10;
            raw.flags.flags["new-checkout"].environments.prod.rollout.percentage = 25;
            const found = await violations(rolloutWithinPrevious, await runConfig(raw, "prod"));
            const msg = "flag 'new-checkout' reaches 25% of users in prod but 10% in staging";
            assert.deepEqual(
                found.map((v) => v.slice(0, v.indexOf(":") + 2 + msg.length)),
                [`api-flags: ${msg}`, `web-flags: ${msg}`],
            );
        });

        it("pack config (staging's deployed rollout) takes precedence over the declaration", async () => {
            const config = {
                previousRollout: {
                    environment: "staging",
                    rollout: { "new-checkout": 1, recommendations: 100, "checkout-banner": 0, "search-backend": 0 },
                },
            };
            const found = await violations(rolloutWithinPrevious, prod, config);
            assert.equal(found.length, 2);
            assert.ok(found.every((v) => v.includes("flag 'new-checkout' reaches 5% of users in prod but 1% in staging")));
            // The first environment has nothing to compare with, whatever the config says.
            assert.deepEqual(await violations(rolloutWithinPrevious, staging, config), []);
        });

        it("a required kill switch the stack lacks is reported", async () => {
            assert.deepEqual(await stackViolations(requiredKillSwitches, prod, { requiredKillSwitches: ["payments"] }), [
                "kill switch 'payments' is required (policy config) but no app serves it: declare it under launchpad:flags.flags.payments",
            ]);
        });

        it("a tampered kill switch in a definitions object is reported", async () => {
            const cm = structuredClone(prod.resources.find((r) => r.name === "web-flags" && r.type === "kubernetes:core/v1:ConfigMap")!);
            const data = cm.inputs.data as Record<string, string>;
            const d = JSON.parse(data["flags.json"]);
            d.flags.recommendations.variants.on = "yes";
            data["flags.json"] = JSON.stringify(d);
            assert.deepEqual(await violations(killSwitchBoolean, { resources: [cm], outputs: {} }), [
                "web-flags: kill switch 'recommendations' must be boolean, but variant 'on' is not: set launchpad:flags.flags.recommendations.type to boolean",
            ]);
        });
    });
});
