import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { BackupConfig } from "../../config/backup";
import { ANNOTATION, LABEL } from "../common/labels";
import { awsTags } from "../common/tags";
import { releaseBackupName, releaseSlug, veleroTtl } from "./naming";

export interface AppBackupArgs {
    readonly environment: string;
    /** The release being launched: names the pre-deploy backups. */
    readonly release: string;
    /** Namespace the app runs in (what Velero backs up). */
    readonly namespace: pulumi.Input<string>;
    /** Labels of the app's objects; Velero selects on `app.kubernetes.io/name` alone. */
    readonly labels: Record<string, string>;
    readonly config: BackupConfig;
    /** The app's RDS instance: snapshotted before the release. @default no database snapshot */
    readonly database?: {
        readonly instanceIdentifier: pulumi.Input<string>;
        /** Identifier of the release snapshot (`releaseSnapshotName`). */
        readonly snapshotIdentifier: string;
    };
}

/** The recovery points of one app for the current release. */
export interface RecoveryPoints {
    /** RDS snapshot identifier; undefined for apps without a database. */
    rdsSnapshot: string | undefined;
    /** Velero Backup name (namespace `velero`). */
    veleroBackup: string;
}

/** What `up` waits for on a Velero Backup: only `Completed` passes (Failed, PartiallyFailed never do). */
export const VELERO_WAIT_FOR = "jsonpath={.status.phase}=Completed";

/**
 * An app's backups:
 * - per release, before the rollout: RDS snapshot `<name>-release-<slug>` (identifier
 *   `<instance identifier>-release-<slug>`, normally `<env>-<app>-release-<slug>`) of the app's
 *   database, and Velero Backup `<name>-release-<slug>` of the app's objects (namespace +
 *   `app.kubernetes.io/name` selector). The Backup carries `pulumi.com/waitFor` on `status.phase` =
 *   `Completed`, so `up` continues only after Velero finished it; a Backup that ends `Failed` or
 *   `PartiallyFailed` never matches and fails the update at `pulumi.com/timeoutSeconds`.
 *   Both are named after the release alone, so a new version adds exactly one of each; both are
 *   `retainOnDelete`: the previous release's backups leave the stack but stay in AWS and the cluster
 *   (Velero's `ttl` expires them; the snapshot stays until deleted by hand).
 * - Velero Schedule `<name>` for periodic backups of the same objects.
 * `releaseBackups` is what the app's rollout `dependsOn`.
 */
export class AppBackup extends pulumi.ComponentResource {
    /** The release's pre-deploy backups: the app's Deployments dependOn these (in production). */
    public readonly releaseBackups: pulumi.Resource[];
    public readonly recoveryPoints: RecoveryPoints;

    constructor(name: string, args: AppBackupArgs, opts?: pulumi.ComponentResourceOptions) {
        super("launchpad:backup:AppBackup", name, {}, opts);
        const env = args.environment;
        const app = args.labels[LABEL.name] ?? name;
        const v = args.config.velero;
        const recoveryName = releaseBackupName(env, app, args.release);
        const releaseName = `${name}-release-${releaseSlug(args.release)}`;
        const keepOnRelease: pulumi.CustomResourceOptions = { parent: this, retainOnDelete: true };
        const backups: pulumi.Resource[] = [];

        if (args.database) {
            backups.push(
                new aws.rds.Snapshot(
                    releaseName,
                    {
                        dbInstanceIdentifier: args.database.instanceIdentifier,
                        dbSnapshotIdentifier: args.database.snapshotIdentifier,
                        tags: awsTags(env, { "launchpad:app": app, "launchpad:release": args.release }),
                    },
                    keepOnRelease,
                ),
            );
        }

        const spec = {
            includedNamespaces: [args.namespace],
            labelSelector: { matchLabels: { [LABEL.name]: app } },
            // includeClusterResources unset ("auto"): with a namespace filter Velero then takes only the
            // cluster-scoped objects the selected ones use, the PersistentVolumes behind the app's claims,
            // whose snapshots are the data. `false` left them out: the backup completed without the volumes.
            snapshotVolumes: true,
            ttl: veleroTtl(args.config.retention.dailyDays),
            ...(v.storageLocation ? { storageLocation: v.storageLocation } : {}),
        };
        const meta = (objectName: string, annotations?: Record<string, string>) => ({
            name: objectName,
            namespace: v.namespace,
            labels: args.labels,
            ...(annotations ? { annotations } : {}),
        });
        backups.push(
            new k8s.apiextensions.CustomResource(
                releaseName,
                {
                    apiVersion: "velero.io/v1",
                    kind: "Backup",
                    metadata: meta(recoveryName, {
                        [ANNOTATION.release]: args.release,
                        "pulumi.com/waitFor": VELERO_WAIT_FOR,
                        "pulumi.com/timeoutSeconds": String(v.timeoutMinutes * 60),
                    }),
                    spec,
                },
                keepOnRelease,
            ),
        );
        new k8s.apiextensions.CustomResource(
            name,
            {
                apiVersion: "velero.io/v1",
                kind: "Schedule",
                metadata: meta(`${env}-${app}`),
                spec: { schedule: v.schedule, useOwnerReferencesInBackup: false, paused: false, template: spec },
            },
            { parent: this },
        );

        this.releaseBackups = backups;
        this.recoveryPoints = { rdsSnapshot: args.database?.snapshotIdentifier, veleroBackup: recoveryName };
        this.registerOutputs({ recoveryPoints: this.recoveryPoints });
    }
}
