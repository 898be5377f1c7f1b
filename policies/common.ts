// Helpers shared by the policy modules: workloads and their pods, the release record, durations.
// Policies match resources by type token (not by provider classes), so the pack needs no provider SDK.
import { PolicyResource, UnknownValueError } from "@pulumi/policy";
import { z } from "zod";
import { RELEASE_CONFIGMAP, ReleaseFacts } from "./shared/releaseFacts";

export const TYPE = {
    Deployment: "kubernetes:apps/v1:Deployment",
    /** Argo Rollouts' Deployment replacement: its `spec.template` is a PodTemplateSpec, as a Deployment's. */
    Rollout: "kubernetes:argoproj.io/v1alpha1:Rollout",
    StatefulSet: "kubernetes:apps/v1:StatefulSet",
    DaemonSet: "kubernetes:apps/v1:DaemonSet",
    Job: "kubernetes:batch/v1:Job",
    CronJob: "kubernetes:batch/v1:CronJob",
    Pod: "kubernetes:core/v1:Pod",
    Service: "kubernetes:core/v1:Service",
    PodDisruptionBudget: "kubernetes:policy/v1:PodDisruptionBudget",
    ResourceQuota: "kubernetes:core/v1:ResourceQuota",
    LimitRange: "kubernetes:core/v1:LimitRange",
    AnalysisTemplate: "kubernetes:argoproj.io/v1alpha1:AnalysisTemplate",
    ConfigMap: "kubernetes:core/v1:ConfigMap",
    PersistentVolumeClaim: "kubernetes:core/v1:PersistentVolumeClaim",
    VeleroBackup: "kubernetes:velero.io/v1:Backup",
    VeleroSchedule: "kubernetes:velero.io/v1:Schedule",
    PrometheusRule: "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
    AlertmanagerConfig: "kubernetes:monitoring.coreos.com/v1alpha1:AlertmanagerConfig",
    RdsInstance: "aws:rds/instance:Instance",
    RdsCluster: "aws:rds/cluster:Cluster",
    RdsSnapshot: "aws:rds/snapshot:Snapshot",
    RdsClusterSnapshot: "aws:rds/clusterSnapshot:ClusterSnapshot",
    EbsVolume: "aws:ebs/volume:Volume",
    DynamoTable: "aws:dynamodb/table:Table",
    EfsFileSystem: "aws:efs/fileSystem:FileSystem",
    BackupPlan: "aws:backup/plan:Plan",
    BackupSelection: "aws:backup/selection:Selection",
    S3Bucket: "aws:s3/bucket:Bucket",
    S3BucketAcl: "aws:s3/bucketAcl:BucketAcl",
    S3PublicAccessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    BlueGreen: "launchpad:deploy:BlueGreenDeployment",
    Canary: "launchpad:deploy:CanaryDeployment",
    Direct: "launchpad:deploy:DirectDeployment",
    ArgoRollout: "launchpad:deploy:ArgoRollout",
} as const;

/** Workload kinds whose pods run long-lived app containers. */
export const WORKLOAD_KINDS = ["Deployment", "Rollout", "StatefulSet", "DaemonSet"] as const;
const KIND_TYPES: Record<string, string> = {
    Deployment: TYPE.Deployment,
    Rollout: TYPE.Rollout,
    StatefulSet: TYPE.StatefulSet,
    DaemonSet: TYPE.DaemonSet,
    Job: TYPE.Job,
    CronJob: TYPE.CronJob,
    Pod: TYPE.Pod,
};
export const workloadTypes = (kinds: readonly string[]) => kinds.map((k) => KIND_TYPES[k]).filter((t): t is string => !!t);
/** Every type whose props hold a pod spec (`podSpec`): what pod-level checks apply to. */
export const POD_WORKLOADS: readonly string[] = workloadTypes(Object.keys(KIND_TYPES));

/**
 * Resource properties as the policy SDK hands them over (`PolicyResource.props: Record<string, any>`):
 * untyped inputs of any provider, read defensively with optional chaining.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Props = Record<string, any>;
type Obj = Props;

/** The pod spec of a workload's props (Deployment, Rollout, StatefulSet, DaemonSet, Job, CronJob, Pod). */
export function podSpec(type: string, props: Obj): Obj | undefined {
    if (type === TYPE.Pod) return props.spec;
    if (type === TYPE.CronJob) return props.spec?.jobTemplate?.spec?.template?.spec;
    return props.spec?.template?.spec;
}

