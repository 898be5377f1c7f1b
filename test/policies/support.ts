// Helpers for the policy tests: run a real stack (optionally with one config value changed and extra
// resources registered beside the program, as other domains will add them), patch one record, and run
// the policies through the same adapter the offline plan uses.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseConfig, PROJECT } from "../../config/load";
import { main } from "../../program";
import { PolicyReport, PolicyViolation, checkPolicies, readPolicyConfig } from "../../tools/plan/policies";
import { ProgramRun, ResourceRecord, runProgram } from "../../tools/plan/recorder";
import { FIXTURE_DIR, fixturePolicyConfig, fixtureRaw } from "../harness";

/**
 * Runs stack `stack` (its real config, changed by `mutate`) and, in the same program, `extra`: resources
 * other domains contribute (backups, alert rules, buckets), registered through their real SDK classes.
 */
export async function runStackWith(stack: string, mutate?: (raw: Record<string, any>) => void, extra?: () => void): Promise<ProgramRun> {
    const raw = fixtureRaw(stack);
    mutate?.(raw);
    const config = parseConfig(raw);
    return runProgram({
        project: PROJECT,
        stack,
        config: {},
        program: () => {
            const out = main(config);
            extra?.();
            return out;
        },
    });
}

/** A deep copy of a run, so one `before()` run serves many tests that each break one thing. */
export const copyRun = (run: ProgramRun): ProgramRun => structuredClone(run);

export function record(run: ProgramRun, type: string, name: string): ResourceRecord {
    const found = run.resources.filter((r) => r.type === type && r.name === name);
    if (found.length !== 1) throw new Error(`expected one ${type} named ${name}, found ${found.length}`);
    return found[0];
}

/** The pod spec of a Deployment record, to break in place. */
export const podSpecOf = (r: ResourceRecord): any => (r.inputs as any).spec.template.spec;

/**
 * Runs every policy on a run with the stack's real pack config (policies/config/<stack>.json), with
 * `overrides` merged over it per policy (as another --policy-pack-config would).
 */
export function check(run: ProgramRun, stack: string, overrides: Record<string, Record<string, unknown>> = {}): Promise<PolicyReport> {
    const config = readPolicyConfig(fixturePolicyConfig(stack));
    for (const [policy, props] of Object.entries(overrides)) {
        const { enforcementLevel, ...properties } = props;
        const cur = config[policy] ?? { properties: {} };
        config[policy] = {
            enforcementLevel: (enforcementLevel as any) ?? cur.enforcementLevel,
            properties: { ...cur.properties, ...properties },
        };
    }
    return checkPolicies(run.resources, { config });
}

export const violationsOf = (report: PolicyReport, policy: string): PolicyViolation[] =>
    report.violations.filter((v) => v.policy === policy);

/** The reported part of a violation's message (after the policy's description). */
export const reported = (v: PolicyViolation): string => v.message.slice(v.description.length + 1);

const tmpDirs: string[] = [];
/** A file in a fresh temporary directory (removed by `cleanTmp`). */
export function tmpFile(name: string, content: string | object): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "launchpad-policy-"));
    tmpDirs.push(dir);
    const file = path.join(dir, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content, null, 2));
    return file;
}
export function cleanTmp(): void {
    for (const d of tmpDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

/** A JSON file of the fixture project (`release/evidence.json`, ...). */
export const fixtureJson = (rel: string): any => JSON.parse(fs.readFileSync(path.join(FIXTURE_DIR, rel), "utf8"));

export const DIGEST = {
    v670: "ghcr.io/stefanprodan/podinfo@sha256:4a72d3ce7eda670b78baadd8995384db29483dfc76e12f81a24e1fc1256c0a8e",
    v671: "ghcr.io/stefanprodan/podinfo@sha256:862ca45e61b32392f7941a1bdfdbe5ff8b6899070135f1bdca1c287d0057fc94",
    /** A build nobody tested or verified. */
    untested: "ghcr.io/stefanprodan/podinfo@sha256:0000000000000000000000000000000000000000000000000000000000000abc",
};
