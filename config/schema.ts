// The one schema for Launchpad's stack configuration. index.ts, the offline plan and the tests all
// validate through here, so a bad value fails the same way everywhere, before any resource exists.
import { z } from "zod";
import {
    metricsDefaults,
    metricsSchema,
    monitoringDefaults,
    refineMonitoring,
    monitoringSchema,
    sloDefaults,
    sloSchema,
} from "./monitoring";
import { flagsSchema, refineFlags } from "./flags";
import { appDataSchema, backupSchema, refineBackup } from "./backup";
import { gateOverrideSchema, refineValidation, smokeSchema, validationSchema } from "./validation";
import { buildSchema, imagesSchema, refineImages } from "./images";
import { VmAppConfig, vmAppSchema } from "./vm";
import { argoSchema, deliveryEngine, refineDelivery } from "./delivery";
import { quantityValue } from "../policies/shared/quantity";
import { EXTRA_VOLUMES, volumeName } from "../components/deploy/podTemplate";
import { previewHost } from "../components/deploy/traffic";
import { derivedParts, nameClashes } from "../components/app/naming";

import {
    DNS_NAME_MAX,
    dnsLabel,
    dnsName,
    dnsSubdomain,
    httpUrl,
    intRange,
    ipCidr,
    pinnedImage,
    secretKey,
    versionLabel,
} from "./primitives";

export { dnsLabel, intRange, pinnedImage };

const quantity = z.string().regex(/^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti|k|M|G)?$/, {
    error: "expected a Kubernetes quantity such as 250m, 1, 128Mi or 2Gi",
});

/**
 * The most one container may have (the environment's LimitRange `max`): admission refuses a pod with a
 * container limit above it, so a Deployment asking for more never gets its pods.
 */
export const CONTAINER_MAX = { cpu: "4", memory: "8Gi" } as const;

/** One running version of an app: what a slot or track runs. */
export const releaseSpec = z.strictObject({
    /** Image pinned by digest. Absent: the image built from `apps.<app>.build` (see config/images.ts). */
    image: pinnedImage.optional(),
    /** Human version, shown in labels (`app.kubernetes.io/version`) and outputs. */
    version: versionLabel("6.7.1"),
});
export type ReleaseSpec = z.infer<typeof releaseSpec>;

export const slotNames = ["blue", "green"] as const;
export type Slot = (typeof slotNames)[number];

export const directStrategy = z.strictObject({
    type: z.literal("direct"),
    release: releaseSpec,
    /** `rolling` keeps every old pod until its replacement is ready (maxUnavailable 0); `recreate` stops all first. */
    rollout: z.enum(["rolling", "recreate"]).default("rolling"),
});

export const blueGreenStrategy = z.strictObject({
    type: z.literal("blueGreen"),
    /** The slot the live Service selects. Switching is changing only this value. */
    activeSlot: z.enum(slotNames),
    slots: z.strictObject({ blue: releaseSpec, green: releaseSpec }),
    /**
     * Replicas of the idle slot. Defaults to the app's replicas (kept warm), so that a switch changes
     * nothing but the Services' selectors.
     */
    idleReplicas: intRange(0, 100).optional(),
    /**
     * Client address ranges allowed on the preview host (`<app>-preview.<domain>`, with `host` only); any
     * other client gets 403 from ingress-nginx (annotation `nginx.ingress.kubernetes.io/whitelist-source-range`,
     * which needs the client's address to reach the controller: README, Configuration reference). Unset: the preview
     * host is as public as the live one.
     */
    previewAllowFrom: z.array(ipCidr).min(1, { error: "expected at least one range (leave the key out for a public preview)" }).optional(),
    /** Who runs the switch: Launchpad or Argo Rollouts (config/delivery.ts). @default environment.deliveryEngine */
    engine: deliveryEngine.optional(),
    /** Argo Rollouts settings (engine argoRollouts only). */
    argo: argoSchema.optional(),
});

