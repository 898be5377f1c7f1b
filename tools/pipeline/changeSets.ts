// The documented change set of every release operation: which resources its `pulumi up` touches, how,
// which properties, and why. One source: the release-operation matrix (test/pipeline/matrix.{prod,staging}.spec.ts)
// checks every operation's real plan diff against it, and docs/pipeline.md's "What each operation
// changes" is rendered from it (`npm run docs:changes`; a test fails when the docs drift).
import type { Op, ResourceChange } from "../plan/diff";

const T = {
    Deployment: "kubernetes:apps/v1:Deployment",
    Service: "kubernetes:core/v1:Service",
    Ingress: "kubernetes:networking.k8s.io/v1:Ingress",
    HTTPRoute: "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute",
    PDB: "kubernetes:policy/v1:PodDisruptionBudget",
    ConfigMap: "kubernetes:core/v1:ConfigMap",
    Job: "kubernetes:batch/v1:Job",
    NetworkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    Rule: "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
    FeatureFlag: "kubernetes:core.openfeature.dev/v1beta1:FeatureFlag",
    Snapshot: "aws:rds/snapshot:Snapshot",
    RandomId: "random:index/randomId:RandomId",
    VeleroBackup: "kubernetes:velero.io/v1:Backup",
    SmokeTest: "launchpad:validation:SmokeTest",
    Rollout: "kubernetes:argoproj.io/v1alpha1:Rollout",
    AnalysisTemplate: "kubernetes:argoproj.io/v1alpha1:AnalysisTemplate",
    Gate: "pulumi-nodejs:dynamic/validation:MetricGate",
    Notice: "pulumi-nodejs:dynamic/validation:ReleaseNotice",
} as const;

/** What an operation was applied to: names the rows' templates expand with. */
export interface OperationContext {
    /** The app operated on (`{app}`). */
    app?: string;
    /** The flag changed (`{flag}`) and the apps it is delivered to (`{flagApp}`). */
    flag?: string;
    flagApps?: string[];
    /**
     * The workloads of those apps listed in `delivery.<env>.rollOnChange`, which restart on a change of
     * their definitions: Deployments (`{restartedDeployment}`) and Argo Rollouts (`{restartedRollout}`).
     */
    restarted?: { deployments: string[]; rollouts: string[] };
    /** Every app of the stack (`{each}`). */
    apps: string[];
    /**
     * The release backup key (`releaseBackupKey`: release and versions) of every data-owning app before and
     * after the operation: `{old}` and `{new}` in a row's name, for the app the row's `{app}` or `{each}` names.
     */
    backupKeys?: { before: Record<string, string>; after: Record<string, string> };
    /** The canary router of `{app}`, for router-specific rows. */
    router?: "nginx" | "gateway" | "replicas";
    /** The canary's share of pods before and after (traffic.ts canarySplit), for the replica rows. */
    canaryPods?: { before: number; after: number };
}

export interface ExpectedChange {
    type: string;
    /** Logical name; `{app}`, `{each}`, `{flagApp}`, `{restartedDeployment}`, `{restartedRollout}`, `{old}`, `{new}` expand from the context. */
    name: string;
    op: Op;
    /** Property paths that change, every one of them; `*` stands for one list index or key. */
    paths?: string[];
    /** Property paths that change only when the values differ (an image two releases share). */
    mayChange?: string[];
    why: string;
    /** Rows that apply only in some states; `text` is what the docs say. */
    when?: { text: string; test: (c: OperationContext) => boolean };
}

export interface OperationSpec {
    id: string;
    title: string;
    /** The command or documented edit that performs it. */
    how: string;
    /** The gate that refuses it until it is complete (mandatory where the stack's pack config says so). */
    refusedBy?: string;
    rows: ExpectedChange[];
    /** Said once under the table. */
    note?: string;
}

