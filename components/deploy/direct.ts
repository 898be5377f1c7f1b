import * as pulumi from "@pulumi/pulumi";
import * as k8s from "../common/kubernetes";
import type { DirectStrategy } from "../../config/schema";
import { appPlan } from "../app/plan";
import { slotSelector } from "../common/labels";
import { AppDeploymentArgs, clusterUrl, ingress, service, slotWorkload, urlOf } from "./workload";

export interface DirectDeploymentArgs extends AppDeploymentArgs {
    readonly strategy: DirectStrategy;
}

/**
 * Direct: one Deployment updated in place. `rolling` (the default) starts each new pod before an old
 * one stops (maxUnavailable 0, maxSurge 1); `recreate` stops every old pod first, for apps that cannot
 * run two versions at once. Rolling back is re-applying the previous release (or `kubectl rollout undo`).
 * Children: Deployment and PodDisruptionBudget `<name>`; for services, Service `<name>` and, with a
 * host, Ingress `<name>`.
 */
export class DirectDeployment extends pulumi.ComponentResource {
    public readonly deployment: k8s.apps.v1.Deployment;
    /** The Deployment by track (`main`), the shape every deployment component exposes to validation. */
    public readonly deployments: { readonly main: k8s.apps.v1.Deployment };
    /** Public URL, when the app has a host. */
    public readonly url: string | undefined;
    /** Only blue-green deployments have a preview host. */
    public readonly previewUrl: undefined = undefined;
    /** In-cluster URL of the Service; undefined for workers. */
    public readonly internalUrl: pulumi.Output<string> | undefined;
    /** Version running, by slot (`main`). */
    public readonly versions: Record<string, string>;

    constructor(name: string, args: DirectDeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
        super("launchpad:deploy:DirectDeployment", name, {}, opts);
        const s = args.strategy;
        const isService = args.config.kind === "service";
        this.deployment = slotWorkload(this, name, args, {
            slot: "main",
            release: s.release,
            replicas: args.config.replicas,
            rollout: s.rollout,
            dependsOn: args.beforeRollout,
        });
        this.deployments = { main: this.deployment };
        if (isService) service(this, name, args, name, slotSelector(name, "main"));
        if (isService && args.config.host) ingress(this, name, args, name, args.config.host, name);
        this.versions = appPlan(name, { strategy: s }).versions;
        this.url = isService && args.config.host ? urlOf(args, args.config.host) : undefined;
        this.internalUrl = isService ? clusterUrl(name, args.namespace) : undefined;
        this.registerOutputs({ url: this.url, internalUrl: this.internalUrl, versions: this.versions });
    }
}