/** Pod template labels of a workload. */
/** Deployments and Argo Rollouts: the objects that run an app's long-lived pods from one template. */
export const APP_WORKLOADS: readonly string[] = [TYPE.Deployment, TYPE.Rollout];

export function podLabels(type: string, props: Obj): Record<string, string> {
    if (type === TYPE.Pod) return props.metadata?.labels ?? {};
    if (type === TYPE.CronJob) return props.spec?.jobTemplate?.spec?.template?.metadata?.labels ?? {};
    return props.spec?.template?.metadata?.labels ?? {};
}

export interface ContainerRef {
    kind: "container" | "initContainer" | "ephemeralContainer";
    container: Obj;
}

export function containersOf(spec: Obj | undefined): ContainerRef[] {
    if (!spec) return [];
    return [
        ...((spec.initContainers ?? []) as Obj[]).map((container) => ({ kind: "initContainer" as const, container })),
        ...((spec.containers ?? []) as Obj[]).map((container) => ({ kind: "container" as const, container })),
        ...((spec.ephemeralContainers ?? []) as Obj[]).map((container) => ({ kind: "ephemeralContainer" as const, container })),
    ];
}

/** `Deployment prod/api-canary`: how a message names a Kubernetes object. */
export function describe(r: { type: string; name: string; props: Obj }): string {
    const kind = r.type.split(":").pop();
    const meta = r.props?.metadata;
    if (r.type.startsWith("kubernetes:") && meta?.name) return `${kind} ${meta.namespace ? `${meta.namespace}/` : ""}${meta.name}`;
    return `${kind} ${r.name}`;
}

const releaseDataSchema = z.strictObject({
    version: z.string().min(1, { error: "expected the release version" }),
    announcedAt: z.iso.datetime({ offset: true, error: "expected an ISO 8601 date-time" }).optional(),
    launchAt: z.iso.datetime({ offset: true, error: "expected an ISO 8601 date-time" }).optional(),
    channel: z.string().min(1).optional(),
    notesUrl: z.string().min(1, { error: "expected the release notes URL or path" }),
});

export type ReleaseLookup =
    { found: true; facts: ReleaseFacts; resource: PolicyResource } | { found: false; error: string; resource?: PolicyResource };

/** The `launchpad-release` ConfigMap of the stack (components/release), validated. */
export function releaseRecord(resources: PolicyResource[]): ReleaseLookup {
    const records = resources.filter((r) => r.type === TYPE.ConfigMap && r.props.metadata?.name === RELEASE_CONFIGMAP);
    if (records.length === 0)
        return {
            found: false,
            error: `no ConfigMap '${RELEASE_CONFIGMAP}' in the stack: the program must record the release (components/release ReleaseRecord, from launchpad:release)`,
        };
    if (records.length > 1) return { found: false, error: `${records.length} ConfigMaps named '${RELEASE_CONFIGMAP}': expected one` };
    const parsed = releaseDataSchema.safeParse(records[0].props.data ?? {});
    if (!parsed.success) {
        const i = parsed.error.issues[0];
        return {
            found: false,
            resource: records[0],
            error: `ConfigMap ${RELEASE_CONFIGMAP} data.${i.path.join(".") || "(root)"}: ${i.message} (set it in launchpad:release)`,
        };
    }
    return { found: true, facts: parsed.data, resource: records[0] };
}

export const HOUR = 3600_000;
export const DAY = 24 * HOUR;

/** Go/Velero duration (`720h0m0s`, `168h`, `30m`) in hours; undefined when unparsable. */
export function durationHours(d: unknown): number | undefined {
    if (typeof d !== "string") return undefined;
    const m = /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(d.trim());
    if (!m || d.trim() === "") return undefined;
    return Number(m[1] ?? 0) + Number(m[2] ?? 0) / 60 + Number(m[3] ?? 0) / 3600;
}

/** Every resource a resource waits for: its dependencies, transitively, including children of components it depends on. */
const childIndexes = new WeakMap<PolicyResource[], Map<string, PolicyResource[]>>();

