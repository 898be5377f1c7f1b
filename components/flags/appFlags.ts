// One app's feature flags in one environment: its flagd document delivered either through a ConfigMap
// and a flagd sidecar added via the pod seam, or as OpenFeature Operator objects plus the pod
// annotations that make the operator inject the sidecar.
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "../common/kubernetes";
import { FLAGD_CONTAINER, FLAGD_ENV, type Delivery, type FlagsConfig } from "../../config/flags";
import { ANNOTATION, LABEL } from "../common/labels";
import { RESTRICTED_CONTAINER } from "../common/security";
import { EXTRA_VOLUMES, type PodExtras } from "../deploy/podTemplate";
import { DEFINITIONS_KEY, FLAGS_COMPONENT, PREVIOUS_ROLLOUT_ANNOTATION } from "./flagd";
import type { FlagdDocument } from "./flagd";
import { documentJson } from "./render";

/** Where the definitions are mounted in the sidecar. */
export const FLAGD_CONFIG_DIR = "/etc/flagd";
/** Pod volume of the definitions ConfigMap. */
export const FLAGD_VOLUME = EXTRA_VOLUMES.flags;
/** Pod annotations of the OpenFeature Operator's mutating webhook. */
export const OPERATOR_ANNOTATION = { enabled: "openfeature.dev/enabled", source: "openfeature.dev/featureflagsource" } as const;
export const OPENFEATURE_API = "core.openfeature.dev/v1beta1";

export interface AppFlagsArgs {
    readonly app: string;
    readonly namespace: pulumi.Input<string>;
    /** Labels of the app. */
    readonly labels: Record<string, string>;
    /** The rendered flagd document of the app's flags (see render.ts). */
    readonly document: FlagdDocument;
    readonly delivery: Delivery;
    readonly sidecar: FlagsConfig["sidecar"];
    /**
     * The previous environment's rollout percentages, recorded on the definitions object for the policy.
     * @default none (first environment in promotion order)
     */
    readonly previous?: { environment: string; rollout: Record<string, number> };
}

const RESTRICTED = { ...RESTRICTED_CONTAINER, capabilities: { drop: [...RESTRICTED_CONTAINER.capabilities.drop] } };
const SIDECAR_RESOURCES = { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "200m", memory: "128Mi" } };

/** sha256 of the document's JSON: changes exactly when the definitions change. */
export function checksumOf(doc: FlagdDocument): string {
    return createHash("sha256").update(documentJson(doc)).digest("hex");
}

/** The flagd sidecar of sidecar mode (pure). */
export function flagdSidecar(sidecar: FlagsConfig["sidecar"]): k8s.types.input.core.v1.Container {
    return {
        name: FLAGD_CONTAINER,
        image: sidecar.image,
        imagePullPolicy: "IfNotPresent",
        args: [
            "start",
            "--uri",
            `file:${FLAGD_CONFIG_DIR}/${DEFINITIONS_KEY}`,
            "--port",
            String(sidecar.port),
            "--management-port",
            String(sidecar.managementPort),
        ],
        ports: [
            { name: "flagd", containerPort: sidecar.port, protocol: "TCP" },
            { name: "flagd-mgmt", containerPort: sidecar.managementPort, protocol: "TCP" },
        ],
        // /readyz answers 412 until the definitions were loaded once: a pod with unreadable flags stays unready.
        readinessProbe: { httpGet: { path: "/readyz", port: "flagd-mgmt" }, periodSeconds: 5, failureThreshold: 3, timeoutSeconds: 2 },
        livenessProbe: { httpGet: { path: "/healthz", port: "flagd-mgmt" }, periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 2 },
        resources: SIDECAR_RESOURCES,
        securityContext: RESTRICTED,
        volumeMounts: [{ name: FLAGD_VOLUME, mountPath: FLAGD_CONFIG_DIR, readOnly: true }],
    };
}

/**
 * The flags of one app: `<app>-flags` ConfigMap (sidecar mode) or `<app>-flags` FeatureFlag and
 * FeatureFlagSource plus an egress NetworkPolicy to flagd-proxy (operator mode). Hand `pod` and
 * `podAnnotations` to the app's deployment.
 */
