// The Launchpad program as a function of typed configuration, so that the Pulumi entry point, the
// offline plan and the tests run exactly the same code for any stack.
import * as pulumi from "@pulumi/pulumi";
import type { AppConfig, LaunchpadConfig } from "./config/schema";
import { appLabels } from "./components/common/labels";
import { BlueGreenDeployment, CanaryDeployment, DirectDeployment } from "./components/deploy";
import { combineSeams } from "./components/deploy";
import type { AppDeploymentArgs } from "./components/deploy";
import { Environment } from "./components/environment";
import { AppMonitoring, Monitoring, MonitoredDatabase } from "./components/monitoring";
import { appFlags, flagStatus } from "./components/flags";
import type { FlagStatus } from "./components/flags";
import { EnvironmentBackup, appData } from "./components/backup";
import type { AppDataContext, RecoveryPoints } from "./components/backup";
import { ReleaseRecord, deployedImages } from "./components/release";
import { AppValidation, releaseNotice, rollbackCommand, validates } from "./components/validation";
import type { DeploymentTargets, Verified } from "./components/validation";
import { gateFor } from "./config/validation";
import type { ValidationSecrets } from "./config/validation";
import { AppImage } from "./components/images";
import { appPlan } from "./components/app";
import type { AppPlan } from "./components/app";

export type AppDeployment = DirectDeployment | BlueGreenDeployment | CanaryDeployment;

/** What a stack exports, per app. */
export interface AppOutputs {
    strategy: AppConfig["strategy"]["type"];
    url: string | undefined;
    previewUrl?: string | undefined;
    activeSlot?: string;
    canaryWeight?: number;
    versions: Record<string, string>;
}

export interface LaunchpadOutputs {
    environment: string;
    namespace: pulumi.Output<string>;
    release: string;
    /** Where the release notes are (configured URL or `release/notes/<version>.md`). */
    releaseNotes: string;
    /** Every image the stack runs, by digest: what CI records as verified after a pre-production stack's smoke tests. */
    images: string[];
    apps: Record<string, AppOutputs>;
    monitoring: { alertsTopicArn: pulumi.Output<string>; releasesTopicArn: pulumi.Output<string>; rules: string[]; alarms: string[] };
    /** Flag -> environment -> state and rollout, for every environment of the shared declaration. */
    flags?: Record<string, Record<string, FlagStatus>>;
    /** The environment's backup vault and plan and the recovery points created for this release. */
    backup?: BackupOutputs;
    /** Per app: what its smoke test verified (image, version, when) and the gate's last result. */
    validation: Record<string, { verified?: Verified; gate?: pulumi.Output<string> }>;
    /** Release notice delivery (prod); undefined when notices are off or have nowhere to go. */
    releaseNotice?: pulumi.Output<unknown>;
    /** Built apps: ECR repository and the digest the Deployments run. */
    builds: Record<string, { repositoryUrl: pulumi.Output<string>; digest: pulumi.Output<string> | undefined }>;
}

export interface BackupOutputs {
    vault: pulumi.Output<string>;
    plan: string;
    exportBucket: pulumi.Output<string>;
    recoveryPoints: Record<string, RecoveryPoints>;
}

function deployApp(name: string, app: AppConfig, base: AppDeploymentArgs, parent: pulumi.Resource): AppDeployment {
    const opts = { parent };
    switch (app.strategy.type) {
        case "direct":
            return new DirectDeployment(name, { ...base, strategy: app.strategy }, opts);
        case "blueGreen":
            return new BlueGreenDeployment(name, { ...base, strategy: app.strategy }, opts);
        case "canary":
            return new CanaryDeployment(name, { ...base, strategy: app.strategy }, opts);
    }
}

function outputsOf(plan: AppPlan, d: AppDeployment): AppOutputs {
    return {
        strategy: plan.strategy,
        url: d.url,
        ...(plan.slots ? { previewUrl: d.previewUrl, activeSlot: plan.slots.live } : {}),
        ...(plan.weight !== undefined ? { canaryWeight: plan.weight } : {}),
        versions: { ...plan.versions },
    };
}

