// The Launchpad program as a function of typed configuration, so that the Pulumi entry point, the
// offline plan and the tests run exactly the same code for any stack.
import * as pulumi from "@pulumi/pulumi";
import type { AppConfig, LaunchpadConfig } from "./config/schema";
import { appLabels } from "./components/common/labels";
import { BlueGreenDeployment, CanaryDeployment, DirectDeployment } from "./components/deploy";
import type { AppDeploymentArgs } from "./components/deploy";
import { Environment } from "./components/environment";
import { AppValidation, deploymentTargets, releaseNotice, rollbackCommand, validates } from "./components/validation";
import type { DeploymentTargets, Verified } from "./components/validation";
import { gateFor } from "./config/validation";
import type { ValidationSecrets } from "./config/validation";

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
    apps: Record<string, AppOutputs>;
    /** Per app: what its smoke test verified (image, version, when) and the gate's last result. */
    validation: Record<string, { verified?: Verified; gate?: pulumi.Output<string> }>;
    /** Release notice delivery (prod); undefined when notices are off or have nowhere to go. */
    releaseNotice?: pulumi.Output<unknown>;
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

function outputsOf(app: AppConfig, d: AppDeployment): AppOutputs {
    if (d instanceof BlueGreenDeployment)
        return { strategy: app.strategy.type, url: d.url, previewUrl: d.previewUrl, activeSlot: d.activeSlot, versions: d.versions };
    if (d instanceof CanaryDeployment) return { strategy: app.strategy.type, url: d.url, canaryWeight: d.weight, versions: d.versions };
    return { strategy: app.strategy.type, url: d.url, versions: d.versions };
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

    const apps: Record<string, AppOutputs> = {};
    const validation: LaunchpadOutputs["validation"] = {};
    const built: pulumi.Resource[] = [];
    const stack = pulumi.getStack();
    for (const name of names) {
        const app = config.apps[name];
        // Validation is built first (its Jobs and gate go into beforeTraffic) and waits for the deployment.
        let resolveTargets: (t: DeploymentTargets) => void = () => undefined;
        const targets = new Promise<DeploymentTargets>((resolve) => (resolveTargets = resolve));
        const labels = appLabels(env.name, name, app.team);
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
                beforeTraffic: checks?.beforeTraffic,
            },
            environment,
        );
        resolveTargets(deploymentTargets(deployment));
        apps[name] = outputsOf(app, deployment);
        if (checks) {
            validation[name] = {
                ...(checks.verified ? { verified: checks.verified } : {}),
                ...(checks.gateStatus ? { gate: checks.gateStatus } : {}),
            };
        }
        built.push(deployment, ...(checks ? [checks] : []));
    }
    const notice =
        (config.validation.notices.enabled ?? env.tier === "production")
            ? releaseNotice({
                  environment: env.name,
                  stack,
                  release: config.release,
                  apps: names.map((name) => ({
                      name,
                      strategy: apps[name].strategy,
                      versions: apps[name].versions,
                      ...(apps[name].activeSlot ? { state: `live slot ${apps[name].activeSlot}` } : {}),
                      ...(apps[name].canaryWeight !== undefined ? { state: `canary weight ${apps[name].canaryWeight}%` } : {}),
                      ...(apps[name].url ? { url: apps[name].url } : {}),
                      ...(apps[name].previewUrl ? { previewUrl: apps[name].previewUrl } : {}),
                      rollback: rollbackCommand({
                          app: name,
                          stack,
                          namespace: env.namespace ?? env.name,
                          strategy: apps[name].strategy,
                          activeSlot: apps[name].activeSlot as "blue" | "green" | undefined,
                      }),
                  })),
                  topicArn: config.validation.notices.topicArn,
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
        validation,
        ...(notice ? { releaseNotice: notice.delivery } : {}),
    };
}
