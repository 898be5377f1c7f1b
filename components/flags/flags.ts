// The flags of a whole environment: one AppFlags per app that uses a flag.
import type * as pulumi from "@pulumi/pulumi";
import type { Delivery, FlagsConfig } from "../../config/flags";
import { AppFlags } from "./appFlags";
import { documentsByApp, previousRollout } from "./render";

/** An environment's delivery mode. @default sidecar */
export function deliveryFor(cfg: FlagsConfig, environment: string): Delivery {
    return cfg.delivery[environment] ?? { mode: "sidecar", rollOnChange: [] };
}

/**
 * Builds `<app>-flags` for every app that serves at least one flag in `environment`, under `parent`.
 * Returns them by app name, so the program hands each app its `pod` extras and annotations.
 */
export function appFlags(
    cfg: FlagsConfig | undefined,
    environment: string,
    namespace: pulumi.Input<string>,
    labelsOf: (app: string) => Record<string, string>,
    parent: pulumi.Resource,
): Map<string, AppFlags> {
    const out = new Map<string, AppFlags>();
    if (!cfg) return out;
    const previous = previousRollout(cfg, environment);
    for (const [app, document] of documentsByApp(cfg, environment)) {
        out.set(
            app,
            new AppFlags(
                `${app}-flags`,
                {
                    app,
                    namespace,
                    labels: labelsOf(app),
                    document,
                    delivery: deliveryFor(cfg, environment),
                    sidecar: cfg.sidecar,
                    ...(previous ? { previous } : {}),
                },
                { parent },
            ),
        );
    }
    return out;
}
