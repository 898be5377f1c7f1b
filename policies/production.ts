// Release gates for what production must never run without: no credentials in plaintext, apps that survive
// a node drain, no users moved without a smoke test and a metric gate, a release notice, TLS on public hosts.
// Mandatory in prod; their staging levels are in policies/config/staging.json (docs/release-checklist.md).
import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { credentialReason } from "./shared/credentials";
import { LABEL, SMOKE_FOR_LABEL } from "./shared/labels";
import {
    TYPE,
    containersOf,
    describe,
    podLabels,
    podSpec,
    budgetsSelecting,
    releaseRecord,
    servicesSelecting,
    transitiveDependencies,
    POD_WORKLOADS,
    Props,
} from "./common";

const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";
const HTTP_ROUTE = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute";
const METRIC_GATE = "pulumi-nodejs:dynamic/validation:MetricGate";
const RELEASE_NOTICE = "pulumi-nodejs:dynamic/validation:ReleaseNotice";

const appOf = (r: PolicyResource | { props: Props; name: string }): string => r.props.metadata?.labels?.[LABEL.name] ?? r.name;

export const noPlaintextSecrets: ResourceValidationPolicy = {
    name: "no-plaintext-secrets",
    description:
        "No container carries a credential in plaintext (an environment variable named or valued like a password, token or key): secrets reach pods from a Kubernetes Secret through valueFrom.secretKeyRef.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        if (!POD_WORKLOADS.includes(args.type)) args.notApplicable("not a workload");
        const app = appOf(args);
        for (const { kind, container: c } of containersOf(podSpec(args.type, args.props))) {
            for (const e of (c.env ?? []) as Props[]) {
                if (e.value === undefined) continue; // valueFrom: a reference, not a value
                const why = credentialReason(String(e.name), e.value);
                if (!why) continue;
                report(
                    `${kind} '${c.name}' of ${describe(args)} has ${e.name} in plaintext (${why}): anyone who can read the Deployment or the stack reads it. ` +
                        `Move it to launchpad:apps.${app}.secretEnv.${e.name}: 'pulumi config set --secret --path launchpad:apps.${app}.secretEnv.${e.name} <value>' ` +
                        `(or { secretKeyRef: { name, key } } for an existing Secret), and remove it from apps.${app}.env.`,
                );
            }
        }
    },
};

export interface AvailabilityConfig {
    minReplicas: number;
    requireMultiAz: boolean;
}

/** Pods a PodDisruptionBudget keeps during a voluntary disruption (node drain), for `replicas` pods. */
export function podsKept(spec: Props, replicas: number): number {
    const count = (v: unknown, roundUp: boolean): number | undefined => {
        if (typeof v === "number") return v;
        const m = typeof v === "string" ? /^(\d+)%$/.exec(v) : null;
        if (!m) return undefined;
        const x = (replicas * Number(m[1])) / 100;
        return roundUp ? Math.ceil(x) : Math.floor(x);
    };
    // Kubernetes rounds both percentages up.
    const min = count(spec.minAvailable, true);
    if (min !== undefined) return Math.min(min, replicas);
    const max = count(spec.maxUnavailable, true);
    if (max !== undefined) return Math.max(replicas - max, 0);
    return 0;
}

/** Deployments that serve users now: selected by the app's own Service, not a canary track or an idle slot. */
function liveDeployments(all: PolicyResource[]): PolicyResource[] {
    const serviceNames = new Set(all.filter((r) => r.type === TYPE.Service).map((s) => s.props.metadata?.name));
    return all.filter((d) => {
        // An Argo Rollout's replicas are its stable (or active) pods: it serves whenever a Service fronts its app.
        if (d.type === TYPE.Rollout) return serviceNames.has(appOf(d));
        if (d.type !== TYPE.Deployment) return false;
        if (podLabels(d.type, d.props)[LABEL.slot] === "canary") return false;
        const app = appOf(d);
        return servicesSelecting(d, all).some((s) => s.props.metadata?.name === app);
    });
}

