import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as aws from "../common/aws";
import * as k8s from "../common/kubernetes";
import type { BackupConfig } from "../../config/backup";
import { ANNOTATION, LABEL } from "../common/labels";
import { TAG, awsTags } from "../common/tags";
import { PodRelease, releaseBackupKey, releaseBackupName, releaseSnapshotName, veleroTtl, versionsOf, versionsRecord } from "./naming";

export interface AppBackupArgs {
    readonly environment: string;
    /** The release being launched: names the pre-deploy backups. */
    readonly release: string;
    /** What each of the app's pod templates runs (`stable`, `canary`, `blue`, ..., `main`, `rollout`): names them too. */
    readonly releases: Record<string, PodRelease>;
    /** Namespace the app runs in (what Velero backs up). */
    readonly namespace: pulumi.Input<string>;
    /** Labels of the app's objects; Velero selects on `app.kubernetes.io/name` alone. */
    readonly labels: Record<string, string>;
    readonly config: BackupConfig;
    /** The app's RDS instance: snapshotted before the release. @default no database snapshot */
    readonly database?: {
        /** The instance's identifier: what the snapshot is taken of, and its name's prefix (`releaseSnapshotName`). */
        readonly instanceIdentifier: pulumi.Input<string>;
    };
}

/** The recovery points of one app for the current release and versions (names known once `up` drew their suffix). */
export interface RecoveryPoints {
    /** RDS snapshot identifier; undefined for apps without a database. */
    rdsSnapshot: pulumi.Output<string> | undefined;
    /** Velero Backup name (namespace `velero`). */
    veleroBackup: pulumi.Output<string>;
}

/** What `up` waits for on a Velero Backup: only `Completed` passes (Failed, PartiallyFailed never do). */
export const VELERO_WAIT_FOR = "jsonpath={.status.phase}=Completed";

/**
 * An app's backups:
 * - before the rollout of a release, and again whenever the versions the app runs change: RDS snapshot
 *   `<name>-release-<key>` (identifier `<instance identifier>-release-<slug>-<suffix>`, normally
 *   `<env>-<app>-release-<slug>-<suffix>`) of the app's database, and Velero Backup
 *   `<name>-release-<key>` (`<env>-<app>-release-<slug>-<suffix>`) of the app's objects (namespace +
 *   `app.kubernetes.io/name` selector). `key` is `releaseBackupKey` (release and what the pods run), `suffix` a
 *   `random.RandomId` of the same logical name, drawn when the key first appears. The Backup carries
 *   `pulumi.com/waitFor` on `status.phase` = `Completed`, so `up` continues only after Velero finished
 *   it; a Backup that ends `Failed` or `PartiallyFailed` never matches and fails the update at
 *   `pulumi.com/timeoutSeconds`. Both record the release and the versions (tags `launchpad:release`,
 *   `launchpad:versions`; annotations `launchpad.dev/release`, `launchpad.dev/versions`), which
 *   `backup-before-deploy` reads. Both are `retainOnDelete`: a previous key's backups leave the stack but
 *   stay in AWS and the cluster (Velero's `ttl` expires them; the snapshot stays until deleted by hand).
 *   The suffix keeps a return to an earlier key (a rollback) from colliding with the backup retained then.
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
        const releaseName = `${name}-release-${releaseBackupKey(args.release, args.releases)}`;
        const record = versionsRecord(versionsOf(args.releases));
        // Drawn once per key; a key that comes back later is a new resource, so a new suffix.
        const suffix = new random.RandomId(releaseName, { byteLength: 4 }, { parent: this }).hex;
        const recoveryName = suffix.apply((x) => releaseBackupName(env, app, args.release, x));
        const keepOnRelease: pulumi.CustomResourceOptions = { parent: this, retainOnDelete: true };
        const backups: pulumi.Resource[] = [];

        let rdsSnapshot: pulumi.Output<string> | undefined;
        if (args.database) {
            rdsSnapshot = pulumi
                .all([args.database.instanceIdentifier, suffix])
                .apply(([instance, x]) => releaseSnapshotName(instance, args.release, x));
            backups.push(
                new aws.rds.Snapshot(
                    releaseName,
                    {
                        dbInstanceIdentifier: args.database.instanceIdentifier,
                        dbSnapshotIdentifier: rdsSnapshot,
                        tags: awsTags(env, { [TAG.app]: app, [TAG.release]: args.release, [TAG.versions]: record }),
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
        const meta = (objectName: pulumi.Input<string>, annotations?: Record<string, string>) => ({
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
                        [ANNOTATION.versions]: record,
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
        this.recoveryPoints = { rdsSnapshot, veleroBackup: recoveryName };
        this.registerOutputs({ recoveryPoints: this.recoveryPoints });
    }
}
