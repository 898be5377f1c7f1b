// Release gate for the environment's capacity: the namespace's ResourceQuota admits the pods the stack keeps
// running plus the largest moment of one rollout (or of its Jobs). Otherwise the quota refuses the new pods,
// a rollout that keeps every old pod until a new one is ready (maxUnavailable 0) never progresses, and
// `pulumi up` fails on its timeout with the release half out.
//
// What it does not model: several rollouts at once (one `up` may roll independent Deployments in parallel;
// the quota then serves them one after another as surge pods finish, which is why one rollout is the bound),
// quotas with `scopes` or a `scopeSelector` (left out), DaemonSets (one pod per node: the cluster's count),
// and a blue-green Rollout's old ReplicaSet still waiting for `scaleDownDelaySeconds` from the previous
// release when the next `up` starts.
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { quantityValue } from "./shared/quantity";
import { TYPE, containersOf, describe, podSpec, Props } from "./common";

/** What a ResourceQuota can count that pods of this stack use; `cpu` and `memory` are aliases of the requests. */
export const QUOTA_KEYS = ["pods", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory"] as const;
export type QuotaKey = (typeof QUOTA_KEYS)[number];
export type Usage = Record<QuotaKey, number>;

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

/** Container defaults of a namespace's LimitRanges, per resource. */
interface Defaults {
    limits: Props;
    requests: Props;
}

/**
 * The defaults LimitRanger applies, per resource as the API server defaults a LimitRange item: a missing
 * `default` is the item's `max`; a missing `defaultRequest` is its `default`, else its `min`.
 */
function defaultsIn(namespace: string, all: PolicyResource[]): Defaults {
    const out: Defaults = { limits: {}, requests: {} };
    for (const lr of all.filter((r) => r.type === TYPE.LimitRange && r.props.metadata?.namespace === namespace))
        for (const l of (lr.props.spec?.limits ?? []) as Props[]) {
            if (l.type !== "Container") continue;
            for (const r of ["cpu", "memory"] as const) {
                const limit = l.default?.[r] ?? l.max?.[r];
                const request = l.defaultRequest?.[r] ?? limit ?? l.min?.[r];
                out.limits[r] ??= limit;
                out.requests[r] ??= request;
            }
        }
    return out;
}

/** A container's resources that neither it nor a LimitRange default sets. */
export interface Unset {
    /** `container 'app'`, `initContainer 'migrate'`. */
    container: string;
    keys: QuotaKey[];
}

/**
 * What one pod of `spec` counts against a quota, after the defaults Kubernetes applies (a container with
 * limits and no requests requests its limits; the LimitRange fills what is still missing), and what a
 * container leaves unset that no default fills (the quota then refuses the pod). As the quota computes
 * it: the containers plus the sidecars (init containers with `restartPolicy: Always`, which keep running),
 * or the largest init container with the sidecars started before it, whichever is larger.
 */
export function podUsage(spec: Props | undefined, defaults: Defaults): { usage: Usage; unset: Unset[] } {
    const unset: Unset[] = [];
    const app = zero();
    let sidecars = zero();
    const initPeak = zero();
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
        if (kind === "container") for (const k of QUOTA_KEYS) app[k] += own[k];
        else if (container.restartPolicy === "Always") sidecars = add(sidecars, own);
        else for (const k of QUOTA_KEYS) initPeak[k] = Math.max(initPeak[k], own[k] + sidecars[k]);
    }
    const usage = add(app, sidecars);
    for (const k of QUOTA_KEYS) usage[k] = Math.max(usage[k], initPeak[k]);
    usage.pods = 1;
    return { usage, unset };
}

/** `25%` of `replicas` rounded up, or an absolute count, as a Deployment's maxSurge; none at 0 replicas. */
function surgeOf(v: unknown, replicas: number): number {
    if (replicas === 0) return 0;
    if (typeof v === "number") return v;
    const m = typeof v === "string" ? /^(\d+)%$/.exec(v) : null;
    return m ? Math.ceil((replicas * Number(m[1])) / 100) : 0;
}

/** What a rollout (or a run of Jobs) adds above the pods at rest at one moment of it, and why. */
export interface Peak {
    /** `rolling out Deployment prod/api-canary`. */
    what: string;
    pods: number;
    usage: Usage;
    why: string;
}

/** Workloads whose pods run at rest; Jobs and CronJobs run for a while (DaemonSets: one pod per node, the cluster's count). */
const AT_REST: readonly string[] = [TYPE.Deployment, TYPE.Rollout, TYPE.StatefulSet, TYPE.Pod];
const RUNS: readonly string[] = [TYPE.Job, TYPE.CronJob];