/**
 * Children by parent URN, built once per resource list: stack policies ask for the children of every
 * data-owning workload's dependencies and of every blue-green component, and a scan of the whole list per
 * question made those policies quadratic in the number of apps.
 */
export function childrenOf(all: PolicyResource[]): Map<string, PolicyResource[]> {
    let children = childIndexes.get(all);
    if (!children) {
        children = new Map();
        for (const x of all) {
            if (!x.parent) continue;
            const list = children.get(x.parent.urn) ?? [];
            list.push(x);
            children.set(x.parent.urn, list);
        }
        childIndexes.set(all, children);
    }
    return children;
}

/**
 * What `r` waits for: its dependencies, theirs, and the children of each, nearest first. With `until`, the
 * walk stops after the first resource it accepts (a question answered by a nearby dependency need not walk
 * a dependency on the whole environment, which per app made stack policies quadratic).
 */
export function transitiveDependencies(r: PolicyResource, all: PolicyResource[], until?: (d: PolicyResource) => boolean): PolicyResource[] {
    const children = childrenOf(all);
    const seen = new Map<string, PolicyResource>();
    const queue = [...r.dependencies];
    // An index instead of shift(): shift() copies the rest of the queue each time.
    for (let i = 0; i < queue.length; i++) {
        const d = queue[i];
        if (seen.has(d.urn)) continue;
        seen.set(d.urn, d);
        if (until?.(d)) break;
        queue.push(...d.dependencies, ...(children.get(d.urn) ?? []));
    }
    return [...seen.values()];
}