const nginx = { text: "router `nginx`", test: (c: OperationContext) => c.router === "nginx" };
const gateway = { text: "router `gateway`", test: (c: OperationContext) => c.router === "gateway" };
const replicaRouter = { text: "router `replicas`", test: (c: OperationContext) => c.router === "replicas" };
const podsChange = {
    text: "the canary's share of pods changes",
    test: (c: OperationContext) => c.router !== "replicas" && c.canaryPods !== undefined && c.canaryPods.before !== c.canaryPods.after,
};

const CONFIG_CHECKSUM = 'spec.template.metadata.annotations["launchpad.dev/config-checksum"]';
const VERSION_LABELS = ['metadata.labels["app.kubernetes.io/version"]', 'spec.template.metadata.labels["app.kubernetes.io/version"]'];
const IMAGE = "spec.template.spec.containers[0].image";

/** The smoke test a change of the tested release re-runs (if the app has one); `what` is what it tests. */
const smokeRerun = (what: string): ExpectedChange[] => [
    {
        type: T.Job,
        name: "{app}-smoke",
        op: "replace",
        paths: ['metadata.annotations["launchpad.dev/release"]', "metadata.name", "spec.template.spec.volumes[0].configMap.name"],
        why: `a new smoke-test Job of ${what} (named after the release it tests) runs before traffic moves; \`up\` waits for it`,
    },
    {
        type: T.ConfigMap,
        name: "{app}-smoke",
        op: "replace",
        paths: ['data["input.json"]', "metadata.name"],
        why: "the smoke test's checks and target, immutable and named after their content",
    },
];

const canaryTraffic: ExpectedChange[] = [
    {
        type: T.Ingress,
        name: "{app}-canary",
        op: "update",
        paths: ['metadata.annotations["nginx.ingress.kubernetes.io/canary-weight"]'],
        why: "ingress-nginx sends this share of requests to the canary",
        when: nginx,
    },
    {
        type: T.HTTPRoute,
        name: "{app}",
        op: "update",
        paths: ["spec.rules[*].backendRefs[*].weight"],
        why: "Gateway API backend weights of the stable and canary Services",
        when: gateway,
    },
    {
        type: T.Deployment,
        name: "{app}-canary",
        op: "update",
        paths: ["spec.replicas"],
        why: "the canary gets enough pods for its share",
        when: podsChange,
    },
    {
        type: T.Deployment,
        name: "{app}-canary",
        op: "update",
        paths: ["spec.replicas"],
        why: "the replica ratio is the traffic split",
        when: replicaRouter,
    },
    {
        type: T.Deployment,
        name: "{app}-stable",
        op: "update",
        paths: ["spec.replicas"],
        why: "the replica ratio is the traffic split",
        when: replicaRouter,
    },
    {
        type: T.Gate,
        name: "{app}-gate",
        op: "update",
        paths: ["weight"],
        why: "the metric gate is evaluated again before the new weight (a provider diff on the weight)",
    },
];

/** The canary's own objects: created by a new canary, deleted by a promotion. */
function canaryObjects(op: "create" | "delete", why: string): ExpectedChange[] {
    return [
        { type: T.Deployment, name: "{app}-canary", op, why },
        { type: T.Service, name: "{app}-canary", op, why },
        { type: T.Ingress, name: "{app}-canary", op, why, when: nginx },
        { type: T.PDB, name: "{app}-canary", op, why },
        {
            type: T.Rule,
            name: "{app}-alerts",
            op: "update",
            paths: ['spec.groups[name="{app}.release-comparison"]'],
            why: "the alerts comparing the canary with the stable release",
        },
        { type: T.SmokeTest, name: "{app}", op, why: "the smoke test of the candidate (component)" },
        { type: T.Job, name: "{app}-smoke", op, why: "the candidate's smoke-test Job" },
        { type: T.ConfigMap, name: "{app}-smoke", op, why: "its checks" },
        { type: T.NetworkPolicy, name: "{app}-smoke-egress", op, why: "what the smoke test may reach" },
        { type: T.NetworkPolicy, name: "{app}-smoke-ingress", op, why: "the candidate admits the smoke test" },
        { type: T.Gate, name: "{app}-gate", op, why: "the metric gate comparing canary and stable" },
    ];
}

