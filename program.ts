// The Launchpad program as a function of typed configuration, so that the Pulumi entry point, the
// offline plan and the tests run exactly the same code for any stack.
import * as pulumi from "@pulumi/pulumi";
import type { AppConfig, LaunchpadConfig } from "./config/schema";
import { appLabels } from "./components/common/labels";
import { BlueGreenDeployment, CanaryDeployment, DirectDeployment } from "./components/deploy";
import type { AppDeploymentArgs } from "./components/deploy";
import { Environment } from "./components/environment";
import { ReleaseRecord, deployedImages } from "./components/release";

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

    const release = new ReleaseRecord("launchpad-release", {
        release: config.release,
        namespace: environment.namespace,
        labels: environment.labels,
    });

    const apps: Record<string, AppOutputs> = {};
    for (const name of names) {
        const app = config.apps[name];
        const deployment = deployApp(
            name,
            app,
            {
                config: app,
                namespace: environment.namespace,
                domain: env.domain,
                labels: appLabels(env.name, name, app.team),
                ingress: env.ingress,
            },
            environment,
        );
        apps[name] = outputsOf(app, deployment);
    }
    return {
        environment: env.name,
        namespace: environment.namespace,
        release: config.release.version,
        releaseNotes: release.facts.notesUrl,
        images: deployedImages(config.apps),
        apps,
    };
}
