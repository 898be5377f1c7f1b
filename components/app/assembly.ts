// One app of an environment, assembled from its release model (./plan.ts) and the environment's
// context: data (database, backups), image build, validation (smoke test, metric gate), deployment and
// monitoring. A function, not a component: the pieces keep their parents (the Environment), so no URN
// changes and no extra registration per app.
import * as pulumi from "@pulumi/pulumi";
import type { AppConfig, LaunchpadConfig } from "../../config/schema";
import { gateFor } from "../../config/validation";
import { appData } from "../backup";
import type { AppDataContext, RecoveryPoints } from "../backup";
import { appLabels } from "../common/labels";
import { isBurstable, maxConnections } from "../data/connections";
import { appSecretEnv, ArgoRollout, BlueGreenDeployment, CanaryDeployment, combineSeams, DirectDeployment } from "../deploy";
import type { AppDeploymentArgs, ArgoAnalysisArgs } from "../deploy";
import { isArgo } from "../../config/delivery";
import type { Environment } from "../environment";
import type { EnvironmentFlags } from "../flags";
import { AppImage } from "../images";
import { AppMonitoring } from "../monitoring";
import type { MonitoredDatabase } from "../monitoring";
import { AppValidation, rollbackCommand, validates } from "../validation";
import type { DeploymentTargets, NoticeApp, Verified } from "../validation";
import { appPlan } from "./plan";
import type { AppPlan } from "./plan";

export type AppDeployment = DirectDeployment | BlueGreenDeployment | CanaryDeployment | ArgoRollout;

/** What a stack exports, per app. */
export interface AppOutputs {
    strategy: AppConfig["strategy"]["type"];
    /** Set when the Argo Rollouts controller walks the release (config/delivery.ts). */
    engine?: "argoRollouts";
    url: string | undefined;
    previewUrl?: string | undefined;
    activeSlot?: string;
    canaryWeight?: number;
    versions: Record<string, string>;
}

/** What every app of one environment shares. */
export interface EnvironmentContext {
    readonly config: LaunchpadConfig;
    readonly stack: string;
    readonly environment: Environment;
    /** Flags delivered to each app (declared once per environment; each app's built as the app is). */
    readonly flags: EnvironmentFlags;
    /** Databases and backups; undefined without `launchpad:backup`. */
    readonly data?: AppDataContext;
}

/** One assembled app: its model, what it exports and what the environment-wide parts need from it. */
export interface AssembledApp {
    readonly name: string;
    readonly plan: AppPlan;
    readonly deployment: AppDeployment;
    readonly validation: AppValidation | undefined;
    readonly image: AppImage | undefined;
    readonly ruleName: string;
    readonly outputs: AppOutputs;
    readonly recoveryPoints: RecoveryPoints | undefined;
    readonly database: MonitoredDatabase | undefined;
    /** The app as the release notice announces it. */
    readonly notice: NoticeApp;
    /** Production: the backups taken for this release, which VM deploys wait for too. */
    readonly releaseBackups: pulumi.Resource[];
}

function deploy(
    name: string,
    app: AppConfig,
    base: AppDeploymentArgs,
    parent: pulumi.Resource,
    argo: { production: boolean; analysis: ArgoAnalysisArgs },
): AppDeployment {
    if (app.strategy.type !== "direct" && isArgo(app.strategy))
        return new ArgoRollout(name, { ...base, ...argo, strategy: app.strategy }, { parent });
    switch (app.strategy.type) {
        case "direct":
            return new DirectDeployment(name, { ...base, strategy: app.strategy }, { parent });
        case "blueGreen":
            return new BlueGreenDeployment(name, { ...base, strategy: app.strategy }, { parent });
        case "canary":
            return new CanaryDeployment(name, { ...base, strategy: app.strategy }, { parent });
    }
}