/** An Argo app's pod template moves to another release: the Rollout and the smoke analysis that names the version. */
function argoTemplateChange(why: string): ExpectedChange[] {
    return [
        { type: T.Rollout, name: "{app}", op: "update", paths: VERSION_LABELS, mayChange: [IMAGE], why },
        {
            type: T.AnalysisTemplate,
            name: "{app}-smoke",
            op: "update",
            paths: ["spec.metrics[0].provider.job.spec.template.spec.volumes[0].configMap.name"],
            why: "the smoke analysis runs the checks of the release under test",
        },
        {
            type: T.ConfigMap,
            name: "{app}-smoke",
            op: "replace",
            paths: ['data["input.json"]', "metadata.name"],
            why: "the smoke test's checks (the version under test), immutable and named after their content",
        },
        {
            type: T.Rule,
            name: "{app}-alerts",
            op: "update",
            paths: ['spec.groups[name="{app}.release-comparison"]'],
            why: "the alerts comparing the canary with the stable release (the same series the analysis reads)",
        },
    ];
}

/**
 * A data-owning app whose versions change (production waits for it before the rollout): new release
 * backups under the new key, the previous key's kept. Rows of apps without data do not apply.
 */
const newBackups = (app: "{app}" | "{each}", what: string): ExpectedChange[] => [
    {
        type: T.Snapshot,
        name: `${app}-release-{new}`,
        op: "create",
        why: `the database snapshot taken before ${what} rolls out (apps with a database)`,
    },
    {
        type: T.VeleroBackup,
        name: `${app}-release-{new}`,
        op: "create",
        why: `the Velero Backup of the app's objects and volumes taken before ${what}`,
    },
    { type: T.RandomId, name: `${app}-release-{new}`, op: "create", why: "the suffix of the new backups' names, drawn once" },
    {
        type: T.Snapshot,
        name: `${app}-release-{old}`,
        op: "retain",
        why: "the previous snapshot leaves the stack and stays in AWS (retainOnDelete)",
    },
    {
        type: T.VeleroBackup,
        name: `${app}-release-{old}`,
        op: "retain",
        why: "the previous Velero Backup stays in the cluster until its ttl (retainOnDelete)",
    },
    { type: T.RandomId, name: `${app}-release-{old}`, op: "delete", why: "the previous backups' suffix (a value in the state only)" },
];

