// The plan diff: what `pulumi up` would change, from two offline plans (base = the other revision,
// head = this one). Pure: plans in, a structured diff out (Markdown: ./markdown.ts). Resources are
// matched by URN (or an alias), as the engine matches them; replacements follow ./rules.ts.
import Module from "node:module";
import * as path from "node:path";
import { SECRET, UNKNOWN } from "../recorder";
import { isUnder, joinPath as join, replacementReason, segments } from "./rules";

/** One resource of a plan, as `resources.json` stores it. */
export interface PlanResource {
    urn: string;
    type: string;
    name: string;
    parent: string | null;
    dependsOn: string[];
    inputs: Record<string, unknown>;
    /** Removing it from the stack leaves it in the cloud (`retainOnDelete`). */
    retainOnDelete?: boolean;
    /** Earlier URNs the engine matches it by (`aliases`, own and inherited from its parent). */
    aliases?: string[];
    /** Inputs known only after `up`, by path, with the resources whose outputs they are (recorder.ts). */
    unknownFrom?: Record<string, string[]>;
}

/** What a diff compares: `resources.json` (+ `outputs.json`, and config fingerprints) of one revision. */
export interface PlanSnapshot {
    /** Shown in the report: a git ref, a plan folder, "working tree". */
    label: string;
    resources: PlanResource[];
    outputs?: Record<string, unknown>;
    /**
     * Stack configuration, key -> value; secure values as `[secret]:<fingerprint of the ciphertext>` so a
     * changed secret shows as changed without its value (see `configFingerprints`).
     */
    config?: Record<string, string>;
    /** The plan's `policy.json` (its release gates' results), when it wrote one. */
    policy?: unknown;
}

/**
 * `retain`: the resource leaves the stack but the engine does not delete it (`retainOnDelete`), as a
 * release's backups do when the next release replaces them; shown and counted apart from deletions.
 */
export type Op = "create" | "update" | "replace" | "delete" | "retain";

export interface PropertyChange {
    /** `spec.selector.matchLabels["launchpad.dev/slot"]`, `spec.template.spec.containers[0].image`. */
    path: string;
    /** Absent when the property is added. Secrets are masked. */
    old?: unknown;
    /** Absent when the property is removed. Secrets are masked. */
    new?: unknown;
    /** Set when this change forces a replacement: the rule's reason. */
    replaces?: string;
}

export interface ResourceChange {
    op: Op;
    urn: string;
    type: string;
    name: string;
    /** URN of the parent component (undefined: the stack). */
    parent?: string;
    /** Property changes (update, replace); empty for create and delete. */
    changes: PropertyChange[];
}

export interface ComponentGroup {
    /** `web (launchpad:deploy:BlueGreenDeployment)`, or `stack` for top-level resources. */
    title: string;
    urn?: string;
    resources: ResourceChange[];
}

export interface PlanDiff {
    base: string;
    head: string;
    counts: Record<Op | "same", number>;
    groups: ComponentGroup[];
    /** Stack outputs that change (informational: outputs are not resources). */
    outputs: PropertyChange[];
    /** Configuration keys that change (secure values masked). */
    config: PropertyChange[];
}

/** Shown in place of any secret value. */
export const MASK = SECRET;

/** Property names whose values are never shown, wherever they appear. */
const SECRET_NAME = /(^|[_-])(password|passwd|token|secret|apikey|api[_-]?key|private[_-]?key|client[_-]?secret|credentials?)$/i;
/** Kubernetes Secret payloads are masked even when the program did not mark them secret. */
const SECRET_PAYLOAD_TYPES = new Set(["kubernetes:core/v1:Secret"]);
const SECRET_PAYLOAD_KEYS = new Set(["data", "stringData"]);

export const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** The `name` of every element when all elements are objects with distinct string names, else undefined. */
function elementNames(list: unknown[]): string[] | undefined {
    const names = list.map((x) => (isObject(x) && typeof x.name === "string" ? x.name : undefined));
    if (names.some((n) => n === undefined) || new Set(names).size !== names.length) return undefined;
    return names as string[];
}

const isScalar = (v: unknown) => v === null || typeof v !== "object";

/**
 * Leaf-level differences between two input trees, with old and new values. Objects are compared key by
 * key, arrays by index, except where an index comparison would report a shift instead of the change:
 * lists of named objects (containers, rules, apps) whose names differ are matched by name
 * (`apps[name="jobs"]`), and a list of scalars with an element inserted or removed before its end is
 * one change of the whole list.
 */
