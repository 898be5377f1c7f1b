// The replacement rules of the plan diff: which property changes the providers carry out as
// delete-and-recreate, as a table (REPLACE_RULES) and its lookup.

interface ReplaceRule {
    /** Type tokens the rule applies to; a trailing `*` matches a prefix. */
    types: string[];
    /** Property paths (and everything below them) whose change replaces the resource. */
    paths: string[];
    /** Only when this holds on the old inputs (e.g. an immutable ConfigMap). @default always */
    when?: (old: Record<string, unknown>) => boolean;
    why: string;
}

/**
 * Changes the providers perform as delete-and-recreate, from their documentation (Kubernetes API
 * field immutability as @pulumi/kubernetes applies it; `ForceNew` attributes of the AWS provider).
 * The real `pulumi preview` asks the provider; this table covers what the offline plan can know.
 * docs/pipeline.md lists it for reviewers.
 */
export const REPLACE_RULES: readonly ReplaceRule[] = [
    {
        types: ["kubernetes:*"],
        paths: ["metadata.name", "metadata.namespace"],
        why: "a Kubernetes object is identified by its name and namespace",
    },
    {
        types: ["kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:DaemonSet", "kubernetes:apps/v1:ReplicaSet"],
        paths: ["spec.selector"],
        why: "spec.selector is immutable",
    },
    {
        types: ["kubernetes:apps/v1:StatefulSet"],
        paths: ["spec.selector", "spec.serviceName", "spec.volumeClaimTemplates", "spec.podManagementPolicy"],
        why: "only replicas, template, updateStrategy, persistentVolumeClaimRetentionPolicy and minReadySeconds of a StatefulSet may change",
    },
    {
        types: ["aws:backup/vaultLockConfiguration:VaultLockConfiguration"],
        paths: ["backupVaultName", "changeableForDays", "maxRetentionDays", "minRetentionDays"],
        why: "every argument of a vault lock configuration forces a new one (replaced delete-first, so the vault ends locked)",
    },
    {
        types: ["kubernetes:batch/v1:Job"],
        paths: ["spec.template", "spec.selector", "spec.completions", "spec.completionMode"],
        why: "a Job's pod template and selector are immutable",
    },
    {
        types: ["kubernetes:core/v1:Service"],
        paths: ["spec.clusterIP", "spec.clusterIPs", "spec.ipFamilies"],
        why: "a Service's cluster IP is immutable once assigned",
    },
    {
        types: ["kubernetes:core/v1:ConfigMap", "kubernetes:core/v1:Secret"],
        paths: ["data", "binaryData", "stringData", "immutable"],
        when: (old) => old.immutable === true,
        why: "the object is immutable (immutable: true)",
    },
    {
        types: ["kubernetes:core/v1:PersistentVolumeClaim"],
        paths: ["spec.storageClassName", "spec.accessModes", "spec.selector", "spec.volumeName", "spec.volumeMode"],
        why: "only a PersistentVolumeClaim's requested storage may change",
    },
    {
        types: ["kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding"],
        paths: ["roleRef"],
        why: "roleRef is immutable",
    },
    {
        types: ["aws:rds/instance:Instance"],
        paths: [
            "identifier",
            "identifierPrefix",
            "dbName",
            "engine",
            "username",
            "storageEncrypted",
            "kmsKeyId",
            "availabilityZone",
            "characterSetName",
            "snapshotIdentifier",
            "timezone",
        ],
        why: "ForceNew in the AWS provider (RDS instance identity, engine, encryption)",
    },
    {
        types: ["aws:rds/snapshot:Snapshot"],
        paths: ["dbInstanceIdentifier", "dbSnapshotIdentifier"],
        why: "ForceNew in the AWS provider",
    },
    {
        types: ["aws:ecr/repository:Repository"],
        paths: ["name", "encryptionConfigurations"],
        why: "ForceNew in the AWS provider (a new repository: images do not move)",
    },
    {
        types: ["aws:sns/topic:Topic"],
        paths: ["name", "namePrefix", "fifoTopic"],
        why: "ForceNew in the AWS provider",
    },
    {
        types: ["aws:backup/plan:Plan"],
        paths: ["name"],
        why: "ForceNew in the AWS provider",
    },
    {
        types: ["aws:backup/selection:Selection"],
        paths: ["name", "planId", "iamRoleArn", "resources", "selectionTags", "conditions", "notResources"],
        why: "every argument of a backup selection is ForceNew in the AWS provider",
    },
    {
        types: ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"],
        paths: ["bucket", "bucketPrefix"],
        why: "ForceNew in the AWS provider",
    },
];

function typeMatches(pattern: string, type: string): boolean {
    return pattern.endsWith("*") ? type.startsWith(pattern.slice(0, -1)) : pattern === type;
}

/** Path segments of a rendered path: `a.b["c.d"][0].e` -> [a, b, c.d, 0, e]. */
export function segments(path: string): string[] {
    const out: string[] = [];
    const re = /\["((?:[^"\\]|\\.)*)"\]|\[(\d+)\]|\.?([^.[\]]+)/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(path))) out.push(m[1] !== undefined ? JSON.parse(`"${m[1]}"`) : (m[2] ?? m[3]));
    return out;
}

function isUnder(path: string, prefix: string): boolean {
    const p = segments(path);
    const q = segments(prefix);
    return q.length <= p.length && q.every((s, i) => s === p[i]);
}

/** The reason a change of `path` replaces a resource of `type`, or undefined when it is an update. */
export function replacementReason(type: string, path: string, oldInputs: Record<string, unknown> = {}): string | undefined {
    for (const rule of REPLACE_RULES) {
        if (!rule.types.some((t) => typeMatches(t, type))) continue;
        if (rule.when && !rule.when(oldInputs)) continue;
        const hit = rule.paths.find((p) => isUnder(path, p));
        if (hit) return `${hit}: ${rule.why}`;
    }
    return undefined;
}
