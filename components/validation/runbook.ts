// The exact commands that back a release out, per strategy. Used in smoke-test failure messages, gate
// failures and release notices, so every place tells the operator the same thing.
import type { Slot } from "../../config/schema";

export interface RollbackTarget {
    readonly app: string;
    readonly stack: string;
    readonly namespace: string;
    readonly strategy: "direct" | "blueGreen" | "canary";
    /** Blue-green: the slot the rollback makes live again (the app plan's `rollback.toSlot`, the idle one). */
    readonly toSlot?: Slot;
}

const up = (stack: string) => `pulumi up --stack ${stack} --yes`;

/** One shell command line that rolls the app back. */
export function rollbackCommand(t: RollbackTarget): string {
    switch (t.strategy) {
        case "blueGreen": {
            return `pulumi config set --path 'launchpad:apps.${t.app}.strategy.activeSlot' ${t.toSlot} --stack ${t.stack} && ${up(t.stack)}`;
        }
        case "canary":
            return `pulumi config set --path 'launchpad:apps.${t.app}.strategy.weight' 0 --stack ${t.stack} && ${up(t.stack)}`;
        case "direct":
            return `kubectl -n ${t.namespace} rollout undo deployment/${t.app}`;
    }
}

/** The runbook a failed smoke test of a direct rollout prints (the new version is already serving). */
export function directRollbackRunbook(t: RollbackTarget, version: string): string {
    return [
        `${t.app} ${version} is rolled out and failed its smoke tests. Roll back now:`,
        `  1. ${rollbackCommand(t)}  (previous ReplicaSet, immediately)`,
        `  2. restore the previous launchpad:apps.${t.app}.strategy.release in Pulumi.${t.stack}.yaml (git revert), then ${up(t.stack)}`,
        `  3. kubectl -n ${t.namespace} logs -l launchpad.dev/smoke-for=${t.app} shows every check as JSON (docs/validation.md)`,
    ].join("\n");
}
