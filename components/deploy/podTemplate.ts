// The one pod template every strategy runs: restricted security context, probes, resources, writable
// emptyDirs for a read-only root filesystem, topology spread. Pure, so it is tested without mocks.
import type * as pulumi from "@pulumi/pulumi";
import type * as k8s from "../common/kubernetes";
import type { AppConfig, ProbeConfig, ReleaseSpec, SecretEnvValue } from "../../config/schema";
import { LABEL, slotSelector } from "../common/labels";
import { RESTRICTED_CONTAINER } from "../common/security";

export type PodTemplate = k8s.types.input.core.v1.PodTemplateSpec;

export interface PodTemplateArgs {
    readonly app: string;
    readonly config: AppConfig;
    readonly slot: string;
    readonly release: ReleaseSpec;
    /** Labels of the app (environment, team, part-of...). */
    readonly labels: Record<string, string>;
    /** Extra pod annotations (for example the flag-definition checksum). */
    readonly annotations?: Record<string, string>;
    /** What other domains add to every pod of the app (flag sidecar, database secret...). */
    readonly extras?: PodExtras;
    /** Image of releases that declare none (built from source). @default none */
    readonly builtImage?: pulumi.Input<string>;
}

/**
 * The seam through which other components (flags, data, validation) add to an app's pods without the
 * strategies knowing about them. Everything is appended after the app's own entries, in the given order.
 */
export interface PodExtras {
    /** Extra environment variables of the app container (plain or `valueFrom`). @default [] */
    readonly env?: k8s.types.input.core.v1.EnvVar[];
    /** Secrets or ConfigMaps whose keys become environment variables of the app container. @default [] */
    readonly envFrom?: k8s.types.input.core.v1.EnvFromSource[];
    /** Extra volume mounts of the app container. @default [] */
    readonly volumeMounts?: k8s.types.input.core.v1.VolumeMount[];
    /** Extra pod volumes. @default [] */
    readonly volumes?: k8s.types.input.core.v1.Volume[];
    /**
     * Sidecar containers. Their security context is the caller's to set; the restricted Pod Security
     * level applies to them as to the app.
     * @default []
     */
    readonly sidecars?: k8s.types.input.core.v1.Container[];
}

/**
 * The pod volumes other domains add through `PodExtras`, named here so that the writable paths' volumes
 * (`volumeName`) can never take their names (config/schema.ts refuses such a path).
 */
export const EXTRA_VOLUMES = { data: "data-volume", flags: "flagd-config", databaseCa: "database-ca" } as const;

/** `/tmp` -> `tmp`, `/var/cache/app` -> `var-cache-app`: stable volume names from mount paths. */
export function volumeName(path: string): string {
    const n = path
        .replace(/^\/+|\/+$/g, "")
        .replace(/[^a-z0-9]+/gi, "-")
        .toLowerCase();
    // A volume name is a DNS label: no hyphen first or last (`/.cache` -> `cache`), at most 63 characters.
    const label = n.slice(0, 63).replace(/^-+|-+$/g, "");
    return label === "" ? "root" : label;
}

/** The Secret `<app>-env` that holds an app's `secretEnv` values set as Pulumi secrets. */
export const secretEnvName = (app: string): string => `${app}-env`;

/** Where a secret environment variable comes from: a key of `<app>-env`, or the Secret key it names. */
export function secretKeyRef(app: string, name: string, v: SecretEnvValue): { name: string; key: string } {
    return typeof v === "string" ? { name: secretEnvName(app), key: name } : { name: v.secretKeyRef.name, key: v.secretKeyRef.key };
}

export function podLabels(args: PodTemplateArgs): Record<string, string> {
    return { ...args.labels, ...slotSelector(args.app, args.slot), [LABEL.version]: args.release.version };
}

export function podTemplate(args: PodTemplateArgs): PodTemplate {
    const c = args.config;
    const probe = (p: ProbeConfig) => ({
        ...(p.exec ? { exec: { command: [...p.exec] } } : { httpGet: { path: p.path, port: "http" } }),
        initialDelaySeconds: p.initialDelaySeconds,
        periodSeconds: p.periodSeconds,
        failureThreshold: p.failureThreshold,
        timeoutSeconds: 2,
    });
    const spread = (topologyKey: string) => ({
        maxSkew: 1,
        topologyKey,
        whenUnsatisfiable: "ScheduleAnyway",
        labelSelector: { matchLabels: slotSelector(args.app, args.slot) },
    });
    const x = args.extras ?? {};
    const image = args.release.image ?? args.builtImage;
    // The schema guarantees a built image for releases without one (config/images.ts).
    if (image === undefined) throw new Error(`podTemplate: release ${args.release.version} of ${args.app} has no image and no build`);
    const env: k8s.types.input.core.v1.EnvVar[] = [
        ...Object.keys(c.env)
            .sort()
            .map((name) => ({ name, value: c.env[name] })),
        // Secrets reach the container by reference only: the Deployment never holds their values.
        ...Object.keys(c.secretEnv)
            .sort()
            .map((name) => ({ name, valueFrom: { secretKeyRef: secretKeyRef(args.app, name, c.secretEnv[name]) } })),
        ...(x.env ?? []),
    ];
    return {
        metadata: {
            labels: podLabels(args),
            ...(args.annotations && Object.keys(args.annotations).length > 0 ? { annotations: args.annotations } : {}),
        },
        spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: {
                runAsNonRoot: true,
                runAsUser: c.runAsUser,
                runAsGroup: c.runAsUser,
                fsGroup: c.runAsUser,
                seccompProfile: { type: "RuntimeDefault" },
            },
            topologySpreadConstraints: [spread("topology.kubernetes.io/zone"), spread("kubernetes.io/hostname")],
            containers: [
                {
                    name: args.app,
                    image,
                    imagePullPolicy: "IfNotPresent",
                    ...(c.args.length > 0 ? { args: [...c.args] } : {}),
                    ...(env.length > 0 ? { env } : {}),
                    ...(x.envFrom && x.envFrom.length > 0 ? { envFrom: [...x.envFrom] } : {}),
                    ports: [{ name: "http", containerPort: c.port, protocol: "TCP" }],
                    // Workers too: a rolling update with maxUnavailable 0 only keeps its promise if "ready" means something.
                    readinessProbe: probe(c.probes.readiness),
                    livenessProbe: probe(c.probes.liveness),
                    resources: {
                        requests: { cpu: c.resources.requests.cpu, memory: c.resources.requests.memory },
                        limits: { cpu: c.resources.limits.cpu, memory: c.resources.limits.memory },
                    },
                    securityContext: { ...RESTRICTED_CONTAINER, capabilities: { drop: [...RESTRICTED_CONTAINER.capabilities.drop] } },
                    volumeMounts: [...c.writablePaths.map((p) => ({ name: volumeName(p), mountPath: p })), ...(x.volumeMounts ?? [])],
                },
                ...(x.sidecars ?? []),
            ],
            volumes: [...c.writablePaths.map((p) => ({ name: volumeName(p), emptyDir: { sizeLimit: "256Mi" } })), ...(x.volumes ?? [])],
        },
    };
}
