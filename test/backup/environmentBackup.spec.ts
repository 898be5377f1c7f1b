import * as assert from "node:assert/strict";
import { replacementReason } from "../../tools/plan/diff/rules";
import { ProgramRun } from "../../tools/plan/recorder";
import { one, runConfig, runFixture, fixtureRaw } from "../harness";

const A = {
    Key: "aws:kms/key:Key",
    Alias: "aws:kms/alias:Alias",
    Vault: "aws:backup/vault:Vault",
    Lock: "aws:backup/vaultLockConfiguration:VaultLockConfiguration",
    Plan: "aws:backup/plan:Plan",
    Selection: "aws:backup/selection:Selection",
    Role: "aws:iam/role:Role",
    Attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    Bucket: "aws:s3/bucket:Bucket",
    Versioning: "aws:s3/bucketVersioning:BucketVersioning",
    Sse: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    PublicAccess: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    Policy: "aws:s3/bucketPolicy:BucketPolicy",
    Lifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    Ownership: "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    Logging: "aws:s3/bucketLogging:BucketLogging",
} as const;
const COMPONENT = "launchpad:backup:EnvironmentBackup";

/** `type name` of every direct child of the environment's backup component, sorted. */
function children(run: ProgramRun, env: string): string[] {
    const c = one(run, COMPONENT, env);
    return run.resources
        .filter((r) => r.parent === c.urn && r.custom)
        .map((r) => `${r.type} ${r.name}`)
        .sort();
}

const common = (env: string) => [
    `${A.Alias} ${env}-backup`,
    `${A.Attachment} ${env}-backup-backup`,
    `${A.Attachment} ${env}-backup-restore`,
    `${A.Key} ${env}-backup`,
    `${A.Plan} ${env}`,
    `${A.Role} ${env}-backup`,
    `${A.Bucket} ${env}-backup-exports`,
    `${A.Lifecycle} ${env}-backup-exports`,
    `${A.Policy} ${env}-backup-exports`,
    `${A.PublicAccess} ${env}-backup-exports`,
    `${A.Sse} ${env}-backup-exports`,
    `${A.Versioning} ${env}-backup-exports`,
    `${A.Logging} ${env}-backup-exports`,
    `${A.Bucket} ${env}-backup-export-logs`,
    `${A.Lifecycle} ${env}-backup-export-logs`,
    `${A.Ownership} ${env}-backup-export-logs`,
    `${A.Policy} ${env}-backup-export-logs`,
    `${A.PublicAccess} ${env}-backup-export-logs`,
    `${A.Sse} ${env}-backup-export-logs`,
    `${A.Selection} ${env}`,
    `${A.Vault} ${env}`,
];