export function propertyChanges(a: unknown, b: unknown, prefix = ""): PropertyChange[] {
    if (JSON.stringify(a) === JSON.stringify(b)) return [];
    const bothArrays = Array.isArray(a) && Array.isArray(b);
    const whole = (): PropertyChange[] => {
        const c: PropertyChange = { path: prefix || "(root)" };
        if (a !== undefined) c.old = a;
        if (b !== undefined) c.new = b;
        return [c];
    };
    if (!(bothArrays || (isObject(a) && isObject(b)))) return whole();
    const out: PropertyChange[] = [];
    if (bothArrays) {
        const x = a as unknown[];
        const y = b as unknown[];
        const [na, nb] = [elementNames(x), elementNames(y)];
        if (na && nb && JSON.stringify(na) !== JSON.stringify(nb)) {
            const byName = (list: unknown[], names: string[]) => new Map(names.map((n, i) => [n, list[i]]));
            const [ma, mb] = [byName(x, na), byName(y, nb)];
            for (const n of [...nb, ...na.filter((n) => !mb.has(n))])
                out.push(...propertyChanges(ma.get(n), mb.get(n), `${prefix}[name=${JSON.stringify(n)}]`));
            return out;
        }
        const [short, long] = x.length <= y.length ? [x, y] : [y, x];
        const prefixOf = short.every((v, i) => JSON.stringify(v) === JSON.stringify(long[i]));
        if (x.length !== y.length && !prefixOf && [...x, ...y].every(isScalar)) return whole();
        const n = Math.max(x.length, y.length);
        for (let i = 0; i < n; i++) out.push(...propertyChanges(x[i], y[i], join(prefix, i)));
    } else {
        const keys = [...new Set([...Object.keys(a as object), ...Object.keys(b as object)])].sort();
        for (const k of keys)
            out.push(...propertyChanges((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], join(prefix, k)));
    }
    return out;
}

/** True when a value at `path` of a `type` must not be shown. */
export function isSecretPath(type: string, path: string): boolean {
    const segs = segments(path);
    if (SECRET_PAYLOAD_TYPES.has(type) && SECRET_PAYLOAD_KEYS.has(segs[0])) return true;
    return segs.some((s) => SECRET_NAME.test(s));
}

/** Replaces every leaf of `v` by the mask (keeps the shape, so a reader sees which keys changed). */
function maskAll(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(maskAll);
    if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, maskAll(x)]));
    return v === undefined ? undefined : MASK;
}

/** `v` at `path` with every secret part masked: secret paths whole, and secret-named keys inside objects. */
function maskValue(type: string, path: string, v: unknown): unknown {
    if (v === undefined) return undefined;
    if (isSecretPath(type, path)) return maskAll(v);
    if (Array.isArray(v)) return v.map((x, i) => maskValue(type, join(path, i), x));
    if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, maskValue(type, join(path, k), x)]));
    return v;
}

function mask(type: string, c: PropertyChange): PropertyChange {
    const out: PropertyChange = { path: c.path };
    if ("old" in c) out.old = maskValue(type, c.path, c.old);
    if ("new" in c) out.new = maskValue(type, c.path, c.new);
    if (c.replaces) out.replaces = c.replaces;
    return out;
}

/** The type tokens of `pulumi.dynamic.Resource`s, whose provider is their `__provider` input. */
const DYNAMIC = "pulumi-nodejs:dynamic/";
const PROVIDER_KEY = "__provider";
const providers = new Map<string, DynamicDiff | undefined>();
type DynamicDiff = (
    id: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
) => Promise<{ changes?: boolean; replaces?: string[] }>;

/**
 * The `diff` of a dynamic provider, loaded from its `__provider` text as the engine's dynamic-provider
 * host loads it (a CommonJS module whose `handler()` returns the provider), its packages resolved from
 * this project. Undefined when the provider has no `diff`.
 */
function dynamicDiff(text: string): DynamicDiff | undefined {
    if (providers.has(text)) return providers.get(text);
    const filename = path.join(__dirname, "..", "..", "..", "__provider.js");
    const m = new Module(filename) as Module & { _compile(code: string, file: string): void };
    m.filename = filename;
    m.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(filename));
    m._compile(text, filename);
    const provider = (m.exports as { handler(): { diff?: DynamicDiff } }).handler();
    const diff = provider.diff?.bind(provider);
    providers.set(text, diff);
    return diff;
}

/**
 * What the engine decides for a dynamic resource whose inputs differ: it asks the provider of the new
 * inputs (`diff(id, olds, news)`, @pulumi/pulumi's cmd/dynamic-provider), and only when the provider has
 * no `diff`, or answers neither true nor false, compares the inputs itself. A change of the provider's
 * code alone is no change unless its `diff` says so.
 */
