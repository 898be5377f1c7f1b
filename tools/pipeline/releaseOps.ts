// Release operations as committed config changes: each edits `launchpad:apps.<app>.strategy` in a
// stack file and nothing else, keeping the file's comments and layout (yaml Document API). The
// manual workflows (and anyone at a terminal) run them through `npm run release`; the result is
// validated by the one config schema before it is written, so an invalid operation never reaches git.
import { Document, isMap, parseDocument } from "yaml";
import { parseConfig } from "../../config/load";
import { isSlot, otherSlot } from "../../components/app/plan";

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
    const doc = parseDocument(text);
    return ((doc.toJS() ?? {}).config ?? {})[KEY] ?? {};
}

/** The stack file's `launchpad:*` values as the schema reads them (for validation). */
export function launchpadValues(doc: Document): Record<string, unknown> {
    const config = ((doc.toJS() ?? {}).config ?? {}) as Record<string, unknown>;
    const raw: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(config)) if (k.startsWith("launchpad:")) raw[k.slice("launchpad:".length)] = v;
    return raw;
}

/** What the operation did, in one line: the commit message. */
export interface OperationResult {
    text: string;
    summary: string;
}

/** Applies `args` to the stack file `text` and returns the new text; throws OperationError when it does not apply. */
export function applyOperation(text: string, stack: string, args: OperationArgs): OperationResult {
    const doc = parseDocument(text);
    const apps = doc.getIn(["config", KEY]);
    if (!isMap(apps) || !apps.has(args.app)) throw new OperationError(`no app '${args.app}' in Pulumi.${stack}.yaml`);
    const at = (...p: (string | number)[]) => ["config", KEY, args.app, "strategy", ...p];
    const strategy: RawStrategy = (doc.getIn(at()) as { toJSON(): RawStrategy } | undefined)?.toJSON() ?? {};
    const need = (type: string) => {
        if (strategy.type !== type) throw new OperationError(`${args.op} needs a ${type} app; ${args.app} is ${strategy.type}`);
    };
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
            if (to === strategy.activeSlot) throw new OperationError(`${args.app} already serves from ${to}`);
            doc.setIn(at("activeSlot"), to);
            summary = `switch: ${args.app} live on ${to} (${strategy.slots?.[to]?.version}), was ${strategy.activeSlot}`;
            break;
        }
        case "rollback":
            if (args.previous === undefined) throw new OperationError(`${args.app} did not exist at the rollback revision`);
            if (JSON.stringify(args.previous) === JSON.stringify(strategy))
                throw new OperationError(`${args.app} already runs that strategy`);
            doc.setIn(at(), doc.createNode(args.previous));
            summary = `rollback: ${args.app} strategy restored`;
            break;
    }
    try {
        parseConfig(launchpadValues(doc));
    } catch (e) {
        throw new OperationError(`the result is not valid configuration:\n${(e as Error).message}`);
    }
    return { text: keepLayout(text, doc.toString({ lineWidth: 0, flowCollectionPadding: false })), summary: `${stack}: ${summary}` };
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
