// Release gate for the environment's capacity: the namespace's ResourceQuota admits every pod the stack
// runs plus the largest rollout's extra pods. Otherwise the quota refuses the new pods, a rollout that keeps
// every old pod until a new one is ready (maxUnavailable 0) never progresses, and `pulumi up` fails on its
// timeout with the release half out.
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { quantityValue } from "./shared/quantity";
import { TYPE, containersOf, describe, podSpec, Props } from "./common";

/** What a ResourceQuota can count that pods of this stack use; `cpu` and `memory` are aliases of the requests. */
export const QUOTA_KEYS = ["pods", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory"] as const;
export type QuotaKey = (typeof QUOTA_KEYS)[number];
export type Usage = Record<QuotaKey, number>;

const LIMIT_RANGE = "kubernetes:core/v1:LimitRange";
const RESOURCE_QUOTA = "kubernetes:core/v1:ResourceQuota";
const ALIAS: Record<string, QuotaKey> = { cpu: "requests.cpu", memory: "requests.memory" };
/** The launchpad config key that sets each quota value (components/environment). */
const CONFIG_KEY: Record<QuotaKey, string> = {
    pods: "launchpad:environment.quota.pods",
    "requests.cpu": "launchpad:environment.quota.cpu",
    "limits.cpu": "launchpad:environment.quota.cpu",
    "requests.memory": "launchpad:environment.quota.memory",
    "limits.memory": "launchpad:environment.quota.memory",
};

const zero = (): Usage => ({ pods: 0, "requests.cpu": 0, "requests.memory": 0, "limits.cpu": 0, "limits.memory": 0 });
const add = (a: Usage, b: Usage, times = 1): Usage => {
    const out = zero();
    for (const k of QUOTA_KEYS) out[k] = a[k] + b[k] * times;
    return out;
};

/** Container defaults of a namespace's LimitRanges (`default` for limits, `defaultRequest` for requests). */
interface Defaults {
    limits: Props;
    requests: Props;
}

function defaultsIn(namespace: string, all: PolicyResource[]): Defaults {
    const out: Defaults = { limits: {}, requests: {} };
    for (const lr of all.filter((r) => r.type === LIMIT_RANGE && r.props.metadata?.namespace === namespace))
        for (const l of (lr.props.spec?.limits ?? []) as Props[]) {
            if (l.type !== "Container") continue;
            Object.assign(out.limits, l.default ?? {});
            // Without defaultRequest, LimitRanger requests the default limit.
            Object.assign(out.requests, l.defaultRequest ?? l.default ?? {});
        }
    return out;
}

/**
 * What one pod of `spec` counts against a quota, after the defaults Kubernetes applies (a container with
 * limits and no requests requests its limits; the LimitRange fills what is still missing), and what a
 * container leaves unset that no default fills (the quota then refuses the pod). A pod counts the larger
 * of its containers' sum and its largest init container.
 */
export function podUsage(spec: Props | undefined, defaults: Defaults): { usage: Usage; unset: Unset[] } {
    const usage = zero();
    usage.pods = 1;
    const unset: Unset[] = [];
    const init = zero();
    for (const { kind, container } of containersOf(spec)) {
        if (kind === "ephemeralContainer") continue;
        const res = (container.resources ?? {}) as Props;
        const own = zero();
        const missing: QuotaKey[] = [];
        for (const r of ["cpu", "memory"] as const) {
            const limit = res.limits?.[r] ?? defaults.limits[r];
            const request = res.requests?.[r] ?? res.limits?.[r] ?? defaults.requests[r];
            if (request === undefined) missing.push(`requests.${r}`);
            if (limit === undefined) missing.push(`limits.${r}`);
            own[`limits.${r}`] = limit === undefined ? 0 : quantityValue(limit);
            own[`requests.${r}`] = request === undefined ? 0 : quantityValue(request);
        }
        if (missing.length > 0) unset.push({ container: `${kind} '${container.name}'`, keys: missing });
        if (kind === "initContainer") for (const k of QUOTA_KEYS) init[k] = Math.max(init[k], own[k]);
        else for (const k of QUOTA_KEYS) usage[k] += own[k];
    }
    for (const k of QUOTA_KEYS) if (k !== "pods") usage[k] = Math.max(usage[k], init[k]);
    return { usage, unset };
}

/** A container's resources that neither it nor a LimitRange default sets. */
export interface Unset {
    /** `container 'app'`, `initContainer 'migrate'`. */
    container: string;
    keys: QuotaKey[];
}

/** `25%` of `replicas` rounded up, or an absolute count, as a Deployment's maxSurge; none at 0 replicas. */
function surgeOf(v: unknown, replicas: number): number {
    if (replicas === 0) return 0;
    if (typeof v === "number") return v;
    const m = typeof v === "string" ? /^(\d+)%$/.exec(v) : null;
    return m ? Math.ceil((replicas * Number(m[1])) / 100) : 0;
}

/** A workload's pods: how many run, and how many more its rollout adds at its peak, with why. */
interface Pods {
    resource: PolicyResource;
    running: number;
    extra: number;
    why: string;
}

const POD_OWNERS: readonly string[] = [TYPE.Deployment, TYPE.Rollout, TYPE.StatefulSet, TYPE.Job, TYPE.CronJob, TYPE.Pod];

/** Only for POD_OWNERS: other types' props are not read (in a preview they may hold unknown values). */
function podsOf(r: PolicyResource): Pods {
    const spec = (r.props.spec ?? {}) as Props;
    const replicas = typeof spec.replicas === "number" ? spec.replicas : 1;
    switch (r.type) {
        case TYPE.Deployment: {
            if (spec.strategy?.type === "Recreate") return { resource: r, running: replicas, extra: 0, why: "Recreate" };
            const surge = surgeOf(spec.strategy?.rollingUpdate?.maxSurge ?? "25%", replicas);
            return { resource: r, running: replicas, extra: surge, why: `maxSurge ${surge}` };
        }
        case TYPE.Rollout: {
            const s = (spec.strategy ?? {}) as Props;
            // Blue-green, and canary with traffic routing, bring the new ReplicaSet up to full scale (the
            // preview's count) before the old one scales down; a basic canary surges as a Deployment does.
            if (s.blueGreen) {
                const preview = typeof s.blueGreen.previewReplicaCount === "number" ? s.blueGreen.previewReplicaCount : replicas;
                return { resource: r, running: replicas, extra: preview, why: "the preview ReplicaSet" };
            }
            if (s.canary?.trafficRouting)
                return { resource: r, running: replicas, extra: replicas, why: "the canary ReplicaSet at full weight" };
            const surge = surgeOf(s.canary?.maxSurge ?? "25%", replicas);
            return { resource: r, running: replicas, extra: surge, why: `maxSurge ${surge}` };
        }
        case TYPE.StatefulSet:
            return { resource: r, running: replicas, extra: 0, why: "" };
        case TYPE.Job:
            return { resource: r, running: typeof spec.parallelism === "number" ? spec.parallelism : 1, extra: 0, why: "" };
        case TYPE.CronJob: {
            const p = spec.jobTemplate?.spec?.parallelism;
            return { resource: r, running: typeof p === "number" ? p : 1, extra: 0, why: "" };
        }
        default:
            return { resource: r, running: 1, extra: 0, why: "" };
    }
}

const ANALYSIS_TEMPLATE = "kubernetes:argoproj.io/v1alpha1:AnalysisTemplate";

/**
 * What the Jobs of an Argo Rollout's largest analysis step add (the `job` metrics of the AnalysisTemplates
 * it names, such as the smoke test): the controller starts them during the rollout, beside the new pods.
 * Steps run one at a time; a background analysis runs beside each.
 */
function analysisJobs(rollout: PolicyResource, all: PolicyResource[], namespace: string, defaults: Defaults): Usage {
    const s = (rollout.props.spec?.strategy ?? {}) as Props;
    const names = (a: Props | undefined): string[] => ((a?.templates ?? []) as Props[]).map((t) => String(t.templateName));
    const steps = [
        ...((s.canary?.steps ?? []) as Props[]).map((st) => names(st.analysis)),
        names(s.blueGreen?.prePromotionAnalysis),
        names(s.blueGreen?.postPromotionAnalysis),
    ];
    const jobsOf = (templates: string[]): Usage => {
        let sum = zero();
        for (const name of templates) {
            const t = all.find(
                (r) => r.type === ANALYSIS_TEMPLATE && r.props.metadata?.name === name && r.props.metadata?.namespace === namespace,
            );
            for (const m of (t?.props.spec?.metrics ?? []) as Props[]) {
                const job = m.provider?.job?.spec as Props | undefined;
                if (!job) continue;
                sum = add(sum, podUsage(job.template?.spec, defaults).usage, typeof job.parallelism === "number" ? job.parallelism : 1);
            }
        }
        return sum;
    };
    const background = jobsOf(names(s.canary?.analysis));
    const most = zero();
    for (const step of steps) {
        const u = add(background, jobsOf(step));
        for (const k of QUOTA_KEYS) most[k] = Math.max(most[k], u[k]);
    }
    return most;
}

/** `a > b` beyond the rounding of summed decimal quantities (0.1 + 0.2). */
const exceeds = (a: number, b: number): boolean => a - b > 1e-9 * Math.max(1, Math.abs(b));

const show = (k: QuotaKey, v: number): string => {
    if (k === "pods") return String(v);
    if (k.endsWith("cpu")) return String(Math.round(v * 1000) / 1000);
    return v >= 1024 ** 3 ? `${Math.round((v / 1024 ** 3) * 100) / 100}Gi` : `${Math.round((v / 1024 ** 2) * 10) / 10}Mi`;
};

export interface NamespaceLoad {
    namespace: string;
    quota: PolicyResource;
    hard: Partial<Usage>;
    running: Usage;
    /** The workload whose rollout adds the most of each key, and what it adds. */
    peak: Record<QuotaKey, { workload?: Pods; extra: number }>;
    unset: { resource: PolicyResource; containers: Unset[] }[];
}

/** Every ResourceQuota of the stack with what its namespace's pods use, at rest and at a rollout's peak. */
export function namespaceLoads(all: PolicyResource[]): NamespaceLoad[] {
    return all
        .filter((q) => q.type === RESOURCE_QUOTA && typeof q.props.metadata?.namespace === "string")
        .map((quota) => {
            const namespace = quota.props.metadata.namespace as string;
            const hard: Partial<Usage> = {};
            for (const [k, v] of Object.entries((quota.props.spec?.hard ?? {}) as Props)) {
                const key = (ALIAS[k] ?? k) as QuotaKey;
                if (QUOTA_KEYS.includes(key)) hard[key] = Math.min(hard[key] ?? Infinity, quantityValue(v));
            }
            const defaults = defaultsIn(namespace, all);
            let running = zero();
            const peak = Object.fromEntries(QUOTA_KEYS.map((k) => [k, { extra: 0 }])) as NamespaceLoad["peak"];
            const unset: NamespaceLoad["unset"] = [];
            // DaemonSets are left out: they run one pod per node, a count of the cluster's, not the stack's.
            for (const r of all) {
                if (!POD_OWNERS.includes(r.type) || r.props.metadata?.namespace !== namespace) continue;
                const pods = podsOf(r);
                const { usage, unset: missing } = podUsage(podSpec(r.type, r.props), defaults);
                if (missing.length > 0) unset.push({ resource: r, containers: missing });
                running = add(running, usage, pods.running);
                let extra = add(zero(), usage, pods.extra);
                let workload = pods;
                if (r.type === TYPE.Rollout) {
                    const jobs = analysisJobs(r, all, namespace, defaults);
                    if (jobs.pods > 0) {
                        extra = add(extra, jobs);
                        workload = { ...pods, extra: pods.extra + jobs.pods, why: `${pods.why} and ${jobs.pods} analysis Job pod(s)` };
                    }
                }
                for (const k of QUOTA_KEYS) if (extra[k] > peak[k].extra) peak[k] = { workload, extra: extra[k] };
            }
            return { namespace, quota, hard, running, peak, unset };
        });
}

export const quotaHeadroom: StackValidationPolicy = {
    name: "quota-headroom",
    description:
        "The namespace's ResourceQuota admits every pod the stack runs (Deployments, Rollouts, Jobs) and the extra pods of its largest rollout, with every container's requests and limits set or defaulted: otherwise the quota refuses new pods and a rollout that keeps its old pods until new ones are ready never finishes.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const loads = namespaceLoads(args.resources);
        if (loads.length === 0) args.notApplicable("no ResourceQuota in the stack");
        for (const l of loads) {
            const quota = describe(l.quota);
            for (const u of l.unset)
                for (const c of u.containers) {
                    const tracked = c.keys.filter((k) => l.hard[k] !== undefined);
                    if (tracked.length > 0)
                        report(
                            `${c.container} of ${describe(u.resource)} sets no ${tracked.join(", ")}, and no LimitRange of namespace ${l.namespace} has a default for ${tracked.length > 1 ? "them" : "it"}: ${quota} counts ${tracked.length > 1 ? "them" : "it"}, so it refuses every pod. Set the container's resources.`,
                            u.resource.urn,
                        );
                }
            for (const k of QUOTA_KEYS) {
                const hard = l.hard[k];
                if (hard === undefined || Number.isNaN(hard)) continue;
                const running = l.running[k];
                const { workload, extra } = l.peak[k];
                const fix = `Raise ${CONFIG_KEY[k]}, or lower the apps' replicas${k === "pods" ? "" : " or resources"}.`;
                if (exceeds(running, hard))
                    report(
                        `${quota} allows ${k} ${show(k, hard)}, but the stack's pods in ${l.namespace} need ${show(k, running)} at rest: the quota refuses the pods beyond it. ${fix}`,
                        l.quota.urn,
                    );
                else if (workload && exceeds(running + extra, hard))
                    report(
                        `${quota} allows ${k} ${show(k, hard)}; the stack's pods in ${l.namespace} use ${show(k, running)} at rest, and rolling out ${describe(workload.resource)} adds ${show(k, extra)} (${workload.extra} pod(s): ${workload.why}): the quota refuses the new pods and the rollout waits until \`up\` times out. ${fix}`,
                        l.quota.urn,
                    );
            }
        }
    },
};

export const capacityPolicies = [quotaHeadroom];
