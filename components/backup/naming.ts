// Pure naming rules of the backup domain, shared by the components, the tests and the policies. Names
// are a contract: a release backup's logical name derives from the release version and exactly what the
// app runs (`releaseBackupKey`), so a new release version or new code of a data-owning app creates
// exactly one new backup of that app; its physical name ends in a suffix drawn at `up`.
import { createHash } from "node:crypto";
import { TAG } from "../common/tags";
export { recordedVersions, versionsRecord } from "../common/labels";

/** `2.4.0` -> `2-4-0`, `v3.0.0-rc.1+build.7` -> `v3-0-0-rc-1-build-7`: a DNS-label-safe version. */
export function releaseSlug(version: string): string {
    return version
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/^-+|-+$/g, "");
}

/** A release an app's pods run: its version and, unless the stack builds it, its pinned image. */
export interface PodRelease {
    readonly version: string;
    readonly image?: string;
}

/**
 * What names an app's release backups: the release version, every version the app's pods run (distinct,
 * sorted, as slugs) and a hash of exactly what they run (each track's version and image):
 * `2.4.0` with stable 6.7.0 and canary 6.7.1 -> `2-4-0-6-7-0_6-7-1-<hash>`. Any change (a new release
 * version; a canary started, promoted, removed or rolled back; a new idle slot or direct release; a new
 * image under the same version; versions whose slugs coincide) is a new key, so a new backup taken
 * before the rollout; a canary step or a blue-green switch changes nothing here and takes none.
 */
export function releaseBackupKey(release: string, releases: Record<string, PodRelease>): string {
    const runs = [...new Set(Object.values(releases).map((r) => r.version))].sort().map(releaseSlug);
    const exact = Object.keys(releases)
        .sort()
        .map((track) => [track, releases[track].version, releases[track].image ?? null]);
    const hash = createHash("sha256")
        .update(JSON.stringify([release, exact]))
        .digest("hex")
        .slice(0, 8);
    return `${releaseSlug(release)}-${runs.join("_")}-${hash}`;
}

/** `{ stable: { version: "6.7.0", ... } }` -> `{ stable: "6.7.0" }`: what a release backup records. */
export function versionsOf(releases: Record<string, PodRelease>): Record<string, string> {
    return Object.fromEntries(Object.entries(releases).map(([track, r]) => [track, r.version]));
}

/** Characters of the random suffix (`-` and 8 hex digits) that makes every release backup's name unique. */
const SUFFIX = 9;

/**
 * Name of an app's pre-deploy backup, used for the Velero Backup and (through `releaseSnapshotName`)
 * the RDS snapshot identifier: `<env>-<app>-release-<slug>-<suffix>`, where `suffix` is 8 hex digits
 * drawn when the backup is created (a `random.RandomId`). The suffix is what lets an app return to
 * versions it ran before (a rollback) under the same release: the earlier backup, retained in AWS and
 * the cluster, keeps its name, and the new one gets its own. At most 63 characters (Velero puts it in a
 * label; longer names keep a prefix and a hash of the full name), never ending with a hyphen and never
 * containing `--` (RDS refuses both).
 */
export function releaseBackupName(environment: string, app: string, version: string, suffix: string): string {
    return releaseName(`${environment}-${app}`, version, suffix);
}

/**
 * RDS snapshot identifier of a release backup: `<instance identifier>-release-<slug>-<suffix>`. For the
 * usual instance (`<env>-<app>`) this equals `releaseBackupName`; a restored instance
 * (`<env>-<app>-restored-<hash>`) gets its own prefix.
 */
export function releaseSnapshotName(instanceIdentifier: string, version: string, suffix: string): string {
    return releaseName(instanceIdentifier, version, suffix);
}

function releaseName(prefix: string, version: string, suffix: string): string {
    const name = `${prefix}-release-${releaseSlug(version)}`.replace(/-{2,}/g, "-");
    if (name.length <= 63 - SUFFIX) return `${name}-${suffix}`;
    // Too long: keep a readable prefix and make it unique with a hash of the full name (and version).
    const hash = createHash("sha256").update(`${prefix}/${version}`).digest("hex").slice(0, 8);
    return `${name.slice(0, 54 - SUFFIX).replace(/-+$/, "")}-${hash}-${suffix}`;
}

/** The AWS Backup plan (and vault) name of an environment; also the value of the `launchpad:backup` tag. */
export function backupPlanName(environment: string): string {
    return `launchpad-${environment}`;
}

/**
 * What AWS names after the environment's backup plan: the plan, its vault, the copy vault (with
 * `copyRegion`), the tag selection and the export buckets' name prefixes.
 */
export function backupNames(environment: string): {
    plan: string;
    vault: string;
    copyVault: string;
    selection: string;
    exportsBucketPrefix: string;
    exportLogsBucketPrefix: string;
} {
    const plan = backupPlanName(environment);
    return {
        plan,
        vault: plan,
        copyVault: `${plan}-copy`,
        selection: `${plan}-by-tag`,
        exportsBucketPrefix: `${plan}-exports-`,
        exportLogsBucketPrefix: `${plan}-export-logs-`,
    };
}

/**
 * The most characters AWS allows in each of `backupNames`: AWS Backup's plan, vault and selection names
 * (50), and an S3 `bucketPrefix` (37: the provider appends a 26-character unique suffix to reach 63).
 */
export const BACKUP_NAME_MAX: Record<keyof ReturnType<typeof backupNames>, number> = {
    plan: 50,
    vault: 50,
    copyVault: 50,
    selection: 50,
    exportsBucketPrefix: 37,
    exportLogsBucketPrefix: 37,
};

/**
 * The longest environment name whose `backupNames` all fit AWS's limits, with the name (written with
 * `<name>` for the environment's) and the limit that set it: 14, from the export-logs bucket's prefix.
 */
export const ENVIRONMENT_NAME_LIMIT: { length: number; name: string; max: number } = (() => {
    const placeholder = "<name>";
    const names = backupNames(placeholder);
    return (Object.keys(names) as (keyof typeof names)[])
        .map((k) => ({ name: names[k], max: BACKUP_NAME_MAX[k], length: BACKUP_NAME_MAX[k] - (names[k].length - placeholder.length) }))
        .sort((x, y) => x.length - y.length)[0];
})();

/** `{ "launchpad:backup": "<plan>" }`: the tag that puts a resource in the plan's selection. */
export function backupTag(plan: string): Record<string, string> {
    return { [TAG.backup]: plan };
}

/** `30` -> `720h0m0s`: a Go duration as Velero's `ttl` expects. */
export function veleroTtl(days: number): string {
    return `${days * 24}h0m0s`;
}
