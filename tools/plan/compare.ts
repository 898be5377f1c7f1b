// `--compare <git ref | plan folder>`: the plan of the other revision, then the diff. A git ref is
// checked out with `git worktree add` into a temporary folder (node_modules linked from this checkout)
// and planned by THAT revision's own plan tool, so the base is exactly what that revision would deploy.
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PlanDiff, PlanResource, PlanSnapshot, diffPlans, renderMarkdown } from "./diff";
import { Plan, planEntry, stableJson } from "./plan";
import { ProgramRun, SECRET } from "./recorder";
import { InputError, UsageError } from "../cli/run";
import { checkTarget } from "./compareTarget";
import { fullKey, rawConfigValues } from "./stackConfig";
import { typescriptLoader } from "../loader";
import { ALWAYS_SECRET_PATHS } from "../../config/monitoring";

export { checkTarget };

function git(cwd: string, args: string[]): { ok: boolean; out: string; err: string } {
    const r = spawnSync("git", args, { cwd, encoding: "utf8" });
    return { ok: r.status === 0, out: (r.stdout ?? "").trim(), err: (r.stderr ?? "").trim() };
}

/** Replaces `{secure: <ciphertext>}` by `[secret]:<sha256 of the ciphertext>`: changes show, values never do. */
function fingerprintSecure(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(fingerprintSecure);
    if (v && typeof v === "object") {
        const o = v as Record<string, unknown>;
        const keys = Object.keys(o);
        if (keys.length === 1 && keys[0] === "secure") return fingerprint(String(o.secure));
        return Object.fromEntries(keys.sort().map((k) => [k, fingerprintSecure(o[k])]));
    }
    return v;
}

const fingerprint = (text: string) => `${SECRET}:${createHash("sha256").update(text).digest("hex").slice(0, 12)}`;

/** `value` with the plain strings at `rest` (`*`: every key) fingerprinted, as secure values are. */
function fingerprintAt(value: unknown, rest: readonly string[]): unknown {
    if (rest.length === 0) return typeof value === "string" && !value.startsWith(`${SECRET}:`) ? fingerprint(value) : value;
    if (!value || typeof value !== "object" || Array.isArray(value)) return value;
    const [seg, ...more] = rest;
    const o = value as Record<string, unknown>;
    return Object.fromEntries(Object.keys(o).map((k) => [k, seg === "*" || seg === k ? fingerprintAt(o[k], more) : o[k]]));
}

/**
 * The stack's configuration as compared between revisions, as the engine hands it to the program:
 * `Pulumi.yaml`'s project-level values (`value`, or a declaration's `default`) under the keys of
 * `Pulumi.<stack>.yaml`, full key (`launchpad:flags`) -> JSON text, every secure value replaced by its
 * fingerprint. So a change made in either file shows (the feature flags live in Pulumi.yaml). Undefined
 * when the stack file is absent.
 */
export function configFingerprints(projectDir: string, stack: string): Record<string, string> | undefined {
    const file = path.join(projectDir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) return undefined;
    const { project, values: merged } = rawConfigValues(projectDir, stack);
    const out: Record<string, string> = {};
    for (const key of Object.keys(merged).sort()) {
        let value = fingerprintSecure(merged[key]);
        for (const [top, ...rest] of ALWAYS_SECRET_PATHS) if (key === fullKey(top, project)) value = fingerprintAt(value, rest);
        out[key] = JSON.stringify(value);
    }
    return out;
}

function readJson(file: string): unknown {
    return JSON.parse(fs.readFileSync(file, "utf8"));
}

/** A saved plan folder (`resources.json`, optional `outputs.json`, `config.json`). */
export function readPlanDir(dir: string, label = dir): PlanSnapshot {
    const resources = (readJson(path.join(dir, "resources.json")) as { resources: PlanResource[] }).resources;
    const opt = (f: string) => (fs.existsSync(path.join(dir, f)) ? readJson(path.join(dir, f)) : undefined);
    return {
        label,
        resources,
        outputs: opt("outputs.json") as Record<string, unknown> | undefined,
        config: opt("config.json") as Record<string, string> | undefined,
        policy: opt("policy.json"),
    };
}

/** A program run (the current plan's, or a test's) as a snapshot. */
export function snapshotOf(run: ProgramRun, label: string, config?: Record<string, string>): PlanSnapshot {
    return {
        label,
        resources: run.resources.map(planEntry),
        outputs: run.outputs,
        config,
    };
}

