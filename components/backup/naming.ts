// Pure naming rules of the backup domain, shared by the components, the tests and the policies. Names
// are a contract: a release backup's name derives from the release version alone, so a new version
// creates exactly one new backup.
import { createHash } from "node:crypto";
import { TAG } from "../common/tags";

/** `2.4.0` -> `2-4-0`, `v3.0.0-rc.1+build.7` -> `v3-0-0-rc-1-build-7`: a DNS-label-safe version. */
export function releaseSlug(version: string): string {
    return version
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/^-+|-+$/g, "");
}

/**
 * Name of an app's pre-deploy backup for a release, used for the Velero Backup and (through
 * `releaseSnapshotName`) the RDS snapshot identifier: `<env>-<app>-release-<slug>`, at most 63
 * characters (Velero puts it in a label; longer names keep a prefix and end with a hash of the full
 * name), never ending with a hyphen and never containing `--` (RDS refuses both).
 */
export function releaseBackupName(environment: string, app: string, version: string): string {
    return releaseName(`${environment}-${app}`, version);
}

/**
 * RDS snapshot identifier of a release: `<instance identifier>-release-<slug>`. For the usual instance
 * (`<env>-<app>`) this equals `releaseBackupName`; a restored instance (`<env>-<app>-restored-<hash>`)
 * gets its own, so its first release snapshot never collides with the original instance's.
 */
export function releaseSnapshotName(instanceIdentifier: string, version: string): string {
    return releaseName(instanceIdentifier, version);
}

function releaseName(prefix: string, version: string): string {
    const name = `${prefix}-release-${releaseSlug(version)}`.replace(/-{2,}/g, "-");
    if (name.length <= 63) return name;
    // Too long: keep a readable prefix and make it unique with a hash of the full name (and version).
    const hash = createHash("sha256").update(`${prefix}/${version}`).digest("hex").slice(0, 8);
    return `${name.slice(0, 54).replace(/-+$/, "")}-${hash}`;
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
