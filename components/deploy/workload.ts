// Kubernetes objects shared by every strategy: one Deployment (+ PodDisruptionBudget) per slot, Services,
// Ingresses. Each function registers its children under the calling component.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "../common/kubernetes";
import type { AppConfig, ReleaseSpec } from "../../config/schema";
import { LABEL, slotName, slotSelector } from "../common/labels";
import { podTemplate } from "./podTemplate";
import type { PodExtras } from "./podTemplate";

/** What every strategy component takes. */
export interface AppDeploymentArgs {
    readonly config: AppConfig;
    readonly namespace: pulumi.Input<string>;
    /** Environment base domain (preview hosts). */
    readonly domain: string;
    /** Labels of the app (environment, team...). */
    readonly labels: Record<string, string>;
    readonly ingress: {
        readonly className: string;
        readonly tlsSecretName?: string;
        readonly gateway: { readonly name: string; readonly namespace: string };
    };
    /** Extra pod annotations for every slot. */
    readonly podAnnotations?: Record<string, string>;
    /** Containers, volumes and environment other components add to every slot's pods. @default {} */
    readonly pod?: PodExtras;
    /**
     * Annotations on every slot's Deployment (not its pods, so changing them does not roll the pods):
     * facts for policies and operators, such as the data the app owns.
     * @default {}
     */
    readonly deploymentAnnotations?: Record<string, string>;
    /**
     * Resources a new version's pods must wait for (for example the release's pre-deploy backup).
     * Applied to the Deployments that run a new version.
     * @default []
     */
    readonly beforeRollout?: pulumi.Input<pulumi.Resource>[];
    /**
     * Resources that must succeed before users are moved to a new version (smoke-test Jobs, metric
     * gates). Applied to the live Service (blue-green switch) and the weight-bearing objects (canary).
     * @default []
     */
    readonly beforeTraffic?: pulumi.Input<pulumi.Resource>[];
    /**
     * The image built from `apps.<app>.build` (`repository@sha256:...`), run by the releases that declare
     * no `image` of their own.
     * @default none: every release declares its image
     */
    readonly builtImage?: pulumi.Input<string>;
}

export interface SlotArgs {
    readonly slot: string;
    readonly release: ReleaseSpec;
    readonly replicas: number;
    readonly rollout?: "rolling" | "recreate";
    readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** A slot's Deployment and its PodDisruptionBudget. Names: `<app>` for direct, `<app>-<slot>` otherwise. */
export function slotWorkload(parent: pulumi.Resource, app: string, a: AppDeploymentArgs, s: SlotArgs): k8s.apps.v1.Deployment {
    const name = slotName(app, s.slot);
    const labels = { ...a.labels, ...slotSelector(app, s.slot), [LABEL.version]: s.release.version };
    const deployment = new k8s.apps.v1.Deployment(
        name,
        {
            metadata: {
                name,
                namespace: a.namespace,
                labels,
                ...(a.deploymentAnnotations && Object.keys(a.deploymentAnnotations).length > 0
                    ? { annotations: a.deploymentAnnotations }
                    : {}),
            },
            spec: {
                replicas: s.replicas,
                revisionHistoryLimit: a.config.revisionHistoryLimit,
                selector: { matchLabels: slotSelector(app, s.slot) },
                strategy:
                    s.rollout === "recreate"
                        ? { type: "Recreate" }
                        : { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
                template: podTemplate({
                    app: app,
                    config: a.config,
                    slot: s.slot,
                    release: s.release,
                    labels: a.labels,
                    annotations: a.podAnnotations,
                    extras: a.pod,
                    builtImage: a.builtImage,
                }),
            },
        },
        { parent, ...(s.dependsOn && s.dependsOn.length > 0 ? { dependsOn: s.dependsOn } : {}) },
    );
    new k8s.policy.v1.PodDisruptionBudget(
        name,
        {
            metadata: { name, namespace: a.namespace, labels: { ...a.labels, ...slotSelector(app, s.slot) } },
            spec: { maxUnavailable: 1, selector: { matchLabels: slotSelector(app, s.slot) } },
        },
        { parent },
    );
    return deployment;
}

/** A ClusterIP Service named `name` selecting `selector` on the app's `http` port. */
export function service(
    parent: pulumi.Resource,
    app: string,
    a: AppDeploymentArgs,
    name: string,
    selector: Record<string, string>,
    dependsOn?: pulumi.Input<pulumi.Resource>[],
): k8s.core.v1.Service {
    return new k8s.core.v1.Service(
        name,
        {
            metadata: { name, namespace: a.namespace, labels: { ...a.labels, [LABEL.name]: app } },
            spec: { type: "ClusterIP", selector, ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }] },
        },
        { parent, ...(dependsOn && dependsOn.length > 0 ? { dependsOn } : {}) },
    );
}