async function dynamicVerdict(a: PlanResource, b: PlanResource): Promise<{ changes?: boolean; replaces: string[] }> {
    const text = b.inputs[PROVIDER_KEY];
    const diff = typeof text === "string" ? dynamicDiff(text) : undefined;
    if (!diff) return { replaces: [] };
    const r = await diff(b.name, a.inputs, b.inputs);
    return { ...(typeof r.changes === "boolean" ? { changes: r.changes } : {}), replaces: r.replaces ?? [] };
}

/** Shown for a dynamic provider's code: its text is the module, not something a reviewer reads here. */
const PROVIDER_CODE = "(dynamic provider code)";

/** The property changes of one matched resource and whether they replace it; none when the engine sees no change. */
async function resourceChanges(a: PlanResource, b: PlanResource): Promise<PropertyChange[]> {
    const all = propertyChanges(a.inputs, b.inputs);
    if (all.length === 0) return [];
    let providerReplaces: string[] = [];
    let shown = all;
    if (b.type.startsWith(DYNAMIC)) {
        const verdict = await dynamicVerdict(a, b);
        if (verdict.changes === false) return [];
        // The provider decided there are changes (its code alone may be what changed): list them all.
        providerReplaces = verdict.replaces;
        shown = all.map((c) =>
            c.path === PROVIDER_KEY ? { path: c.path, old: PROVIDER_CODE, new: "(dynamic provider code, changed)" } : c,
        );
    }
    return shown.map((c) => {
        const top = segments(c.path)[0];
        const why = providerReplaces.includes(top)
            ? `${top}: the dynamic provider's diff replaces the resource when it changes`
            : replacementReason(b.type, c.path, a.inputs);
        return mask(b.type, why ? { ...c, replaces: why } : c);
    });
}

/** Compares two plans of one stack. */
export async function diffPlans(base: PlanSnapshot, head: PlanSnapshot): Promise<PlanDiff> {
    const after = new Map(head.resources.map((r) => [r.urn, r]));
    // A resource that moved (new parent or name) with an alias is the same resource to the engine: the
    // base's record under the aliased URN is compared with it, not deleted and created.
    const renamed = new Map<string, string>();
    for (const r of head.resources) for (const a of r.aliases ?? []) if (!after.has(a)) renamed.set(a, r.urn);
    const before = new Map(base.resources.map((r) => [renamed.get(r.urn) ?? r.urn, r]));
    const counts: PlanDiff["counts"] = { create: 0, update: 0, replace: 0, delete: 0, retain: 0, same: 0 };
    const found = new Map<string, ResourceChange>();
    const matched: [PlanResource, PlanResource][] = [];
    for (const urn of [...new Set([...before.keys(), ...after.keys()])].sort()) {
        const a = before.get(urn);
        const b = after.get(urn);
        const r = (b ?? a) as PlanResource;
        const base = { urn, type: r.type, name: r.name, ...(r.parent ? { parent: r.parent } : {}) };
        if (!a || !b) {
            found.set(urn, { ...base, op: !a ? "create" : a.retainOnDelete ? "retain" : "delete", changes: [] });
            continue;
        }
        matched.push([a, b]);
        const props = await resourceChanges(a, b);
        if (props.length > 0) found.set(urn, { ...base, op: props.some((c) => c.replaces) ? "replace" : "update", changes: props });
    }
    propagateUnknowns(matched, found);
    const changes = [...found.values()];
    for (const c of changes) counts[c.op]++;
    counts.same = matched.length - changes.filter((c) => c.op === "update" || c.op === "replace").length;
    // Group by parent component; a component's own create/delete goes into its parent's group.
    const byUrn = new Map([...before, ...after]);
    const groups = new Map<string, ComponentGroup>();
    for (const c of changes) {
        const key = c.parent ?? "";
        let g = groups.get(key);
        if (!g) {
            const p = c.parent ? byUrn.get(c.parent) : undefined;
            g = p ? { title: `${p.name} (${p.type})`, urn: p.urn, resources: [] } : { title: "stack", resources: [] };
            groups.set(key, g);
        }
        g.resources.push(c);
    }
    const order: Record<Op, number> = { replace: 0, delete: 1, retain: 2, update: 3, create: 4 };
    for (const g of groups.values())
        g.resources.sort((x, y) => order[x.op] - order[y.op] || x.type.localeCompare(y.type) || x.name.localeCompare(y.name));
    const outputs = propertyChanges(base.outputs ?? {}, head.outputs ?? {}).map((c) => mask("", c));
    const config = configChanges(base.config, head.config);
    return {
        base: base.label,
        head: head.label,
        counts,
        groups: [...groups.values()].sort((x, y) => (x.urn ?? "").localeCompare(y.urn ?? "")),
        outputs,
        config,
    };
}