export const canaryRouters = ["nginx", "gateway", "replicas"] as const;
export const canaryStrategy = z.strictObject({
    type: z.literal("canary"),
    stable: releaseSpec,
    /** The candidate version. Absent once promoted. */
    canary: releaseSpec.optional(),
    /** Percentage of traffic the canary receives. A step is a change of this value; abort is 0. */
    weight: intRange(0, 100).default(0),
    /**
     * How traffic is split: ingress-nginx canary annotations, Gateway API HTTPRoute weights, or the
     * ratio of canary to stable replicas behind one Service when no router is available.
     */
    router: z.enum(canaryRouters).default("nginx"),
    /** Who walks the steps: Launchpad or Argo Rollouts (config/delivery.ts). @default environment.deliveryEngine */
    engine: deliveryEngine.optional(),
    /** Argo Rollouts steps and abort settings (engine argoRollouts only). */
    argo: argoSchema.optional(),
});

export const strategy = z.discriminatedUnion("type", [directStrategy, blueGreenStrategy, canaryStrategy], {
    error: (iss) => (iss.code === "invalid_union" ? "expected one of direct, blueGreen, canary" : undefined),
});
export type Strategy = z.infer<typeof strategy>;
export type DirectStrategy = z.infer<typeof directStrategy>;
export type BlueGreenStrategy = z.infer<typeof blueGreenStrategy>;
export type CanaryStrategy = z.infer<typeof canaryStrategy>;

const resourceList = z.strictObject({ cpu: quantity, memory: quantity });

/**
 * The app container's requests and limits, refused where admission would refuse the pods: a request above
 * its limit (quantities compared by value: 100m = 0.1, 1Gi = 1024Mi), a limit above CONTAINER_MAX.
 */
const resourceRequirements = z.strictObject({ requests: resourceList, limits: resourceList }).superRefine((res, ctx) => {
    for (const r of ["cpu", "memory"] as const) {
        const request = res.requests[r];
        const limit = res.limits[r];
        if (quantityValue(request) > quantityValue(limit))
            ctx.addIssue({
                code: "custom",
                path: ["requests", r],
                input: request,
                message: `expected at most the limit, resources.limits.${r}: ${limit} (Kubernetes refuses a request above its limit)`,
            });
        if (quantityValue(limit) > quantityValue(CONTAINER_MAX[r]))
            ctx.addIssue({
                code: "custom",
                path: ["limits", r],
                input: limit,
                message: `expected at most ${CONTAINER_MAX[r]}, the environment's LimitRange maximum per container (admission would refuse the pods)`,
            });
    }
});

/**
 * Writable paths, each an emptyDir named after it (`volumeName`): not `/` (the root filesystem stays
 * read-only), plain absolute paths (no `//`, `.` or `..`: `/tmp/../etc` would make `/etc` writable), and
 * each naming a volume of its own, apart from the volumes Launchpad adds (EXTRA_VOLUMES).
 */
function refineWritablePaths(paths: string[], ctx: z.RefinementCtx): void {
    const volumes = new Map<string, string>();
    paths.forEach((p, i) => {
        if (!p.startsWith("/")) return;
        const refuse = (message: string) => ctx.addIssue({ code: "custom", path: [i], input: p, message });
        if (p === "/")
            return void refuse(
                "expected a directory below / (the root filesystem stays read-only; each path gets its own writable emptyDir)",
            );
        if (!/^(\/[^/]+)+\/?$/.test(p) || p.split("/").some((seg) => seg === "." || seg === ".."))
            return void refuse("expected an absolute path without '//', '.' or '..' segments");
        const v = volumeName(p);
        if ((Object.values(EXTRA_VOLUMES) as string[]).includes(v))
            return void refuse(`expected a path of its own: its volume would be '${v}', the name of a volume Launchpad adds to the pod`);
        const other = volumes.get(v);
        if (other !== undefined) return void refuse(`expected a path of its own: ${other} is already mounted as volume '${v}'`);
        volumes.set(v, p);
    });
}

/**
 * A probe: an HTTP GET of `path` on the app's `http` port, or a command run in the container (`exec`,
 * for processes that serve no HTTP). Exactly one of the two.
 */
