// The unsafe releases a team under pressure could try (issue 15), one mutation of the valid fixture stack
// each, planned as `npm run plan -- --stack prod` plans them: refused by a mandatory gate (the plan exits 1;
// the message names the gate's fix) or by config validation (exit 2, naming the key); and the same
// mutation on the staging fixture behaves at the level docs/release-checklist.md documents.
import * as assert from "node:assert/strict";
import { parseConfig } from "../../config/load";
import { ConfigError } from "../../config/errors";
import { fixtureRaw, runConfig } from "../harness";
import { check, reported } from "./support";

type Raw = Record<string, any>;
type Stack = "prod" | "staging";

/** What the plan does with the mutated stack. */
type Outcome =
    /** A violation of `policy` at `level`, its message matching `message` (`mandatory` in prod: exit 1). */
    | { policy: string; level: "mandatory" | "advisory"; message: RegExp }
    /** Config validation refuses it (exit 2) at `key`. */
    | { key: string; message: RegExp }
    /** Accepted: the gate does not apply at this tier (`why` says so). */
    | { accepted: string };

interface Case {
    name: string;
    mutate: (raw: Raw, stack: Stack) => void;
    prod: Outcome;
    staging: Outcome;
}

const smokeAndGateOff = (app: string) => (raw: Raw) => {
    delete raw.apps[app].smoke;
    raw.apps[app].gate = { enabled: false };
};