/** An Ingress for `host` to Service `serviceName`, TLS when the environment has a certificate secret. */
export function ingress(
    parent: pulumi.Resource,
    app: string,
    a: AppDeploymentArgs,
    name: string,
    host: string,
    serviceName: string,
    annotations?: Record<string, string>,
    dependsOn?: pulumi.Input<pulumi.Resource>[],
): k8s.networking.v1.Ingress {
    return new k8s.networking.v1.Ingress(
        name,
        {
            metadata: {
                name,
                namespace: a.namespace,
                labels: { ...a.labels, [LABEL.name]: app },
                ...(annotations ? { annotations } : {}),
            },
            spec: {
                ingressClassName: a.ingress.className,
                ...(a.ingress.tlsSecretName ? { tls: [{ hosts: [host], secretName: a.ingress.tlsSecretName }] } : {}),
                rules: [
                    {
                        host,
                        http: {
                            paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: serviceName, port: { name: "http" } } } }],
                        },
                    },
                ],
            },
        },
        { parent, ...(dependsOn && dependsOn.length > 0 ? { dependsOn } : {}) },
    );
}

/**
 * A Gateway API HTTPRoute for `host` to weighted Services: the `gateway` router's traffic split. With a
 * certificate, it attaches to the Gateway's TLS listener only (the public-tls gate checks it).
 */
export function httpRoute(
    parent: pulumi.Resource,
    name: string,
    a: AppDeploymentArgs,
    host: string,
    backends: readonly { service: string; weight: number }[],
    opts: pulumi.CustomResourceOptions = {},
): k8s.apiextensions.CustomResource {
    return new k8s.apiextensions.CustomResource(
        name,
        {
            apiVersion: "gateway.networking.k8s.io/v1",
            kind: "HTTPRoute",
            metadata: { name, namespace: a.namespace, labels: { ...a.labels, [LABEL.name]: name } },
            spec: {
                parentRefs: [
                    {
                        name: a.ingress.gateway.name,
                        namespace: a.ingress.gateway.namespace,
                        ...(a.ingress.tlsSecretName ? { sectionName: "https" } : {}),
                    },
                ],
                hostnames: [host],
                rules: [
                    {
                        matches: [{ path: { type: "PathPrefix", value: "/" } }],
                        backendRefs: backends.map((b) => ({ group: "", kind: "Service", name: b.service, port: 80, weight: b.weight })),
                    },
                ],
            },
        },
        { parent, ...opts },
    );
}

export function urlOf(a: AppDeploymentArgs, host: string): string {
    return `${a.ingress.tlsSecretName ? "https" : "http"}://${host}/`;
}

/** In-cluster URL of a Service, for smoke tests and app-to-app calls. */
export function clusterUrl(serviceName: string, namespace: pulumi.Input<string>): pulumi.Output<string> {
    return pulumi.interpolate`http://${serviceName}.${namespace}.svc.cluster.local/`;
}

/** The parts of AppDeploymentArgs through which other components add to an app's deployment. */
export type DeploymentSeams = Pick<
    AppDeploymentArgs,
    "pod" | "podAnnotations" | "deploymentAnnotations" | "beforeRollout" | "beforeTraffic"
>;

/**
 * Combines what several components (flags, data, validation) add to one app's deployment: lists are
 * concatenated in order, annotations merged (a key set twice is a programming error, so it throws).
 */
export function combineSeams(...parts: (DeploymentSeams | undefined)[]): Required<DeploymentSeams> {
    const present = parts.filter((p): p is DeploymentSeams => p !== undefined);
    const list = <T>(pick: (p: DeploymentSeams) => readonly T[] | undefined): T[] => present.flatMap((p) => [...(pick(p) ?? [])]);
    const merge = (field: "podAnnotations" | "deploymentAnnotations"): Record<string, string> => {
        const out: Record<string, string> = {};
        for (const p of present) {
            for (const [k, v] of Object.entries(p[field] ?? {})) {
                if (k in out && out[k] !== v) throw new Error(`two components set ${field} ${k}: ${out[k]} and ${v}`);
                out[k] = v;
            }
        }
        return out;
    };
    return {
        pod: {
            env: list((p) => p.pod?.env),
            envFrom: list((p) => p.pod?.envFrom),
            volumeMounts: list((p) => p.pod?.volumeMounts),
            volumes: list((p) => p.pod?.volumes),
            sidecars: list((p) => p.pod?.sidecars),
        },
        podAnnotations: merge("podAnnotations"),
        deploymentAnnotations: merge("deploymentAnnotations"),
        beforeRollout: list((p) => p.beforeRollout),
        beforeTraffic: list((p) => p.beforeTraffic),
    };
}