const probe = z
    .strictObject({
        path: z.string().startsWith("/", { error: "expected an HTTP path starting with /" }).optional(),
        exec: z.array(z.string().min(1)).min(1, { error: "expected a command, e.g. [cat, /tmp/ready]" }).optional(),
        initialDelaySeconds: intRange(0, 600).default(0),
        periodSeconds: intRange(1, 300).default(10),
        failureThreshold: intRange(1, 30).default(3),
    })
    .refine((p) => (p.path === undefined) !== (p.exec === undefined), {
        error: "expected exactly one of path (HTTP GET on the http port) or exec (a command)",
    });
export type ProbeConfig = z.infer<typeof probe>;

const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, { error: "expected an environment variable name" });

/**
 * A secret environment variable: a value set with `pulumi config set --secret --path` (the program
 * puts it in the app's Secret `<app>-env`), or a key of an existing Kubernetes Secret.
 */
export const secretEnvValue = z.union(
    [z.string().min(1), z.strictObject({ secretKeyRef: z.strictObject({ name: dnsLabel, key: secretKey }) })],
    { error: "expected a Pulumi secret (pulumi config set --secret --path ...) or { secretKeyRef: { name, key } }" },
);
export type SecretEnvValue = z.infer<typeof secretEnvValue>;

export const appSchema = z.strictObject({
    /** `service` serves HTTP behind a Service; `worker` runs in the background and serves no traffic. */
    kind: z.enum(["service", "worker"]).default("service"),
    /** Owning team: goes into labels and alert routing. */
    team: dnsLabel.default("platform"),
    /** Container port (podinfo: 9898). */
    port: intRange(1, 65535).default(9898),
    replicas: intRange(1, 100).default(2),
    strategy,
    /** Public host name; when set the app gets an Ingress (or HTTPRoute) on this host. */
    host: dnsName("a DNS host name").optional(),
    /** Apps this one calls; NetworkPolicies allow exactly these paths. */
    talksTo: z.array(dnsLabel).default([]),
    /** Plain (non-secret) environment variables. Credentials go in `secretEnv` (the `no-plaintext-secrets` gate). */
    env: z.record(envName, z.string()).default({}),
    /**
     * Secret environment variables, delivered through a Kubernetes Secret and `valueFrom.secretKeyRef`,
     * never as plaintext in the Deployment. @default {}
     */
    secretEnv: z.record(envName, secretEnvValue).default({}),
    /** Container arguments (podinfo flags such as `--level=info`). */
    args: z.array(z.string()).default([]),
    resources: resourceRequirements.default({ requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } }),
    probes: z.strictObject({ liveness: probe, readiness: probe }).default({
        liveness: { path: "/healthz", initialDelaySeconds: 0, periodSeconds: 10, failureThreshold: 3 },
        readiness: { path: "/readyz", initialDelaySeconds: 0, periodSeconds: 10, failureThreshold: 3 },
    }),
    /**
     * Numeric user and group the container runs as. Required by `runAsNonRoot` for images whose USER
     * is a name (podinfo's is `app`).
     */
    runAsUser: intRange(1, 2147483647).default(10001),
    /** Deployment revisions kept for `kubectl rollout undo`. */
    revisionHistoryLimit: intRange(1, 50).default(5),
    /** Writable emptyDir mounts (the root filesystem is read-only). */
    writablePaths: z.array(z.string().startsWith("/")).superRefine(refineWritablePaths).default(["/tmp", "/data"]),
    /** Service-level objectives the app's alerts derive from (config/monitoring.ts). */
    slo: sloSchema.default(sloDefaults),
    /** Metric names and labels the app exposes; defaults are podinfo's (config/monitoring.ts). */
    metrics: metricsSchema.default(metricsDefaults),
    /** Data the app owns (a PostgreSQL database): backed up before every rollout. Stateless when absent. */
    data: appDataSchema.optional(),
    /** HTTP smoke tests run as a Job before the new version gets traffic (config/validation.ts). */
    smoke: smokeSchema.optional(),
    /** Overrides of the stack-wide metric-gate thresholds (`launchpad:validation.gate`). */
    gate: gateOverrideSchema.optional(),
    /** Build the app's image from source; releases without `image` run it. @default prebuilt images only */
    build: buildSchema.optional(),
});
export type AppConfig = z.infer<typeof appSchema>;

