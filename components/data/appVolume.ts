import * as pulumi from "@pulumi/pulumi";
import * as k8s from "../common/kubernetes";
import type { VolumeConfig } from "../../config/backup";
import { EXTRA_VOLUMES, type PodExtras } from "../deploy/podTemplate";

export interface AppVolumeArgs {
    readonly app: string;
    readonly namespace: pulumi.Input<string>;
    /** Labels of the app's objects: Velero's label selector picks the claim up with them. */
    readonly labels: Record<string, string>;
    readonly config: VolumeConfig;
    /** Production: the claim (and so its volume) stays when removed from the stack. */
    readonly production: boolean;
}

/**
 * Data inside the cluster: PersistentVolumeClaim `<app>-data` mounted at `mountPath` in the app's
 * container (volume name `data-volume`). It carries the app's labels, so the app's Velero Backups
 * include it and its volume (snapshot, or file-system backup where Velero is set up for it).
 */
export class AppVolume extends pulumi.ComponentResource {
    public readonly claimName: string;
    /** What the app's pods get: the volume and its mount. */
    public readonly pod: Required<Pick<PodExtras, "volumes" | "volumeMounts">>;
    public readonly claim: k8s.core.v1.PersistentVolumeClaim;

    constructor(name: string, args: AppVolumeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("launchpad:data:AppVolume", name, {}, opts);
        const c = args.config;
        this.claimName = `${args.app}-data`;
        this.claim = new k8s.core.v1.PersistentVolumeClaim(
            `${name}-data`,
            {
                metadata: { name: this.claimName, namespace: args.namespace, labels: args.labels },
                spec: {
                    accessModes: [c.accessMode],
                    resources: { requests: { storage: c.size } },
                    ...(c.storageClassName ? { storageClassName: c.storageClassName } : {}),
                },
            },
            { parent: this, ...(args.production ? { retainOnDelete: true } : {}) },
        );
        this.pod = {
            volumes: [{ name: EXTRA_VOLUMES.data, persistentVolumeClaim: { claimName: this.claimName } }],
            volumeMounts: [{ name: EXTRA_VOLUMES.data, mountPath: c.mountPath }],
        };
        this.registerOutputs({ claimName: this.claimName });
    }
}
