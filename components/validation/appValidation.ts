// Validation of one app's release: its smoke-test Job and metric gate, placed so that a failure stops
// the update before users are moved to the new version.
//
// Ordering (all through `dependsOn`, nothing home-made):
// - blue-green: idle-slot Deployment + preview Service -> smoke Job -> gate -> live Service (switch);
// - canary (nginx/gateway): canary Deployment -> smoke Job -> gate -> canary Ingress / HTTPRoute (weight);
//   canary (replicas): gate -> canary Deployment (its replicas are the weight) -> smoke Job;
// - direct: Deployment -> smoke Job; a failure fails `up` with the rollback runbook.
import * as pulumi from "@pulumi/pulumi";
import type * as k8s from "../common/kubernetes";
import { isArgo } from "../../config/delivery";
import type { AppConfig } from "../../config/schema";
import type { GateConfig, ValidationConfig } from "../../config/validation";
import type { GateInputs } from "./gate";
import { MetricGate } from "./gateProvider";
import { gateQueries } from "./queries";
import { directRollbackRunbook, rollbackCommand } from "./runbook";
import { SmokeTest } from "./smokeTest";
import { appPlan } from "../app/plan";
import type { Track } from "../app/plan";

/**
 * What the app's deployment component exposes for validation to wait on: its Deployments by track and,
 * for blue-green, the preview Service. Every deployment component in components/deploy has this shape.
 */
export interface DeploymentTargets {
    readonly deployments: Readonly<Partial<Record<Track, k8s.apps.v1.Deployment>>>;
    readonly previewService?: k8s.core.v1.Service;
}

export interface AppValidationArgs {
    readonly app: string;
    readonly config: AppConfig;
    readonly stack: string;
    /** The namespace, as the environment's output (so objects are created after it). */
    readonly namespace: pulumi.Input<string>;
    /** The same name as a plain string: it goes into URLs, queries and commands. */
    readonly namespaceName: string;
    readonly labels: Record<string, string>;
    readonly validation: ValidationConfig;
    /** Merged gate settings of this app. */
    readonly gate: GateConfig;
    /** Resolves once the app's deployment component exists (it is built after this one). */
    readonly targets: Promise<DeploymentTargets>;
    /** The digest of the image this stack builds for the app (apps with `build` and no configured image). */
    readonly builtImage?: pulumi.Input<string>;
}

/** What a passed smoke test verified: the next stage's evidence. */
export interface Verified {
    readonly subject: string;
    /** The image by digest; for an app built by this stack, its digest (known after up). */
    readonly image: pulumi.Input<string>;
    readonly version: string;
    readonly job: string;
    readonly passedAt: pulumi.Output<string | undefined>;
}

/** Whether an app has anything to validate (smoke tests, or a gate on a strategy that shifts traffic). */
export function validates(c: AppConfig, gate: GateConfig, validation: ValidationConfig): boolean {
    if (c.kind !== "service") return false;
    // The Argo Rollouts controller runs this app's smoke test and gate as analysis (components/deploy/argo).
    if (isArgo(c.strategy)) return false;
    const gated =
        gate.enabled &&
        validation.prometheusUrl !== undefined &&
        (c.strategy.type === "blueGreen" || (c.strategy.type === "canary" && c.strategy.canary !== undefined));
    return c.smoke !== undefined || gated;
}

/**
 * Children (named from `<app>`): SmokeTest `<app>` (Job `<app>-smoke`, when `smoke` is configured) and
 * MetricGate `<app>-gate` (canary with a candidate, blue-green; when the gate is enabled).
 */
export class AppValidation extends pulumi.ComponentResource {
    /** Pass to the deployment's `beforeTraffic`: what must succeed before users get the new version. */
    public readonly beforeTraffic: pulumi.Resource[];
    public readonly smoke: SmokeTest | undefined;
    public readonly gate: MetricGate | undefined;
    /** The image and version the smoke test passed on, and when (undefined without smoke tests). */
    public readonly verified: Verified | undefined;
    /** The gate's last result in `up`; a placeholder in preview, where the gate never runs. */
    public readonly gateStatus: pulumi.Output<string> | undefined;