/** Where an app runs: Kubernetes (the default) or virtual machines deployed by Ansible (config/vm.ts). */
export const appTargets = ["kubernetes", "vm"] as const;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
/** One entry of `apps`: `target` picks the schema (absent: kubernetes), so errors name the right keys. */
const appEntry = z.preprocess(
    (v) => (isObject(v) && v.target === undefined ? { ...v, target: "kubernetes" } : v),
    z.discriminatedUnion("target", [appSchema.extend({ target: z.literal("kubernetes") }), vmAppSchema], {
        error: (iss) => (iss.code === "invalid_union" ? `expected target to be one of ${appTargets.join(", ")}` : undefined),
    }),
);

export const environmentSchema = z.strictObject({
    /** Environment name, also the namespace unless `namespace` is set. */
    name: dnsLabel,
    /** `preproduction` environments verify a release before `production` ones receive it. */
    tier: z.enum(["preproduction", "production"]),
    namespace: dnsLabel.optional(),
    /** Base domain; preview hosts of blue-green apps are `<app>-preview.<domain>`. */
    domain: dnsName("a DNS domain"),
    quota: z.strictObject({ cpu: quantity, memory: quantity, pods: intRange(1, 10000) }).default({ cpu: "8", memory: "16Gi", pods: 60 }),
    ingress: z
        .strictObject({
            /** IngressClass of the ingress controller. */
            className: dnsSubdomain.default("nginx"),
            /** Namespace the ingress controller runs in; NetworkPolicies admit traffic from it. */
            namespace: dnsLabel.default("ingress-nginx"),
            /** Gateway used by apps whose canary router is `gateway`. */
            gateway: z.strictObject({ name: dnsLabel, namespace: dnsLabel }).default({ name: "public", namespace: "gateway" }),
            /** Secret holding the TLS certificate for the environment's hosts (cert-manager or similar). */
            tlsSecretName: dnsLabel.optional(),
        })
        .default({ className: "nginx", namespace: "ingress-nginx", gateway: { name: "public", namespace: "gateway" } }),
    /** Namespace Prometheus scrapes from; NetworkPolicies admit it to the metrics port. */
    monitoringNamespace: dnsLabel.default("monitoring"),
    /** Engine of canary and blue-green apps that set no `strategy.engine` (config/delivery.ts). */
    deliveryEngine: deliveryEngine.default("launchpad"),
});
export type EnvironmentConfig = z.infer<typeof environmentSchema>;

export const releaseSchema = z.strictObject({
    /** The release being launched (semantic version). */
    version: z.string().regex(/^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$/, { error: "expected a semantic version such as 2.4.0" }),
    announcedAt: z.iso.datetime({ offset: true, error: "expected an ISO 8601 date-time such as 2026-11-20T09:00:00Z" }).optional(),
    launchAt: z.iso.datetime({ offset: true, error: "expected an ISO 8601 date-time such as 2026-11-27T09:00:00Z" }).optional(),
    /** Where the launch was announced (chat channel, mailing list). */
    channel: z.string().min(1).optional(),
    /** Release notes URL; defaults to `release/notes/<version>.md` in the repo. */
    notesUrl: httpUrl("https://example.com/releases/2.4.0").optional(),
});
export type ReleaseConfig = z.infer<typeof releaseSchema>;

