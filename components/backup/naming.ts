// Pure naming and coverage rules of the backup domain, shared by the components, the tests and the
// policies (backup-before-deploy, backup-coverage). Names are a contract: a release backup's name is
// derived from the release version alone, so a new version creates exactly one new backup.
import { TAG } from "../common/tags";

/** `2.4.0` -> `2-4-0`, `v3.0.0-rc.1+build.7` -> `v3-0-0-rc-1-build-7`: a DNS-label-safe version. */
export function releaseSlug(version: string): string {
    return version
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/^-+|-+$/g, "");
}

/**
 * Name of an app's pre-deploy backup for a release, used for the RDS snapshot identifier and the
 * Velero Backup: `<env>-<app>-release-<slug>`, at most 63 characters (Velero puts it in a label), never
 * ending with a hyphen and never containing `--` (RDS refuses both).
 */
export function releaseBackupName(environment: string, app: string, version: string): string {
    const name = `${environment}-${app}-release-${releaseSlug(version)}`.replace(/-{2,}/g, "-");
    return name.slice(0, 63).replace(/-+$/, "");
}

/** The AWS Backup plan (and vault) name of an environment; also the value of the `launchpad:backup` tag. */
export function backupPlanName(environment: string): string {
    return `launchpad-${environment}`;
}

/** `{ "launchpad:backup": "<plan>" }`: the tag that puts a resource in the plan's selection. */
export function backupTag(plan: string): Record<string, string> {
    return { [TAG.backup]: plan };
}

/** `30` -> `720h0m0s`: a Go duration as Velero's `ttl` expects. */
export function veleroTtl(days: number): string {
    return `${days * 24}h0m0s`;
}

/**
 * AWS resource types that hold data and so must be covered by an AWS Backup selection. The export
 * bucket (S3) is not listed: it is itself the copy (versioned, KMS-encrypted, lifecycle-managed).
 */
export const STATEFUL_AWS_TYPES = [
    "aws:rds/instance:Instance",
    "aws:rds/cluster:Cluster",
    "aws:ebs/volume:Volume",
    "aws:efs/fileSystem:FileSystem",
    "aws:dynamodb/table:Table",
    "aws:fsx/lustreFileSystem:LustreFileSystem",
] as const;

/** A resource as the plan records it or as a stack policy sees it (`props`). */
export interface ResourceLike {
    readonly type: string;
    readonly name: string;
    readonly props: Record<string, unknown>;
}

export interface CoverageReport {
    /** Plan names selected by tag `launchpad:backup` in the stack's `aws:backup/selection:Selection`s. */
    plans: string[];
    covered: ResourceLike[];
    uncovered: { resource: ResourceLike; reason: string }[];
}

const SELECTION = "aws:backup/selection:Selection";

/**
 * Which stateful resources a stack's AWS Backup selections cover: a resource is covered when its
 * `tags["launchpad:backup"]` equals the value a Selection selects on (`selectionTags` STRINGEQUALS,
 * key `launchpad:backup`). Pure: the tests run it on plan records, the policy on stack resources.
 */
export function backupCoverage(resources: readonly ResourceLike[]): CoverageReport {
    const plans = new Set<string>();
    for (const r of resources) {
        if (r.type !== SELECTION) continue;
        const tags = (r.props.selectionTags ?? []) as { type?: unknown; key?: unknown; value?: unknown }[];
        for (const t of Array.isArray(tags) ? tags : [])
            if (t.type === "STRINGEQUALS" && t.key === TAG.backup && typeof t.value === "string") plans.add(t.value);
    }
    const covered: ResourceLike[] = [];
    const uncovered: CoverageReport["uncovered"] = [];
    for (const r of resources) {
        if (!(STATEFUL_AWS_TYPES as readonly string[]).includes(r.type)) continue;
        const tags = (r.props.tags ?? {}) as Record<string, unknown>;
        const value = tags[TAG.backup];
        if (typeof value !== "string") uncovered.push({ resource: r, reason: `no tag ${TAG.backup}` });
        else if (!plans.has(value))
            uncovered.push({
                resource: r,
                reason: `tag ${TAG.backup}=${value} matches no backup selection (selected: ${[...plans].sort().join(", ") || "none"})`,
            });
        else covered.push(r);
    }
    return { plans: [...plans].sort(), covered, uncovered };
}
