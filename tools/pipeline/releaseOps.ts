// Release operations as committed config changes: each edits `launchpad:apps.<app>.strategy` in a
// stack file and nothing else, keeping the file's comments and layout (yaml Document API). The
// manual workflows (and anyone at a terminal) run them through `npm run release`; the result is
// validated by the one config schema before it is written, so an invalid operation never reaches git.
import { isMap, parseDocument } from "yaml";
import { ConfigError } from "../../config/errors";
import { engineOf } from "../../config/delivery";
import { parseConfig } from "../../config/load";
import type { AppConfig, LaunchpadConfig } from "../../config/schema";
import { isSlot, otherSlot } from "../../components/app/plan";
import { InputError } from "../cli/run";
import { schemaValues, stackConfigFromText } from "../plan/stackConfig";

export const OPERATIONS = ["canary-step", "promote", "abort", "switch", "rollback"] as const;
export type Operation = (typeof OPERATIONS)[number];

export interface OperationArgs {
    op: Operation;
    app: string;
    /** canary-step: the new canary weight (0-100). */
    weight?: number;
    /** switch: the slot to make live. @default the idle slot */
    slot?: "blue" | "green";
    /** rollback: the app's strategy as it was at an earlier revision (parsed from that stack file). */
    previous?: unknown;
    /** rollback: that revision as the user named it, with its commit (`HEAD~1 (3f2a9c1)`), for the messages. */
    revision?: string;
}

export class OperationError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "OperationError";
    }
}

const KEY = "launchpad:apps";

/** A release as written in a stack file (before validation). */
export interface RawRelease {
    image?: string;
    version?: string;
}

/** An app's strategy as written in a stack file (before validation). */
export interface RawStrategy {
    type?: string;
    weight?: number;
    activeSlot?: string;
    stable?: RawRelease;
    canary?: RawRelease;
    slots?: Record<string, RawRelease | undefined>;
    [key: string]: unknown;
}

export interface RawApp {
    strategy?: RawStrategy;
    [key: string]: unknown;
}

/** The raw `launchpad:apps` value of a stack file's text. */
export function appsOf(text: string): Record<string, RawApp> {
    const doc = parseDocument(text, { merge: true });
    return ((doc.toJS() ?? {}).config ?? {})[KEY] ?? {};
}

/**
 * Checks a stack file's text as the plan reads the written file (tools/plan/stackConfig.ts: YAML errors
 * placed, Pulumi.yaml merged, the CLI's own checks, secure values kept secret) and parses it with the one
 * config schema. Throws the reader's InputError or the ConfigError.
 */
export function checkStackText(projectDir: string, stack: string, text: string): LaunchpadConfig {
    return parseConfig(schemaValues(stackConfigFromText(projectDir, stack, text)));
}

/** checkStackText, its error as an OperationError that says whether the file or the operation is at fault. */
function checked(projectDir: string, stack: string, text: string, what: string): LaunchpadConfig {
    try {
        return checkStackText(projectDir, stack, text);
    } catch (e) {
        if (e instanceof ConfigError || e instanceof InputError) throw new OperationError(`${what}:\n${e.message}`);
        throw e;
    }
}

/** What the operation did, in one line: the commit message. */
export interface OperationResult {
    text: string;
    summary: string;
    /** Why nothing changes (the app is already in that state): `text` is the input, `summary` empty. */
    unchanged?: string;
}

/**
 * Why the operation would change nothing (the app is already in that state), or undefined. applyOperation
 * asks first, so every no-op ends the same way: exit 0, "nothing to change".
 */
export function noChange(
    op: Operation,
    strategy: RawStrategy,
    a: { weight?: number; slot?: string; previous?: unknown; revision?: string },
): string | undefined {
    const weight = strategy.weight ?? 0;
    if (op === "canary-step" && strategy.type === "canary" && weight === a.weight) return `the canary already gets ${weight}%`;
    if (op === "abort" && strategy.type === "canary" && weight === 0) return "the canary already gets 0%";
    if (op === "switch" && strategy.type === "blueGreen" && a.slot !== undefined && a.slot === strategy.activeSlot)
        return `${a.slot} is already live`;
    if (op === "rollback" && a.previous !== undefined && JSON.stringify(a.previous) === JSON.stringify(strategy))
        return `the strategy is already the one at ${a.revision ?? "that revision"}`;
    return undefined;
}

