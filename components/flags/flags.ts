// The flags of a whole environment: one AppFlags per app that uses a flag.
import type * as pulumi from "@pulumi/pulumi";
import type { Delivery, FlagsConfig } from "../../config/flags";
import { AppFlags } from "./appFlags";
import { documentsByApp, previousRollout } from "./render";

/** An environment's delivery mode. @default sidecar */
export function deliveryFor(cfg: FlagsConfig, environment: string): Delivery {
    return cfg.delivery[environment] ?? { mode: "sidecar", rollOnChange: [] };
}

/** The flags of one environment's apps: `<app>-flags` of an app, built when first asked for. */
export interface EnvironmentFlags {
    /** App `app`'s AppFlags (built on the first call), or undefined when it serves no flag here. */
    forApp(app: string): AppFlags | undefined;
}

/**
 * `<app>-flags` for every app that serves at least one flag in `environment`, under `parent`. Each is built
 * when its app asks for it (`forApp`), as the program builds that app, not all before the first app: a
 * stack's registrations are spread over its apps (see README, Performance). Config validation has checked
 * that every app a flag names is an app of the stack, so every document is asked for.
 */
export function appFlags(
    cfg: FlagsConfig | undefined,
    environment: string,
    namespace: pulumi.Input<string>,
    labelsOf: (app: string) => Record<string, string>,
    parent: pulumi.Resource,
): EnvironmentFlags {
    const built = new Map<string, AppFlags>();
    if (!cfg) return { forApp: () => undefined };
    const previous = previousRollout(cfg, environment);
    const documents = documentsByApp(cfg, environment);
    return {
        forApp(app) {
            const document = documents.get(app);
            if (!document) return undefined;
            let flags = built.get(app);
            if (!flags) {
                flags = new AppFlags(
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
                );
                built.set(app, flags);
            }
            return flags;
        },
    };
}