const CASES: Case[] = [
    {
        name: "a plaintext credential in an app's env",
        mutate: (raw) => (raw.apps.api.env = { DB_PASSWORD: "hunter2" }),
        prod: {
            policy: "no-plaintext-secrets",
            level: "mandatory",
            message:
                /^container 'api' of Deployment prod\/api-stable has DB_PASSWORD in plaintext \(its name names a credential\).*Move it to launchpad:apps\.api\.secretEnv\.DB_PASSWORD: 'pulumi config set --secret --path launchpad:apps\.api\.secretEnv\.DB_PASSWORD <value>'/,
        },
        // Staging credentials are credentials too.
        staging: {
            policy: "no-plaintext-secrets",
            level: "mandatory",
            message: /Deployment staging\/api-stable has DB_PASSWORD in plaintext/,
        },
    },
    {
        name: "a plaintext credential in the env of an app Argo Rollouts releases",
        mutate: (raw) => {
            raw.apps.api.env = { DB_PASSWORD: "hunter2" };
            raw.apps.api.strategy.engine = "argoRollouts";
            raw.apps.api.strategy.weight = 0;
        },
        prod: {
            policy: "no-plaintext-secrets",
            level: "mandatory",
            message: /^container 'api' of Rollout prod\/api has DB_PASSWORD in plaintext \(its name names a credential\)/,
        },
        staging: { policy: "no-plaintext-secrets", level: "mandatory", message: /Rollout staging\/api has DB_PASSWORD in plaintext/ },
    },
    {
        name: "a credential-looking value under a harmless name",
        mutate: (raw) => (raw.apps.web.env = { ...raw.apps.web.env, DATABASE_URL: "postgres://app:s3cret@db.internal:5432/app" }),
        prod: {
            policy: "no-plaintext-secrets",
            level: "mandatory",
            message:
                /^container 'web' of Deployment prod\/web-blue has DATABASE_URL in plaintext \(its value looks like a URL with a password\)/,
        },
        staging: { policy: "no-plaintext-secrets", level: "mandatory", message: /Deployment staging\/web-(blue|green) has DATABASE_URL/ },
    },
    {
        name: "a namespace quota with room for the pods but not for a rollout's surge",
        // prod's pods use 12 CPU of limits at rest and staging's 5.2; the largest surge pod adds 1.2 and 1.
        mutate: (raw, stack) => (raw.environment.quota = { ...raw.environment.quota, cpu: stack === "prod" ? "12.5" : "5.5" }),
        prod: {
            policy: "quota-headroom",
            level: "mandatory",
            message:
                /^ResourceQuota prod\/quota allows limits\.cpu 12\.5; .* rolling out Deployment prod\/api-canary adds 1\.2 .*Raise launchpad:environment\.quota\.cpu/,
        },
        staging: {
            policy: "quota-headroom",
            level: "advisory",
            message: /^ResourceQuota staging\/quota allows limits\.cpu 5\.5; .* rolling out Deployment staging\/api-stable adds 1 /,
        },
    },
    {
        name: "a serving app at 1 replica",
        mutate: (raw) => (raw.apps.web.replicas = 1),
        prod: {
            policy: "production-availability",
            level: "mandatory",
            message:
                /^Deployment prod\/web-blue serves web's users with 1 replica\(s\).*Set launchpad:apps\.web\.replicas to at least 2\.$/,
        },
        staging: {
            policy: "production-availability",
            level: "advisory",
            message: /^Deployment staging\/web-(blue|green) serves web's users with 1 replica/,
        },
    },
    {
        name: "a serving app whose disruption budget keeps no pod",
        mutate: (raw) => (raw.apps.web.replicas = 1),
        prod: {
            policy: "production-availability",
            level: "mandatory",
            message:
                /^Deployment prod\/web-blue has no PodDisruptionBudget that keeps a pod of its 1 through a node drain \(PodDisruptionBudget prod\/web-blue lets every pod go\): raise launchpad:apps\.web\.replicas/,
        },
        staging: { policy: "production-availability", level: "advisory", message: /has no PodDisruptionBudget that keeps a pod/ },
    },
    {
        name: "a database in one availability zone",
        mutate: (raw) => (raw.apps.api.data.postgres.multiAz = false),
        prod: {
            policy: "production-availability",
            level: "mandatory",
            message: /^Instance api-db runs in one availability zone.*Set launchpad:apps\.<app>\.data\.postgres\.multiAz: true\.$/,
        },
        staging: { accepted: "requireMultiAz is off in staging" },
    },
    {
        name: "a production canary with its smoke test removed and its gate disabled",
        mutate: smokeAndGateOff("api"),
        prod: {
            policy: "validated-traffic",
            level: "mandatory",
            message:
                /^Ingress prod\/api-canary sends 10% of users to the canary of 'api' without its smoke test and metric gate.*set launchpad:apps\.api\.smoke.*or hold traffic \(strategy\.weight: 0\)\.$/,
        },
        staging: { accepted: "the staging canary is at weight 0: nobody is moved" },
    },
    {
        name: "a blue-green switch without smoke test and gate",
        mutate: smokeAndGateOff("web"),
        prod: {
            policy: "validated-traffic",
            level: "mandatory",
            message: /^Service prod\/web switches users to the active slot of 'web' without its smoke test and metric gate/,
        },
        staging: { policy: "validated-traffic", level: "advisory", message: /^Service staging\/web switches users/ },
    },
    {
        name: "every gate switched off by removing the Prometheus URL",
        mutate: (raw) => delete raw.validation.prometheusUrl,
        prod: {
            policy: "validated-traffic",
            level: "mandatory",
            message: /^Service prod\/web switches users .* without its metric gate.*enable the gate/,
        },
        staging: {
            policy: "validated-traffic",
            level: "advisory",
            message: /^Service staging\/web switches users .* without its metric gate/,
        },
    },
    {
        name: "a direct rollout of a serving app",
        mutate: (raw) => (raw.apps.web.strategy = { type: "direct", release: raw.apps.web.strategy.slots.green }),
        prod: {
            policy: "validated-traffic",
            level: "mandatory",
            message:
                /^Deployment prod\/web rolls a new version out to every user \(direct\) of 'web' without its smoke test and metric gate.*set strategy\.type to blueGreen or canary/,
        },
        staging: { policy: "validated-traffic", level: "advisory", message: /^Deployment staging\/web rolls a new version out/ },
    },
    {
        name: "release notices switched off",
        mutate: (raw) => (raw.validation = { ...raw.validation, notices: { enabled: false } }),
        prod: {
            policy: "release-notice",
            level: "mandatory",
            message: /^release 2\.4\.0 ships without a release notice.*Remove launchpad:validation\.notices\.enabled: false/,
        },
        staging: { accepted: "staging publishes no notices (release-notice is disabled there)" },
    },
    {
        name: "TLS removed",
        mutate: (raw) => delete raw.environment.ingress.tlsSecretName,
        prod: {
            policy: "public-tls",
            level: "mandatory",
            message:
                /^Ingress prod\/web serves www\.launchpad\.example\.com over plain http \(no spec\.tls entry for it\): set launchpad:environment\.ingress\.tlsSecretName/,
        },
        staging: { policy: "public-tls", level: "advisory", message: /^Ingress staging\/web serves .* over plain http/ },
    },
    {
        name: "TLS removed with the Gateway API router",
        mutate: (raw) => {
            raw.apps.api.strategy.router = "gateway";
            delete raw.environment.ingress.tlsSecretName;
        },
        prod: {
            policy: "public-tls",
            level: "mandatory",
            message:
                /^HTTPRoute prod\/api attaches to Gateway gateway\/public on every listener, plain http included: set launchpad:environment\.ingress\.tlsSecretName/,
        },
        staging: {
            policy: "public-tls",
            level: "advisory",
            message: /^HTTPRoute staging\/api attaches to Gateway gateway\/public on every listener/,
        },
    },
    {
        name: "a metric gate that can never fail (maxLatencySeconds: 1e12)",
        mutate: (raw) => (raw.validation.gate.maxLatencySeconds = 1e12),
        prod: { key: "launchpad:validation.gate.maxLatencySeconds", message: /at most 60/ },
        staging: { key: "launchpad:validation.gate.maxLatencySeconds", message: /at most 60/ },
    },
    {
        name: "a gate that tolerates most requests failing",
        mutate: (raw) => (raw.apps.api.gate = { maxErrorRatio: 0.9 }),
        prod: { key: "launchpad:apps.api.gate.maxErrorRatio", message: /^expected an error ratio 0-0.5/ },
        staging: { key: "launchpad:apps.api.gate.maxErrorRatio", message: /^expected an error ratio 0-0.5/ },
    },
    {
        name: "a gate window of a day",
        mutate: (raw) => (raw.validation.gate.window = "24h"),
        prod: { key: "launchpad:validation.gate.window", message: /between 1m and 1h/ },
        staging: { key: "launchpad:validation.gate.window", message: /between 1m and 1h/ },
    },
    // Found by trying (each passed the prod plan with exit 0 before this change):
    {
        name: "a gate that passes when it sees no data (onNoData: pass)",
        mutate: (raw) => (raw.validation.gate.onNoData = "pass"),
        prod: { key: "launchpad:validation.gate.onNoData", message: /^expected fail in production/ },
        staging: { accepted: "staging may pass a gate without traffic" },
    },
    {
        name: "an app's gate override onNoData: pass",
        mutate: (raw) => (raw.apps.web.gate = { onNoData: "pass" }),
        prod: { key: "launchpad:apps.web.gate.onNoData", message: /^expected fail in production/ },
        staging: { accepted: "staging may pass a gate without traffic" },
    },
    {
        name: "smoke checks that never check the version",
        mutate: (raw) => (raw.apps.api.smoke.checks = raw.apps.api.smoke.checks.filter((c: Raw) => c.name !== "version")),
        prod: { key: "launchpad:apps.api.smoke.checks", message: /^expected a check of the version under test in production/ },
        staging: { accepted: "staging smoke tests may be partial" },
    },
    {
        name: "point-in-time recovery of 1 day",
        mutate: (raw) => (raw.apps.api.data.postgres.backupRetentionDays = 1),
        prod: {
            policy: "backup-coverage",
            level: "mandatory",
            message:
                /^Instance api-db keeps automated backups 1 days \(backupRetentionPeriod\).*7 days.*raise launchpad:apps\.<app>\.data\.postgres\.backupRetentionDays\.$/,
        },
        staging: { accepted: "staging requires 1 day" },
    },
    {
        name: "a flag ahead in prod of where staging has it",
        mutate: (raw) => {
            const envs = raw.flags.flags["new-checkout"].environments;
            envs.staging = { rollout: { percentage: 10 } };
            envs.prod = { rollout: { percentage: 50 } };
        },
        prod: {
            policy: "flags-rollout-within-previous",
            level: "mandatory",
            message: /^flag 'new-checkout' reaches 50% of users in prod but 10% in staging: raise it in staging first/,
        },
        staging: { accepted: "staging is the first environment" },
    },
    {
        name: "critical alerts published to a topic nobody subscribes to",
        mutate: (raw) => (raw.monitoring.subscriptions.alerts = []),
        prod: { key: "launchpad:monitoring.subscriptions.alerts", message: /^expected at least one channel in production/ },
        staging: { accepted: "staging pages nobody" },
    },
    // Already refused before this change (kept here so the table is the whole list):
    {
        name: "the idle blue-green slot scaled to 0 (rollback not instant)",
        mutate: (raw) => (raw.apps.web.strategy.idleReplicas = 0),
        prod: {
            policy: "rollback-ready",
            level: "mandatory",
            message: /^Deployment prod\/web-green is the idle blue-green slot of 'web' but runs 0 replicas/,
        },
        staging: { policy: "rollback-ready", level: "advisory", message: /is the idle blue-green slot of 'web' but runs 0 replicas/ },
    },
    {
        name: "a freeze window dodged by omitting launchAt",
        mutate: (raw) => delete raw.release.launchAt,
        prod: { policy: "announced", level: "mandatory", message: /has no launch time: set launchpad:release\.launchAt/ },
        staging: { policy: "announced", level: "advisory", message: /has no launch time: set launchpad:release\.launchAt/ },
    },
];