/** Does a label selector (matchLabels or a Service's plain selector) select these labels? */
export function selects(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
    if (!selector || Object.keys(selector).length === 0) return false;
    return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

interface Indexed {
    resource: PolicyResource;
    selector: Record<string, string>;
}
/** Resources of one namespace by the first `key=value` of their label selector (sorted by key). */
type NamespaceIndex = Map<string, Indexed[]>;
// Selecting resources (Services, PodDisruptionBudgets) by namespace and selector, built once per resource
// list and type: a stack policy asks for every workload, and reading props through the SDK's
// unknown-checking proxy is too slow to repeat per pair. Looking a workload's selectors up by its own
// label pairs keeps the cost linear in workloads (measured: the policy phase went from 15.7% of a
// 1,000-app plan, quadratic, to a constant share; production-availability and validated-traffic had
// brought it back to 27% by scanning every Service and budget per Deployment).
const selectorIndexes = new WeakMap<PolicyResource[], Map<string, Map<unknown, NamespaceIndex>>>();

const pair = (k: string, v: string) => `${k}=${v}`;

function selectorIndex(
    all: PolicyResource[],
    type: string,
    selectorOf: (r: PolicyResource) => Record<string, string> | undefined,
): Map<unknown, NamespaceIndex> {
    let byType = selectorIndexes.get(all);
    if (!byType) selectorIndexes.set(all, (byType = new Map()));
    let index = byType.get(type);
    if (!index) {
        index = new Map();
        for (const s of all) {
            if (s.type !== type) continue;
            // A resource whose namespace is not known yet is assumed to be in the workload's.
            const ns = known(() => s.props.metadata?.namespace);
            const selector = { ...(selectorOf(s) ?? {}) } as Record<string, string>;
            const first = Object.keys(selector).sort()[0];
            if (first === undefined) continue; // selects no pods
            const byPair = index.get(ns) ?? new Map<string, Indexed[]>();
            index.set(ns, byPair);
            const key = pair(first, selector[first]);
            const list = byPair.get(key) ?? [];
            list.push({ resource: s, selector });
            byPair.set(key, list);
        }
        byType.set(type, index);
    }
    return index;
}

/** Resources of `type` in the workload's namespace whose selector (`selectorOf`) selects its pods. */
function selecting(
    w: PolicyResource,
    all: PolicyResource[],
    type: string,
    selectorOf: (r: PolicyResource) => Record<string, string> | undefined,
): PolicyResource[] {
    const labels = { ...podLabels(w.type, w.props) };
    const index = selectorIndex(all, type, selectorOf);
    const spaces = [index.get(w.props.metadata?.namespace), index.get(UNKNOWN_VALUE)];
    const candidates = Object.entries(labels).flatMap(([k, v]) => spaces.flatMap((byPair) => byPair?.get(pair(k, v)) ?? []));
    return candidates.filter((s) => selects(s.selector, labels)).map((s) => s.resource);
}

/** A value read through the SDK's proxy, or UNKNOWN_VALUE when only `up` will know it. */
export const UNKNOWN_VALUE = Symbol("unknown during preview");
export function known<T>(read: () => T): T | typeof UNKNOWN_VALUE {
    try {
        return read();
    } catch (e) {
        if (e instanceof UnknownValueError) return UNKNOWN_VALUE;
        throw e;
    }
}

/**
 * Values a policy checks one by one (the images of every workload), some of which only `up` will know
 * (an image this update builds). Every known value is checked; the unknown ones are remembered and, at
 * the end, reported as the engine reports an unknown read: an advisory "can't run during preview",
 * here naming exactly what was not checked (`rethrow`). One unknown image no longer hides the rest.
 */
export class PreviewUnknowns {
    private first?: UnknownValueError;
    private readonly skipped: string[] = [];
    /** `noun`: what the values are ("image"), for the message. */
    constructor(private readonly noun = "value") {}
    /** The value, or undefined (remembered as `what`) when it is unknown during preview. */
    read<T>(read: () => T, what: string): T | undefined {
        try {
            return read();
        } catch (e) {
            if (!(e instanceof UnknownValueError)) throw e;
            this.first ??= e;
            this.skipped.push(what);
            return undefined;
        }
    }
    /** After every known value was checked: throws the first unknown read, its message naming every value not checked. */
    rethrow(): void {
        if (!this.first) return;
        this.first.message = `${this.first.message} (not checked: ${this.skipped.join(", ")}; every known ${this.noun} was checked)`;
        throw this.first;
    }
}

/** Services (in the same namespace) that select the pods of a workload. */
export const servicesSelecting = (w: PolicyResource, all: PolicyResource[]): PolicyResource[] =>
    selecting(w, all, TYPE.Service, (s) => s.props.spec?.selector);

/** PodDisruptionBudgets (in the same namespace) whose matchLabels select the pods of a workload. */
export const budgetsSelecting = (w: PolicyResource, all: PolicyResource[]): PolicyResource[] =>
    selecting(w, all, TYPE.PodDisruptionBudget, (p) => p.props.spec?.selector?.matchLabels);

/** The Ansible run of a VM app (components/vm): a local.Command carrying the release's extra vars. */
export interface VmDeploy {
    readonly resource: PolicyResource;
    readonly app: string;
    /** What Ansible receives as extra vars (launchpad_release_sha256, launchpad_serial, ...). */
    readonly vars: Props;
    /** Hosts in the fleet (LAUNCHPAD_HOST_COUNT), undefined when not given. */
    readonly hosts: number | undefined;
}

export const COMMAND_TYPE = "command:local:Command";

/** Every VM app deploy of the stack, recognised by its environment (LAUNCHPAD_EXTRA_VARS naming launchpad_hosts). */
export function vmDeploys(resources: PolicyResource[]): VmDeploy[] {
    const out: VmDeploy[] = [];
    for (const r of resources) {
        if (r.type !== COMMAND_TYPE) continue;
        const raw = known(() => r.props.environment?.LAUNCHPAD_EXTRA_VARS);
        if (typeof raw !== "string") continue;
        let vars: Props;
        try {
            vars = JSON.parse(raw);
        } catch {
            continue;
        }
        if (typeof vars?.launchpad_hosts !== "string") continue;
        const count = Number(known(() => r.props.environment?.LAUNCHPAD_HOST_COUNT));
        const app = typeof vars.launchpad_app === "string" ? vars.launchpad_app : vars.launchpad_hosts;
        out.push({ resource: r, app, vars, hosts: Number.isInteger(count) && count > 0 ? count : undefined });
    }
    return out;
}

/** `VM app legacy (Command legacy-deploy)`: how a message names a VM deploy. */
export const describeVm = (d: VmDeploy) => `VM app '${d.app}' (Command ${d.resource.name})`;
