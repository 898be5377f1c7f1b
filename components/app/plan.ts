// The one model of an app during a release: which slot is live and which idle, which release is the
// candidate and which the baseline, which release runs the stack's own build, what the alerts and the
// gate compare, the state a notice shows and what a rollback changes. Pure (config types only), so the
// deployment, validation, monitoring, notices, the config's cross-field rules and the release tools
// read the same answer instead of restating it; two copies drift, and a drifted copy is a bug no test
// of either copy sees.
import { isArgo } from "../../config/delivery";
import type { ReleaseSpec, Slot, Strategy } from "../../config/schema";

/** The value of a workload's `launchpad.dev/slot` label, and so of its series' `slot` label. */
export type Track = "main" | Slot | "stable" | "canary";

/** One release an app runs. */
export interface PlannedRelease {
    readonly track: Track;
    /** The Deployment that runs it: `<app>` (direct) or `<app>-<track>`. */
    readonly workload: string;
    /** Key path under `launchpad:apps.<app>`, as a user writes it (`strategy.slots.blue`). */
    readonly path: readonly string[];
    readonly release: ReleaseSpec;
    /** Share (0-100) of the app's user traffic this release serves once the update is applied. */
    readonly traffic: number;
}

/** Two tracks compared while a release is in progress. */
export interface Comparison {
    readonly candidate: Track;
    readonly baseline: Track;
}

/** What backs the release out (see components/validation/runbook.ts). */
export interface RollbackInputs {
    readonly strategy: Strategy["type"];
    /** Blue-green: the slot a rollback makes live again (the idle one). */
    readonly toSlot?: Slot;
}

export interface AppPlan {
    readonly app: string;
    readonly strategy: Strategy["type"];
    /** Every release the app runs, in a fixed order (direct: main; blue-green: blue, green; canary: stable, canary). */
    readonly releases: readonly PlannedRelease[];
    /** Blue-green: the slot the live Service selects after this update, and the other (preview) one. */
    readonly slots?: { readonly live: Slot; readonly idle: Slot };
    /**
     * The release this update gives more traffic, and the one serving users before it: blue-green, the
     * live slot against the idle one (the switch); canary, the canary against stable. Undefined for direct
     * deployments and canaries without a candidate. What the metric gate compares.
     */
    readonly candidate?: PlannedRelease;
    readonly baseline?: PlannedRelease;
    /**
     * What the alert rules compare while a release is in progress: the next version under test against
     * the one serving users (blue-green: idle/preview against live; canary: canary against stable).
     */
    readonly watched?: Comparison;
    /** The release the smoke tests call: direct, the release; blue-green, the idle (preview) slot; canary, the canary. */
    readonly smokeSubject?: PlannedRelease;
    /** The release without `image`, which runs the app's build (`apps.<app>.build`) and whose version tags it. */
    readonly built?: PlannedRelease;
    /** Canary: the weight in effect (0 without a candidate). */
    readonly weight?: number;
    /** One line for notices: `live slot green`, `canary weight 10%`. */
    readonly state?: string;
    readonly rollback: RollbackInputs;
    /** Version by track, in release order: the stack output `apps.<app>.versions`. */
    readonly versions: Readonly<Record<string, string>>;
    /**
     * The releases the app's pod templates run, which its release backups record and are named after:
     * every release by track, except on Argo Rollouts, whose one Rollout runs the canary (or the active
     * slot) as `rollout`: the controller, not the stack, moves the other release's pods.
     */
    readonly podReleases: Readonly<Record<string, ReleaseSpec>>;
}

const slots: readonly Slot[] = ["blue", "green"];

/** The other blue-green slot: the one home of this expression. */
export function otherSlot(slot: Slot): Slot {
    return slot === slots[0] ? slots[1] : slots[0];
}

/** Whether `value` names a blue-green slot (for raw, not yet validated config). */
export function isSlot(value: unknown): value is Slot {
    return slots.includes(value as Slot);
}

/** The strategy after a blue-green switch (to `to`, by default the idle slot); other strategies are returned as they are. */
export function switched<S extends Strategy>(strategy: S, to?: Slot): S {
    return strategy.type === "blueGreen" ? { ...strategy, activeSlot: to ?? otherSlot(strategy.activeSlot) } : strategy;
}

function planned(app: string, track: Track, path: string[], release: ReleaseSpec, traffic: number): PlannedRelease {
    return { track, workload: track === "main" ? app : `${app}-${track}`, path: ["strategy", ...path], release, traffic };
}

/** The release model of app `app` with strategy `app.strategy`. */
export function appPlan(app: string, config: { readonly strategy: Strategy }): AppPlan {
    const s = config.strategy;
    const base = (
        releases: PlannedRelease[],
        rest: Omit<AppPlan, "app" | "strategy" | "releases" | "built" | "versions" | "podReleases">,
    ): AppPlan => ({
        app,
        strategy: s.type,
        releases,
        ...rest,
        built: releases.find((r) => r.release.image === undefined),
        versions: Object.fromEntries(releases.map((r) => [r.track, r.release.version])),
        podReleases: isArgo(s)
            ? { rollout: s.type === "canary" ? (s.canary ?? s.stable) : s.type === "blueGreen" ? s.slots[s.activeSlot] : s.release }
            : Object.fromEntries(releases.map((r) => [r.track, r.release])),
    });
    switch (s.type) {
        case "direct": {
            const main = planned(app, "main", ["release"], s.release, 100);
            return base([main], { smokeSubject: main, rollback: { strategy: "direct" } });
        }
        case "blueGreen": {
            const live = s.activeSlot;
            const idle = otherSlot(live);
            const releases = slots.map((slot) => planned(app, slot, ["slots", slot], s.slots[slot], slot === live ? 100 : 0));
            const of = (slot: Slot) => releases.find((r) => r.track === slot) as PlannedRelease;
            return base(releases, {
                slots: { live, idle },
                candidate: of(live),
                baseline: of(idle),
                watched: { candidate: idle, baseline: live },
                smokeSubject: of(idle),
                state: `live slot ${live}`,
                rollback: { strategy: "blueGreen", toSlot: idle },
            });
        }
        case "canary": {
            const weight = s.canary ? s.weight : 0;
            const stable = planned(app, "stable", ["stable"], s.stable, 100 - weight);
            const canary = s.canary ? planned(app, "canary", ["canary"], s.canary, weight) : undefined;
            return base(canary ? [stable, canary] : [stable], {
                ...(canary ? { candidate: canary, baseline: stable, watched: { candidate: "canary", baseline: "stable" } } : {}),
                ...(canary ? { smokeSubject: canary } : {}),
                weight,
                state: `canary weight ${weight}%`,
                rollback: { strategy: "canary" },
            });
        }
    }
}