/** Builds one app's components, parented to the Environment. */
export function assembleApp(name: string, app: AppConfig, ctx: EnvironmentContext): AssembledApp {
    const { config, environment, stack } = ctx;
    const env = config.environment;
    const namespaceName = env.namespace ?? env.name;
    const plan = appPlan(name, app);
    const labels = appLabels(env.name, name, app.team);
    // Data-owning apps: database, release backups, and what their Deployments get (see components/backup/wiring.ts).
    const data = ctx.data ? appData(name, app, labels, plan.podReleases, ctx.data, environment) : undefined;
    const image = app.build
        ? new AppImage(
              name,
              { environment: env.name, images: config.images, build: app.build, version: plan.built?.release.version },
              { parent: environment },
          )
        : undefined;
    // Validation is built first (its Jobs and gate go into beforeTraffic) and waits for the deployment,
    // whose Deployments it smoke-tests: the deployment resolves `targets` once it exists.
    let resolveTargets: (t: DeploymentTargets) => void = () => undefined;
    const targets = new Promise<DeploymentTargets>((resolve) => (resolveTargets = resolve));
    const gate = gateFor(config.validation, app.gate);
    const checks = validates(app, gate, config.validation)
        ? new AppValidation(
              name,
              {
                  app: name,
                  config: app,
                  stack,
                  namespace: environment.namespace,
                  namespaceName,
                  labels,
                  validation: config.validation,
                  gate,
                  targets,
                  ...(image ? { builtImage: image.digest } : {}),
              },
              { parent: environment },
          )
        : undefined;
    const secretEnv = appSecretEnv(name, app.secretEnv, environment.namespace, labels, environment);
    const deployment = deploy(
        name,
        app,
        {
            config: app,
            namespace: environment.namespace,
            domain: env.domain,
            labels,
            ingress: env.ingress,
            ...combineSeams(
                ctx.flags.forApp(name),
                data?.deployment,
                checks ? { beforeTraffic: checks.beforeTraffic } : undefined,
                secretEnv ? { beforeRollout: [secretEnv] } : undefined,
            ),
            builtImage: image?.digest,
        },
        environment,
        {
            production: env.tier === "production",
            // The controller runs the same gate and smoke test as analysis (AppValidation leaves Argo apps to it).
            analysis: {
                namespaceName,
                stack,
                ...(gate.enabled && config.validation.prometheusUrl
                    ? { gate: { config: gate, prometheusUrl: config.validation.prometheusUrl } }
                    : {}),
                ...(app.smoke ? { smoke: { config: app.smoke, runnerImage: config.validation.runnerImage } } : {}),
            },
        },
    );
    if (!(deployment instanceof ArgoRollout)) resolveTargets(deployment);
    const monitoring = new AppMonitoring(
        name,
        {
            namespace: environment.namespace,
            // The namespace's name as series carry it; objects take the Environment's output to wait for it.
            seriesNamespace: namespaceName,
            environment: env.name,
            team: app.team,
            kind: app.kind,
            strategy: app.strategy,
            slo: app.slo,
            metrics: app.metrics,
            labels,
            selectorLabels: config.monitoring.selectorLabels,
            runbookUrl: config.monitoring.runbookUrl,
        },
        { parent: environment },
    );
    const outputs: AppOutputs =
        deployment instanceof ArgoRollout
            ? {
                  strategy: plan.strategy,
                  engine: "argoRollouts",
                  url: deployment.url,
                  ...(deployment.previewUrl ? { previewUrl: deployment.previewUrl } : {}),
                  versions: { ...plan.versions },
              }
            : {
                  strategy: plan.strategy,
                  url: deployment.url,
                  ...(plan.slots ? { previewUrl: deployment.previewUrl, activeSlot: plan.slots.live } : {}),
                  ...(plan.weight !== undefined ? { canaryWeight: plan.weight } : {}),
                  versions: { ...plan.versions },
              };
    return {
        name,
        plan,
        deployment,
        validation: checks,
        image,
        ruleName: monitoring.ruleName,
        outputs,
        recoveryPoints: data?.recoveryPoints,
        releaseBackups: data && env.tier === "production" ? data.backup.releaseBackups : [],
        // Every database an app owns gets CloudWatch alarms (CPU, storage, connections, CPU credits of a burstable class) routed to on-call.
        database:
            data?.database && app.data?.postgres
                ? {
                      app: name,
                      instanceIdentifier: data.database.instance.identifier,
                      allocatedStorageGiB: app.data.postgres.allocatedStorage,
                      storageAutoscaling: app.data.postgres.maxAllocatedStorage !== undefined,
                      maxConnections: maxConnections(app.data.postgres),
                      burstable: isBurstable(app.data.postgres.instanceClass),
                  }
                : undefined,
        notice: {
            name,
            strategy: plan.strategy,
            versions: outputs.versions,
            ...(plan.state ? { state: plan.state } : {}),
            ...(outputs.url ? { url: outputs.url } : {}),
            ...(outputs.previewUrl ? { previewUrl: outputs.previewUrl } : {}),
            rollback: rollbackCommand({ app: name, stack, namespace: namespaceName, ...plan.rollback }),
        },
    };
}

/** The stack output `validation.<app>`: what its smoke test verified and the gate's last result. */
export function validationOutputs(v: AppValidation): { verified?: Verified; gate?: pulumi.Output<string> } {
    return { ...(v.verified ? { verified: v.verified } : {}), ...(v.gateStatus ? { gate: v.gateStatus } : {}) };
}