/** Every top-level key of `launchpad:*`. Pulumi.yaml declares the same keys. */
const launchpadObject = z.strictObject({
    environment: environmentSchema,
    apps: z.record(dnsLabel, appEntry).refine((apps) => Object.keys(apps).length > 0, { error: "expected at least one app" }),
    release: releaseSchema,
    /** Alert channels, SNS subscriptions, routing by severity, dashboards (config/monitoring.ts). */
    monitoring: monitoringSchema.default(monitoringDefaults),
    /** Feature flags for every environment, declared once in Pulumi.yaml (config/flags.ts). */
    flags: flagsSchema.optional(),
    /** Backup infrastructure of the environment; required when an app declares data. */
    backup: backupSchema.optional(),
    /** Smoke-test runner, metric gates and release notices (config/validation.ts). */
    validation: validationSchema.default(validationSchema.parse({})),
    /** ECR repositories and builds of apps with `build` (config/images.ts). */
    images: imagesSchema,
});

export const launchpadSchema = launchpadObject
    .superRefine((all, ctx) => {
        // Kubernetes rules see the Kubernetes apps only; VM apps are validated by their own schema.
        const cfg = { ...all, apps: kubernetesApps(all.apps), vmApps: vmAppsOf(all.apps) };
        // Every domain's cross-field rules, one signature (RefineHook in config/primitives.ts).
        for (const refine of [refineMonitoring, refineFlags, refineBackup, refineValidation, refineImages]) refine(cfg, ctx);
        // Production pages on-call: critical alerts published to a topic nobody subscribes to reach no one.
        if (cfg.environment.tier === "production" && cfg.monitoring.subscriptions.alerts.length === 0)
            ctx.addIssue({
                code: "custom",
                path: ["monitoring", "subscriptions", "alerts"],
                input: [],
                message: "expected at least one channel in production (the alerts topic pages on-call for critical alerts)",
            });
        refineDelivery(cfg, ctx);
        const names = Object.keys(cfg.apps);
        refineHosts(cfg.apps, cfg.environment.domain, ctx);
        // A blue-green VM app's load balancer is named after the app, and AWS refuses an ALB name that begins with "internal-".
        for (const [name, app] of Object.entries(cfg.vmApps))
            if (app.vm.strategy === "blueGreen" && name.startsWith("internal-"))
                ctx.addIssue({
                    code: "custom",
                    path: ["apps", name],
                    input: name,
                    message:
                        "expected a name that does not begin with 'internal-': the app's load balancer takes its name, and AWS refuses such an ALB name",
                });
        const flagged = new Set(Object.values(cfg.flags?.flags ?? {}).flatMap((f) => f.apps));
        const parts = Object.fromEntries(Object.entries(cfg.apps).map(([n, a]) => [n, derivedParts(a, flagged.has(n))]));
        for (const { app, owner, part } of nameClashes(parts))
            ctx.addIssue({
                code: "custom",
                path: ["apps", app],
                input: app,
                message: `expected a name of its own: app '${owner}' names objects ${owner}-${part}[-...] (its ${parts[owner].map((p) => `-${p}`).join(", ")}), so the two would share Kubernetes objects`,
            });
        for (const [name, app] of Object.entries(cfg.apps)) {
            for (const v of Object.keys(app.env).filter((k) => k in app.secretEnv))
                ctx.addIssue({
                    code: "custom",
                    path: ["apps", name, "env", v],
                    input: "(hidden)",
                    message: "expected it in env or in secretEnv, not both (remove it from env)",
                });
            (Array.isArray(app.talksTo) ? app.talksTo : []).forEach((target, i) => {
                if (!cfg.apps[target]) {
                    ctx.addIssue({
                        code: "custom",
                        path: ["apps", name, "talksTo", i],
                        input: target,
                        message: `expected the name of an app in this stack (${names.join(", ")})`,
                    });
                }
            });
            if (app.kind === "worker" && app.host) {
                ctx.addIssue({
                    code: "custom",
                    path: ["apps", name, "host"],
                    input: app.host,
                    message: "a worker serves no traffic: remove host or set kind: service",
                });
            }
            if (app.strategy.type === "canary" && app.strategy.weight > 0 && !app.strategy.canary) {
                ctx.addIssue({
                    code: "custom",
                    path: ["apps", name, "strategy", "weight"],
                    input: app.strategy.weight,
                    message: "expected 0 when no canary release is set (add strategy.canary or set weight: 0)",
                });
            }
            if (app.strategy.type === "canary" && app.strategy.router === "replicas" && app.replicas < 2) {
                ctx.addIssue({
                    code: "custom",
                    path: ["apps", name, "replicas"],
                    input: app.replicas,
                    message: "expected at least 2 with router: replicas (the split is a ratio of pods)",
                });
            }
            if (app.kind === "worker" && app.strategy.type !== "direct") {
                ctx.addIssue({
                    code: "custom",
                    path: ["apps", name, "strategy", "type"],
                    input: app.strategy.type,
                    message: "a worker serves no traffic to switch or split: expected direct",
                });
            }
        }
    })
    // Kubernetes apps stay in `apps` (what every Kubernetes domain reads); VM apps move to `vmApps`.
    .transform(({ apps, ...rest }) => ({ ...rest, apps: kubernetesApps(apps), vmApps: vmAppsOf(apps) }));