/**
 * Plans `stack` at git revision `ref` of the repository holding `projectDir`, with that revision's own
 * `tools/plan/cli.ts`. A stack that does not exist at `ref` is an empty plan (everything is created).
 */
export function planAtRevision(projectDir: string, stack: string, ref: string): PlanSnapshot {
    const sha = git(projectDir, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
    if (!sha.ok) throw new UsageError(`--compare: '${ref}' is neither a plan folder (with resources.json) nor a git revision here`);
    const prefix = git(projectDir, ["rev-parse", "--show-prefix"]).out;
    const label = `${ref} (${sha.out.slice(0, 12)})`;
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "launchpad-compare-"));
    const tree = path.join(tmp, "tree");
    try {
        const added = git(projectDir, ["worktree", "add", "--detach", "--quiet", tree, sha.out]);
        if (!added.ok) throw new Error(`git worktree add ${ref} failed: ${added.err}`);
        const baseDir = path.join(tree, prefix);
        if (!fs.existsSync(path.join(baseDir, `Pulumi.${stack}.yaml`))) return { label, resources: [], outputs: {}, config: {} };
        const cli = path.join(baseDir, "tools", "plan", "cli.ts");
        if (!fs.existsSync(cli)) throw new UsageError(`--compare: revision ${ref} has no offline plan (tools/plan/cli.ts)`);
        const modules = path.join(projectDir, "node_modules");
        if (fs.existsSync(modules) && !fs.existsSync(path.join(baseDir, "node_modules")))
            fs.symlinkSync(fs.realpathSync(modules), path.join(baseDir, "node_modules"), "dir");
        const out = path.join(tmp, "plan");
        const r = spawnSync(process.execPath, [...typescriptLoader(baseDir), cli, "--stack", stack, "--out", out], {
            cwd: baseDir,
            encoding: "utf8",
            maxBuffer: 64 * 1024 * 1024,
        });
        // Exit 1 (the base plan found schema problems) still wrote the plan; anything else did not.
        if (!fs.existsSync(path.join(out, "resources.json")) || (r.status !== 0 && r.status !== 1)) {
            throw new InputError(`--compare: the plan of ${ref} failed (exit ${r.status}):\n${(r.stderr || r.stdout).trim()}`);
        }
        return { ...readPlanDir(out, label), config: configFingerprints(baseDir, stack) };
    } finally {
        git(projectDir, ["worktree", "remove", "--force", tree]);
        fs.rmSync(tmp, { recursive: true, force: true });
        git(projectDir, ["worktree", "prune"]);
    }
}

/**
 * The plan to compare with: a saved plan folder, read now (before a plan written to the same folder
 * replaces it), or the plan of a git revision.
 */
export function loadBase(projectDir: string, stack: string, target: string): PlanSnapshot {
    checkTarget(projectDir, target);
    const isDir = fs.existsSync(target) && fs.statSync(target).isDirectory();
    return isDir ? readPlanDir(target) : planAtRevision(projectDir, stack, target);
}

export interface CompareResult {
    diff: PlanDiff;
    markdown: string;
}

/**
 * Diffs the current plan of `stack` against `target` (a plan folder or a git revision) and writes
 * `<out>/diff.md` and `<out>/diff.json`. Reads `<out>/policy.json` when the plan wrote one.
 */
export async function compare(opts: {
    projectDir: string;
    stack: string;
    target: string;
    head: Plan;
    out: string;
    /** The base, read earlier (`loadBase`): a plan folder may be the one the head plan was written to. */
    base?: PlanSnapshot;
}): Promise<CompareResult> {
    const base = opts.base ?? loadBase(opts.projectDir, opts.stack, opts.target);
    const head = snapshotOf(opts.head.run, "working tree", configFingerprints(opts.projectDir, opts.stack));
    const diff = await diffPlans(base, head);
    const policyFile = path.join(opts.out, "policy.json");
    const policy = fs.existsSync(policyFile) ? readJson(policyFile) : undefined;
    const markdown = renderMarkdown(opts.stack, diff, policy, base.policy);
    fs.mkdirSync(opts.out, { recursive: true });
    fs.writeFileSync(path.join(opts.out, "diff.md"), markdown);
    fs.writeFileSync(
        path.join(opts.out, "diff.json"),
        stableJson({
            stack: opts.stack,
            ...diff,
            ...(policy !== undefined ? { policy } : {}),
            ...(base.policy !== undefined ? { basePolicy: base.policy } : {}),
        }),
    );
    return { diff, markdown };
}
