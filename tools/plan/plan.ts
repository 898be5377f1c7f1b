// The offline plan of one stack: run the real program under mocks with the stack's real config,
// validate every Kubernetes object against its schema, and write what a reviewer reads.
import * as fs from "node:fs";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { dump } from "js-yaml";
import type { PlanResource } from "./diff";
import type { PolicyReport } from "./policies";
import { ProgramRun, ResourceRecord, SECRET, UNKNOWN, runProgram } from "./recorder";
import { SchemaReport, kubernetesObject, validateObjects } from "./schemas";
import { mapItems } from "./sharing";
import { PROJECT_DIR, readStackConfig } from "./stackConfig";

export { PROJECT_DIR };

export interface PlanOptions {
    stack: string;
    /** Project directory (Pulumi.yaml, Pulumi.<stack>.yaml, index.ts). @default the repository root */
    projectDir?: string;
    onRegister?: (urn: string, type: string) => void;
    /**
     * The policy pack config (`--policy-pack-config`) the release gates run with; `false` skips them.
     * @default `<repo>/policies/config/<stack>.json` when it exists, else each policy's own defaults
     */
    policyConfig?: string | false;
}

export interface Plan {
    project: string;
    stack: string;
    run: ProgramRun;
    schema: SchemaReport;
    /** The release gates (policies/) run on the planned resources; absent when skipped. */
    policy?: PolicyReport;
    /** Milliseconds per phase (program evaluation and recording, schema validation, policies). */
    timings: Record<string, number>;
}

/** A path relative to `dir` when inside it, else absolute. */
function shownPath(dir: string, file: string): string {
    const rel = path.relative(dir, file);
    return rel === "" || rel.startsWith("..") || path.isAbsolute(rel) ? path.resolve(file) : rel;
}

/** `policies/config/<stack>.json` of the project in `dir`, else the repository's. */
export function defaultPolicyConfig(stack: string, dir = PROJECT_DIR): string {
    const own = path.join(dir, "policies", "config", `${stack}.json`);
    return fs.existsSync(own) ? own : path.join(PROJECT_DIR, "policies", "config", `${stack}.json`);
}

/**
 * What the stack's own pack config sets and `file` does not: a policy left out (`tested-artifact`), or
 * settings of a policy `file` gives only a level or fewer settings for (`announced (freezeWindows,
 * minLeadTimeHours)`). A pack config replaces the stack's whole (as `pulumi --policy-pack-config` does):
 * those run with the pack's defaults, which an override meant for one policy's level loosens silently.
 * [] when either file is missing or not a JSON object (reading `file` reports that).
 */
export function policiesLeftOut(file: string, stack: string, dir = PROJECT_DIR): string[] {
    const own = defaultPolicyConfig(stack, dir);
    const read = (f: string): Record<string, unknown> | undefined => {
        try {
            const v: unknown = JSON.parse(fs.readFileSync(f, "utf8"));
            return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
        } catch {
            return undefined;
        }
    };
    if (path.resolve(file) === path.resolve(own)) return [];
    const theirs = read(file);
    const ours = read(own);
    if (!theirs || !ours) return [];
    const settings = (v: unknown) =>
        v && typeof v === "object" && !Array.isArray(v) ? Object.keys(v).filter((k) => k !== "enforcementLevel") : [];
    return Object.keys(ours).flatMap((policy) => {
        if (!(policy in theirs)) return [policy];
        const missing = settings(ours[policy]).filter((k) => !settings(theirs[policy]).includes(k));
        return missing.length > 0 ? [`${policy} (${missing.join(", ")})`] : [];
    });
}

/**
 * Runs `<projectDir>/index.ts`, the real Pulumi entry point, as stack `stack`. The module is evaluated
 * afresh on every call so that one process can plan several stacks.
 */
export async function planStack(opts: PlanOptions): Promise<Plan> {
    const dir = opts.projectDir ?? PROJECT_DIR;
    const cfg = readStackConfig(dir, opts.stack);
    const entry = require.resolve(path.join(dir, "index.ts"));
    let t = performance.now();
    const run = await runProgram({
        project: cfg.project,
        stack: cfg.stack,
        config: cfg.config,
        secretKeys: cfg.secretKeys,
        onRegister: opts.onRegister,
        program: () => {
            delete require.cache[entry];
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            return require(entry);
        },
    });
    const evaluate = performance.now() - t;
    t = performance.now();
    const schema = validateObjects(run.resources);
    const timings: Record<string, number> = { evaluate, validate: performance.now() - t };
    let policy: PolicyReport | undefined;
    if (opts.policyConfig !== false) {
        t = performance.now();
        // Loaded when the gates run: the policy modules and their adapter bring @pulumi/policy, ajv and zod (measured:
        // 1.3 s of CPU under ts-node), which the tools and tests that only record or write a plan do not need.
        const { checkPolicies, readPolicyConfig } = await import("./policies");
        const file = opts.policyConfig ?? defaultPolicyConfig(cfg.stack, dir);
        const explicit = opts.policyConfig !== undefined;
        const config = explicit || fs.existsSync(file) ? readPolicyConfig(file) : undefined;
        policy = await checkPolicies(run.resources, { config, configFile: config ? shownPath(dir, file) : undefined });
        timings.policies = performance.now() - t;
    }
    return { project: cfg.project, stack: cfg.stack, run, schema, ...(policy ? { policy } : {}), timings };
}

