// Pure rules the backup domain promises and the policy pack checks (backup-coverage,
// backup-before-deploy). They take resources as plan records or as stack policies see them, so the
// tests and the policies run the same code.
import { ANNOTATION } from "../common/labels";
import { TAG } from "../common/tags";

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

/** The pre-deploy backup kinds a data-owning app's rollout waits for. */
export const RELEASE_BACKUP_TYPES = ["kubernetes:velero.io/v1:Backup", "aws:rds/snapshot:Snapshot"] as const;
/** Kubernetes kinds that roll out a new version. */
export const ROLLOUT_TYPES = ["kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet"] as const;

/** A resource with its explicit (or, in a stack policy, all) dependencies, as URNs. */
export interface OrderedResource extends ResourceLike {
    readonly urn: string;
    readonly dependsOn: readonly string[];
}

export interface OrderingProblem {
    resource: OrderedResource;
    /** The data the rollout's object declares (`launchpad.dev/data`). */
    data: string;
    message: string;
}

/**
 * Rollout objects (Deployments) that declare data (`launchpad.dev/data` annotation) but depend on no
 * release backup (Velero Backup or RDS snapshot) of the stack. Production requires none to be listed.
 */
export function rolloutsWithoutBackup(resources: readonly OrderedResource[]): OrderingProblem[] {
    const backups = new Set(resources.filter((r) => (RELEASE_BACKUP_TYPES as readonly string[]).includes(r.type)).map((r) => r.urn));
    const problems: OrderingProblem[] = [];
    for (const r of resources) {
        if (!(ROLLOUT_TYPES as readonly string[]).includes(r.type)) continue;
        const meta = (r.props.metadata ?? {}) as { annotations?: Record<string, unknown> };
        const data = meta.annotations?.[ANNOTATION.data];
        if (typeof data !== "string" || data === "") continue;
        if (r.dependsOn.some((u) => backups.has(u))) continue;
        problems.push({
            resource: r,
            data,
            message: `${r.name} owns data (${data}) but does not depend on a release backup (Velero Backup or RDS snapshot): pass the app's release backups as beforeRollout`,
        });
    }
    return problems;
}