/** Pods a Job runs at once: its parallelism, no more than its completions. */
function jobPods(spec: Props | undefined): number {
    const parallelism = typeof spec?.parallelism === "number" ? spec.parallelism : 1;
    return typeof spec?.completions === "number" ? Math.min(parallelism, spec.completions) : parallelism;
}

/** What the Jobs of an Argo Rollout's analysis add (the `job` metrics of the AnalysisTemplates it names). */
function analysisJobs(analysis: Props | undefined, templates: Map<string, PolicyResource>, defaults: Defaults): Usage {
    let sum = zero();
    for (const ref of (analysis?.templates ?? []) as Props[]) {
        const t = templates.get(String(ref.templateName));
        for (const m of (t?.props.spec?.metrics ?? []) as Props[]) {
            const job = m.provider?.job?.spec as Props | undefined;
            if (job) sum = add(sum, podUsage(job.template?.spec, defaults).usage, jobPods(job));
        }
    }
    return sum;
}

/**
 * The moments of a workload's rollout and what each adds above its pods at rest:
 * - Deployment: its `maxSurge` (none with `Recreate`);
 * - Argo Rollout, canary with traffic routing: at each step the canary pods of the weight reached (the
 *   stable ReplicaSet keeps every pod), with that step's analysis Jobs and any background analysis; at
 *   promotion the canary at full scale;
 * - Argo Rollout, blue-green: the preview ReplicaSet with the pre-promotion analysis Jobs; after promotion
 *   the new ReplicaSet at full scale (the old one stays until `scaleDownDelaySeconds`) with the
 *   post-promotion analysis Jobs;
 * - Argo Rollout, basic canary: its `maxSurge` with any background analysis.
 */
function rolloutPeaks(r: PolicyResource, perPod: Usage, templates: Map<string, PolicyResource>, defaults: Defaults): Peak[] {
    const spec = (r.props.spec ?? {}) as Props;
    const replicas = typeof spec.replicas === "number" ? spec.replicas : 1;
    const what = `rolling out ${describe(r)}`;
    const peak = (pods: number, jobs: Usage, why: string): Peak => {
        const usage = add(add(zero(), perPod, pods), jobs);
        return { what, pods: pods + jobs.pods, usage, why: jobs.pods > 0 ? `${why} and ${jobs.pods} analysis Job pod(s)` : why };
    };
    if (r.type === TYPE.Deployment) {
        if (spec.strategy?.type === "Recreate") return [];
        const surge = surgeOf(spec.strategy?.rollingUpdate?.maxSurge ?? "25%", replicas);
        return [peak(surge, zero(), `maxSurge ${surge}`)];
    }
    if (r.type !== TYPE.Rollout) return [];
    const s = (spec.strategy ?? {}) as Props;
    const jobs = (a: Props | undefined) => analysisJobs(a, templates, defaults);
    if (s.blueGreen) {
        const preview = typeof s.blueGreen.previewReplicaCount === "number" ? s.blueGreen.previewReplicaCount : replicas;
        return [
            peak(preview, jobs(s.blueGreen.prePromotionAnalysis), `the preview ReplicaSet`),
            peak(
                replicas,
                jobs(s.blueGreen.postPromotionAnalysis),
                "the new ReplicaSet at full scale beside the old one until it scales down",
            ),
        ];
    }
    const background = jobs(s.canary?.analysis);
    if (!s.canary?.trafficRouting) {
        const surge = surgeOf(s.canary?.maxSurge ?? "25%", replicas);
        return [peak(surge, background, `maxSurge ${surge}`)];
    }
    const out: Peak[] = [];
    let weight = 0;
    for (const step of (s.canary.steps ?? []) as Props[]) {
        if (typeof step.setWeight === "number") weight = step.setWeight;
        const canary = Math.ceil((replicas * weight) / 100);
        out.push(peak(canary, add(background, jobs(step.analysis)), `${canary} canary pod(s) at ${weight}%`));
    }
    out.push(peak(replicas, background, "the canary ReplicaSet at full scale at promotion"));
    return out;
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
    /** What the pods that run at rest use: Deployments, Rollouts, StatefulSets, Pods. */
    running: Usage;
    /** Per key, the moment of a rollout (or of the stack's Jobs running together) that adds the most. */
    peak: Record<QuotaKey, Peak | undefined>;
    unset: { resource: PolicyResource; containers: Unset[] }[];
}