const HEAD_KEYS = ["apiVersion", "kind", "metadata"];
/**
 * `v` with every object's keys in sorted order. What is in order already is returned as it is, not copied:
 * the recorder's inputs mostly are (they come from protobuf Structs, whose fields are listed sorted), and
 * planEntry lists its keys sorted, so writing a plan copies little (resources.json of a 100-app plan: ~65 ->
 * ~52 ms, measured in one process, alternating).
 */
function sortKeys(v: unknown): unknown {
    if (Array.isArray(v)) return mapItems(v, sortKeys);
    if (v && typeof v === "object") {
        const o = v as Record<string, unknown>;
        const keys = Object.keys(o);
        let inOrder = true;
        for (let i = 1; i < keys.length && inOrder; i++) inOrder = keys[i - 1] < keys[i];
        let changed: Map<string, unknown> | undefined;
        for (const k of keys) {
            const s = sortKeys(o[k]);
            if (s !== o[k]) (changed ??= new Map()).set(k, s);
        }
        if (inOrder && !changed) return o;
        const out: Record<string, unknown> = {};
        for (const k of inOrder ? keys : keys.sort()) out[k] = changed?.has(k) ? changed.get(k) : o[k];
        return out;
    }
    return v;
}

/** JSON with object keys sorted, so that equal plans are byte-identical. */
export function stableJson(value: unknown): string {
    return JSON.stringify(sortKeys(value), null, 2) + "\n";
}

/** Kubernetes key order a reader expects: apiVersion, kind, metadata, then the rest sorted. */
function manifestOrder(obj: Record<string, unknown>): Record<string, unknown> {
    const sorted = sortKeys(obj) as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const k of HEAD_KEYS) if (k in sorted) out[k] = sorted[k];
    for (const k of Object.keys(sorted)) if (!HEAD_KEYS.includes(k)) out[k] = sorted[k];
    return out;
}

/** `manifests/<namespace|_cluster>/<kind>.<name>.yaml`; `<kind>.(known after up).<Pulumi name>.yaml` for a name known only after up. */
export function manifestPath(obj: Record<string, unknown>, logicalName: string): string {
    const meta = (obj.metadata ?? {}) as { name?: unknown; namespace?: string };
    const ns = typeof meta.namespace === "string" ? meta.namespace : "_cluster";
    // A name known only after up (drawn by a random suffix, say) is no file name: two such objects of a
    // kind would share one. Their Pulumi names tell them apart.
    const known = typeof meta.name === "string" && !meta.name.includes(UNKNOWN) && !meta.name.includes(SECRET);
    const name = known ? meta.name : `(known after up).${logicalName}`;
    return path.join("manifests", ns, `${String(obj.kind).toLowerCase()}.${name}.yaml`);
}

/**
 * The manifests a plan of `resources` wrote: the only files a new plan removes, so that anything else kept
 * in the folder is never lost.
 */
function manifestsOf(resources: readonly { type: string; name: string; inputs: Record<string, unknown> }[]): string[] {
    return resources.flatMap((r) => {
        const obj = kubernetesObject(r);
        if (!obj) return [];
        const file = manifestPath(obj, r.name);
        // Plans before 17e5cc7 wrote an object named only at up to `<kind>.(known after up).yaml`: a folder
        // re-planned since would otherwise keep that file for good.
        const legacy = file.endsWith(`.(known after up).${r.name}.yaml`)
            ? path.join(path.dirname(file), `${String(obj.kind).toLowerCase()}.(known after up).yaml`)
            : undefined;
        return legacy ? [file, legacy] : [file];
    });
}

/** A file's text, or undefined when there is none. */
function readIfAny(file: string): string | undefined {
    try {
        return fs.readFileSync(file, "utf8");
    } catch {
        return undefined;
    }
}

/**
 * Writes resources.json, outputs.json, schema.json, policy.json (when policies ran), any `extra` files and one YAML file per Kubernetes
 * object. Files whose content is unchanged are not rewritten and manifests the previous plan in `out`
 * wrote for objects that no longer exist are removed (nothing else is): creating a file costs about ten times as much as comparing it (measured), so a
 * re-plan stays cheap and its folder always matches the plan exactly.
 */
