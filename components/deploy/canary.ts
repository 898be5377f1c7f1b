import * as pulumi from "@pulumi/pulumi";
import * as k8s from "../common/kubernetes";
import type { CanaryStrategy } from "../../config/schema";
import { LABEL, slotSelector } from "../common/labels";
import { appPlan } from "../app/plan";
import { canarySplit, gatewayWeights, nginxCanaryAnnotations } from "./traffic";
import { AppDeploymentArgs, clusterUrl, httpRoute, ingress, service, slotWorkload, urlOf } from "./workload";

export interface CanaryDeploymentArgs extends AppDeploymentArgs {
    readonly strategy: CanaryStrategy;
}

/**
 * Canary: Deployments `<name>-stable` and, while a candidate exists, `<name>-canary`. Traffic is split by
 * `router`:
 * - `nginx`: Ingress `<name>` to Service `<name>` (stable) and Ingress `<name>-canary` with ingress-nginx
 *   canary annotations to Service `<name>-canary`;
 * - `gateway`: one HTTPRoute `<name>` with weighted backends `<name>` and `<name>-canary`;
 * - `replicas`: Service `<name>` selects both tracks and the split follows the replica ratio.
 * A step changes `weight` (only the weight-bearing fields change); promotion makes the canary release
 * the stable one and removes `canary` (the canary objects are deleted); abort sets weight 0.
 */
export class CanaryDeployment extends pulumi.ComponentResource {
    public readonly weight: number;
    public readonly url: string | undefined;
    /** Only blue-green deployments have a preview host. */
    public readonly previewUrl: undefined = undefined;
    public readonly internalUrl: pulumi.Output<string>;
    /** In-cluster URL that reaches only the canary: what smoke tests call before a step. */
    public readonly canaryInternalUrl: pulumi.Output<string> | undefined;
    public readonly versions: { stable: string; canary?: string };
    /** The tracks' Deployments: what smoke tests wait for before they run. */
    public readonly deployments: { stable: k8s.apps.v1.Deployment; canary?: k8s.apps.v1.Deployment };

    constructor(name: string, args: CanaryDeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
        super("launchpad:deploy:CanaryDeployment", name, {}, opts);
        const s = args.strategy;
        const plan = appPlan(name, { strategy: s });
        const hasCanary = plan.candidate !== undefined;
        const weight = plan.weight ?? 0;
        const split = canarySplit(s.router, args.config.replicas, weight, hasCanary);
        const canaryName = `${name}-canary`;
        // In replica-ratio mode the replica counts are what carries the weight, so the gate guards them.
        const weightGate = s.router === "replicas" ? args.beforeTraffic : undefined;

        this.deployments = {
            stable: slotWorkload(this, name, args, {
                slot: "stable",
                release: s.stable,
                replicas: split.stable,
                dependsOn: args.beforeRollout,
            }),
        };
        if (s.canary) {
            this.deployments.canary = slotWorkload(this, name, args, {
                slot: "canary",
                release: s.canary,
                replicas: split.canary,
                dependsOn: [...(args.beforeRollout ?? []), ...(weightGate ?? [])],
            });
            service(this, name, args, canaryName, slotSelector(name, "canary"));
        }
        service(this, name, args, name, s.router === "replicas" ? { [LABEL.name]: name } : slotSelector(name, "stable"));

        const host = args.config.host;
        if (host && s.router === "nginx") {
            ingress(this, name, args, name, host, name);
            if (hasCanary) ingress(this, name, args, canaryName, host, canaryName, nginxCanaryAnnotations(weight), args.beforeTraffic);
        } else if (host && s.router === "gateway") {
            const w = gatewayWeights(weight, hasCanary);
            httpRoute(
                this,
                name,
                args,
                host,
                [{ service: name, weight: w.stable }, ...(hasCanary ? [{ service: canaryName, weight: w.canary }] : [])],
                hasCanary && args.beforeTraffic && args.beforeTraffic.length > 0 ? { dependsOn: args.beforeTraffic } : {},
            );
        } else if (host) {
            ingress(this, name, args, name, host, name);
        }

        this.weight = weight;
        this.url = host ? urlOf(args, host) : undefined;
        this.internalUrl = clusterUrl(name, args.namespace);
        this.canaryInternalUrl = hasCanary ? clusterUrl(canaryName, args.namespace) : undefined;
        this.versions = plan.versions as CanaryDeployment["versions"];
        this.registerOutputs({
            weight: this.weight,
            url: this.url,
            internalUrl: this.internalUrl,
            canaryInternalUrl: this.canaryInternalUrl,
            versions: this.versions,
        });
    }
}