export const productionAvailability: StackValidationPolicy = {
    name: "production-availability",
    description:
        "The live slot (or stable track) of every app that serves traffic runs at least the minimum replicas, spread over nodes or zones, with a PodDisruptionBudget that keeps a pod through a node drain; databases run in more than one zone.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            minReplicas: { type: "integer", minimum: 1, default: 2, description: "Fewest pods the live slot of a serving app may run." },
            requireMultiAz: { type: "boolean", default: true, description: "RDS instances must be Multi-AZ." },
        },
    },
    validateStack: (args, report) => {
        const cfg = args.getConfig<AvailabilityConfig>();
        const live = liveDeployments(args.resources);
        const databases = args.resources.filter((r) => r.type === TYPE.RdsInstance && !r.props.replicateSourceDb);
        if (live.length === 0 && databases.length === 0) args.notApplicable("no serving Deployments or databases");
        for (const d of live) {
            const app = appOf(d);
            const replicas = d.props.spec?.replicas ?? 1;
            if (replicas < cfg.minReplicas)
                report(
                    `${describe(d)} serves ${app}'s users with ${replicas} replica(s): one node drain or crash takes the app down. Set launchpad:apps.${app}.replicas to at least ${cfg.minReplicas}.`,
                    d.urn,
                );
            const budgets = budgetsSelecting(d, args.resources);
            if (!budgets.some((p) => podsKept(p.props.spec ?? {}, replicas) >= 1))
                report(
                    `${describe(d)} has no PodDisruptionBudget that keeps a pod of its ${replicas} through a node drain${budgets.length > 0 ? ` (${budgets.map((p) => describe(p)).join(", ")} lets every pod go)` : ""}: raise launchpad:apps.${app}.replicas to at least ${cfg.minReplicas} (the budget allows one pod down at a time).`,
                    d.urn,
                );
            const spread = ((podSpec(d.type, d.props)?.topologySpreadConstraints ?? []) as Props[]).map((c) => c.topologyKey);
            if (!spread.includes("kubernetes.io/hostname") && !spread.includes("topology.kubernetes.io/zone"))
                report(
                    `${describe(d)} does not spread its pods over nodes or zones (topologySpreadConstraints): all replicas can land on one node. Spread them by kubernetes.io/hostname and topology.kubernetes.io/zone (components/deploy/podTemplate.ts does).`,
                    d.urn,
                );
        }
        if (cfg.requireMultiAz)
            for (const db of databases)
                if (db.props.multiAz !== true)
                    report(
                        `${describe(db)} runs in one availability zone: a zone outage or maintenance stops it. Set launchpad:apps.<app>.data.postgres.multiAz: true.`,
                        db.urn,
                    );
    },
};

/** Does `r` wait (transitively) for `app`'s smoke-test Job and metric gate? */
function validation(r: PolicyResource, app: string, all: PolicyResource[]): { smoke: boolean; gate: boolean } {
    let smoke = false;
    let gate = false;
    transitiveDependencies(r, all, (d) => {
        smoke ||= d.type === TYPE.Job && d.props.metadata?.labels?.[SMOKE_FOR_LABEL] === app;
        gate ||= d.type === METRIC_GATE && d.props.app === app;
        return smoke && gate;
    });
    return { smoke, gate };
}

/** The AnalysisTemplates an Argo Rollout runs before users move: canary analysis steps, blue-green pre-promotion. */
function rolloutAnalyses(r: PolicyResource): string[] {
    const strategy = r.props.spec?.strategy ?? {};
    const refs = (a: Props | undefined) => ((a?.templates ?? []) as Props[]).map((t) => String(t.templateName));
    const steps = (strategy.canary?.steps ?? []) as Props[];
    return [...steps.flatMap((st) => refs(st.analysis)), ...refs(strategy.blueGreen?.prePromotionAnalysis)];
}

