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

/** A rule of one AWS type whose `paths` are `ForceNew` in the provider; `detail` follows that in the reason. */
function forceNew(type: string, paths: string[], detail = ""): ReplaceRule {
    return { types: [type], paths, why: `ForceNew in the AWS provider${detail}` };
}

/**
 * Changes the providers perform as delete-and-recreate, from their documentation (Kubernetes API
 * field immutability as @pulumi/kubernetes applies it; `ForceNew` attributes of the AWS provider).
 * The real `pulumi preview` asks the provider; this table covers what the offline plan can know.
 * docs/pipeline.md shows it to reviewers, rendered by renderReplaceRules (npm run docs:changes).
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
        types: ["aws:*"],
        paths: ["region"],
        why: "a resource's region (AWS provider v7) forces a new resource",
    },
    forceNew(
        "aws:rds/instance:Instance",
        [
            "availabilityZone",
            "backupTarget",
            "characterSetName",
            "customIamInstanceProfile",
            "dbName",
            "engine",
            "kmsKeyId",
            "ncharCharacterSetName",
            "restoreToPointInTime",
            "snapshotIdentifier",
            "storageEncrypted",
            "timezone",
            "username",
        ],
        " (engine, encryption, placement, restore source; `identifier` renames in place)",
    ),
    forceNew(
        "aws:rds/parameterGroup:ParameterGroup",
        ["name", "namePrefix", "family", "description"],
        " (a new family is a new parameter group)",
    ),
    forceNew("aws:rds/subnetGroup:SubnetGroup", ["name", "namePrefix"]),
    forceNew("aws:rds/snapshot:Snapshot", ["dbInstanceIdentifier", "dbSnapshotIdentifier"], ": a snapshot is taken once"),
    forceNew("aws:ecr/repository:Repository", ["name", "encryptionConfigurations"], " (a new repository: images do not move)"),
    forceNew("aws:ecr/lifecyclePolicy:LifecyclePolicy", ["repository", "policy"], " (a changed policy is put again as a new one)"),
    forceNew("aws:sns/topic:Topic", ["name", "namePrefix", "fifoTopic"]),
    forceNew(
        "aws:sns/topicSubscription:TopicSubscription",
        ["topic", "protocol", "endpoint"],
        ": a new endpoint is a new subscription (an email endpoint must confirm again)",
    ),
    forceNew("aws:sns/topicPolicy:TopicPolicy", ["arn"]),
    forceNew("aws:backup/plan:Plan", ["name"]),
    {
        types: ["aws:backup/selection:Selection"],
        paths: ["name", "planId", "iamRoleArn", "resources", "selectionTags", "conditions", "notResources"],
        why: "every argument of a backup selection is ForceNew in the AWS provider",
    },
    forceNew("aws:backup/vault:Vault", ["name", "kmsKeyArn"], " (a vault's encryption key is fixed at creation)"),
    {
        types: ["aws:backup/vaultLockConfiguration:VaultLockConfiguration"],
        paths: ["backupVaultName", "changeableForDays", "maxRetentionDays", "minRetentionDays"],
        why: "every argument of a vault lock configuration forces a new one (replaced delete-first, so the vault ends locked)",
    },
    forceNew(
        "aws:s3/bucket:Bucket",
        ["bucket", "bucketPrefix", "objectLockEnabled"],
        " (a bucket's name and object lock are fixed at creation)",
    ),
    {
        types: [
            "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
            "aws:s3/bucketLogging:BucketLogging",
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            "aws:s3/bucketVersioning:BucketVersioning",
        ],
        paths: ["bucket", "expectedBucketOwner"],
        why: "ForceNew in the AWS provider: the configuration belongs to one bucket",
    },
    {
        types: [
            "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
            "aws:s3/bucketPolicy:BucketPolicy",
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        ],
        paths: ["bucket"],
        why: "ForceNew in the AWS provider: the configuration belongs to one bucket",
    },
    forceNew(
        "aws:kms/key:Key",
        ["customerMasterKeySpec", "keyUsage", "multiRegion", "customKeyStoreId", "xksKeyId"],
        " (a key's spec and usage are fixed at creation: a new key, and data encrypted with the old one still needs it)",
    ),
    forceNew("aws:kms/alias:Alias", ["name", "namePrefix"]),
    forceNew("aws:kms/keyPolicy:KeyPolicy", ["keyId"], ": the policy belongs to one key"),
    forceNew("aws:iam/role:Role", ["name", "namePrefix", "path"]),
    forceNew("aws:iam/rolePolicyAttachment:RolePolicyAttachment", ["role", "policyArn"]),
    forceNew("aws:cloudwatch/metricAlarm:MetricAlarm", ["name"]),
    forceNew("aws:cloudwatch/eventRule:EventRule", ["name", "namePrefix", "eventBusName"]),
    forceNew("aws:cloudwatch/eventTarget:EventTarget", ["rule", "targetId", "eventBusName"]),
    forceNew("aws:cloudwatch/logGroup:LogGroup", ["name", "namePrefix", "logGroupClass"]),
    forceNew(
        "aws:ec2/instance:Instance",
        [
            "ami",
            "associatePublicIpAddress",
            "availabilityZone",
            "ebsOptimized",
            "ephemeralBlockDevices",
            "hibernation",
            "hostId",
            "instanceMarketOptions",
            "ipv6Addresses",
            "keyName",
            "launchTemplate",
            "placementGroup",
            "placementPartitionNumber",
            "privateDnsNameOptions",
            "privateIp",
            "securityGroups",
            "subnetId",
            "tenancy",
        ],
        " (a new image, network placement or key is a new instance)",
    ),
    forceNew(
        "aws:lb/loadBalancer:LoadBalancer",
        ["name", "namePrefix", "internal", "loadBalancerType", "customerOwnedIpv4Pool"],
        " (a new load balancer: a new DNS name)",
    ),
    forceNew("aws:lb/targetGroup:TargetGroup", [
        "name",
        "namePrefix",
        "port",
        "protocol",
        "protocolVersion",
        "targetType",
        "vpcId",
        "ipAddressType",
    ]),
    forceNew("aws:lb/listener:Listener", ["loadBalancerArn"]),
    forceNew("aws:lb/targetGroupAttachment:TargetGroupAttachment", ["targetGroupArn", "targetId", "port", "availabilityZone"]),
    {
        types: ["random:index/randomId:RandomId"],
        paths: ["byteLength", "keepers", "prefix"],
        why: "every argument of a random resource forces a new value (`keepers` exist to do so)",
    },
    {
        types: ["random:index/randomPassword:RandomPassword"],
        paths: [
            "keepers",
            "length",
            "lower",
            "minLower",
            "minNumeric",
            "minSpecial",
            "minUpper",
            "number",
            "numeric",
            "overrideSpecial",
            "special",
            "upper",
        ],
        why: "every argument of a random resource forces a new value: a new password",
    },
    {
        types: ["command:local:Command"],
        paths: ["triggers"],
        why: "a change of `triggers` replaces the command: it runs `create` again (and `delete` for the old one)",
    },
];

/** REPLACE_RULES as the Markdown table docs/pipeline.md shows (one row per rule, in order). */
export function renderReplaceRules(): string {
    const cell = (s: string) => s.replace(/\|/g, "\\|");
    const code = (list: string[]) => list.map((x) => `\`${x}\``).join(", ");
    const rows = REPLACE_RULES.map((r) => `| ${code(r.types)} | ${code(r.paths)} | ${cell(r.why)} |`);
    return ["| Resource types | Paths | Why |", "|---|---|---|", ...rows, ""].join("\n");
}

function typeMatches(pattern: string, type: string): boolean {
    return pattern.endsWith("*") ? type.startsWith(pattern.slice(0, -1)) : pattern === type;
}

/** The rendered path of `key` under `prefix`: `a.b`, `a["c.d"]`, `a[0]` (what `segments` parses). */
export function joinPath(prefix: string, key: string | number): string {
    if (typeof key === "number") return `${prefix}[${key}]`;
    const plain = /^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(key);
    if (!plain) return `${prefix}[${JSON.stringify(key)}]`;
    return prefix ? `${prefix}.${key}` : key;
}

/** Path segments of a rendered path: `a.b["c.d"][0].e` -> [a, b, c.d, 0, e]. */
export function segments(path: string): string[] {
    const out: string[] = [];
    const re = /\["((?:[^"\\]|\\.)*)"\]|\[(\d+)\]|\.?([^.[\]]+)/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(path))) out.push(m[1] !== undefined ? JSON.parse(`"${m[1]}"`) : (m[2] ?? m[3]));
    return out;
}

/** True when `path` is `prefix` or below it. */
export function isUnder(path: string, prefix: string): boolean {
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
