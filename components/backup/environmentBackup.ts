import * as pulumi from "@pulumi/pulumi";
import * as aws from "../common/aws";
import type { BackupConfig } from "../../config/backup";
import { BACKUP_START_WINDOW_MINUTES } from "../../config/backup";
import { TAG, awsTags } from "../common/tags";
import { backupNames } from "./naming";

export interface EnvironmentBackupArgs {
    /** Environment name: names the vault, plan, key alias and the `launchpad:backup` tag value. */
    readonly environment: string;
    readonly config: BackupConfig;
}

/** AWS-managed policies that let AWS Backup back up and restore the selected resources. */
export const BACKUP_ROLE_POLICIES = {
    backup: "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
    restore: "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
} as const;

/**
 * The backup infrastructure of one environment:
 * - KMS key `<name>-backup` (yearly rotation) and alias `alias/launchpad-<env>-backup`: encrypts the
 *   vault, the databases and the export bucket;
 * - AWS Backup vault `<name>` (`launchpad-<env>`), with a vault lock `<name>` when configured
 *   (governance: no `changeableForDays`; compliance: immutable after `changeableForDays`), the same lock
 *   on the copy vault;
 * - plan `<name>` with a `daily` and a `weekly` rule, retention from config and, with `copyRegion`, a copy
 *   of every recovery point to vault `<name>-copy` (own key `<name>-backup-copy`, lock `<name>-copy`) in
 *   that region;
 * - selection `<name>` by tag `launchpad:backup=<plan>` with IAM role `<name>-backup`: every resource
 *   carrying the tag is backed up, whoever created it;
 * - S3 bucket `<name>-backup-exports` for exports: versioning, KMS encryption, public access blocked,
 *   TLS-only bucket policy, lifecycle (infrequent access, Glacier, expiry, old versions), server access
 *   logging to bucket `<name>-backup-export-logs` (SSE-S3, which S3 log delivery requires; public access
 *   blocked; bucket owner enforced, so delivery is granted by bucket policy to the logging service for
 *   this bucket and account only; TLS only; logs expire after `exports.accessLogDays`).
 */
export class EnvironmentBackup extends pulumi.ComponentResource {
    /** Plan name, also the value resources tag `launchpad:backup` with to be selected. */
    public readonly planName: string;
    /** Tags that put a resource in this environment's backup selection. */
    public readonly selectionTags: Record<string, string>;
    public readonly key: aws.kms.Key;
    public readonly vaultName: pulumi.Output<string>;
    public readonly vaultArn: pulumi.Output<string>;
    public readonly planId: pulumi.Output<string>;
    public readonly exportBucket: pulumi.Output<string>;
    /** Vault receiving copies in `copyRegion`; undefined without one. */
    public readonly copyVaultArn: pulumi.Output<string> | undefined;