/** Objects that move users to a version, with what they do. */
function trafficMoves(all: PolicyResource[]): { resource: PolicyResource; app: string; what: string; abort: string }[] {
    const out: { resource: PolicyResource; app: string; what: string; abort: string }[] = [];
    for (const r of all) {
        const app = () => appOf(r);
        if (r.type === INGRESS) {
            const a = r.props.metadata?.annotations ?? {};
            const weight = Number(a["nginx.ingress.kubernetes.io/canary-weight"] ?? 0);
            if (a["nginx.ingress.kubernetes.io/canary"] === "true" && weight > 0)
                out.push({ resource: r, app: app(), what: `sends ${weight}% of users to the canary`, abort: "strategy.weight: 0" });
        } else if (r.type === HTTP_ROUTE) {
            for (const rule of (r.props.spec?.rules ?? []) as Props[]) {
                const canary = ((rule.backendRefs ?? []) as Props[]).find(
                    (b) => String(b.name).endsWith("-canary") && Number(b.weight) > 0,
                );
                if (canary)
                    out.push({ resource: r, app: app(), what: `sends weight ${canary.weight} to the canary`, abort: "strategy.weight: 0" });
            }
        } else if (r.type === TYPE.Service && r.parent?.type === TYPE.BlueGreen && r.name === r.parent.name) {
            out.push({ resource: r, app: app(), what: "switches users to the active slot", abort: "strategy.activeSlot back" });
        } else if (r.type === TYPE.Deployment && r.parent?.type === TYPE.Canary && podLabels(r.type, r.props)[LABEL.slot] === "canary") {
            // router: replicas: the canary's pods are behind the app's Service, so its replica count is the weight.
            const served = servicesSelecting(r, all).some((s) => s.props.metadata?.name === app());
            if (served && (r.props.spec?.replicas ?? 1) > 0)
                out.push({ resource: r, app: app(), what: "puts canary pods behind the app's Service", abort: "strategy.weight: 0" });
        } else if (r.type === TYPE.Deployment && r.parent?.type === TYPE.Direct) {
            if (servicesSelecting(r, all).length > 0)
                out.push({
                    resource: r,
                    app: app(),
                    what: "rolls a new version out to every user (direct)",
                    abort: "strategy.type blueGreen or canary",
                });
        }
    }
    return out;
}

export const validatedTraffic: StackValidationPolicy = {
    name: "validated-traffic",
    description:
        "Every change that moves users (a canary weight above 0, a blue-green switch, a direct rollout of a serving app) waits for the app's smoke test and metric gate.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const moves = trafficMoves(args.resources);
        // Argo Rollouts: the controller moves users by the Rollout's steps; its analysis must run the app's
        // smoke test and metric gate (AnalysisTemplates <app>-smoke and <app>-gate). Where in the steps they run
        // is the app's choice (docs/argo-rollouts.md); this gate checks that they run at all.
        const rollouts = args.resources.filter((r) => r.type === TYPE.Rollout);
        if (moves.length === 0 && rollouts.length === 0) args.notApplicable("nothing moves users");
        for (const r of rollouts) {
            const app = appOf(r);
            const analyses = rolloutAnalyses(r);
            const missing = [
                ...(analyses.includes(`${app}-smoke`) ? [] : ["smoke test"]),
                ...(analyses.includes(`${app}-gate`) ? [] : ["metric gate"]),
            ];
            if (missing.length > 0)
                report(
                    `${describe(r)} lets the Argo Rollouts controller move users of '${app}' without its ${missing.join(" and ")} (AnalysisTemplates ${app}-smoke and ${app}-gate in the canary's analysis steps or the blue-green prePromotionAnalysis): set launchpad:apps.${app}.smoke, enable the gate, and keep an analysis step in strategy.argo.steps.`,
                    r.urn,
                );
        }
        for (const m of moves) {
            const v = validation(m.resource, m.app, args.resources);
            const missing = [...(v.smoke ? [] : ["smoke test"]), ...(v.gate ? [] : ["metric gate"])];
            if (missing.length === 0) continue;
            const fixes = [
                ...(v.smoke ? [] : [`set launchpad:apps.${m.app}.smoke (checks of the new version, run before users move)`]),
                ...(v.gate
                    ? []
                    : [
                          `enable the gate (launchpad:validation.prometheusUrl set, validation.gate.enabled and apps.${m.app}.gate.enabled not false${m.resource.parent?.type === TYPE.Direct ? `; a direct app has none: set strategy.type to blueGreen or canary` : ""})`,
                      ]),
            ];
            report(
                `${describe(m.resource)} ${m.what} of '${m.app}' without its ${missing.join(" and ")}: a bad version reaches users unchecked. ${fixes.join("; ")}; or hold traffic (${m.abort}).`,
                m.resource.urn,
            );
        }
    },
};