/**
 * Operations that Argo Rollouts' controller performs in the cluster for an app it releases: the release
 * tool would only edit a value the controller does not read. What to run instead.
 */
function argoInstead(op: Operation, app: string, namespace: string, stack: string): string | undefined {
    const ns = `-n ${namespace}`;
    if (op === "canary-step")
        return `the controller walks the canary's weights (strategy.argo.steps): kubectl argo rollouts promote ${app} ${ns} moves it to the next step`;
    if (op === "abort")
        return `abort it in the cluster with kubectl argo rollouts abort ${app} ${ns}, then record it by removing the candidate: pulumi config rm --stack ${stack} --path 'apps.${app}.strategy.canary' (docs/argo-rollouts.md)`;
    return undefined;
}

/**
 * Applies `args` to the stack file `text` of the project in `projectDir` and returns the new text; throws
 * OperationError when it does not apply: the file is not valid as it is, the operation does not fit the
 * app, or its result would not be valid.
 */
export function applyOperation(text: string, stack: string, args: OperationArgs, projectDir: string): OperationResult {
    const config = checked(
        projectDir,
        stack,
        text,
        `Pulumi.${stack}.yaml is not valid as it is (fix it first; ${args.op} changes nothing else)`,
    );
    const doc = parseDocument(text, { merge: true });
    const apps = doc.getIn(["config", KEY]);
    if (!isMap(apps) || !apps.has(args.app)) throw new OperationError(`no app '${args.app}' in Pulumi.${stack}.yaml`);
    const at = (...p: (string | number)[]) => ["config", KEY, args.app, "strategy", ...p];
    const strategy: RawStrategy = (doc.getIn(at()) as { toJSON(): RawStrategy } | undefined)?.toJSON() ?? {};
    const need = (type: string) => {
        if (strategy.type !== type) throw new OperationError(`${args.op} needs a ${type} app; ${args.app} is ${strategy.type}`);
    };
    const app = config.apps[args.app];
    const argo = !!app && app.strategy.type !== "direct" && engineOf(app.strategy, config.environment.deliveryEngine) === "argoRollouts";
    if (argo) {
        const instead = argoInstead(args.op, args.app, config.environment.namespace ?? config.environment.name, stack);
        if (instead) throw new OperationError(`${args.op}: ${args.app} is released by Argo Rollouts: ${instead}`);
    }
    const restore = args.op === "rollback" ? noCandidateTraffic(args.previous, argo) : { strategy: args.previous };
    const unchanged = noChange(args.op, strategy, { ...args, previous: restore.strategy });
    if (unchanged) return { text, summary: "", unchanged };
    let summary: string;
    switch (args.op) {
        case "canary-step": {
            need("canary");
            const w = args.weight;
            if (w === undefined || !Number.isInteger(w) || w < 0 || w > 100)
                throw new OperationError(`canary-step needs --weight 0-100, got ${w}`);
            if (!strategy.canary) throw new OperationError(`${args.app} has no canary release to send traffic to (strategy.canary)`);
            doc.setIn(at("weight"), w);
            summary = `canary step: ${args.app} ${strategy.canary.version} at ${w}% (was ${strategy.weight ?? 0}%)`;
            break;
        }
        case "promote":
            need("canary");
            if (!strategy.canary) throw new OperationError(`${args.app} has no canary release to promote`);
            doc.setIn(at("stable"), doc.createNode(strategy.canary));
            doc.deleteIn(at("canary"));
            doc.setIn(at("weight"), 0);
            summary = `promote: ${args.app} ${strategy.canary.version} is stable (was ${strategy.stable?.version})`;
            break;
        case "abort":
            need("canary");
            doc.setIn(at("weight"), 0);
            summary = `abort: ${args.app} canary ${strategy.canary?.version ?? "(none)"} gets no traffic (was ${strategy.weight ?? 0}%)`;
            break;
        case "switch": {
            need("blueGreen");
            const to = args.slot ?? (isSlot(strategy.activeSlot) ? otherSlot(strategy.activeSlot) : "blue");
            doc.setIn(at("activeSlot"), to);
            summary = `switch: ${args.app} live on ${to} (${strategy.slots?.[to]?.version}), was ${strategy.activeSlot}`;
            break;
        }
        case "rollback":
            if (restore.strategy === undefined) throw new OperationError(`${args.app} did not exist at the rollback revision`);
            doc.setIn(at(), doc.createNode(restore.strategy));
            summary = `rollback: ${args.app} strategy as at ${args.revision ?? "an earlier revision"}${describe(restore.strategy)}`;
            if (restore.note) summary += `; ${restore.note}`;
            break;
    }
    const result = keepLayout(text, doc.toString({ lineWidth: 0, flowCollectionPadding: false }));
    const next = checked(projectDir, stack, result, `${args.op} would leave Pulumi.${stack}.yaml not valid (nothing written)`);
    const cold = !argo && app ? coldSlot(args.app, app, next.apps[args.app]) : undefined;
    if (cold) throw new OperationError(`${args.op}: ${cold}`);
    return { text: result, summary: `${stack}: ${summary}` };
}

