// One smoke test: a Job that runs the compiled runner against one Service, the ConfigMap that ships
// the runner and its input, and the NetworkPolicies that let exactly this Job reach the app.
import * as crypto from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "../common/kubernetes";
import { VERSION_PLACEHOLDER } from "../../config/validation";
import type { SmokeConfig } from "../../config/validation";
import { ANNOTATION, LABEL, SMOKE_FOR_LABEL } from "../common/labels";
import { runnerScript } from "./runner/bundle";
import type { RunnerInput } from "./runner/runner";

/** Label on smoke-test pods naming the app they test (NetworkPolicies select on it). */
export { SMOKE_FOR_LABEL };
/** uid/gid of the `node` user of the official Node images. */
export const RUNNER_UID = 1000;

export interface SmokeTestArgs {
    readonly app: string;
    readonly namespace: pulumi.Input<string>;
    /** The namespace as a plain string, for the target URL. */
    readonly namespaceName: string;
    /** Labels of the app (environment, team, part-of); the pods get their own name and component. */
    readonly labels: Record<string, string>;
    readonly smoke: SmokeConfig;
    readonly runnerImage: string;
    /** The Service under test (port 80) and the app's container port (what the NetworkPolicies open). */
    readonly service: string;
    readonly port: number;
    /** What is tested, for logs and names: the slot's Deployment name and version. */
    readonly subject: { readonly name: string; readonly version: string };
    /** Printed with a failure (summary log line and the pod's termination message, which `up` shows). */
    readonly onFailure: string;
    /**
     * Resources the Job waits for: the Deployment (and Service) it tests, each a promise (they are built after
     * the smoke test). A list, not a promise of one: see appValidation.ts's `smokeTargets`.
     */
    readonly dependsOn: readonly pulumi.Input<pulumi.Resource>[];
}

/** `6.7.1` -> `6-7-1`: a version as part of a DNS label. */
export function versionSlug(version: string): string {
    return version
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/^-+|-+$/g, "")
        .slice(0, 20)
        .replace(/-+$/, "");
}

/**
 * The Job's name: `<app>-smoke-<version>-<hash>`. It changes with the release and with anything that
 * changes what runs (checks, runner, image), so every new release gets a new Job that `up` awaits;
 * an unchanged release keeps its Job and nothing reruns. At most 63 characters (the name is also the
 * Job's `job-name` label): a long app name and version shorten the version part, never the hash, and
 * the name never has `--` or ends with `-`.
 */
export function smokeJobName(app: string, version: string, content: string): string {
    const hash = crypto.createHash("sha256").update(content).digest("hex").slice(0, 8);
    const prefix = `${app}-smoke-${versionSlug(version)}`.slice(0, 63 - hash.length - 1).replace(/-+$/, "");
    return `${prefix}-${hash}`;
}

/** `{{version}}` in expected values becomes the version under test, so one check list fits every slot. */
export { VERSION_PLACEHOLDER };

function withVersion<T>(v: T, version: string): T {
    return (typeof v === "string" ? v.split(VERSION_PLACEHOLDER).join(version) : v) as T;
}

/** The runner's input for one test. */
export function runnerInput(a: Pick<SmokeTestArgs, "app" | "smoke" | "service" | "namespaceName" | "subject" | "onFailure">): RunnerInput {
    return {
        app: a.app,
        subject: `${a.subject.name} ${a.subject.version} via ${a.service}`,
        target: `http://${a.service}.${a.namespaceName}.svc.cluster.local`,
        checks: a.smoke.checks.map((c) => ({
            ...c,
            ...(c.bodyContains !== undefined ? { bodyContains: withVersion(c.bodyContains, a.subject.version) } : {}),
            ...(c.json ? { json: Object.fromEntries(Object.entries(c.json).map(([k, v]) => [k, withVersion(v, a.subject.version)])) } : {}),
        })),
        retries: a.smoke.retries,
        backoffMs: a.smoke.backoffMs,
        maxBackoffMs: a.smoke.maxBackoffMs,
        onFailure: a.onFailure,
    };
}

/** What one smoke test runs: its Job (and ConfigMap) name, pod labels, the runner and its input. */
export interface SmokeParts {
    readonly jobName: string;
    readonly podLabels: Record<string, string>;
    readonly script: string;
    readonly inputJson: string;
}

export function smokeParts(args: Omit<SmokeTestArgs, "dependsOn" | "namespace">): SmokeParts {
    const script = runnerScript();
    const inputJson = JSON.stringify(runnerInput(args), null, 2);
    const jobName = smokeJobName(args.app, args.subject.version, `${args.runnerImage}\n${script}\n${inputJson}`);
    const podLabels = {
        ...args.labels,
        [LABEL.name]: `${args.app}-smoke`,
        [LABEL.component]: "smoke-test",
        [SMOKE_FOR_LABEL]: args.app,
    };
    return { jobName, podLabels, script, inputJson };
}

/**
 * The NetworkPolicies and the runner's ConfigMap of a smoke test, children of `parent`: shared by the
 * SmokeTest Job and the Argo Rollouts `job` metric that runs the same runner (components/deploy/argo).
 */