export const releaseNotice: StackValidationPolicy = {
    name: "release-notice",
    description: "The release is announced when it ships: the stack publishes a release notice for its version (releases topic, chat).",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const record = releaseRecord(args.resources);
        if (!record.found) args.notApplicable("no release record (the announced policy reports it)");
        const version = record.found ? record.facts.version : "";
        const notices = args.resources.filter((r) => r.type === RELEASE_NOTICE);
        if (!notices.some((n) => n.props.version === version))
            report(
                `release ${version} ships without a release notice${notices.length > 0 ? ` (notices found for ${notices.map((n) => n.props.version).join(", ")})` : ""}: the communication step of the checklist is skipped. Remove launchpad:validation.notices.enabled: false (production publishes one notice per version to the releases topic).`,
            );
    },
};

export interface PublicTlsConfig {
    tlsListeners: string[];
}

/** Does a TLS host entry (possibly `*.domain`) cover `host`? */
export const tlsCovers = (pattern: string, host: string): boolean =>
    pattern === host || (pattern.startsWith("*.") && host.endsWith(pattern.slice(1)) && !host.slice(0, -pattern.length + 1).includes("."));

export const publicTls: ResourceValidationPolicy = {
    name: "public-tls",
    description: "Every public host is served over TLS: each Ingress host has a TLS entry, each HTTPRoute attaches to a TLS listener.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            tlsListeners: {
                type: "array",
                items: { type: "string" },
                default: ["https"],
                description: "Gateway listener names (HTTPRoute parentRefs sectionName) that terminate TLS.",
            },
        },
    },
    validateResource: (args, report) => {
        const fix =
            "set launchpad:environment.ingress.tlsSecretName to the certificate Secret of the environment's hosts (cert-manager or similar)";
        if (args.type === INGRESS) {
            const tlsHosts = ((args.props.spec?.tls ?? []) as Props[]).flatMap((t) => (t.hosts ?? []) as string[]);
            for (const rule of (args.props.spec?.rules ?? []) as Props[]) {
                const host = rule.host ?? "(any host)";
                if (!tlsHosts.some((p) => tlsCovers(p, host)))
                    report(`${describe(args)} serves ${host} over plain http (no spec.tls entry for it): ${fix}.`);
            }
        } else if (args.type === HTTP_ROUTE) {
            const cfg = args.getConfig<PublicTlsConfig>();
            for (const ref of (args.props.spec?.parentRefs ?? []) as Props[])
                if (!cfg.tlsListeners.includes(ref.sectionName))
                    report(
                        `${describe(args)} attaches to Gateway ${ref.namespace ?? ""}/${ref.name} ${ref.sectionName ? `listener '${ref.sectionName}'` : "on every listener, plain http included"}: ${fix} (routes then attach to the '${cfg.tlsListeners[0] ?? "https"}' listener).`,
                    );
        } else args.notApplicable("not an Ingress or HTTPRoute");
    },
};

export const productionPolicies = [noPlaintextSecrets, productionAvailability, validatedTraffic, releaseNotice, publicTls];
