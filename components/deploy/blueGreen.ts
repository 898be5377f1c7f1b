import * as pulumi from "@pulumi/pulumi";
import type * as k8s from "../common/kubernetes";
import type { BlueGreenStrategy, Slot } from "../../config/schema";
import { slotSelector } from "../common/labels";
import { appPlan } from "../app/plan";
import { blueGreenReplicas, previewAnnotations, previewHost } from "./traffic";
import { AppDeploymentArgs, clusterUrl, ingress, service, slotWorkload, urlOf } from "./workload";

export interface BlueGreenDeploymentArgs extends AppDeploymentArgs {
    readonly strategy: BlueGreenStrategy;
}

/**
 * Blue-green: two slot Deployments (`<name>-blue`, `<name>-green`), each running its own version.
 * Service `<name>` (live) selects the active slot; Service `<name>-preview` selects the idle one, on
 * host `<name>-preview.<domain>` (open to `previewAllowFrom` only, when set), so the next version is
 * tested before it takes traffic.
 * A switch is a change of `activeSlot` alone: only the two Services' selectors change. Rolling back is
 * switching back: the previous version still runs in the other slot.
 */
export class BlueGreenDeployment extends pulumi.ComponentResource {
    public readonly activeSlot: Slot;
    public readonly idleSlot: Slot;
    public readonly url: string | undefined;
    public readonly previewUrl: string | undefined;
    public readonly internalUrl: pulumi.Output<string>;
    /** In-cluster URL of the preview Service: what smoke tests call before a switch. */
    public readonly previewInternalUrl: pulumi.Output<string>;
    public readonly versions: Record<Slot, string>;
    /** The slots' Deployments and the preview Service: what smoke tests wait for before they run. */
    public readonly deployments: Record<Slot, k8s.apps.v1.Deployment>;
    public readonly previewService: k8s.core.v1.Service;

    constructor(name: string, args: BlueGreenDeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
        super("launchpad:deploy:BlueGreenDeployment", name, {}, opts);
        const s = args.strategy;
        const plan = appPlan(name, { strategy: s });
        const slots = plan.slots!;
        this.activeSlot = slots.live;
        this.idleSlot = slots.idle;
        const replicas = blueGreenReplicas(slots, args.config.replicas, s.idleReplicas);
        const deployments = {} as Record<Slot, k8s.apps.v1.Deployment>;
        for (const r of plan.releases) {
            const slot = r.track as Slot;
            deployments[slot] = slotWorkload(this, name, args, {
                slot,
                release: r.release,
                replicas: replicas[slot],
                dependsOn: args.beforeRollout,
            });
        }
        this.deployments = deployments;
        const previewName = `${name}-preview`;
        // The preview Service is where smoke tests run, so it never waits for them.
        this.previewService = service(this, name, args, previewName, slotSelector(name, this.idleSlot));
        service(this, name, args, name, slotSelector(name, this.activeSlot), args.beforeTraffic);
        const previewAt = previewHost(name, args.domain);
        if (args.config.host) {
            ingress(this, name, args, name, args.config.host, name);
            ingress(this, name, args, previewName, previewAt, previewName, previewAnnotations(s.previewAllowFrom));
        }
        this.url = args.config.host ? urlOf(args, args.config.host) : undefined;
        this.previewUrl = args.config.host ? urlOf(args, previewAt) : undefined;
        this.internalUrl = clusterUrl(name, args.namespace);
        this.previewInternalUrl = clusterUrl(previewName, args.namespace);
        this.versions = plan.versions as Record<Slot, string>;
        this.registerOutputs({
            activeSlot: this.activeSlot,
            url: this.url,
            previewUrl: this.previewUrl,
            internalUrl: this.internalUrl,
            previewInternalUrl: this.previewInternalUrl,
            versions: this.versions,
        });
    }
}
