// Test helpers around the one recorder: run the program for a config (fixture stacks the tests own),
// and look records up by type and name.
import * as path from "node:path";
import { ConfigError } from "../config/errors";
import { parseConfig, PROJECT } from "../config/load";
import type { LaunchpadConfigInput } from "../config/schema";
import { main } from "../program";
import { ProgramRun, ResourceRecord, runProgram } from "../tools/plan/recorder";
import { readStackConfig, schemaValues } from "../tools/plan/stackConfig";

/**
 * The fixture project the tests own: `Pulumi.yaml` (with the shared flag declarations) and the staging
 * and prod stacks as of release 2.4.0, with their release evidence, notes and pack config. Release
 * operations change the real stack files at the repository root; they never change these, so no test
 * depends on today's release state. The real stacks are tested only for invariants (test/stacks.spec.ts).
 */
export const FIXTURE_DIR = path.join(__dirname, "fixtures", "project");

/** The fixture's pack config for `stack` (its evidence paths point into the fixture). */
export const fixturePolicyConfig = (stack: string): string => path.join(FIXTURE_DIR, "policies", "config", `${stack}.json`);

/** The `launchpad:*` values of a stack file in `dir` (default: the fixture), as plain objects (Pulumi.yaml merged in). */
export function stackValues(stack: string, dir = FIXTURE_DIR): Record<string, unknown> {
    return schemaValues(readStackConfig(dir, stack));
}

/** What config validation says of `raw`, one `<key path>: <message>` per problem; [] when it is valid. */
export function configProblems(raw: Record<string, unknown>): string[] {
    try {
        parseConfig(raw);
    } catch (e) {
        if (e instanceof ConfigError) return e.problems.map((p) => `${p.path}: ${p.message}`);
        throw e;
    }
    return [];
}

/** The fixture stack's raw config (a fresh deep copy each call), for tests that change one thing. */
export function fixtureRaw(stack: string): Record<string, any> {
    return structuredClone(stackValues(stack)) as Record<string, any>;
}

/** What config validation says of the fixture `stack` after `change` (`configProblems`: [] when valid). */
export function fixtureProblems(stack: string, change: (c: Record<string, any>) => void): string[] {
    const c = fixtureRaw(stack);
    change(c);
    return configProblems(c);
}

/**
 * Program runs by configuration: a run depends only on its config and stack, so every test (in any
 * file) that runs the same config shares one evaluation. Callers get their own deep copy to change.
 */
const runs = new Map<string, Promise<ProgramRun>>();

/** Runs `main` (program.ts) for raw config under the mock runtime and returns what it registered. */
export async function runConfig(raw: LaunchpadConfigInput | Record<string, unknown>, stack = "test"): Promise<ProgramRun> {
    const config = parseConfig(raw as Record<string, unknown>);
    const key = `${stack}\n${JSON.stringify(raw)}`;
    let run = runs.get(key);
    if (!run) {
        // Runs are serialized: the mock runtime is global to the process.
        const previous = [...runs.values()].pop() ?? Promise.resolve(undefined);
        run = previous.catch(() => undefined).then(() => runProgram({ project: PROJECT, stack, config: {}, program: () => main(config) }));
        runs.set(key, run);
        run.catch(() => runs.delete(key));
    }
    return structuredClone(await run);
}

/** Runs a fixture stack end to end. */
export function runFixture(stack: string): Promise<ProgramRun> {
    return runConfig(stackValues(stack), stack);
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