export class AppFlags extends pulumi.ComponentResource {
    /** Sidecar, volume and environment for every pod of the app (the `pod` seam). */
    public readonly pod: PodExtras;
    /** Operator injection annotations, and the definitions checksum when the app rolls on change. */
    public readonly podAnnotations: Record<string, string>;
    /** sha256 of the definitions document. */
    public readonly checksum: string;
    /** Keys of the flags this app's flagd serves. */
    public readonly flags: string[];

    constructor(name: string, args: AppFlagsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("launchpad:flags:AppFlags", name, {}, opts);
        const { app, delivery } = args;
        const labels = { ...args.labels, [LABEL.component]: FLAGS_COMPONENT };
        const annotations = args.previous ? { [PREVIOUS_ROLLOUT_ANNOTATION]: JSON.stringify(args.previous) } : undefined;
        const metadata = { name, namespace: args.namespace, labels, ...(annotations ? { annotations } : {}) };
        this.checksum = checksumOf(args.document);
        this.flags = Object.keys(args.document.flags);
        const port = delivery.mode === "sidecar" ? args.sidecar.port : 8013;
        // The OpenFeature flagd provider reads these (resolver rpc against the sidecar on localhost).
        const values: Record<(typeof FLAGD_ENV)[number], string> = {
            FLAGD_HOST: "localhost",
            FLAGD_PORT: String(port),
            FLAGD_RESOLVER: "rpc",
        };
        const env = FLAGD_ENV.map((n) => ({ name: n, value: values[n] }));

        if (delivery.mode === "sidecar") {
            new k8s.core.v1.ConfigMap(name, { metadata, data: { [DEFINITIONS_KEY]: documentJson(args.document) } }, { parent: this });
            this.pod = {
                env,
                sidecars: [flagdSidecar(args.sidecar)],
                // Not subPath: kubelet then swaps the file in place on change and flagd reloads it live.
                volumes: [{ name: FLAGD_VOLUME, configMap: { name, items: [{ key: DEFINITIONS_KEY, path: DEFINITIONS_KEY }] } }],
            };
            // Only apps that ask restart on change; the others' flagd reloads the mounted file live.
            this.podAnnotations = delivery.rollOnChange.includes(app) ? { [ANNOTATION.configChecksum]: this.checksum } : {};
        } else {
            const { $schema: _schema, ...flagSpec } = args.document;
            void _schema;
            const flag = new k8s.apiextensions.CustomResource(
                name,
                { apiVersion: OPENFEATURE_API, kind: "FeatureFlag", metadata, spec: { flagSpec } },
                { parent: this },
            );
            new k8s.apiextensions.CustomResource(
                name,
                {
                    apiVersion: OPENFEATURE_API,
                    kind: "FeatureFlagSource",
                    metadata: { name, namespace: args.namespace, labels },
                    spec: {
                        sources: [{ source: pulumi.interpolate`${args.namespace}/${name}`, provider: "flagd-proxy" }],
                        port,
                        probesEnabled: true,
                        rolloutOnChange: delivery.rollOnChange.includes(app),
                        resources: SIDECAR_RESOURCES,
                    },
                },
                { parent: this, dependsOn: [flag] },
            );
            new k8s.networking.v1.NetworkPolicy(
                `${name}-egress`,
                {
                    metadata: { name: `${name}-egress`, namespace: args.namespace, labels },
                    spec: {
                        podSelector: { matchLabels: { [LABEL.name]: app } },
                        policyTypes: ["Egress"],
                        egress: [
                            {
                                to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": delivery.operatorNamespace } } }],
                                ports: [{ protocol: "TCP", port: delivery.proxyPort }],
                            },
                        ],
                    },
                },
                { parent: this },
            );
            this.pod = { env };
            // The operator's rolloutOnChange restarts the pods when the FeatureFlagSource changes, not when the
            // FeatureFlag (the definitions) does (open-feature-operator's featureflagsource controller): the
            // checksum of the definitions on the pod template rolls the app on a flag change, as in sidecar mode.
            this.podAnnotations = {
                [OPERATOR_ANNOTATION.enabled]: "true",
                [OPERATOR_ANNOTATION.source]: name,
                ...(delivery.rollOnChange.includes(app) ? { [ANNOTATION.configChecksum]: this.checksum } : {}),
            };
        }
        // `pod` and `podAnnotations` are wiring for the app's deployment, whose pod template carries them: not
        // registered again in the state (see AppMonitoring).
        this.registerOutputs({ checksum: this.checksum, flags: this.flags });
    }
}