    constructor(name: string, args: EnvironmentBackupArgs, opts?: pulumi.ComponentResourceOptions) {
        super("launchpad:backup:EnvironmentBackup", name, {}, opts);
        const c = args.config;
        const env = args.environment;
        const names = backupNames(env);
        const planName = names.plan;
        const tags = awsTags(env);
        const child = { parent: this };

        const key = new aws.kms.Key(
            `${name}-backup`,
            {
                description: `Launchpad ${env}: backups, databases and exports`,
                enableKeyRotation: true,
                rotationPeriodInDays: 365,
                deletionWindowInDays: c.kms.deletionWindowDays,
                tags,
            },
            child,
        );
        new aws.kms.Alias(`${name}-backup`, { name: `alias/${planName}-backup`, targetKeyId: key.keyId }, child);

        const vault = new aws.backup.Vault(name, { name: names.vault, kmsKeyArn: key.arn, forceDestroy: false, tags }, child);
        const lock = (lockName: string, vaultName: pulumi.Input<string>, region?: string) => {
            if (!c.lock) return;
            new aws.backup.VaultLockConfiguration(
                lockName,
                {
                    ...(region ? { region } : {}),
                    backupVaultName: vaultName,
                    minRetentionDays: c.lock.minRetentionDays,
                    maxRetentionDays: c.lock.maxRetentionDays,
                    // AWS Backup's only difference between the modes: a grace period makes it compliance mode.
                    ...(c.lock.mode === "compliance" ? { changeableForDays: c.lock.changeableForDays } : {}),
                },
                // Every argument is ForceNew in the provider, and deleting the resource deletes the vault's lock
                // configuration: replaced create-first (Pulumi's default), the new lock would be put and then
                // deleted, leaving the vault unlocked. Delete-first ends with the new lock; a compliance lock past
                // its grace period refuses the delete, so the up fails before anything changes.
                { ...child, deleteBeforeReplace: true },
            );
        };
        lock(name, vault.name);

        let copyVault: aws.backup.Vault | undefined;
        if (c.copyRegion) {
            const copyKey = new aws.kms.Key(
                `${name}-backup-copy`,
                {
                    region: c.copyRegion,
                    description: `Launchpad ${env}: copies of backups`,
                    enableKeyRotation: true,
                    rotationPeriodInDays: 365,
                    deletionWindowInDays: c.kms.deletionWindowDays,
                    tags,
                },
                child,
            );
            copyVault = new aws.backup.Vault(
                `${name}-copy`,
                { region: c.copyRegion, name: names.copyVault, kmsKeyArn: copyKey.arn, forceDestroy: false, tags },
                child,
            );
            // Copies are recovery points too: the same lock, or they could be deleted early.
            lock(`${name}-copy`, copyVault.name, c.copyRegion);
        }

        const rule = (ruleName: string, schedule: string, days: number): aws.types.input.backup.PlanRule => ({
            ruleName,
            targetVaultName: vault.name,
            schedule,
            startWindow: BACKUP_START_WINDOW_MINUTES,
            completionWindow: 360,
            lifecycle: { deleteAfter: days },
            recoveryPointTags: { ...tags, "launchpad:backup-rule": ruleName },
            ...(copyVault ? { copyActions: [{ destinationVaultArn: copyVault.arn, lifecycle: { deleteAfter: days } }] } : {}),
        });
        const plan = new aws.backup.Plan(
            name,
            {
                name: planName,
                rules: [rule("daily", c.schedule.daily, c.retention.dailyDays), rule("weekly", c.schedule.weekly, c.retention.weeklyDays)],
                tags,
            },
            child,
        );

        const role = new aws.iam.Role(
            `${name}-backup`,
            {
                name: `${planName}-backup`,
                description: `AWS Backup for ${planName}`,
                assumeRolePolicy: JSON.stringify({
                    Version: "2012-10-17",
                    Statement: [{ Effect: "Allow", Principal: { Service: "backup.amazonaws.com" }, Action: "sts:AssumeRole" }],
                }),
                tags,
            },
            child,
        );
        const attachments = Object.entries(BACKUP_ROLE_POLICIES).map(
            ([use, policyArn]) => new aws.iam.RolePolicyAttachment(`${name}-backup-${use}`, { role: role.name, policyArn }, child),
        );
        new aws.backup.Selection(
            name,
            {
                name: names.selection,
                planId: plan.id,
                iamRoleArn: role.arn,
                selectionTags: [{ type: "STRINGEQUALS", key: TAG.backup, value: planName }],
            },
            { parent: this, dependsOn: attachments },
        );

        const bucket = new aws.s3.Bucket(
            `${name}-backup-exports`,
            { bucketPrefix: names.exportsBucketPrefix, forceDestroy: false, tags },
            child,
        );
        new aws.s3.BucketVersioning(`${name}-backup-exports`, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, child);
        new aws.s3.BucketServerSideEncryptionConfiguration(
            `${name}-backup-exports`,
            {
                bucket: bucket.id,
                rules: [
                    { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key.arn }, bucketKeyEnabled: true },
                ],
            },
            child,
        );
        new aws.s3.BucketPublicAccessBlock(
            `${name}-backup-exports`,
            { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
            child,
        );
        new aws.s3.BucketPolicy(
            `${name}-backup-exports`,
            {
                bucket: bucket.id,
                policy: pulumi.jsonStringify({
                    Version: "2012-10-17",
                    Statement: [
                        {
                            Sid: "DenyInsecureTransport",
                            Effect: "Deny",
                            Principal: "*",
                            Action: "s3:*",
                            Resource: [bucket.arn, pulumi.interpolate`${bucket.arn}/*`],
                            Condition: { Bool: { "aws:SecureTransport": "false" } },
                        },
                    ],
                }),
            },
            child,
        );
        const e = c.exports;
        new aws.s3.BucketLifecycleConfiguration(
            `${name}-backup-exports`,
            {
                bucket: bucket.id,
                rules: [
                    {
                        id: "tiering-and-expiry",
                        status: "Enabled",
                        filter: {},
                        transitions: [
                            { days: e.infrequentAccessAfterDays, storageClass: "STANDARD_IA" },
                            { days: e.glacierAfterDays, storageClass: "GLACIER" },
                        ],
                        expiration: { days: e.expireAfterDays },
                        noncurrentVersionExpiration: { noncurrentDays: e.noncurrentExpireAfterDays },
                        abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
                    },
                ],
            },
            child,
        );

        // Who read or wrote which export: S3 server access logs into a bucket of their own.
        const logs = new aws.s3.Bucket(
            `${name}-backup-export-logs`,
            { bucketPrefix: names.exportLogsBucketPrefix, forceDestroy: false, tags },
            child,
        );
        const logsChild = { parent: this, dependsOn: [logs] };
        new aws.s3.BucketOwnershipControls(
            `${name}-backup-export-logs`,
            { bucket: logs.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
            logsChild,
        );
        // S3 delivers server access logs only to buckets encrypted with SSE-S3, not SSE-KMS.
        new aws.s3.BucketServerSideEncryptionConfiguration(
            `${name}-backup-export-logs`,
            { bucket: logs.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
            logsChild,
        );
        new aws.s3.BucketPublicAccessBlock(
            `${name}-backup-export-logs`,
            { bucket: logs.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
            logsChild,
        );
        const account = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
        const logsPolicy = new aws.s3.BucketPolicy(
            `${name}-backup-export-logs`,
            {
                bucket: logs.id,
                policy: pulumi.jsonStringify({
                    Version: "2012-10-17",
                    Statement: [
                        {
                            Sid: "S3ServerAccessLogsFromExports",
                            Effect: "Allow",
                            Principal: { Service: "logging.s3.amazonaws.com" },
                            Action: "s3:PutObject",
                            Resource: pulumi.interpolate`${logs.arn}/exports/*`,
                            Condition: { ArnLike: { "aws:SourceArn": bucket.arn }, StringEquals: { "aws:SourceAccount": account } },
                        },
                        {
                            Sid: "DenyInsecureTransport",
                            Effect: "Deny",
                            Principal: "*",
                            Action: "s3:*",
                            Resource: [logs.arn, pulumi.interpolate`${logs.arn}/*`],
                            Condition: { Bool: { "aws:SecureTransport": "false" } },
                        },
                    ],
                }),
            },
            logsChild,
        );
        new aws.s3.BucketLifecycleConfiguration(
            `${name}-backup-export-logs`,
            {
                bucket: logs.id,
                rules: [
                    {
                        id: "retention",
                        status: "Enabled",
                        filter: {},
                        expiration: { days: e.accessLogDays },
                        abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
                    },
                ],
            },
            logsChild,
        );
        new aws.s3.BucketLogging(
            `${name}-backup-exports`,
            { bucket: bucket.id, targetBucket: logs.id, targetPrefix: "exports/" },
            { parent: this, dependsOn: [logsPolicy] },
        );

        this.planName = planName;
        this.selectionTags = { [TAG.backup]: planName };
        this.key = key;
        this.vaultName = vault.name;
        this.vaultArn = vault.arn;
        this.planId = plan.id;
        this.exportBucket = bucket.bucket;
        this.copyVaultArn = copyVault?.arn;
        this.registerOutputs({
            planName: this.planName,
            vaultName: this.vaultName,
            vaultArn: this.vaultArn,
            planId: this.planId,
            exportBucket: this.exportBucket,
            copyVaultArn: this.copyVaultArn,
        });
    }
}
