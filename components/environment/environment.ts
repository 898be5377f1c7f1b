import * as pulumi from "@pulumi/pulumi";
import * as k8s from "../common/kubernetes";
import { CONTAINER_MAX, type EnvironmentConfig } from "../../config/schema";
import { commonLabels } from "../common/labels";
import { AppTraffic, allowDns, appEgress, appIngress, defaultDeny } from "./networkPolicies";

export interface EnvironmentArgs {
    readonly config: EnvironmentConfig;
    /** Apps that will run here: the NetworkPolicies admit exactly the traffic they declare. */
    readonly apps: readonly AppTraffic[];
}

/**
 * One environment on a Kubernetes cluster: a namespace that enforces the "restricted" Pod Security
 * Standard, a ResourceQuota, a LimitRange with default requests and limits, a default-deny
 * NetworkPolicy and the allow rules for DNS, the ingress controller, Prometheus and declared
 * app-to-app calls.
 */
export class Environment extends pulumi.ComponentResource {
    /** Namespace every app of the environment runs in. */
    public readonly namespace: pulumi.Output<string>;
    /** Labels every object of the environment carries. */
    public readonly labels: Record<string, string>;

    constructor(name: string, args: EnvironmentArgs, opts?: pulumi.ComponentResourceOptions) {
        super("launchpad:environment:Environment", name, {}, opts);
        const cfg = args.config;
        const nsName = cfg.namespace ?? cfg.name;
        this.labels = commonLabels(cfg.name);
        const meta = (suffix: string) => ({ name: suffix, namespace: nsName, labels: this.labels });

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

        new k8s.core.v1.ResourceQuota(
            `${name}-quota`,
            {
                metadata: meta("quota"),
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
                metadata: meta("limits"),
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
        new k8s.networking.v1.NetworkPolicy(`${name}-default-deny`, { metadata: meta("default-deny"), spec: defaultDeny() }, inNs);
        new k8s.networking.v1.NetworkPolicy(`${name}-allow-dns`, { metadata: meta("allow-dns"), spec: allowDns() }, inNs);
        for (const app of args.apps) {
            new k8s.networking.v1.NetworkPolicy(
                `${name}-${app.name}-ingress`,
                { metadata: meta(`${app.name}-ingress`), spec: appIngress(app, args.apps, cfg.ingress.namespace, cfg.monitoringNamespace) },
                inNs,
            );
            const egress = appEgress(app, args.apps);
            if (egress)
                new k8s.networking.v1.NetworkPolicy(
                    `${name}-${app.name}-egress`,
                    { metadata: meta(`${app.name}-egress`), spec: egress },
                    inNs,
                );
        }

        this.namespace = ns.metadata.name;
        this.registerOutputs({ namespace: this.namespace, labels: this.labels });
    }
}
