// The Launchpad program as a function of typed configuration, so that the Pulumi entry point, the
// offline plan and the tests run exactly the same code for any stack.
import * as pulumi from "@pulumi/pulumi";
import type { AppConfig, LaunchpadConfig } from "./config/schema";
import { appLabels } from "./components/common/labels";
import { BlueGreenDeployment, CanaryDeployment, DirectDeployment } from "./components/deploy";
import type { AppDeploymentArgs } from "./components/deploy";
import { Environment } from "./components/environment";
import { AppImage } from "./components/images";
import { builtRelease } from "./config/images";

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
    /** Built apps: ECR repository and the digest the Deployments run. */
    images: Record<string, { repositoryUrl: pulumi.Output<string>; digest: pulumi.Output<string> | undefined }>;
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
export function main(config: LaunchpadConfig): LaunchpadOutputs {
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
    const images: LaunchpadOutputs["images"] = {};
    for (const name of names) {
        const app = config.apps[name];
        const build = app.build;
        const image = build
            ? new AppImage(
                  name,
                  { environment: env.name, images: config.images, build, version: builtRelease(app.strategy)?.version },
                  { parent: environment },
              )
            : undefined;
        if (image) images[name] = { repositoryUrl: image.repositoryUrl, digest: image.digest };
        const deployment = deployApp(
            name,
            app,
            {
                config: app,
                namespace: environment.namespace,
                domain: env.domain,
                labels: appLabels(env.name, name, app.team),
                ingress: env.ingress,
                builtImage: image?.digest,
            },
            environment,
        );
        apps[name] = outputsOf(app, deployment);
    }
    return { environment: env.name, namespace: environment.namespace, release: config.release.version, apps, images };
}