/** Builds every component of one environment from validated config and returns the stack outputs. */
export function main(config: LaunchpadConfig, secrets: ValidationSecrets = {}): LaunchpadOutputs {
    const env = config.environment;
    const names = Object.keys(config.apps).sort();
    const environment = new Environment(env.name, {
        config: env,
        apps: names.map((name) => {
            const a = config.apps[name];
            return { name, port: a.port, exposed: a.host !== undefined, talksTo: a.talksTo };
        }),
    });

    const flags = appFlags(config.flags, env.name, environment.namespace, (n) => appLabels(env.name, n, config.apps[n].team), environment);
    const backup = config.backup ? new EnvironmentBackup(env.name, { environment: env.name, config: config.backup }) : undefined;
    const dataContext: AppDataContext | undefined =
        backup && config.backup
            ? {
                  environment: env.name,
                  production: env.tier === "production",
                  release: config.release.version,
                  namespace: environment.namespace,
                  backup,
                  config: config.backup,
              }
            : undefined;
    const recoveryPoints: Record<string, RecoveryPoints> = {};
    // Every database an app owns gets CloudWatch alarms (CPU, storage, connections) routed to on-call.
    const databases: MonitoredDatabase[] = [];
    const release = new ReleaseRecord("launchpad-release", {
        release: config.release,
        namespace: environment.namespace,
        labels: environment.labels,
    });

    const apps: Record<string, AppOutputs> = {};
    const builds: LaunchpadOutputs["builds"] = {};
    const validation: LaunchpadOutputs["validation"] = {};
    const built: pulumi.Resource[] = [];
    const plans: Record<string, AppPlan> = {};
    const stack = pulumi.getStack();
    for (const name of names) {
        const app = config.apps[name];
        const plan = appPlan(name, app);
        plans[name] = plan;
        const labels = appLabels(env.name, name, app.team);
        // Data-owning apps: database, release backups, and what their Deployments get (see components/backup/wiring.ts).
        const data = dataContext ? appData(name, app, labels, dataContext, environment) : undefined;
        if (data) recoveryPoints[name] = data.recoveryPoints;
        if (data?.database && app.data?.postgres) {
            databases.push({
                app: name,
                instanceIdentifier: data.database.instance.identifier,
                allocatedStorageGiB: app.data.postgres.allocatedStorage,
            });
        }
        const build = app.build;
        const image = build
            ? new AppImage(
                  name,
                  { environment: env.name, images: config.images, build, version: plan.built?.release.version },
                  { parent: environment },
              )
            : undefined;
        if (image) builds[name] = { repositoryUrl: image.repositoryUrl, digest: image.digest };
        // Validation is built first (its Jobs and gate go into beforeTraffic) and waits for the deployment.
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
                      namespaceName: env.namespace ?? env.name,
                      labels,
                      validation: config.validation,
                      gate,
                      targets,
                      ...(image ? { builtImage: image.digest } : {}),
                  },
                  { parent: environment },
              )
            : undefined;
        const deployment = deployApp(
            name,
            app,
            {
                config: app,
                namespace: environment.namespace,
                domain: env.domain,
                labels,
                ingress: env.ingress,
                ...combineSeams(flags.get(name), data?.deployment, checks ? { beforeTraffic: checks.beforeTraffic } : undefined),
                builtImage: image?.digest,
            },
            environment,
        );
        resolveTargets(deployment);
        apps[name] = outputsOf(plan, deployment);
        if (checks) {
            validation[name] = {
                ...(checks.verified ? { verified: checks.verified } : {}),
                ...(checks.gateStatus ? { gate: checks.gateStatus } : {}),
            };
        }
        built.push(deployment, ...(checks ? [checks] : []));
    }

    // The namespace's name as series carry it; objects take the Environment's output to wait for it.
    const seriesNamespace = env.namespace ?? env.name;
    const rules = names.map(
        (name) =>
            new AppMonitoring(
                name,
                {
                    namespace: environment.namespace,
                    seriesNamespace,
                    environment: env.name,
                    team: config.apps[name].team,
                    kind: config.apps[name].kind,
                    strategy: config.apps[name].strategy,
                    slo: config.apps[name].slo,
                    metrics: config.apps[name].metrics,
                    labels: appLabels(env.name, name, config.apps[name].team),
                    selectorLabels: config.monitoring.selectorLabels,
                    runbookUrl: config.monitoring.runbookUrl,
                },
                { parent: environment },
            ).ruleName,
    );
    const monitoring = new Monitoring(
        env.name,
        {
            environment: env.name,
            namespace: environment.namespace,
            seriesNamespace,
            monitoringNamespace: env.monitoringNamespace,
            config: config.monitoring,
            labels: environment.labels,
            apps: names.map((name) => {
                const a = config.apps[name];
                return { name, kind: a.kind, metrics: a.metrics, percentile: a.slo.latency.percentile };
            }),
            databases,
        },
        { parent: environment },
    );
    const notice =
        (config.validation.notices.enabled ?? env.tier === "production")
            ? releaseNotice({
                  environment: env.name,
                  stack,
                  // The notes the `documented` gate checked: the configured URL or the repo's notes file.
                  release: { ...config.release, notesUrl: release.facts.notesUrl },
                  apps: names.map((name) => ({
                      name,
                      strategy: apps[name].strategy,
                      versions: apps[name].versions,
                      ...(plans[name].state ? { state: plans[name].state } : {}),
                      ...(apps[name].url ? { url: apps[name].url } : {}),
                      ...(apps[name].previewUrl ? { previewUrl: apps[name].previewUrl } : {}),
                      rollback: rollbackCommand({
                          app: name,
                          stack,
                          namespace: env.namespace ?? env.name,
                          ...plans[name].rollback,
                      }),
                  })),
                  topicArn: config.validation.notices.topicArn ?? monitoring.releasesTopicArn,
                  webhookUrl: secrets.releaseWebhookUrl,
                  after: built,
                  parent: environment,
              })
            : undefined;
    return {
        environment: env.name,
        namespace: environment.namespace,
        release: config.release.version,
        apps,
        monitoring: {
            alertsTopicArn: monitoring.alertsTopicArn,
            releasesTopicArn: monitoring.releasesTopicArn,
            rules,
            alarms: monitoring.alarmNames,
        },
        ...(config.flags ? { flags: flagStatus(config.flags) } : {}),
        ...(backup
            ? { backup: { vault: backup.vaultName, plan: backup.planName, exportBucket: backup.exportBucket, recoveryPoints } }
            : {}),
        releaseNotes: release.facts.notesUrl,
        images: deployedImages(config.apps),
        validation,
        ...(notice ? { releaseNotice: notice.delivery } : {}),
        builds,
    };
}
