// Release gate on the way back: every app can be rolled back quickly (rollback-ready).
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { LABEL } from "./shared/labels";
import { TYPE, describe, servicesSelecting } from "./common";

export interface RollbackReadyConfig {
    minRevisionHistory: number;
    minIdleReplicas: number;
}

const zero = (v: unknown) => v === 0 || v === "0" || v === "0%";

export const rollbackReady: StackValidationPolicy = {
    name: "rollback-ready",
    description:
        "Apps that serve traffic use blue-green or canary; a blue-green idle slot keeps the previous version running; Deployments keep revision history; background workers roll with maxUnavailable 0.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            minRevisionHistory: {
                type: "integer",
                minimum: 1,
                default: 2,
                description: "Smallest revisionHistoryLimit a Deployment may keep.",
            },
            minIdleReplicas: {
                type: "integer",
                minimum: 0,
                default: 1,
                description: "Replicas the idle blue-green slot keeps running for an instant switch back.",
            },
        },
    },
    validateStack: (args, report) => {
        const cfg = args.getConfig<RollbackReadyConfig>();
        const deployments = args.resources.filter((r) => r.type === TYPE.Deployment);
        if (deployments.length === 0) args.notApplicable("no Deployments");
        const component = (d: PolicyResource) => d.parent;

        for (const d of deployments) {
            const spec = d.props.spec ?? {};
            const history = spec.revisionHistoryLimit ?? 10; // Kubernetes' default
            if (history < cfg.minRevisionHistory)
                report(
                    `${describe(d)} keeps ${history} old ReplicaSets (revisionHistoryLimit); keep at least ${cfg.minRevisionHistory} so that 'kubectl rollout undo' has somewhere to go: raise the app's revisionHistoryLimit.`,
                    d.urn,
                );

            const serves = servicesSelecting(d, args.resources).length > 0;
            const parent = component(d);
            const progressive = parent?.type === TYPE.BlueGreen || parent?.type === TYPE.Canary;
            if (serves && !progressive) {
                const app = d.props.metadata?.labels?.[LABEL.name] ?? d.name;
                report(
                    `${describe(d)} serves traffic but is updated in place (direct strategy): a bad version reaches every user at once and rolling back means redeploying. Set launchpad:apps.${app}.strategy.type to blueGreen or canary.`,
                    d.urn,
                );
            }
            if (!serves && !progressive) {
                const strategy = spec.strategy ?? {};
                const type = strategy.type ?? "RollingUpdate";
                if (type !== "RollingUpdate" || !zero(strategy.rollingUpdate?.maxUnavailable))
                    report(
                        `${describe(d)} is a background worker rolled with ${type === "RollingUpdate" ? `maxUnavailable ${JSON.stringify(strategy.rollingUpdate?.maxUnavailable ?? "25%")}` : type}: use a rolling update with maxUnavailable 0 (strategy.rollout: rolling) so that old pods keep working until new ones are ready.`,
                        d.urn,
                    );
            }
        }

        // Blue-green: the slot the live Service does not select keeps running (the previous or next version).
        for (const bg of args.resources.filter((r) => r.type === TYPE.BlueGreen)) {
            const kids = args.resources.filter((r) => r.parent?.urn === bg.urn);
            const live = kids.find((r) => r.type === TYPE.Service && r.name === bg.name);
            const activeSlot = live?.props.spec?.selector?.[LABEL.slot];
            const idle = kids.filter((r) => r.type === TYPE.Deployment && r.props.spec?.selector?.matchLabels?.[LABEL.slot] !== activeSlot);
            if (!live || idle.length === 0) {
                report(
                    `blue-green app '${bg.name}' has no idle slot next to the live one: both slots must exist so that switching back is one change of activeSlot.`,
                    bg.urn,
                );
                continue;
            }
            for (const d of idle) {
                const replicas = d.props.spec?.replicas ?? 1;
                if (replicas < cfg.minIdleReplicas)
                    report(
                        `${describe(d)} is the idle blue-green slot of '${bg.name}' but runs ${replicas} replicas: keep at least ${cfg.minIdleReplicas} so that switching back is instant (remove strategy.idleReplicas or raise it).`,
                        d.urn,
                    );
            }
        }
    },
};

export const rolloutPolicies = [rollbackReady];
