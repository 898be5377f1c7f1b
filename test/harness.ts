// Test helpers around the one recorder: run the program for a config, read the real stack files,
// and look records up by type and name.
import { parseConfig, PROJECT } from "../config/load";
import type { LaunchpadConfigInput } from "../config/schema";
import { main } from "../program";
import { PROJECT_DIR } from "../tools/plan/plan";
import { ProgramRun, ResourceRecord, runProgram } from "../tools/plan/recorder";
import { readStackConfig } from "../tools/plan/stackConfig";

/** The `launchpad:*` values of a real stack file, as plain objects (Pulumi.yaml merged in). */
export function stackRaw(stack: string): Record<string, unknown> {
    const cfg = readStackConfig(PROJECT_DIR, stack);
    const raw: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(cfg.config)) {
        if (!key.startsWith(`${PROJECT}:`)) continue;
        raw[key.slice(PROJECT.length + 1)] = JSON.parse(value);
    }
    return raw;
}

/** A deep copy of a stack's raw config, for tests that change one thing. */
export function stackRawCopy(stack: string): Record<string, any> {
    return structuredClone(stackRaw(stack)) as Record<string, any>;
}

/** Runs `main` (program.ts) for raw config under the mock runtime and returns what it registered. */
export async function runConfig(raw: LaunchpadConfigInput | Record<string, unknown>, stack = "test"): Promise<ProgramRun> {
    const config = parseConfig(raw as Record<string, unknown>);
    return runProgram({ project: PROJECT, stack, config: {}, program: () => main(config) });
}

/** Runs a real stack file end to end. */
export function runStack(stack: string): Promise<ProgramRun> {
    return runConfig(stackRaw(stack), stack);
}

export function ofType(run: ProgramRun, type: string): ResourceRecord[] {
    return run.resources.filter((r) => r.type === type);
}

/** The one record of `type` named `name`; throws (failing the test) when there is not exactly one. */
export function one(run: ProgramRun, type: string, name: string): ResourceRecord {
    const found = run.resources.filter((r) => r.type === type && r.name === name);
    if (found.length !== 1) throw new Error(`expected one ${type} named ${name}, found ${found.length}`);
    return found[0];
}

export const T = {
    Deployment: "kubernetes:apps/v1:Deployment",
    Service: "kubernetes:core/v1:Service",
    Ingress: "kubernetes:networking.k8s.io/v1:Ingress",
    NetworkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    Namespace: "kubernetes:core/v1:Namespace",
    PDB: "kubernetes:policy/v1:PodDisruptionBudget",
} as const;

/** Paths (a.b[0].c) whose values differ between two input objects. */
export function changedPaths(a: unknown, b: unknown, prefix = ""): string[] {
    if (JSON.stringify(a) === JSON.stringify(b)) return [];
    const isObj = (v: unknown) => v !== null && typeof v === "object";
    if (!isObj(a) || !isObj(b) || Array.isArray(a) !== Array.isArray(b)) return [prefix || "(root)"];
    const keys = new Set([...Object.keys(a as object), ...Object.keys(b as object)]);
    const out: string[] = [];
    for (const k of [...keys].sort()) {
        const p = Array.isArray(a) ? `${prefix}[${k}]` : prefix ? `${prefix}.${k}` : k;
        out.push(...changedPaths((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], p));
    }
    return out;
}

/** URN -> changed input paths, for every resource present in either run (added/removed as "(added)"/"(removed)"). */
export function diffRuns(before: ProgramRun, after: ProgramRun): Record<string, string[]> {
    const a = new Map(before.resources.map((r) => [r.urn, r]));
    const b = new Map(after.resources.map((r) => [r.urn, r]));
    const out: Record<string, string[]> = {};
    for (const urn of new Set([...a.keys(), ...b.keys()])) {
        const x = a.get(urn);
        const y = b.get(urn);
        if (!x) out[urn] = ["(added)"];
        else if (!y) out[urn] = ["(removed)"];
        else {
            const paths = [
                ...changedPaths(x.inputs, y.inputs),
                ...(JSON.stringify(x.dependsOn) === JSON.stringify(y.dependsOn) ? [] : ["(dependsOn)"]),
            ];
            if (paths.length > 0) out[urn] = paths;
        }
    }
    return out;
}