    constructor(name: string, args: AppValidationArgs, opts?: pulumi.ComponentResourceOptions) {
        super("launchpad:validation:AppValidation", name, {}, opts);
        const { app, config: c, stack } = args;
        const namespace = args.namespaceName;
        const s = c.strategy;
        const plan = appPlan(app, c);
        const smoke = c.kind === "service" ? c.smoke : undefined;
        const common = {
            app,
            namespace: args.namespace,
            namespaceName: namespace,
            labels: args.labels,
            runnerImage: args.validation.runnerImage,
            port: c.port,
        };
        const beforeTraffic: pulumi.Resource[] = [];
        let smokeTest: SmokeTest | undefined;
        let subject: { name: string; version: string; image?: string } | undefined;

        // What the smoke test waits for: the subject's Deployment and, for blue-green, the preview Service it calls.
        // One promise per resource, not a promise of the list: the SDK takes a list's elements as they are,
        // but lifts a promised list into an Output, whose resolution walks every resource in it and all they
        // reference (their parents, the components' fields), a thousand-odd objects per smoke test.
        const smokeTargets = (track: Track, preview: boolean): Promise<pulumi.Resource>[] => {
            const deployment = args.targets.then((t) => {
                const d = t.deployments[track];
                if (!d) throw new Error(`AppValidation ${name}: the deployment has no ${track} Deployment to smoke-test`);
                return d;
            });
            if (!preview) return [deployment];
            const service = args.targets.then((t) => {
                if (!t.previewService) throw new Error(`AppValidation ${name}: the blue-green deployment has no preview Service`);
                return t.previewService;
            });
            return [deployment, service];
        };
        const under = plan.smokeSubject;
        if (s.type === "direct" && under) {
            subject = { name: under.workload, ...under.release };
            if (smoke) {
                const target = { app, stack, namespace, strategy: "direct" as const };
                smokeTest = new SmokeTest(
                    name,
                    {
                        ...common,
                        smoke,
                        service: app,
                        subject,
                        onFailure: directRollbackRunbook(target, under.release.version),
                        dependsOn: smokeTargets(under.track, false),
                    },
                    { parent: this },
                );
            }
        } else if (s.type === "blueGreen" && under && plan.candidate) {
            const live = plan.candidate;
            subject = { name: under.workload, ...under.release };
            if (smoke) {
                smokeTest = new SmokeTest(
                    name,
                    {
                        ...common,
                        smoke,
                        service: `${app}-preview`,
                        subject,
                        onFailure: `The live Service of ${app} was not switched: users stay on ${live.workload} ${live.release.version}. Fix or replace ${subject.version} in slot ${under.track} (launchpad:apps.${app}.${under.path.join(".")}) and run pulumi up --stack ${stack} again.`,
                        dependsOn: smokeTargets(under.track, true),
                    },
                    { parent: this },
                );
                beforeTraffic.push(smokeTest.job);
            }
        } else if (s.type === "canary" && under) {
            subject = { name: under.workload, ...under.release };
            if (smoke) {
                const abort = rollbackCommand({ app, stack, namespace, ...plan.rollback });
                smokeTest = new SmokeTest(
                    name,
                    {
                        ...common,
                        smoke,
                        service: under.workload,
                        subject,
                        onFailure: `The canary weight of ${app} was not raised. Abort the canary: ${abort}`,
                        dependsOn: smokeTargets(under.track, false),
                    },
                    { parent: this },
                );
                // With router: replicas the canary's replica count IS its weight, so the Deployment itself
                // waits for the gate, and the smoke test can only run after it (see docs/validation.md).
                if (s.router !== "replicas") beforeTraffic.push(smokeTest.job);
            }
        }

        let gate: MetricGate | undefined;
        const gated = c.kind === "service" && args.gate.enabled && args.validation.prometheusUrl !== undefined;
        const g = args.gate;
        const thresholds = {
            maxErrorRatio: g.maxErrorRatio,
            maxErrorRatioIncrease: g.maxErrorRatioIncrease,
            latencyQuantile: g.latencyQuantile,
            maxLatencySeconds: g.maxLatencySeconds,
            maxLatencyRatio: g.maxLatencyRatio,
            onNoData: g.onNoData,
        };
        let gateInputs: GateInputs | undefined;
        // The gate compares the release this update gives more traffic (canary; blue-green: the slot
        // about to go live) with the one serving users now.
        const { candidate, baseline } = plan;
        if (gated && candidate && baseline && (plan.strategy === "canary" || plan.strategy === "blueGreen")) {
            gateInputs = {
                app,
                strategy: plan.strategy,
                candidate: { name: candidate.workload, version: candidate.release.version },
                baseline: { name: baseline.workload, version: baseline.release.version },
                weight: candidate.traffic,
                prometheusUrl: args.validation.prometheusUrl as string,
                window: g.window,
                queries: gateQueries(namespace, app, candidate.track, baseline.track, g.window, g.latencyQuantile, c.metrics),
                thresholds,
                // Blue-green: the switch did not happen; this keeps the config where the cluster still is.
                abortCommand: rollbackCommand({ app, stack, namespace, ...plan.rollback }),
            };
        }
        if (gateInputs) {
            const waitForSmoke = smokeTest && !(s.type === "canary" && s.router === "replicas");
            gate = new MetricGate(`${name}-gate`, gateInputs, { parent: this, ...(waitForSmoke ? { dependsOn: [smokeTest!.job] } : {}) });
            beforeTraffic.push(gate);
        }

        this.beforeTraffic = beforeTraffic;
        this.smoke = smokeTest;
        this.gate = gate;
        this.verified =
            smokeTest && subject
                ? {
                      subject: subject.name,
                      image: subject.image ?? args.builtImage ?? "(built by this stack)",
                      version: subject.version,
                      job: smokeTest.jobName,
                      passedAt: smokeTest.passedAt,
                  }
                : undefined;
        this.gateStatus = gate
            ? pulumi.runtime.isDryRun()
                ? pulumi.output(
                      `pending: the gate queries ${args.validation.prometheusUrl} over ${g.window} during pulumi up, before traffic changes`,
                  )
                : gate.result.apply((r) => r.summary)
            : undefined;
        this.registerOutputs({ verified: this.verified, gateStatus: this.gateStatus });
    }
}