/** The outcome of planning `stack` with `mutate` applied: a config error (exit 2) or the policy report. */
async function plan(stack: Stack, mutate: Case["mutate"]) {
    const raw = fixtureRaw(stack);
    mutate(raw, stack);
    try {
        parseConfig(raw);
    } catch (e) {
        if (e instanceof ConfigError) return { configError: e };
        throw e;
    }
    return { report: await check(await runConfig(raw, stack), stack) };
}

async function expectOutcome(stack: Stack, c: Case, expected: Outcome) {
    const got = await plan(stack, c.mutate);
    if ("key" in expected) {
        assert.ok(got.configError, `expected config validation to refuse it at ${expected.key}`);
        const problem = got.configError.problems.find((p) => p.path === expected.key);
        assert.ok(problem, `no problem at ${expected.key}: ${got.configError.message}`);
        assert.match(problem.message, expected.message);
        return;
    }
    assert.ok(got.report, `config validation refused it: ${got.configError?.message}`);
    if ("accepted" in expected) {
        // Nothing mandatory: the plan exits 0.
        assert.deepEqual(
            got.report.violations.filter((v) => v.level === "mandatory").map((v) => `${v.policy}: ${reported(v)}`),
            [],
        );
        return;
    }
    const hits = got.report.violations.filter((v) => v.policy === expected.policy && expected.message.test(reported(v)));
    assert.ok(
        hits.length > 0,
        `no ${expected.policy} violation matching ${expected.message}; got:\n${got.report.violations.map((v) => `  [${v.level}] ${v.policy}: ${reported(v)}`).join("\n")}`,
    );
    for (const h of hits) assert.equal(h.level, expected.level);
}

describe("unsafe releases: one mutation of the valid fixture stack each", function () {
    this.timeout(120_000);

    it("the unmutated fixtures plan without a mandatory violation", async () => {
        for (const stack of ["prod", "staging"] as const) {
            const got = await plan(stack, () => undefined);
            assert.deepEqual(
                got.report!.violations.filter((v) => v.level === "mandatory").map((v) => v.policy),
                [],
            );
        }
    });

    for (const c of CASES) {
        describe(c.name, () => {
            it(`prod: ${"key" in c.prod ? `exit 2 at ${c.prod.key}` : "accepted" in c.prod ? "accepted" : `${c.prod.level} ${c.prod.policy}`}`, () =>
                expectOutcome("prod", c, c.prod));
            it(`staging: ${"key" in c.staging ? `exit 2 at ${c.staging.key}` : "accepted" in c.staging ? `accepted (${c.staging.accepted})` : `${c.staging.level} ${c.staging.policy}`}`, () =>
                expectOutcome("staging", c, c.staging));
        });
    }
});