export function writePlan(plan: Plan, out: string, extra: Record<string, unknown> = {}): string[] {
    const files = new Map<string, string>();
    files.set("resources.json", stableJson({ project: plan.project, stack: plan.stack, resources: plan.run.resources.map(planEntry) }));
    files.set("outputs.json", stableJson(plan.run.outputs));
    files.set("schema.json", stableJson(plan.schema));
    if (plan.policy) files.set("policy.json", stableJson(plan.policy));
    for (const [rel, text] of Object.entries(extra)) files.set(rel, typeof text === "string" ? text : stableJson(text));
    const owners = new Map<string, string>();
    for (const r of plan.run.resources) {
        const obj = kubernetesObject(r);
        if (!obj) continue;
        const rel = manifestPath(obj, r.name);
        if (owners.has(rel)) throw new Error(`two objects would be written to ${rel}: ${owners.get(rel)} and ${r.urn}`);
        owners.set(rel, r.urn);
        // js-yaml's emitter: 3.5x faster than yaml's stringify on these objects (measured on 1,480
        // manifests: 535 ms against 1,861 ms), and its output parses back to the same objects.
        files.set(rel, dump(manifestOrder(obj), { lineWidth: -1, noRefs: true }));
    }
    // The previous plan's resources.json names the manifests it wrote. Read once (it is the largest file: 7 MB at
    // 100 apps) and parsed only when it differs from this plan's: an unchanged one wrote this plan's manifests.
    const resourcesText = files.get("resources.json")!;
    const previousText = readIfAny(path.join(out, "resources.json"));
    if (previousText !== undefined) {
        const previous =
            previousText === resourcesText
                ? plan.run.resources
                : ((JSON.parse(previousText) as { resources?: PlanResource[] }).resources ?? []);
        for (const rel of manifestsOf(previous)) if (!files.has(rel)) fs.rmSync(path.join(out, rel), { force: true });
    }
    const dirs = new Set<string>();
    for (const [rel, text] of files) {
        const file = path.join(out, rel);
        const dir = path.dirname(file);
        if (!dirs.has(dir)) {
            fs.mkdirSync(dir, { recursive: true });
            dirs.add(dir);
        }
        const before = rel === "resources.json" ? previousText : readIfAny(file);
        if (before !== text) fs.writeFileSync(file, text);
    }
    return [...files.keys()];
}

/** A resource as `resources.json` stores it (and as the plan diff compares it). */
export function planEntry(r: ResourceRecord): PlanResource {
    // Keys in sorted order, as stableJson writes them (it then copies no entry).
    return {
        ...(r.aliases ? { aliases: r.aliases } : {}),
        dependsOn: r.dependsOn,
        inputs: r.inputs,
        name: r.name,
        parent: r.parent ?? null,
        ...(r.retainOnDelete ? { retainOnDelete: true } : {}),
        type: r.type,
        ...(r.unknownFrom ? { unknownFrom: r.unknownFrom } : {}),
        urn: r.urn,
    };
}

/** The resource tree as `pulumi preview` lays it out: components with their children, then counts. */
export function renderTree(plan: Plan): string {
    const byParent = new Map<string | undefined, ResourceRecord[]>();
    for (const r of plan.run.resources) {
        const list = byParent.get(r.parent) ?? [];
        list.push(r);
        byParent.set(r.parent, list);
    }
    const lines: string[] = [`${plan.project}-${plan.stack} (pulumi:pulumi:Stack)`];
    const walk = (parent: string | undefined, prefix: string) => {
        const kids = (byParent.get(parent) ?? []).slice().sort((a, b) => a.name.localeCompare(b.name) || a.type.localeCompare(b.type));
        kids.forEach((r, i) => {
            const last = i === kids.length - 1;
            const deps = r.dependsOn.length > 0 ? `  [after ${r.dependsOn.map((u) => u.split("::").pop()).join(", ")}]` : "";
            lines.push(`${prefix}${last ? "└─ " : "├─ "}${r.name}  ${r.type}${deps}`);
            walk(r.urn, prefix + (last ? "   " : "│  "));
        });
    };
    walk(undefined, "");
    const counts = new Map<string, number>();
    for (const r of plan.run.resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
    const components = plan.run.resources.filter((r) => !r.custom).length;
    lines.push("");
    lines.push(`${plan.run.resources.length} resources: ${components} components, ${plan.run.resources.length - components} to create`);
    for (const [type, n] of [...counts.entries()].sort((a, b) => a[0].localeCompare(b[0])))
        lines.push(`  ${String(n).padStart(4)}  ${type}`);
    return lines.join("\n");
}