export const OPERATIONS: readonly OperationSpec[] = [
    {
        id: "switch",
        title: "Blue-green switch",
        how: "`npm run release -- switch --stack <s> --app <app>`",
        rows: [
            {
                type: T.Service,
                name: "{app}",
                op: "update",
                paths: ['spec.selector["launchpad.dev/slot"]'],
                why: "users move to the other slot",
            },
            {
                type: T.Service,
                name: "{app}-preview",
                op: "update",
                paths: ['spec.selector["launchpad.dev/slot"]'],
                why: "the preview host now shows the previous slot (the rollback target)",
            },
            {
                type: T.Rule,
                name: "{app}-alerts",
                op: "update",
                paths: ["expr", "labels.slot", "annotations.summary", "annotations.description"].map((p) => `spec.groups[*].rules[*].${p}`),
                why: "the release comparison follows the slots: idle against live",
            },
            {
                type: T.Gate,
                name: "{app}-gate",
                op: "update",
                paths: [
                    "abortCommand",
                    "baseline.name",
                    "baseline.version",
                    "candidate.name",
                    "candidate.version",
                    "queries.baselineErrorRatio",
                    "queries.baselineLatency",
                    "queries.candidateErrorRatio",
                    "queries.candidateLatency",
                ],
                why: "the metric gate judges the slot about to go live before the selectors change",
            },
            ...smokeRerun("the new idle slot, through the preview Service"),
        ],
        note: "The Deployments do not change: both slots keep running, so switching back is instant.",
    },
    {
        id: "rollback-blue-green",
        title: "Rollback (blue-green)",
        how: "`npm run release -- rollback --stack <s> --app <app> [--to <ref>]` (or `switch` back)",
        rows: [],
        note: "Exactly the switch's change set: the previous slot becomes live again. With `--to` a revision whose slots held other versions, the slots change too: the rows of a new idle-slot release, and new backups of an app with data.",
    },
    {
        id: "canary-step",
        title: "Canary step (and abort)",
        how: "`npm run release -- canary-step --stack <s> --app <app> --weight <n>`; abort is `abort` (weight 0)",
        rows: canaryTraffic,
    },
    {
        id: "promote",
        title: "Promote a canary",
        how: "`npm run release -- promote --stack <s> --app <app>`",
        rows: [
            {
                type: T.Deployment,
                name: "{app}-stable",
                op: "update",
                paths: VERSION_LABELS,
                mayChange: [IMAGE],
                why: "the stable track rolls to the promoted release (maxUnavailable 0)",
            },
            ...canaryObjects("delete", "the canary track is gone"),
            ...newBackups("{app}", "the stable track"),
        ],
    },
    {
        id: "canary-start",
        title: "Start a canary",
        how: "edit: set `apps.<app>.strategy.canary` to the candidate `{image, version}` and `weight: 0`",
        rows: [...canaryObjects("create", "the canary track, without traffic"), ...newBackups("{app}", "the canary")],
    },
    {
        id: "argo-new-version",
        title: "New version of an Argo Rollouts app (and recording an abort)",
        how: "edit: set `apps.<app>.strategy.canary` to the candidate `{image, version}` (engine `argoRollouts`); the controller walks the steps. After `kubectl argo rollouts abort`, record it by removing `strategy.canary` (`pulumi config rm --path 'apps.<app>.strategy.canary'`): the same rows, back to the stable release",
        rows: [
            ...argoTemplateChange("the Rollout's pod template runs the candidate; the controller starts the steps"),
            ...newBackups("{app}", "the Rollout's new pod template"),
        ],
        note: "Nothing else: the controller, not `up`, creates the canary ReplicaSet, moves the weights (its own canary Ingress or the HTTPRoute's weights) and runs the analysis. See docs/argo-rollouts.md.",
    },
    {
        id: "argo-promote",
        title: "Record a promotion of an Argo Rollouts app",
        how: "after the controller finished the steps (or `kubectl argo rollouts promote --full`): `npm run release -- promote --stack <s> --app <app>`",
        rows: [
            {
                type: T.Rule,
                name: "{app}-alerts",
                op: "update",
                paths: ['spec.groups[name="{app}.release-comparison"]'],
                why: "no candidate any more: the canary-versus-stable alerts go",
            },
        ],
        note: "The Rollout does not change: its pod template already runs the promoted release, so `up` only records what the controller did.",
    },
    {
        id: "direct-release",
        title: "New release of a direct app (and its rollback)",
        how: "edit `apps.<app>.strategy.release`; rollback: `npm run release -- rollback --stack <s> --app <app> [--to <ref>]`",
        rows: [
            {
                type: T.Deployment,
                name: "{app}",
                op: "update",
                paths: VERSION_LABELS,
                mayChange: [IMAGE],
                why: "a rolling update to the release (maxUnavailable 0)",
            },
            ...newBackups("{app}", "the new release"),
        ],
    },
    {
        id: "flag-rollout",
        title: "Raise a flag's rollout (and kill switch)",
        how: "edit `launchpad:flags` in Pulumi.yaml: `flags.<flag>.environments.<env>.rollout.percentage`, or `killed: true`",
        rows: [
            {
                type: T.ConfigMap,
                name: "{flagApp}-flags",
                op: "update",
                paths: ['data["flags.json"]'],
                why: "the flagd sidecar reloads its flag document; no pod restarts",
            },
            {
                type: T.FeatureFlag,
                name: "{flagApp}-flags",
                op: "update",
                paths: ["spec.flagSpec.flags.{flag}.**"],
                why: "the OpenFeature Operator serves the new flag definition",
            },
            {
                type: T.Deployment,
                name: "{restartedDeployment}",
                op: "update",
                paths: [CONFIG_CHECKSUM],
                why: "an app in `delivery.<env>.rollOnChange`: the definitions' checksum on the pod template restarts its pods (a rolling update)",
            },
            {
                type: T.Rollout,
                name: "{restartedRollout}",
                op: "update",
                paths: [CONFIG_CHECKSUM],
                why: "the same on Argo Rollouts: a new pod template, which the controller walks through the steps and analysis again",
            },
        ],
        note: "Per app that receives the flag (`flags.<flag>.apps`), by its environment's delivery: a ConfigMap (sidecar) or a FeatureFlag (operator); the apps in `rollOnChange` restart, the others reload the definitions live. The same rows for a flag's `state` (`DISABLED`) and its other per-environment settings.",
    },
    {
        id: "new-version",
        title: "New release version",
        how: "edit `launchpad:release` (version, announcedAt, launchAt) and add `release/notes/<version>.md`; CI writes the evidence",
        refusedBy: "documented",
        rows: [
            ...newBackups("{each}", "this release"),
            {
                type: T.ConfigMap,
                name: "launchpad-release",
                op: "update",
                paths: ["data.version", "data.notesUrl", 'metadata.annotations["launchpad.dev/release"]'],
                mayChange: ["data.announcedAt", "data.launchAt"],
                why: "the release record the gates read",
            },
            {
                type: T.Notice,
                name: "release-notice",
                op: "update",
                paths: ["version", "notesUrl"],
                mayChange: ["announcedAt", "launchAt"],
                why: "a new version: the notice is published to the releases topic",
            },
        ],
        note: "Without `release/notes/<version>.md` the plan exits 1: the `documented` gate names the file to write.",
    },
];

