// npm run plan -- --stack <name> [--out <dir>] [--compare <ref|dir>]
// Exit codes: 0 plan is clean, 1 the plan found problems, 2 bad configuration or usage.
// Arguments are checked (tools/cli/run.ts) before the program and @pulumi/pulumi are loaded.
import * as fs from "node:fs";
import * as path from "node:path";
import { Command, InputError, UsageError, existingDir, existingFile, main, optional, outputDir, required } from "../cli/run";
import { checkTarget } from "./compareTarget";
import { PROJECT_DIR, STACK_NAME, listStacks } from "./stackConfig";

/**
 * Refuses an out folder that holds files but no plan (no resources.json): a plan prunes what an earlier
 * plan wrote there, and overwrites its own files, so it is written to a new, empty or plan folder only.
 */
function assertPlanFolder(flag: string, out: string): void {
    if (!fs.existsSync(out) || fs.existsSync(path.join(out, "resources.json"))) return;
    const entries = fs.readdirSync(out);
    if (entries.length === 0) return;
    const shown = entries.slice(0, 3).join(", ") + (entries.length > 3 ? ", ..." : "");
    throw new UsageError(`${flag} ${out}: holds ${shown} but no plan (resources.json); plans are written to a new, empty or plan folder`);
}

interface PlanArgs {
    stack: string;
    projectDir: string;
    out: string;
    crds?: string;
    policyConfig?: string;
    compare?: string;
}