export function smokeSupport(
    parent: pulumi.Resource,
    name: string,
    args: Pick<SmokeTestArgs, "app" | "namespace" | "port">,
    parts: SmokeParts,
): k8s.core.v1.ConfigMap {
    const { jobName, podLabels, script, inputJson } = parts;
    const smokePods = { matchLabels: { [SMOKE_FOR_LABEL]: args.app } };
    const appPods = { matchLabels: { [LABEL.name]: args.app } };
    const port = [{ protocol: "TCP", port: args.port }];

    // Namespaces deny by default: this Job may call the app, and the app accepts it.
    new k8s.networking.v1.NetworkPolicy(
        `${name}-smoke-egress`,
        {
            metadata: { name: `${args.app}-smoke-egress`, namespace: args.namespace, labels: podLabels },
            spec: { podSelector: smokePods, policyTypes: ["Egress"], egress: [{ to: [{ podSelector: appPods }], ports: port }] },
        },
        { parent },
    );
    new k8s.networking.v1.NetworkPolicy(
        `${name}-smoke-ingress`,
        {
            metadata: { name: `${args.app}-smoke-ingress`, namespace: args.namespace, labels: podLabels },
            spec: { podSelector: appPods, policyTypes: ["Ingress"], ingress: [{ from: [{ podSelector: smokePods }], ports: port }] },
        },
        { parent },
    );
    return new k8s.core.v1.ConfigMap(
        `${name}-smoke`,
        {
            metadata: { name: jobName, namespace: args.namespace, labels: podLabels },
            immutable: true,
            data: { "runner.js": script, "input.json": inputJson },
        },
        { parent },
    );
}

/** The smoke test's Job spec (one restricted pod running the runner): the SmokeTest Job's and the Argo `job` metric's. */
export function smokeJobSpec(args: Pick<SmokeTestArgs, "smoke" | "runnerImage">, parts: Pick<SmokeParts, "jobName" | "podLabels">) {
    const { jobName, podLabels } = parts;
    return {
        // The runner retries each check itself; a second pod would only repeat them.
        backoffLimit: 0,
        activeDeadlineSeconds: args.smoke.timeoutSeconds,
        // Kept a day for `kubectl logs`; see docs/validation.md on refresh after cleanup.
        ttlSecondsAfterFinished: 86400,
        template: {
            metadata: { labels: podLabels },
            spec: {
                restartPolicy: "Never",
                automountServiceAccountToken: false,
                enableServiceLinks: false,
                securityContext: {
                    runAsNonRoot: true,
                    runAsUser: RUNNER_UID,
                    runAsGroup: RUNNER_UID,
                    seccompProfile: { type: "RuntimeDefault" },
                },
                containers: [
                    {
                        name: "smoke",
                        image: args.runnerImage,
                        command: ["node", "/smoke/runner.js", "/smoke/input.json"],
                        securityContext: {
                            allowPrivilegeEscalation: false,
                            readOnlyRootFilesystem: true,
                            runAsNonRoot: true,
                            capabilities: { drop: ["ALL"] },
                            seccompProfile: { type: "RuntimeDefault" },
                        },
                        resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
                        // The runner writes its failure summary and runbook here; the provider
                        // shows a failed pod's termination message in the `up` error.
                        terminationMessagePath: "/dev/termination-log",
                        terminationMessagePolicy: "FallbackToLogsOnError",
                        volumeMounts: [{ name: "smoke", mountPath: "/smoke", readOnly: true }],
                    },
                ],
                volumes: [{ name: "smoke", configMap: { name: jobName } }],
            },
        },
    };
}

/**
 * Children (names from the component name `<app>`): ConfigMap and Job `<app>-smoke` (Kubernetes name
 * `<app>-smoke-<version>-<hash>`), NetworkPolicies `<app>-smoke-egress` and `<app>-smoke-ingress`.
 */
export class SmokeTest extends pulumi.ComponentResource {
    public readonly job: k8s.batch.v1.Job;
    /** Kubernetes name of the Job (`kubectl logs job/<jobName>`). */
    public readonly jobName: string;
    /** When the Job completed (known after `up`). */
    public readonly passedAt: pulumi.Output<string | undefined>;

    constructor(name: string, args: SmokeTestArgs, opts?: pulumi.ComponentResourceOptions) {
        super("launchpad:validation:SmokeTest", name, {}, opts);
        const parts = smokeParts(args);
        const config = smokeSupport(this, name, args, parts);
        const after: pulumi.Input<pulumi.Resource>[] = [...args.dependsOn, config];
        this.job = new k8s.batch.v1.Job(
            `${name}-smoke`,
            {
                metadata: {
                    name: parts.jobName,
                    namespace: args.namespace,
                    labels: parts.podLabels,
                    annotations: {
                        [ANNOTATION.release]: args.subject.version,
                        // A Job that failed is replaced (rerun) by the next `up` instead of being awaited again.
                        "pulumi.com/replaceUnready": "true",
                        // `up` waits for the Job a little longer than the Job may run.
                        "pulumi.com/timeoutSeconds": String(args.smoke.timeoutSeconds + 60),
                    },
                },
                spec: smokeJobSpec(args, parts),
            },
            { parent: this, dependsOn: after },
        );
        this.jobName = parts.jobName;
        this.passedAt = this.job.status.apply((s) => s?.completionTime);
        this.registerOutputs({ jobName: this.jobName, passedAt: this.passedAt });
    }
}
