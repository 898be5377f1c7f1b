// The one pod template every strategy runs: restricted security context, probes, resources, writable
// emptyDirs for a read-only root filesystem, topology spread. Pure, so it is tested without mocks.
import type * as k8s from "@pulumi/kubernetes";
import type { AppConfig, ReleaseSpec } from "../../config/schema";
import { LABEL, slotSelector } from "../common/labels";

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
}

/** `/tmp` -> `tmp`, `/var/cache/app` -> `var-cache-app`: stable volume names from mount paths. */
export function volumeName(path: string): string {
    const n = path
        .replace(/^\/+|\/+$/g, "")
        .replace(/[^a-z0-9]+/gi, "-")
        .toLowerCase();
    return n === "" ? "root" : n.slice(0, 63);
}

export function podLabels(args: PodTemplateArgs): Record<string, string> {
    return { ...args.labels, ...slotSelector(args.app, args.slot), [LABEL.version]: args.release.version };
}

export function podTemplate(args: PodTemplateArgs): PodTemplate {
    const c = args.config;
    const httpProbe = (p: AppConfig["probes"]["liveness"]) => ({
        httpGet: { path: p.path, port: "http" },
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
    const env = Object.keys(c.env)
        .sort()
        .map((name) => ({ name, value: c.env[name] }));
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
                    image: args.release.image,
                    imagePullPolicy: "IfNotPresent",
                    ...(c.args.length > 0 ? { args: [...c.args] } : {}),
                    ...(env.length > 0 ? { env } : {}),
                    ports: [{ name: "http", containerPort: c.port, protocol: "TCP" }],
                    ...(c.kind === "service" ? { readinessProbe: httpProbe(c.probes.readiness) } : {}),
                    livenessProbe: httpProbe(c.probes.liveness),
                    resources: {
                        requests: { cpu: c.resources.requests.cpu, memory: c.resources.requests.memory },
                        limits: { cpu: c.resources.limits.cpu, memory: c.resources.limits.memory },
                    },
                    securityContext: {
                        allowPrivilegeEscalation: false,
                        readOnlyRootFilesystem: true,
                        runAsNonRoot: true,
                        privileged: false,
                        capabilities: { drop: ["ALL"] },
                        seccompProfile: { type: "RuntimeDefault" },
                    },
                    volumeMounts: c.writablePaths.map((p) => ({ name: volumeName(p), mountPath: p })),
                },
            ],
            volumes: c.writablePaths.map((p) => ({ name: volumeName(p), emptyDir: { sizeLimit: "256Mi" } })),
        },
    };
}