/**
 * What a rollback of a canary app restores: the earlier revision's stable release with all the traffic. An
 * earlier revision can be one where the canary had traffic (up to 100% just before a promotion), and a
 * rollback never moves users onto a candidate. Launchpad keeps that revision's canary at weight 0 (as an
 * abort does); Argo Rollouts' Rollout runs `canary ?? stable`, so a restored canary would be rolled out
 * again: the rollback keeps the stable release only (which `rollbackWindow` brings back without the steps).
 */
function noCandidateTraffic(previous: unknown, argo: boolean): { strategy: unknown; note?: string } {
    const s = previous as RawStrategy | undefined;
    if (s?.type !== "canary" || s.canary === undefined) return { strategy: previous };
    if (argo) {
        const { canary, ...stable } = s;
        return {
            strategy: stable,
            note: `its canary ${canary.version} is not restored: Argo Rollouts would roll it out again, so the Rollout returns to the stable release`,
        };
    }
    if ((s.weight ?? 0) === 0) return { strategy: previous };
    return {
        strategy: { ...s, weight: 0 },
        note: `its canary ${s.canary.version} had ${s.weight}% there and gets none: a rollback never moves users onto a candidate`,
    };
}

/**
 * Why moving a blue-green app's traffic (a switch, or a rollback that restores the other live slot) is
 * refused: the slot that becomes live is scaled down by `idleReplicas` and would take all the traffic
 * while it scales up. The README's runbook warms it first.
 */
function coldSlot(name: string, before: AppConfig, after: AppConfig | undefined): string | undefined {
    if (before.strategy.type !== "blueGreen" || after?.strategy.type !== "blueGreen") return undefined;
    const { activeSlot, idleReplicas } = before.strategy;
    if (after.strategy.activeSlot === activeSlot || idleReplicas === undefined || idleReplicas >= before.replicas) return undefined;
    return `${name}'s idle slot ${after.strategy.activeSlot} runs ${idleReplicas} of ${before.replicas} replicas (idleReplicas): warm it first - set apps.${name}.strategy.idleReplicas to ${before.replicas} (or remove it) and up, then switch, then scale it back down`;
}

/** What a restored strategy runs, for the summary: ` (canary: stable 2.4.0, canary 2.5.0 at 10%)`. */
function describe(previous: unknown): string {
    const s = (previous ?? {}) as RawStrategy;
    const parts: string[] = [];
    if (s.type === "blueGreen") parts.push(`${s.activeSlot} live (${s.slots?.[s.activeSlot ?? ""]?.version})`);
    else if (s.type === "direct") parts.push(`release ${(s.release as RawRelease | undefined)?.version}`);
    else {
        if (s.stable?.version) parts.push(`stable ${s.stable.version}`);
        if (s.canary?.version) parts.push(`canary ${s.canary.version} at ${s.weight ?? 0}%`);
    }
    return parts.length > 0 ? ` (${s.type}: ${parts.join(", ")})` : "";
}

/** `[ a ]` and `[a]` alike: flow collections differ only in padding. */
const normalize = (line: string) => line.replace(/([[{])\s+/g, "$1").replace(/\s+([\]}])/g, "$1");

/**
 * The serializer pads all flow collections one way; hand-written files mix styles. Lines that differ
 * from an original line only in that padding keep the original, so the commit shows only the change.
 */
export function keepLayout(original: string, rewritten: string): string {
    const byForm = new Map<string, string>();
    for (const line of original.split("\n")) if (!byForm.has(normalize(line))) byForm.set(normalize(line), line);
    return rewritten
        .split("\n")
        .map((line) => byForm.get(normalize(line)) ?? line)
        .join("\n");
}
