// The Launchpad program as a function of typed configuration, so that the Pulumi entry point, the
// offline plan and the tests run exactly the same code for any stack.
import * as pulumi from "@pulumi/pulumi";
import type { LaunchpadConfig } from "./config/schema";
import { assembleApp, validationOutputs } from "./components/app";
import type { AssembledApp, AppOutputs } from "./components/app";
import { appLabels } from "./components/common/labels";
import { Environment } from "./components/environment";
import { Monitoring } from "./components/monitoring";
import { appFlags, flagStatus } from "./components/flags";
import type { FlagStatus } from "./components/flags";
import { EnvironmentBackup, vmPodReleases } from "./components/backup";
import type { AppDataContext, RecoveryPoints } from "./components/backup";
import { ReleaseRecord, deployedImages } from "./components/release";
import { releaseNotice } from "./components/validation";
import type { ReleaseNotice, Verified } from "./components/validation";
import type { ValidationSecrets } from "./config/validation";
import { withEngines } from "./config/delivery";
import { VmApp } from "./components/vm";

export type { AppDeployment, AppOutputs } from "./components/app";

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
    /** Apps on virtual machines: the release the hosts run and the hosts. Absent when there are none. */
    vmApps?: Record<string, { strategy: string; version: string; hosts: pulumi.Output<string[]>; activeGroup?: string }>;
}

export interface BackupOutputs {
    vault: pulumi.Output<string>;
    plan: string;
    exportBucket: pulumi.Output<string>;
    recoveryPoints: Record<string, RecoveryPoints>;
}

/**
 * Lets the registrations started so far run before the next part of the stack is built. The SDK starts a
 * chain of promises for every resource it is given, and a program that builds every resource before the event
 * loop turns keeps all of those chains alive at once: the young generation's collector copies them at every
 * scavenge, and the plan of a large stack spends much of its time doing so. Built a part at a time, each
 * part's registrations finish (and their garbage dies young) before the next part is built. Order, names and
 * URNs are unchanged; under the engine the turn also lets the registrations already sent be answered.
 */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Builds every component of one environment from validated config and resolves to the stack outputs (the
 * entry point exports the promise, which Pulumi awaits). The environment and its services first, then each
 * app with its parts of those services (its NetworkPolicies, flags and database alarms), then what spans the
 * apps, with a turn of the event loop between them (`settle`).
 */
export async function main(input: LaunchpadConfig, secrets: ValidationSecrets = {}): Promise<LaunchpadOutputs> {
    // Every canary and blue-green strategy names its engine from here on (its own or the environment's).
    const config = withEngines(input);
    const env = config.environment;
    const names = Object.keys(config.apps).sort();
    const environment = new Environment(env.name, {
        config: env,
        apps: names.map((name) => {
            const a = config.apps[name];
            return { name, port: a.port, exposed: a.host !== undefined, talksTo: a.talksTo };
        }),
    });

    // Environment-wide services: flags delivery, backups, the release record. The Environment is the one
    // root; backup and record were roots until they moved under it, and the alias keeps their URNs.
    const moved = { parent: environment, aliases: [{ parent: pulumi.rootStackResource }] };
    const flags = appFlags(config.flags, env.name, environment.namespace, (n) => appLabels(env.name, n, config.apps[n].team), environment);
    const backup = config.backup ? new EnvironmentBackup(env.name, { environment: env.name, config: config.backup }, moved) : undefined;
    const release = new ReleaseRecord(
        "launchpad-release",
        { release: config.release, namespace: environment.namespace, labels: environment.labels },
        moved,
    );
    const data: AppDataContext | undefined =
        backup && config.backup
            ? {
                  environment: env.name,
                  production: env.tier === "production",
                  release: config.release.version,
                  vmReleases: vmPodReleases(config.vmApps),
                  namespace: environment.namespace,
                  backup,
                  config: config.backup,
              }
            : undefined;

    const monitoring = new Monitoring(
        env.name,
        {
            environment: env.name,
            namespace: environment.namespace,
            seriesNamespace: env.namespace ?? env.name,
            monitoringNamespace: env.monitoringNamespace,
            config: config.monitoring,
            labels: environment.labels,
        },
        { parent: environment },
    );

    const stack = pulumi.getStack();
    await settle();
    // Each app with its parts of the environment's components: the NetworkPolicies that admit its traffic,
    // its flags (built when assembleApp asks for them) and its database's alarms.
    const apps: AssembledApp[] = [];
    for (const name of names) {
        environment.admitApp(name);
        const app = assembleApp(name, config.apps[name], { config, stack, environment, flags, data });
        if (app.database) monitoring.watchDatabase(app.database);
        apps.push(app);
        await settle();
    }
    environment.complete();
    // In production, VM deploys wait for every backup taken for this release (as data-owning Deployments do).
    const vms = assembleVmApps(
        config,
        environment,
        apps.flatMap((a) => a.releaseBackups),
    );
    if (vms.length > 0) await settle();

    monitoring.complete(
        apps.map(({ name }) => {
            const a = config.apps[name];
            return { name, kind: a.kind, metrics: a.metrics, percentile: a.slo.latency.percentile };
        }),
    );
    const notice =
        (config.validation.notices.enabled ?? env.tier === "production")
            ? releaseNotice({
                  environment: env.name,
                  stack,
                  // The notes the `documented` gate checked: the configured URL or the repo's notes file.
                  release: { ...config.release, notesUrl: release.facts.notesUrl },
                  apps: apps.map((a) => a.notice),
                  topicArn: config.validation.notices.topicArn ?? monitoring.releasesTopicArn,
                  webhookUrl: secrets.releaseWebhookUrl,
                  after: [
                      ...apps.flatMap((a) => [a.deployment, ...(a.validation ? [a.validation] : [])]),
                      ...vms.flatMap((v) => v.deploys),
                  ],
                  parent: environment,
              })
            : undefined;
    return outputs(config, apps, vms, { environment, backup, release, monitoring, notice });
}

