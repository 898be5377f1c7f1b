import * as pulumi from "@pulumi/pulumi";
import * as k8s from "../common/kubernetes";
import { CONTAINER_MAX, type EnvironmentConfig } from "../../config/schema";
import { commonLabels } from "../common/labels";
import { AppTraffic, TrafficIndex, allowDns, appEgress, appIngress, defaultDeny, trafficIndex } from "./networkPolicies";

export interface EnvironmentArgs {
    readonly config: EnvironmentConfig;
    /** Apps that will run here: the NetworkPolicies admit exactly the traffic they declare. */
    readonly apps: readonly AppTraffic[];
}

/**
 * One environment on a Kubernetes cluster: a namespace that enforces the "restricted" Pod Security
 * Standard, a ResourceQuota, a LimitRange with default requests and limits, a default-deny
 * NetworkPolicy and the allow rule for DNS; and, through `admitApp` as each app is built, the allow rules
 * for the ingress controller, Prometheus and declared app-to-app calls.
 */
export class Environment extends pulumi.ComponentResource {
    /** Namespace every app of the environment runs in. */
    public readonly namespace: pulumi.Output<string>;
    /** Labels every object of the environment carries. */
    public readonly labels: Record<string, string>;
    /** The component's name: its children's names start with it. */
    private readonly baseName: string;
    private readonly args: EnvironmentArgs;
    /** The namespace's name (`config.namespace`, else the environment's name). */
    private readonly nsName: string;
    private readonly inNamespace: pulumi.CustomResourceOptions;
    private readonly admitted = new Set<string>();
    private readonly traffic: TrafficIndex;

    constructor(name: string, args: EnvironmentArgs, opts?: pulumi.ComponentResourceOptions) {
        super("launchpad:environment:Environment", name, {}, opts);
        this.baseName = name;
        this.args = args;
        this.traffic = trafficIndex(args.apps);
        const cfg = args.config;
        this.labels = commonLabels(cfg.name);
        const nsName = (this.nsName = cfg.namespace ?? cfg.name);

        const ns = new k8s.core.v1.Namespace(
            name,
            {
                metadata: {
                    name: nsName,
                    labels: {
                        ...this.labels,
                        // Pod Security Admission: refuse any pod that is not "restricted".
                        "pod-security.kubernetes.io/enforce": "restricted",
                        "pod-security.kubernetes.io/enforce-version": "latest",
                        "pod-security.kubernetes.io/warn": "restricted",
                        "pod-security.kubernetes.io/audit": "restricted",
                    },
                },
            },
            { parent: this },
        );
        const inNs: pulumi.CustomResourceOptions = { parent: this, dependsOn: [ns] };
        this.inNamespace = inNs;

        new k8s.core.v1.ResourceQuota(
            `${name}-quota`,
            {
                metadata: this.meta("quota"),
                spec: {
                    hard: {
                        "requests.cpu": cfg.quota.cpu,
                        "requests.memory": cfg.quota.memory,
                        "limits.cpu": cfg.quota.cpu,
                        "limits.memory": cfg.quota.memory,
                        pods: String(cfg.quota.pods),
                    },
                },
            },
            inNs,
        );
        new k8s.core.v1.LimitRange(
            `${name}-limits`,
            {
                metadata: this.meta("limits"),
                spec: {
                    limits: [
                        {
                            type: "Container",
                            defaultRequest: { cpu: "100m", memory: "64Mi" },
                            default: { cpu: "500m", memory: "256Mi" },
                            max: { ...CONTAINER_MAX },
                        },
                    ],
                },
            },
            inNs,
        );
        new k8s.networking.v1.NetworkPolicy(`${name}-default-deny`, { metadata: this.meta("default-deny"), spec: defaultDeny() }, inNs);
        new k8s.networking.v1.NetworkPolicy(`${name}-allow-dns`, { metadata: this.meta("allow-dns"), spec: allowDns() }, inNs);

        this.namespace = ns.metadata.name;
        this.registerOutputs({ namespace: this.namespace, labels: this.labels });
    }

    /** The metadata of an object in the environment's namespace. */
    private meta(name: string) {
        return { name, namespace: this.nsName, labels: this.labels };
    }

    /**
     * App `appName`'s NetworkPolicies, the environment's children: `<env>-<app>-ingress` (from the ingress
     * controller when exposed, from Prometheus, from the apps that call it) and `<env>-<app>-egress` (to the
     * apps it calls). The program calls it once per app of `args.apps` as it builds that app, so that a
     * stack's registrations are spread over its apps rather than all made before the first app: registered
     * at once, the SDK keeps them all in flight, which slows every garbage collection after (see README,
     * Performance).
     */
    admitApp(appName: string): void {
        const cfg = this.args.config;
        const app = this.traffic.byName.get(appName);
        if (!app) throw new Error(`programming error: ${appName} is not an app of environment ${this.baseName}`);
        if (this.admitted.has(appName)) throw new Error(`programming error: ${appName} was admitted twice`);
        this.admitted.add(appName);
        new k8s.networking.v1.NetworkPolicy(
            `${this.baseName}-${app.name}-ingress`,
            {
                metadata: this.meta(`${app.name}-ingress`),
                spec: appIngress(app, this.traffic, cfg.ingress.namespace, cfg.monitoringNamespace),
            },
            this.inNamespace,
        );
        const egress = appEgress(app, this.traffic);
        if (egress)
            new k8s.networking.v1.NetworkPolicy(
                `${this.baseName}-${app.name}-egress`,
                { metadata: this.meta(`${app.name}-egress`), spec: egress },
                this.inNamespace,
            );
    }

    /**
     * Called once, after the program has built every app: refuses an app of `args.apps` that was never
     * admitted, which would run without its NetworkPolicies (the default-deny policy would cut it off).
     */
    complete(): void {
        const missing = [...this.traffic.byName.keys()].filter((name) => !this.admitted.has(name));
        if (missing.length > 0) throw new Error(`programming error: never admitted to environment ${this.baseName}: ${missing.join(", ")}`);
    }
}
