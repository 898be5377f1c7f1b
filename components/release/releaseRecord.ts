import * as pulumi from "@pulumi/pulumi";
import * as k8s from "../common/kubernetes";
import type { ReleaseConfig } from "../../config/schema";
import { ANNOTATION } from "../common/labels";
import { RELEASE_CONFIGMAP, ReleaseFacts, releaseFacts } from "./facts";

export interface ReleaseRecordArgs {
    readonly release: ReleaseConfig;
    /** Namespace of the environment the release is launched in. */
    readonly namespace: pulumi.Input<string>;
    /** Labels of the environment. */
    readonly labels: Record<string, string>;
}

/**
 * Records the release being launched (version, announcedAt, launchAt, channel, notesUrl) as the
 * ConfigMap `launchpad-release` in the environment's namespace. The policy pack cannot read stack
 * configuration, but it sees every resource: this ConfigMap is how the `announced`, `documented`,
 * `tested-artifact` and `backup-before-deploy` policies learn which release is going out, in the real
 * engine and in the offline plan alike. Operators read it with `kubectl get configmap launchpad-release`.
 * Child: ConfigMap `<name>`.
 */
export class ReleaseRecord extends pulumi.ComponentResource {
    /** The facts as recorded (notesUrl defaults to `release/notes/<version>.md`). */
    public readonly facts: ReleaseFacts;
    public readonly configMapName: pulumi.Output<string>;

    constructor(name: string, args: ReleaseRecordArgs, opts?: pulumi.ComponentResourceOptions) {
        super("launchpad:release:ReleaseRecord", name, {}, opts);
        this.facts = releaseFacts(args.release);
        const cm = new k8s.core.v1.ConfigMap(
            name,
            {
                metadata: {
                    name: RELEASE_CONFIGMAP,
                    namespace: args.namespace,
                    labels: args.labels,
                    annotations: { [ANNOTATION.release]: this.facts.version },
                },
                data: { ...this.facts },
            },
            { parent: this },
        );
        this.configMapName = cm.metadata.name;
        this.registerOutputs({ facts: this.facts, configMapName: this.configMapName });
    }
}