describe("EnvironmentBackup component", () => {
    const runs: Record<string, ProgramRun> = {};
    before(async () => {
        runs.staging = await runFixture("staging");
        runs.prod = await runFixture("prod");
    });

    it("creates exactly the backup infrastructure of each stack", () => {
        assert.deepEqual(children(runs.staging, "staging"), common("staging").sort());
        assert.deepEqual(
            children(runs.prod, "prod"),
            [...common("prod"), `${A.Key} prod-backup-copy`, `${A.Vault} prod-copy`, `${A.Lock} prod`, `${A.Lock} prod-copy`].sort(),
        );
    });

    it("encrypts with a rotating KMS key: vault, export bucket", () => {
        for (const env of ["staging", "prod"]) {
            const run = runs[env];
            const key = one(run, A.Key, `${env}-backup`).inputs;
            assert.equal(key.enableKeyRotation, true);
            assert.equal(key.rotationPeriodInDays, 365);
            assert.equal(key.deletionWindowInDays, 30);
            assert.equal(one(run, A.Alias, `${env}-backup`).inputs.name, `alias/launchpad-${env}-backup`);
            const vault = one(run, A.Vault, env).inputs;
            assert.equal(vault.name, `launchpad-${env}`);
            assert.equal(vault.kmsKeyArn, "(known after up)", "the key's ARN, known after up");
            assert.equal(vault.forceDestroy, false);
            const sse = one(run, A.Sse, `${env}-backup-exports`).inputs as any;
            assert.equal(sse.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm, "aws:kms");
            assert.equal(sse.rules[0].bucketKeyEnabled, true);
        }
    });

    it("locks the prod vault in governance mode (no changeableForDays) with the configured range; staging has no lock", () => {
        assert.deepEqual(one(runs.prod, A.Lock, "prod").inputs, {
            backupVaultName: "launchpad-prod",
            minRetentionDays: 7,
            maxRetentionDays: 400,
        });
        assert.deepEqual(one(runs.prod, A.Lock, "prod-copy").inputs, {
            region: "eu-central-1",
            backupVaultName: "launchpad-prod-copy",
            minRetentionDays: 7,
            maxRetentionDays: 400,
        });
        assert.equal(runs.staging.resources.filter((r) => r.type === A.Lock).length, 0);
    });

    it("compliance mode sets the grace period after which the lock is immutable; a lock change is a delete-first replacement", async () => {
        const raw = fixtureRaw("prod");
        raw.backup.lock = { mode: "compliance", minRetentionDays: 30, maxRetentionDays: 365, changeableForDays: 7 };
        const run = await runConfig(raw, "prod");
        assert.deepEqual(one(run, A.Lock, "prod").inputs, {
            backupVaultName: "launchpad-prod",
            minRetentionDays: 30,
            maxRetentionDays: 365,
            changeableForDays: 7,
        });
        // The provider's delete removes the vault's lock: a create-first replacement would end unlocked.
        for (const lock of ["prod", "prod-copy"]) assert.equal(one(run, A.Lock, lock).deleteBeforeReplace, true);
        // And the offline diff shows it as the replacement the provider makes (every argument ForceNew).
        for (const path of ["minRetentionDays", "maxRetentionDays", "changeableForDays"])
            assert.match(replacementReason(A.Lock, path) ?? "", /forces a new one/, path);
    });

    it("backs up daily and weekly with each stack's retention; prod copies every recovery point to eu-central-1", () => {
        const rules = (env: string) => (one(runs[env], A.Plan, env).inputs as any).rules;
        const st = rules("staging");
        assert.deepEqual(
            st.map((r: any) => [r.ruleName, r.schedule, r.lifecycle.deleteAfter, r.targetVaultName, r.copyActions]),
            [
                ["daily", "cron(0 3 * * ? *)", 7, "launchpad-staging", undefined],
                ["weekly", "cron(0 4 ? * SUN *)", 28, "launchpad-staging", undefined],
            ],
        );
        const pr = rules("prod");
        assert.deepEqual(
            pr.map((r: any) => [r.ruleName, r.lifecycle.deleteAfter, r.copyActions]),
            [
                ["daily", 35, [{ destinationVaultArn: "(known after up)", lifecycle: { deleteAfter: 35 } }]],
                ["weekly", 90, [{ destinationVaultArn: "(known after up)", lifecycle: { deleteAfter: 90 } }]],
            ],
        );
        const copy = one(runs.prod, A.Vault, "prod-copy").inputs;
        assert.equal(copy.region, "eu-central-1");
        assert.equal(copy.name, "launchpad-prod-copy");
        assert.equal(one(runs.prod, A.Key, "prod-backup-copy").inputs.region, "eu-central-1");
    });

    it("selects by tag launchpad:backup=<plan> with a role AWS Backup assumes, after its policies are attached", () => {
        for (const env of ["staging", "prod"]) {
            const run = runs[env];
            const sel = one(run, A.Selection, env);
            assert.deepEqual(sel.inputs.selectionTags, [{ type: "STRINGEQUALS", key: "launchpad:backup", value: `launchpad-${env}` }]);
            assert.equal(sel.inputs.name, `launchpad-${env}-by-tag`);
            assert.deepEqual(
                sel.dependsOn,
                [one(run, A.Attachment, `${env}-backup-backup`).urn, one(run, A.Attachment, `${env}-backup-restore`).urn].sort(),
            );
            const trust = JSON.parse(one(run, A.Role, `${env}-backup`).inputs.assumeRolePolicy as string);
            assert.deepEqual(trust.Statement[0].Principal, { Service: "backup.amazonaws.com" });
            assert.equal(
                one(run, A.Attachment, `${env}-backup-backup`).inputs.policyArn,
                "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
            );
        }
    });

    it("export bucket: versioned, public access blocked, lifecycle tiers and expiry", () => {
        const run = runs.prod;
        assert.deepEqual(one(run, A.Versioning, "prod-backup-exports").inputs.versioningConfiguration, { status: "Enabled" });
        const pab = one(run, A.PublicAccess, "prod-backup-exports").inputs;
        for (const k of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"])
            assert.equal(pab[k], true, k);
        const rule = (one(run, A.Lifecycle, "prod-backup-exports").inputs as any).rules[0];
        assert.equal(rule.status, "Enabled");
        assert.deepEqual(rule.transitions, [
            { days: 30, storageClass: "STANDARD_IA" },
            { days: 90, storageClass: "GLACIER" },
        ]);
        assert.deepEqual(rule.expiration, { days: 365 });
        assert.deepEqual(rule.noncurrentVersionExpiration, { noncurrentDays: 30 });
        assert.equal(one(run, A.Bucket, "prod-backup-exports").inputs.bucketPrefix, "launchpad-prod-exports-");
    });

    it("export bucket: server access logs to a log bucket that is encrypted, private, owner-enforced and expires them", () => {
        for (const env of ["staging", "prod"]) {
            const run = runs[env];
            const logs = one(run, A.Bucket, `${env}-backup-export-logs`);
            assert.deepEqual(logs.inputs.bucketPrefix, `launchpad-${env}-export-logs-`);
            const logging = one(run, A.Logging, `${env}-backup-exports`);
            assert.deepEqual(logging.inputs, {
                bucket: `${env}-backup-exports-id`,
                targetBucket: `${env}-backup-export-logs-id`,
                targetPrefix: "exports/",
            });
            // Delivery is granted by the log bucket's policy (ACLs are off): logging waits for it.
            assert.deepEqual(logging.dependsOn, [one(run, A.Policy, `${env}-backup-export-logs`).urn]);
            // S3 log delivery needs SSE-S3 on the target bucket (SSE-KMS is not supported there).
            assert.deepEqual((one(run, A.Sse, `${env}-backup-export-logs`).inputs as any).rules, [
                { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
            ]);
            const pab = one(run, A.PublicAccess, `${env}-backup-export-logs`).inputs;
            for (const k of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"])
                assert.equal(pab[k], true, k);
            assert.deepEqual((one(run, A.Ownership, `${env}-backup-export-logs`).inputs as any).rule, {
                objectOwnership: "BucketOwnerEnforced",
            });
            const rule = (one(run, A.Lifecycle, `${env}-backup-export-logs`).inputs as any).rules[0];
            assert.deepEqual([rule.status, rule.expiration], ["Enabled", { days: 400 }]);
        }
        const raw = fixtureRaw("prod");
        raw.backup.exports = { accessLogDays: 90 };
        return runConfig(raw, "prod").then((run) =>
            assert.deepEqual((one(run, A.Lifecycle, "prod-backup-export-logs").inputs as any).rules[0].expiration, { days: 90 }),
        );
    });

    it("exports the vault and plan", () => {
        const b = runs.prod.outputs.backup as any;
        assert.equal(b.vault, "launchpad-prod");
        assert.equal(b.plan, "launchpad-prod");
    });
});