export const operation = (id: string): OperationSpec => {
    const op = OPERATIONS.find((o) => o.id === id);
    if (!op) throw new Error(`no operation '${id}' in changeSets.ts`);
    return op.id === "rollback-blue-green" ? { ...op, rows: operation("switch").rows } : op;
};

function expand(template: string, c: OperationContext): string[] {
    const need = <T>(key: string, value: T | undefined): T => {
        if (value === undefined) throw new Error(`${template}: the context has no ${key}`);
        return value;
    };
    // The app each name is about (`{app}`, or every app for `{each}`), which `{old}` and `{new}` follow.
    const apps: (string | undefined)[] = template.includes("{app}")
        ? [need("{app}", c.app)]
        : template.includes("{each}")
          ? c.apps
          : [undefined];
    let names = apps.map((app) => ({
        app,
        name: app === undefined ? template : template.split("{app}").join(app).split("{each}").join(app),
    }));
    if (template.includes("{flagApp}"))
        names = names.flatMap((n) => need("{flagApp}", c.flagApps).map((f) => ({ ...n, name: n.name.split("{flagApp}").join(f) })));
    for (const [key, list] of [
        ["{restartedDeployment}", c.restarted?.deployments],
        ["{restartedRollout}", c.restarted?.rollouts],
    ] as const)
        if (template.includes(key)) names = names.flatMap((n) => need(key, list).map((w) => ({ ...n, name: n.name.split(key).join(w) })));
    for (const [key, when] of [
        ["{old}", "before"],
        ["{new}", "after"],
    ] as const) {
        if (!template.includes(key)) continue;
        const keys = need(key, c.backupKeys)[when];
        // An app without data has no key, and so no such resource: the row does not apply to it.
        names = names
            .filter((n) => n.app !== undefined && keys[n.app] !== undefined)
            .map((n) => ({ ...n, name: n.name.split(key).join(keys[n.app!]) }));
    }
    return names.map((n) => n.name);
}

/** `*` matches one list index or key, a final `.**` any property below; everything else literally. */
function pathMatcher(pattern: string): RegExp {
    const deep = pattern.endsWith(".**");
    const escaped = (deep ? pattern.slice(0, -3) : pattern).replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/\\\*/g, "[^.\\[\\]]+");
    return new RegExp(`^${escaped}${deep ? "[.\\[].+" : ""}$`);
}