export const planCommand: Command<PlanArgs> = {
    usage: `usage: npm run plan -- --stack <name> [--out <dir>] [--crds <dir>] [--policy-config <file>] [--project <dir>]
                       [--compare <ref|dir>]`,
    help: `Renders what \`pulumi up\` would create for a stack, without a cloud or the Pulumi engine.
  --stack <name>   stack to plan (Pulumi.<name>.yaml): ${listStacks(PROJECT_DIR).join(", ")}
  --out <dir>      where to write resources.json, outputs.json, schema.json and manifests/
                   (default .plan/<stack>; must be a folder, or a path where one can be created)
  --crds <dir>     also validate custom resources against the CustomResourceDefinitions in <dir>
                   (for example ../shared/crds: Velero, OpenFeature)
  --policy-config <file>
                   release gates' config, as for pulumi --policy-pack-config
                   (default policies/config/<stack>.json; without one, each policy's defaults)
  --project <dir>  the Pulumi project to plan (default: this repository)
  --compare <x>    also diff against another revision: a git ref (planned in a temporary git
                   worktree by that revision's own plan) or a saved plan folder; prints the
                   Markdown report and writes diff.md and diff.json to the out folder. Without
                   --compare, an earlier diff.md/diff.json in the out folder is removed.
Exit codes: 0 clean, 1 problems found (schema, mandatory policy violation), 2 bad configuration or usage.`,
    flags: {
        stack: { type: "string" },
        out: { type: "string" },
        crds: { type: "string" },
        project: { type: "string" },
        "policy-config": { type: "string" },
        compare: { type: "string" },
    },
    check(args) {
        const projectArg = optional(args, "project");
        const projectDir = projectArg ? existingDir("--project", projectArg) : PROJECT_DIR;
        if (!fs.existsSync(path.join(projectDir, "Pulumi.yaml"))) throw new UsageError(`--project: no Pulumi.yaml in ${projectArg}`);
        const stack = required(args, "stack");
        if (!STACK_NAME.test(stack))
            throw new UsageError(
                `--stack ${stack}: not a stack name the Pulumi CLI accepts (letters, digits, '-', '_' and '.'; at most 100)`,
            );
        const stacks = listStacks(projectDir);
        if (!stacks.includes(stack))
            throw new UsageError(
                `--stack ${stack}: no stack '${stack}' (no Pulumi.${stack}.yaml; stacks here: ${stacks.join(", ") || "none"})`,
            );
        const out = outputDir("--out", optional(args, "out") ?? path.join(projectDir, ".plan", stack));
        assertPlanFolder("--out", out);
        const crdsArg = optional(args, "crds");
        const policyArg = optional(args, "policy-config");
        const compareArg = optional(args, "compare");
        let compare: string | undefined;
        if (compareArg) {
            compare = fs.existsSync(compareArg) ? path.resolve(compareArg) : compareArg;
            checkTarget(projectDir, compare, stack);
        }
        return {
            stack,
            projectDir,
            out,
            ...(crdsArg ? { crds: existingDir("--crds", crdsArg) } : {}),
            ...(policyArg ? { policyConfig: existingFile("--policy-config", policyArg) } : {}),
            ...(compare ? { compare } : {}),
        };
    },
    async run(a) {
        // The program, the SDK and the validators load only now, after the arguments passed.
        const { ConfigError } = await import("../../config/errors");
        const { compare, configFingerprints, loadBase } = await import("./compare");
        const { loadCrdValidators } = await import("./crds");
        const { planStack, policiesLeftOut, renderTree, writePlan } = await import("./plan");
        const { PolicyConfigError, formatViolations } = await import("./policies");
        const { plainStackTraces } = await import("./recorder");
        const { useCrdValidators } = await import("./schemas");
        plainStackTraces();
        if (a.crds) useCrdValidators(loadCrdValidators(a.crds));
        let plan;
        try {
            plan = await planStack({ stack: a.stack, projectDir: a.projectDir, policyConfig: a.policyConfig });
        } catch (e) {
            if (e instanceof ConfigError && e.problems.some((p) => p.at)) {
                // The plan read the files: each problem with the line it is written on.
                const { configLocator, locatedMessage } = await import("./configLocation");
                throw new InputError(locatedMessage(e.problems, configLocator(a.projectDir, a.stack)));
            }
            if (e instanceof ConfigError || e instanceof PolicyConfigError) throw new InputError(e.message);
            throw e;
        }
        console.log(renderTree(plan));
        // Read the base before writing: `--compare` may name the folder this plan is written to (the last
        // `plan:ci` in .plan), which writePlan replaces.
        const base = a.compare ? loadBase(a.projectDir, a.stack, a.compare) : undefined;
        // config.json: the stack's config with secure values fingerprinted, so a saved plan can be compared.
        const written = writePlan(plan, a.out, { "config.json": configFingerprints(a.projectDir, a.stack) ?? {} });
        const shown = path.relative(process.cwd(), a.out) || ".";
        console.log(`\nschemas: ${plan.schema.validated} Kubernetes objects validated, ${plan.schema.problems.length} invalid`);
        if (plan.schema.unchecked.length > 0) console.log(`  no schema here for: ${plan.schema.unchecked.join(", ")}`);
        for (const p of plan.schema.problems) console.log(`  ✗ ${p.object}: ${p.message}`);
        const leftOut = a.policyConfig ? policiesLeftOut(a.policyConfig, a.stack, a.projectDir) : [];
        if (leftOut.length > 0)
            console.log(
                `\nnote: ${path.relative(process.cwd(), a.policyConfig!)} replaces policies/config/${a.stack}.json (as pulumi --policy-pack-config does) ` +
                    `and leaves out ${leftOut.join(", ")}: these run with the pack's defaults. To relax one policy, copy the stack's file and change that policy's level.`,
            );
        if (plan.policy) console.log(`\n${formatViolations(plan.policy)}`);
        console.log(`\nwrote ${written.length} files to ${shown}`);
        if (a.compare) {
            const { markdown } = await compare({
                projectDir: a.projectDir,
                stack: a.stack,
                target: a.compare,
                head: plan,
                out: a.out,
                base,
            });
            console.log(`\n${markdown}\nwrote diff.md and diff.json to ${shown}`);
        } else {
            // A diff left from an earlier --compare would describe another plan than the one just written.
            for (const f of ["diff.md", "diff.json"]) fs.rmSync(path.join(a.out, f), { force: true });
        }
        return plan.schema.problems.length > 0 || (plan.policy?.mandatory ?? 0) > 0 ? 1 : 0;
    },
};

if (require.main === module) main(planCommand);
