// Release gate on the way back: every app can be rolled back quickly (rollback-ready).
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { LABEL } from "./shared/labels";
import { firstBatch } from "./shared/batches";
import { TYPE, childrenOf, describe, describeVm, servicesSelecting, vmDeploys } from "./common";

export interface RollbackReadyConfig {
    minRevisionHistory: number;
    minIdleReplicas: number;
    minScaleDownDelaySeconds: number;
}

const zero = (v: unknown) => v === 0 || v === "0" || v === "0%";

export const rollbackReady: StackValidationPolicy = {
    name: "rollback-ready",
    description:
        "Apps that serve traffic use blue-green or canary; a blue-green idle slot keeps the previous version running; Deployments keep revision history; background workers roll with maxUnavailable 0; VM apps roll out in batches smaller than the fleet and keep a previous release on every host.",
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
            minScaleDownDelaySeconds: {
                type: "integer",
                minimum: 0,
                default: 600,
                description:
                    "Seconds a blue-green Argo Rollout keeps the previous version running after a promotion (scaleDownDelaySeconds), during which undo is instant.",
            },
        },
    },
    validateStack: (args, report) => {
        const cfg = args.getConfig<RollbackReadyConfig>();
        const deployments = args.resources.filter((r) => r.type === TYPE.Deployment || r.type === TYPE.Rollout);
        const vms = vmDeploys(args.resources);
        if (deployments.length === 0 && vms.length === 0) args.notApplicable("no Deployments, Rollouts or VM deploys");
        for (const vm of vms) {
            const keep = Number(vm.vars.launchpad_deploy_keep_releases);
            if (!(keep >= 2))
                report(
                    `${describeVm(vm)} keeps ${Number.isFinite(keep) ? keep : "no"} release${keep === 1 ? "" : "s"} per host: keep at least 2 (the current one and one to roll back to): set launchpad:apps.${vm.app}.vm.keepReleases.`,
                    vm.resource.urn,
                );
            const serial = Array.isArray(vm.vars.launchpad_serial) ? (vm.vars.launchpad_serial as (number | string)[]) : [];
            if (vm.hosts === undefined || serial.length === 0) {
                report(
                    `${describeVm(vm)} gives no fleet size or batches (LAUNCHPAD_HOST_COUNT, launchpad_serial): the rollout's first batch cannot be checked.`,
                    vm.resource.urn,
                );
                continue;
            }
            const first = firstBatch(serial, vm.hosts);
            if (first >= vm.hosts)
                report(
                    `${describeVm(vm)} updates all ${vm.hosts} host${vm.hosts === 1 ? "" : "s"} in its first batch (serial ${JSON.stringify(serial)}): a bad release reaches every host before any health check. Use strategy canary (a first batch of one host) with at least 2 hosts, or smaller batches in launchpad:apps.${vm.app}.vm.serial.`,
                    vm.resource.urn,
                );
        }
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
            // An Argo Rollout is progressive by its own strategy (the controller walks it), a Deployment by its component.
            const argo = d.type === TYPE.Rollout ? (spec.strategy ?? {}) : undefined;
            const progressive = argo
                ? argo.canary !== undefined || argo.blueGreen !== undefined
                : parent?.type === TYPE.BlueGreen || parent?.type === TYPE.Canary;
            if (argo?.blueGreen) {
                // Argo's own default is 30 s: after that, undo is a new rollout, not a switch back.
                const delay = argo.blueGreen.scaleDownDelaySeconds ?? 30;
                if (delay < cfg.minScaleDownDelaySeconds)
                    report(
                        `${describe(d)} scales the previous version down ${delay} s after a promotion (scaleDownDelaySeconds): keep it at least ${cfg.minScaleDownDelaySeconds} s so that 'kubectl argo rollouts undo' is an instant switch back (raise strategy.argo.scaleDownDelaySeconds).`,
                        d.urn,
                    );
            }
            if (argo && !progressive) {
                report(
                    `${describe(d)} has neither a canary nor a blueGreen strategy: the controller would replace every pod at once. Set launchpad:apps.<app>.strategy.type to blueGreen or canary.`,
                    d.urn,
                );
                continue;
            }
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
        const children = childrenOf(args.resources);
        for (const bg of args.resources.filter((r) => r.type === TYPE.BlueGreen)) {
            const kids = children.get(bg.urn) ?? [];
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