/** A row's path with the context's names in place of `{app}` and `{flag}`. */
const pathOf = (p: string, c: OperationContext) =>
    p
        .split("{app}")
        .join(c.app ?? "{app}")
        .split("{flag}")
        .join(c.flag ?? "{flag}");

export interface ChangeSetMismatch {
    resource: string;
    problem: string;
}

/**
 * Compares a plan diff's changes with an operation's change set. `exists` says whether a resource is
 * in the plan before (for update, replace, delete, retain) or after (for create) the operation: rows of
 * resources the stack does not have (an app without a smoke test, a stack without release backups) do
 * not apply. Returns every difference; empty when the diff is exactly the documented change set.
 */
export function checkChangeSet(
    spec: OperationSpec,
    ctx: OperationContext,
    actual: ResourceChange[],
    exists: (type: string, name: string, when: "before" | "after") => boolean,
): ChangeSetMismatch[] {
    const expected = new Map<string, ExpectedChange>();
    for (const row of operation(spec.id).rows) {
        if (row.when && !row.when.test(ctx)) continue;
        for (const name of expand(row.name, ctx)) {
            if (!exists(row.type, name, row.op === "create" ? "after" : "before")) continue;
            const key = `${row.op} ${row.type}::${name}`;
            const prev = expected.get(key);
            expected.set(key, prev ? { ...row, paths: [...(prev.paths ?? []), ...(row.paths ?? [])] } : { ...row, name });
        }
    }
    const out: ChangeSetMismatch[] = [];
    const seen = new Set<string>();
    for (const r of actual) {
        const key = `${r.op} ${r.type}::${r.name}`;
        seen.add(key);
        const row = expected.get(key);
        if (!row) {
            out.push({ resource: key, problem: `not in the change set (paths: ${r.changes.map((c) => c.path).join(", ") || "-"})` });
            continue;
        }
        const required = (row.paths ?? []).map((p) => pathOf(p, ctx));
        const allowed = [...required, ...(row.mayChange ?? []).map((p) => pathOf(p, ctx))].map(pathMatcher);
        for (const c of r.changes)
            if (!allowed.some((m) => m.test(c.path))) out.push({ resource: key, problem: `unexpected change of ${c.path}` });
        for (const p of required)
            if (!r.changes.some((c) => pathMatcher(p).test(c.path))) out.push({ resource: key, problem: `${p} did not change` });
    }
    for (const key of expected.keys()) if (!seen.has(key)) out.push({ resource: key, problem: "documented, but not in the diff" });
    return out;
}

const OP_WORD: Record<Op, string> = {
    create: "create",
    update: "update",
    replace: "replace",
    delete: "delete",
    retain: "removed from the stack, kept (retainOnDelete)",
};

/** The docs section: one table per operation. */
export function renderChangeSets(): string {
    const out: string[] = [];
    for (const spec of OPERATIONS) {
        out.push(`#### ${spec.title}`, "", `How: ${spec.how}.`, "");
        if (spec.id === "rollback-blue-green") {
            out.push(spec.note ?? "", "");
            continue;
        }
        out.push("| Resource | Change | Properties | Why |", "|---|---|---|---|");
        for (const r of spec.rows) {
            const props = [...(r.paths ?? []).map((p) => `\`${p}\``), ...(r.mayChange ?? []).map((p) => `\`${p}\` (if it differs)`)];
            const when = r.when ? ` (only when ${r.when.text})` : "";
            out.push(`| \`${r.type.split(":").pop()}\` \`${r.name}\` | ${OP_WORD[r.op]} | ${props.join(", ") || "—"} | ${r.why}${when} |`);
        }
        out.push("");
        if (spec.refusedBy) out.push(`Refused until complete by the \`${spec.refusedBy}\` gate (mandatory in production).`, "");
        if (spec.note) out.push(spec.note, "");
    }
    return out.join("\n").trimEnd() + "\n";
}
