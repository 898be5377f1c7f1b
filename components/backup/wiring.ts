// How a data-owning app is wired to its database, volume and backups, so that program.ts stays a few
// lines: the app's Deployments get ANNOTATION.data, the connection Secret through `envFrom` (and the database's
// CA bundle as a volume), the volume through `pod`, and (in production) `dependsOn` the release's backups
// through the `beforeRollout` seam.
import * as pulumi from "@pulumi/pulumi";
import type { BackupConfig } from "../../config/backup";
import { dataKinds } from "../../config/backup";
import type { AppConfig } from "../../config/schema";
import { vmReleases } from "../../config/vm";
import type { VmAppConfig } from "../../config/vm";
import { ANNOTATION } from "../common/labels";
import { combineSeams } from "../deploy/workload";
import type { AppDeploymentArgs } from "../deploy/workload";
import { AppVolume } from "../data/appVolume";
import { PostgresDatabase } from "../data/postgresDatabase";
import { AppBackup, RecoveryPoints } from "./appBackup";
import type { PodRelease } from "./naming";
import { EnvironmentBackup } from "./environmentBackup";

export interface AppDataContext {
    readonly environment: string;
    /** Production environments await the release backups before any rollout. */
    readonly production: boolean;
    readonly release: string;
    /**
     * What the stack's VM apps install (`vmPodReleases`): a VM release may touch any of the stack's data,
     * so every data owner's release backups follow them too.
     */
    readonly vmReleases: Record<string, PodRelease>;
    readonly namespace: pulumi.Input<string>;
    readonly backup: EnvironmentBackup;
    readonly config: BackupConfig;
}

/** What a data-owning app adds to its deployment arguments. */
export type AppDataDeployment = Required<Pick<AppDeploymentArgs, "pod" | "podAnnotations" | "deploymentAnnotations" | "beforeRollout">>;

export interface AppData {
    readonly database: PostgresDatabase | undefined;
    readonly volume: AppVolume | undefined;
    readonly backup: AppBackup;
    readonly deployment: AppDataDeployment;
    readonly recoveryPoints: RecoveryPoints;
}

/**
 * What the stack's VM apps install, as release-backup tracks: `vm:<app>` (`vm:<app>-<group>` per blue-green
 * group), the archive's version and sha256.
 */
export function vmPodReleases(vmApps: Record<string, VmAppConfig>): Record<string, PodRelease> {
    return Object.fromEntries(
        Object.keys(vmApps)
            .sort()
            .flatMap((app) =>
                vmReleases(vmApps[app].vm).map(({ group, artifact }) => [
                    `vm:${app}${group ? `-${group}` : ""}`,
                    { version: artifact.version, image: artifact.sha256 },
                ]),
            ),
    );
}

/**
 * Builds the app's database and backups; undefined for apps that declare no data. `releases`: what
 * each of its pod templates runs (`appPlan(...).podReleases`), which with the release names its backups.
 */
export function appData(
    name: string,
    app: AppConfig,
    labels: Record<string, string>,
    releases: Record<string, PodRelease>,
    ctx: AppDataContext,
    parent: pulumi.Resource,
): AppData | undefined {
    if (!app.data) return undefined;
    const pg = app.data.postgres;
    const database = pg
        ? new PostgresDatabase(
              name,
              {
                  environment: ctx.environment,
                  app: name,
                  namespace: ctx.namespace,
                  labels,
                  config: pg,
                  production: ctx.production,
                  kmsKeyArn: ctx.backup.key.arn,
                  backupTags: ctx.backup.selectionTags,
              },
              { parent },
          )
        : undefined;
    const vol = app.data.volume;
    const volume = vol
        ? new AppVolume(name, { app: name, namespace: ctx.namespace, labels, config: vol, production: ctx.production }, { parent })
        : undefined;
    const backup = new AppBackup(
        name,
        {
            environment: ctx.environment,
            release: ctx.release,
            releases: { ...releases, ...ctx.vmReleases },
            namespace: ctx.namespace,
            labels,
            config: ctx.config,
            ...(database ? { database: { instanceIdentifier: database.instance.identifier } } : {}),
        },
        { parent: ctx.backup },
    );
    return {
        database,
        volume,
        backup,
        recoveryPoints: backup.recoveryPoints,
        deployment: {
            deploymentAnnotations: { [ANNOTATION.data]: dataKinds(app.data).join(",") },
            pod: combineSeams(database && { pod: database.pod }, volume && { pod: volume.pod }).pod,
            podAnnotations: database ? database.podAnnotations : {},
            // Pods need the connection Secret everywhere; production also awaits the release backups. Not the
            // claim: with a WaitForFirstConsumer StorageClass it binds only once a pod uses it, and older
            // providers wait for Bound (pulumi/pulumi-kubernetes#895, #4179), which would deadlock.
            beforeRollout: [...(ctx.production ? backup.releaseBackups : []), ...(database ? [database.secret] : [])],
        },
    };
}
