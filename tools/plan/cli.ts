// npm run plan -- --stack <name> [--out <dir>] [--compare <ref|dir>]
// Exit codes: 0 plan is clean, 1 the plan found problems, 2 bad configuration or usage.
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { ConfigError } from "../../config/errors";
import { checkTarget, compare, configFingerprints } from "./compare";
import { loadCrdValidators } from "./crds";
import { PROJECT_DIR, planStack, renderTree, writePlan } from "./plan";
import { PolicyConfigError, formatViolations } from "./policies";
import { plainStackTraces } from "./recorder";
import { useCrdValidators } from "./schemas";
import { UsageError, listStacks } from "./stackConfig";

const USAGE = `usage: npm run plan -- --stack <name> [--out <dir>] [--crds <dir>] [--policy-config <file>] [--project <dir>]
                       [--compare <ref|dir>]

Renders what \`pulumi up\` would create for a stack, without a cloud or the Pulumi engine.
  --stack <name>   stack to plan (Pulumi.<name>.yaml): ${listStacks(PROJECT_DIR).join(", ")}
  --out <dir>      where to write resources.json, outputs.json, schema.json and manifests/
                   (default .plan/<stack>)
  --crds <dir>     also validate custom resources against the CustomResourceDefinitions in <dir>
                   (for example ../shared/crds: Velero, OpenFeature)
  --policy-config <file>
                   release gates' config, as for pulumi --policy-pack-config
                   (default policies/config/<stack>.json; without one, each policy's defaults)
  --project <dir>  the Pulumi project to plan (default: this repository)
  --compare <x>    also diff against another revision: a git ref (planned in a temporary git
                   worktree by that revision's own plan) or a saved plan folder; prints the
                   Markdown report and writes diff.md and diff.json to the out folder
Exit codes: 0 clean, 1 problems found (schema, mandatory policy violation), 2 bad configuration or usage.`;

async function cli(argv: string[]): Promise<number> {
    plainStackTraces();
    let values: {
        stack?: string;
        out?: string;
        crds?: string;
        project?: string;
        "policy-config"?: string;
        compare?: string;
        help?: boolean;
    };
    try {
        ({ values } = parseArgs({
            args: argv,
            options: {
                stack: { type: "string" },
                out: { type: "string" },
                crds: { type: "string" },
                project: { type: "string" },
                "policy-config": { type: "string" },
                compare: { type: "string" },
                help: { type: "boolean", short: "h" },
            },
            strict: true,
        }));
    } catch (e) {
        throw new UsageError((e as Error).message);
    }
    if (values.help) {
        console.log(USAGE);
        return 0;
    }
    if (!values.stack) throw new UsageError("missing --stack");
    const projectDir = path.resolve(values.project ?? PROJECT_DIR);
    const out = path.resolve(values.out ?? path.join(projectDir, ".plan", values.stack));
    if (values.crds) useCrdValidators(loadCrdValidators(path.resolve(values.crds)));
    const policyConfig = values["policy-config"] ? path.resolve(values["policy-config"]) : undefined;
    if (policyConfig && !fs.existsSync(policyConfig)) throw new UsageError(`--policy-config: ${policyConfig} does not exist`);
    const target = values.compare && fs.existsSync(values.compare) ? path.resolve(values.compare) : values.compare;
    if (target) checkTarget(projectDir, target);
    const plan = await planStack({ stack: values.stack, projectDir, policyConfig });
    console.log(renderTree(plan));
    // config.json: the stack's config with secure values fingerprinted, so a saved plan can be compared.
    const written = writePlan(plan, out, { "config.json": configFingerprints(projectDir, values.stack) ?? {} });
    console.log(`\nschemas: ${plan.schema.validated} Kubernetes objects validated, ${plan.schema.problems.length} invalid`);
    if (plan.schema.unchecked.length > 0) console.log(`  no schema here for: ${plan.schema.unchecked.join(", ")}`);
    for (const p of plan.schema.problems) console.log(`  ✗ ${p.object}: ${p.message}`);
    if (plan.policy) console.log(`\n${formatViolations(plan.policy)}`);
    console.log(`\nwrote ${written.length} files to ${path.relative(process.cwd(), out) || "."}`);
    if (target) {
        const { markdown } = compare({ projectDir, stack: values.stack, target, head: plan, out });
        console.log(`\n${markdown}\nwrote diff.md and diff.json to ${path.relative(process.cwd(), out) || "."}`);
    }
    return plan.schema.problems.length > 0 || (plan.policy?.mandatory ?? 0) > 0 ? 1 : 0;
}

cli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
        if (e instanceof ConfigError || e instanceof UsageError || e instanceof PolicyConfigError) {
            console.error(`error: ${(e as Error).message}`);
            if (e instanceof UsageError) console.error(`\n${USAGE}`);
            process.exit(2);
        }
        console.error(e);
        process.exit(1);
    },
);