/**
 * Every ResourceQuota of the stack with what its namespace's pods use, at rest and at the largest moment
 * of one rollout or of the stack's Jobs. Quotas with `scopes` or a `scopeSelector` count only some pods and
 * are left out.
 */
export function namespaceLoads(all: PolicyResource[]): NamespaceLoad[] {
    return all
        .filter((q) => q.type === TYPE.ResourceQuota && typeof q.props.metadata?.namespace === "string")
        .filter((q) => !q.props.spec?.scopes && !q.props.spec?.scopeSelector)
        .map((quota) => {
            const namespace = quota.props.metadata.namespace as string;
            const hard: Partial<Usage> = {};
            for (const [k, v] of Object.entries((quota.props.spec?.hard ?? {}) as Props)) {
                const key = (ALIAS[k] ?? k) as QuotaKey;
                const value = quantityValue(v);
                if (QUOTA_KEYS.includes(key) && !Number.isNaN(value)) hard[key] = Math.min(hard[key] ?? Infinity, value);
            }
            const defaults = defaultsIn(namespace, all);
            // The namespace's AnalysisTemplates by name, which the Rollouts' analyses name.
            const templates = new Map(
                all
                    .filter((r) => r.type === TYPE.AnalysisTemplate && r.props.metadata?.namespace === namespace)
                    .map((t) => [String(t.props.metadata?.name), t]),
            );
            let running = zero();
            const peaks: Peak[] = [];
            const runs: PolicyResource[] = [];
            let jobs = zero();
            const unset: NamespaceLoad["unset"] = [];
            for (const r of all) {
                // Only the types read here: other props may hold values unknown in a preview.
                if ((!AT_REST.includes(r.type) && !RUNS.includes(r.type)) || r.props.metadata?.namespace !== namespace) continue;
                const { usage, unset: missing } = podUsage(podSpec(r.type, r.props), defaults);
                if (missing.length > 0) unset.push({ resource: r, containers: missing });
                if (RUNS.includes(r.type)) {
                    runs.push(r);
                    jobs = add(jobs, usage, jobPods(r.type === TYPE.CronJob ? r.props.spec?.jobTemplate?.spec : r.props.spec));
                    continue;
                }
                const replicas = r.type === TYPE.Pod ? 1 : typeof r.props.spec?.replicas === "number" ? r.props.spec.replicas : 1;
                running = add(running, usage, replicas);
                peaks.push(...rolloutPeaks(r, usage, templates, defaults));
            }
            // The stack's Jobs (the smoke tests) may run together during one `up`.
            if (runs.length > 0)
                peaks.push({ what: `running ${runs.map((r) => describe(r)).join(", ")}`, pods: jobs.pods, usage: jobs, why: "its Jobs" });
            const peak = {} as NamespaceLoad["peak"];
            for (const k of QUOTA_KEYS) for (const p of peaks) if (p.usage[k] > (peak[k]?.usage[k] ?? 0)) peak[k] = p;
            return { namespace, quota, hard, running, peak, unset };
        });
}

export const quotaHeadroom: StackValidationPolicy = {
    name: "quota-headroom",
    description:
        "The namespace's ResourceQuota admits the pods the stack keeps running (Deployments, Rollouts) plus the largest moment of one rollout or of its Jobs, with every container's requests and limits set or defaulted: otherwise the quota refuses new pods and a rollout that keeps its old pods until new ones are ready never finishes.",
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
                if (hard === undefined) continue;
                const running = l.running[k];
                const peak = l.peak[k];
                const fix = `Raise ${CONFIG_KEY[k]}, or lower the apps' replicas${k === "pods" ? "" : " or resources"}.`;
                if (exceeds(running, hard))
                    report(
                        `${quota} allows ${k} ${show(k, hard)}, but the stack's pods in ${l.namespace} need ${show(k, running)} at rest: the quota refuses the pods beyond it. ${fix}`,
                        l.quota.urn,
                    );
                else if (peak && exceeds(running + peak.usage[k], hard))
                    report(
                        `${quota} allows ${k} ${show(k, hard)}; the stack's pods in ${l.namespace} use ${show(k, running)} at rest, and ${peak.what} adds ${show(k, peak.usage[k])} (${peak.pods} pod(s): ${peak.why}): the quota refuses the new pods and the rollout waits until \`up\` times out. ${fix}`,
                        l.quota.urn,
                    );
            }
        }
    },
};

export const capacityPolicies = [quotaHeadroom];