/** Apps on virtual machines: hosts, the Ansible run (after `after`, the release's backups) and host alerts. */
function assembleVmApps(
    config: LaunchpadConfig,
    environment: Environment,
    after: pulumi.Resource[],
): { name: string; app: VmApp; deploys: pulumi.Resource[] }[] {
    const env = config.environment;
    return Object.keys(config.vmApps)
        .sort()
        .map((name) => {
            const app = config.vmApps[name];
            const vm = new VmApp(
                name,
                {
                    environment: env.name,
                    config: app,
                    namespace: environment.namespace,
                    seriesNamespace: env.namespace ?? env.name,
                    labels: appLabels(env.name, name, app.team),
                    selectorLabels: config.monitoring.selectorLabels,
                    runbookUrl: config.monitoring.runbookUrl,
                    after,
                },
                { parent: environment },
            );
            return { name, app: vm, deploys: vm.deploys };
        });
}

/** The stack outputs, from the environment's services and the assembled apps. */
function outputs(
    config: LaunchpadConfig,
    apps: readonly AssembledApp[],
    vms: readonly { name: string; app: VmApp }[],
    s: { environment: Environment; backup?: EnvironmentBackup; release: ReleaseRecord; monitoring: Monitoring; notice?: ReleaseNotice },
): LaunchpadOutputs {
    const byApp = <T>(f: (a: AssembledApp) => T | undefined): Record<string, T> =>
        Object.fromEntries(apps.flatMap((a) => (f(a) !== undefined ? [[a.name, f(a) as T]] : [])));
    return {
        environment: config.environment.name,
        namespace: s.environment.namespace,
        release: config.release.version,
        apps: byApp((a) => a.outputs),
        monitoring: {
            alertsTopicArn: s.monitoring.alertsTopicArn,
            releasesTopicArn: s.monitoring.releasesTopicArn,
            rules: [...apps.map((a) => a.ruleName), ...vms.map((v) => v.app.ruleName)],
            alarms: s.monitoring.alarmNames,
        },
        ...(config.flags ? { flags: flagStatus(config.flags) } : {}),
        ...(s.backup
            ? {
                  backup: {
                      vault: s.backup.vaultName,
                      plan: s.backup.planName,
                      exportBucket: s.backup.exportBucket,
                      recoveryPoints: byApp((a) => a.recoveryPoints),
                  },
              }
            : {}),
        releaseNotes: s.release.facts.notesUrl,
        images: deployedImages(config.apps),
        validation: byApp((a) => (a.validation ? validationOutputs(a.validation) : undefined)),
        ...(s.notice ? { releaseNotice: s.notice.delivery } : {}),
        builds: byApp((a) => (a.image ? { repositoryUrl: a.image.repositoryUrl, digest: a.image.digest } : undefined)),
        ...(vms.length > 0
            ? {
                  vmApps: Object.fromEntries(
                      vms.map(({ name, app }) => [
                          name,
                          {
                              strategy: config.vmApps[name].vm.strategy,
                              version: app.version,
                              hosts: app.hosts,
                              ...(app.activeGroup ? { activeGroup: app.activeGroup } : {}),
                          },
                      ]),
                  ),
              }
            : {}),
    };
}