/**
 * Types whose outputs an update computes anew, so that inputs taken from them are unknown in the preview
 * too: an Image rebuilt (a new digest), a Command run again (new stdout).
 */
const RECOMPUTED_ON_UPDATE = new Set(["docker:index/image:Image", "docker-build:index:Image", "command:local:Command"]);

/**
 * What `pulumi preview` shows beyond the input comparison: a resource created or replaced (or an image
 * rebuilt) has outputs the engine does not know yet, so every input taken from them is unknown and
 * reads as a change of the resources that take them, an update, or a replacement when a replacement
 * rule covers the path (which then changes the outputs of that resource in turn, until nothing more
 * changes). The plans hold `(known after up)` for such inputs on both sides; their `unknownFrom` says
 * which resources they come from. Changes the comparison already found at or below a path stay as
 * they are.
 */
function propagateUnknowns(matched: [PlanResource, PlanResource][], found: Map<string, ResourceChange>): void {
    const recomputes = (c: ResourceChange | undefined) =>
        c !== undefined && (c.op === "create" || c.op === "replace" || (c.op === "update" && RECOMPUTED_ON_UPDATE.has(c.type)));
    for (let more = true; more;) {
        more = false;
        for (const [a, b] of matched) {
            for (const [at, from] of Object.entries(b.unknownFrom ?? {})) {
                const cause = from.map((u) => found.get(u)).find(recomputes);
                if (!cause) continue;
                const seen = found.get(b.urn);
                if (seen?.changes.some((c) => isUnder(c.path, at) || isUnder(at, c.path))) continue;
                const old = valueAt(a.inputs, at);
                const why = replacementReason(b.type, at, a.inputs);
                const change = mask(b.type, {
                    path: at,
                    ...(old !== undefined ? { old } : {}),
                    new: `${UNKNOWN}: ${cause.type.split(":").pop()} ${cause.name} ${becomes(cause)}`,
                    ...(why ? { replaces: why } : {}),
                });
                const wasRecomputing = recomputes(seen);
                const entry = seen ?? {
                    urn: b.urn,
                    type: b.type,
                    name: b.name,
                    ...(b.parent ? { parent: b.parent } : {}),
                    op: "update",
                    changes: [],
                };
                entry.changes.push(change);
                if (why) entry.op = "replace";
                found.set(b.urn, entry);
                if (!wasRecomputing && recomputes(entry)) more = true;
            }
        }
    }
}

/** Why a resource's outputs are unknown in the preview: `is created`, `is replaced`, `is rebuilt`, `runs again`. */
function becomes(c: ResourceChange): string {
    if (c.op === "create") return "is created";
    if (c.op === "replace") return "is replaced";
    return c.type.startsWith("command:") ? "runs again" : "is rebuilt";
}

/** The value at a rendered path (`a.b[0]["c.d"]`), or undefined. */
function valueAt(v: unknown, at: string): unknown {
    let cur = v;
    for (const s of segments(at)) {
        if (cur === null || typeof cur !== "object") return undefined;
        cur = (cur as Record<string, unknown>)[s];
    }
    return cur;
}

function parseOr(text: string | undefined): unknown {
    if (text === undefined) return undefined;
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
}

/** A secure config value, fingerprinted: `[secret]:<hash of the ciphertext>`. */
const isFingerprint = (v: unknown) => typeof v === "string" && v.startsWith(`${MASK}:`);

function maskFingerprints(v: unknown): unknown {
    if (isFingerprint(v)) return MASK;
    if (Array.isArray(v)) return v.map(maskFingerprints);
    if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, maskFingerprints(x)]));
    return v;
}

/** Leaf-level changes of the stack configuration (`launchpad:apps.api.strategy.weight`); secrets masked. */
function configChanges(a: Record<string, string> | undefined, b: Record<string, string> | undefined): PropertyChange[] {
    if (!a || !b) return [];
    const out: PropertyChange[] = [];
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
        for (const c of propertyChanges(parseOr(a[key]), parseOr(b[key]), key)) {
            const m: PropertyChange = { path: c.path };
            if ("old" in c) m.old = maskFingerprints(c.old);
            if ("new" in c) m.new = maskFingerprints(c.new);
            out.push(m);
        }
    }
    return out;
}

/** True when the diff changes nothing that `pulumi up` would act on. */
export function isEmpty(d: PlanDiff): boolean {
    return d.counts.create + d.counts.update + d.counts.replace + d.counts.delete + d.counts.retain === 0;
}