/**
 * Every host an Ingress or HTTPRoute serves belongs to one app: two plain Ingresses for the same host and
 * path are refused by ingress-nginx's admission webhook (without it nginx silently picks one). A blue-green
 * app's preview host `<app>-preview.<domain>` is derived, so it must also fit a DNS name and be free.
 */
function refineHosts(apps: Record<string, AppConfig>, domain: string, ctx: z.RefinementCtx): void {
    const claims = new Map<string, string>();
    for (const [name, app] of Object.entries(apps)) {
        if (app.strategy.type === "blueGreen" && app.strategy.previewAllowFrom && !app.host)
            ctx.addIssue({
                code: "custom",
                path: ["apps", name, "strategy", "previewAllowFrom"],
                input: app.strategy.previewAllowFrom,
                message: "only with host: without one the app has no preview host (its preview Service is in-cluster only)",
            });
        if (app.strategy.type !== "blueGreen" || !app.host) continue;
        const preview = previewHost(name, domain);
        // A domain already too long has its own message.
        if (domain.length <= DNS_NAME_MAX && preview.length > DNS_NAME_MAX)
            ctx.addIssue({
                code: "custom",
                path: ["environment", "domain"],
                input: domain,
                message: `expected a domain short enough for the preview host of blue-green app '${name}' (${name}-preview.<domain>, ${preview.length} characters; Kubernetes allows at most ${DNS_NAME_MAX}): shorten the domain or the app name`,
            });
        claims.set(preview, `the preview host of blue-green app '${name}'`);
    }
    for (const [name, app] of Object.entries(apps)) {
        if (!app.host) continue;
        const other = claims.get(app.host);
        if (other)
            ctx.addIssue({
                code: "custom",
                path: ["apps", name, "host"],
                input: app.host,
                message: `expected a host of this app's own: it is already ${other} (ingress-nginx admits one Ingress per host and path)`,
            });
        else claims.set(app.host, `the host of app '${name}'`);
    }
}

type AppEntry = z.infer<typeof appEntry>;

/** The Kubernetes apps of `apps`, without the `target` discriminator. */
function kubernetesApps(apps: Record<string, AppEntry>): Record<string, AppConfig> {
    const out: Record<string, AppConfig> = {};
    for (const [name, app] of Object.entries(apps)) {
        if (app.target !== "kubernetes") continue;
        const k8s: Partial<typeof app> = { ...app };
        delete k8s.target;
        out[name] = k8s as AppConfig;
    }
    return out;
}

function vmAppsOf(apps: Record<string, AppEntry>): Record<string, VmAppConfig> {
    const out: Record<string, VmAppConfig> = {};
    for (const [name, app] of Object.entries(apps)) if (app.target === "vm") out[name] = app;
    return out;
}

export type LaunchpadConfig = z.infer<typeof launchpadSchema>;
/** Raw (pre-default) shape, as written in the stack files. */
export type LaunchpadConfigInput = z.input<typeof launchpadSchema>;
export const topLevelKeys = Object.keys(launchpadObject.shape) as (keyof z.infer<typeof launchpadObject>)[];
