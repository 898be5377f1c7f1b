// npm run evidence:verified -- --outputs <stack-outputs.json> [--stack staging] [--passed-at <ISO 8601>]
//                              [--verification release/verified-staging.json]
// Run by CI after the pre-production stack's smoke tests passed: records every image that stack runs
// (its `images` output and the digests of the images it built, `builds.<app>.digest`, from
// `pulumi stack output --stack staging --json`) as verified at that time, in the file the
// `verified-in-preprod` policy reads. Images verified earlier keep their first verification time.
// `--stack` must be a stack of the project whose `environment.tier` is `preproduction`: evidence recorded
// for a typo or a production stack would replace the pre-production stack's (and its verification times).
// The outputs must be that stack's after up: their `environment` output is its environment's name, and no
// value is a plan's `(known after up)` (another stack's or a plan's outputs list images staging never ran).
// Exit codes: 0 written, 2 usage or unusable input, 1 a bug.
import * as fs from "node:fs";
import * as path from "node:path";
import { Command, InputError, UsageError, existingDir, existingFile, main, optional, outputFile, required } from "../cli/run";
import { UNKNOWN } from "../plan/masks";
import { PROJECT_DIR, listStacks, readStackConfig } from "../plan/stackConfig";
import { DIGEST_REF, Verification, fieldPath, verificationSchema } from "../../policies/evidence";

/** The verification with `images` recorded as verified by `stack` at `passedAt`; earlier entries of the same stack are kept. */
export function recordVerified(previous: Verification | undefined, stack: string, images: string[], passedAt: string): Verification {
    const kept = previous && previous.stack === stack ? previous.images : [];
    const seen = new Set(kept.map((i) => i.image));
    const added = images.filter((i) => !seen.has(i)).map((image) => ({ image, smokeTestsPassedAt: passedAt }));
    return { stack, images: [...kept, ...added].sort((a, b) => a.image.localeCompare(b.image)) };
}

/**
 * Every image a stack's outputs say it runs: `images[i]` and `builds.<app>.digest`. A value that is
 * not pinned by digest is refused by its own path in the outputs (`builds.hello.digest`), with the value.
 */
export function imagesOf(outputs: unknown, file: string): string[] {
    const o = (outputs && typeof outputs === "object" ? outputs : {}) as { images?: unknown; builds?: unknown };
    if (!Array.isArray(o.images))
        throw new InputError(`${file}: no 'images' output (a list of <repository>@sha256:<digest>); is it \`pulumi stack output --json\`?`);
    const found: [string, unknown][] = o.images.map((v, i) => [`images[${i}]`, v]);
    const builds = o.builds && typeof o.builds === "object" ? (o.builds as Record<string, unknown>) : {};
    for (const [app, b] of Object.entries(builds)) found.push([`builds.${app}.digest`, (b as { digest?: unknown } | null)?.digest]);
    for (const [at, v] of found) {
        if (typeof v !== "string" || !DIGEST_REF.test(v))
            throw new InputError(
                `${file}: ${at}: expected <repository>@sha256:<64 hex digits>, got ${JSON.stringify(v) ?? "nothing"}` +
                    (v === UNKNOWN ? " (a plan's outputs: use `pulumi stack output --json` after up)" : ""),
            );
    }
    if (found.length === 0) throw new InputError(`${file}: 'images' is empty: the stack runs no image to record`);
    return found.map(([, v]) => v as string);
}

/** The `environment.tier` of `stack` in the project at `dir` (its Pulumi.<stack>.yaml, Pulumi.yaml merged in). */
export async function stackTier(dir: string, stack: string): Promise<unknown> {
    return (await stackEnvironment(dir, stack)).tier;
}

/** The `launchpad:environment` of `stack` in the project at `dir`, as written (`name`, `tier`, ...). */
async function stackEnvironment(dir: string, stack: string): Promise<{ name?: unknown; tier?: unknown }> {
    const { ConfigError } = await import("../../config/errors");
    let environment: string | undefined;
    try {
        environment = readStackConfig(dir, stack).config["launchpad:environment"];
    } catch (e) {
        if (e instanceof ConfigError) throw new InputError(e.message);
        throw e;
    }
    try {
        return (JSON.parse(environment ?? "null") as { name?: unknown; tier?: unknown } | null) ?? {};
    } catch {
        return {};
    }
}

/** Where `outputs` holds a value only a plan shows (`(known after up)`), as a path; undefined in a deployed stack's. */
export function planValueAt(outputs: unknown, at = ""): string | undefined {
    if (outputs === UNKNOWN) return at || "(the whole file)";
    if (outputs === null || typeof outputs !== "object") return undefined;
    for (const [k, v] of Object.entries(outputs)) {
        const found = planValueAt(v, Array.isArray(outputs) ? `${at}[${k}]` : at ? `${at}.${k}` : k);
        if (found) return found;
    }
    return undefined;
}

/**
 * Refuses outputs that are not the deployed `stack`'s: another environment's (`environment` output), or a
 * plan's (a value known only after up). Either recorded images staging never ran as verified.
 */
export function checkOutputsOf(outputs: unknown, file: string, stack: string, environment: unknown): void {
    const got = (outputs as { environment?: unknown }).environment;
    if (got !== environment)
        throw new InputError(
            `${file}: the outputs of environment ${JSON.stringify(got) ?? "(none)"}, not of ${stack} (environment ${JSON.stringify(environment)}): record \`pulumi stack output --stack ${stack} --json\` after up`,
        );
    const planned = planValueAt(outputs);
    if (planned)
        throw new InputError(
            `${file}: ${planned} is "${UNKNOWN}": a plan's outputs, not a deployed stack's; record \`pulumi stack output --stack ${stack} --json\` after up`,
        );
}

/** The stacks of the project at `dir` whose tier is `preproduction` (a stack whose config cannot be read is left out). */
export async function preproductionStacks(dir: string): Promise<string[]> {
    const out: string[] = [];
    for (const stack of listStacks(dir)) {
        try {
            if ((await stackTier(dir, stack)) === "preproduction") out.push(stack);
        } catch {
            // Not a stack anyone could record: it is not listed.
        }
    }
    return out;
}

/** `--passed-at` by the evidence schema's own rule for the field it fills. */
function checkPassedAt(value: string): string {
    const r = verificationSchema.shape.images.element.shape.smokeTestsPassedAt.safeParse(value);
    if (!r.success) throw new UsageError(`--passed-at: ${r.error.issues[0].message}, got ${value}`);
    return value;
}

interface VerifiedArgs {
    /** The Pulumi project (its stack files). */
    projectDir: string;
    outputs: string;
    outputsArg: string;
    stack: string;
    passedAt?: string;
    verification: string;
}

export const verifiedCommand: Command<VerifiedArgs> = {
    usage: "usage: npm run evidence:verified -- --outputs <stack-outputs.json> [--stack staging] [--passed-at <ISO>] [--verification <file>]",
    help: `Records every image a pre-production stack runs as verified (the verified-in-preprod policy reads it).
  --outputs <file>       \`pulumi stack output --json\` of the stack, after up and its smoke tests
  --stack <name>         the pre-production stack: a Pulumi.<name>.yaml with environment.tier
                         preproduction (default staging)
  --passed-at <time>     when its checks passed (ISO 8601; default now)
  --verification <file>  the evidence file (default release/verified-staging.json)
  --project <dir>        the Pulumi project (default: this repository)
Exit codes: 0 written, 2 usage or unusable input.`,
    flags: {
        outputs: { type: "string" },
        stack: { type: "string" },
        "passed-at": { type: "string" },
        verification: { type: "string" },
        project: { type: "string" },
    },
    check(args) {
        const outputsArg = required(args, "outputs");
        const stack = optional(args, "stack") ?? "staging";
        if (!/^[a-z0-9][a-z0-9-]*$/.test(stack)) throw new UsageError(`--stack: expected a stack name, got ${stack}`);
        const projectArg = optional(args, "project");
        const projectDir = projectArg ? existingDir("--project", projectArg) : PROJECT_DIR;
        const stacks = listStacks(projectDir);
        if (!stacks.includes(stack)) throw new UsageError(`--stack ${stack}: no stack '${stack}' (stacks here: ${stacks.join(", ")})`);
        const passedAt = optional(args, "passed-at");
        return {
            projectDir,
            outputs: existingFile("--outputs", outputsArg),
            outputsArg,
            stack,
            ...(passedAt !== undefined ? { passedAt: checkPassedAt(passedAt) } : {}),
            verification: outputFile("--verification", optional(args, "verification") ?? "release/verified-staging.json"),
        };
    },
    async run(a) {
        // The tier needs the stack's config (and with it the SDK): checked here, before anything is read or written.
        const environment = await stackEnvironment(a.projectDir, a.stack);
        const tier = environment.tier;
        if (tier !== "preproduction") {
            const allowed = await preproductionStacks(a.projectDir);
            const has = typeof tier === "string" ? `environment.tier ${tier}` : "no environment.tier";
            throw new UsageError(
                `--stack ${a.stack}: ${a.stack} is not a pre-production stack (Pulumi.${a.stack}.yaml: ${has}); ` +
                    `pre-production stacks here: ${allowed.join(", ") || "none"}`,
            );
        }
        let outputs: unknown;
        try {
            outputs = JSON.parse(fs.readFileSync(a.outputs, "utf8"));
        } catch (e) {
            throw new InputError(`${a.outputsArg}: not valid JSON: ${(e as Error).message}`);
        }
        const images = imagesOf(outputs, a.outputsArg);
        checkOutputsOf(outputs, a.outputsArg, a.stack, environment.name);
        const shown = path.relative(process.cwd(), a.verification);
        let previous: Verification | undefined;
        if (fs.existsSync(a.verification)) {
            let raw: unknown;
            try {
                raw = JSON.parse(fs.readFileSync(a.verification, "utf8"));
            } catch (e) {
                throw new InputError(`${shown}: not valid JSON: ${(e as Error).message}`);
            }
            const parsed = verificationSchema.safeParse(raw);
            if (!parsed.success)
                throw new InputError(`${shown}: ${fieldPath(parsed.error.issues[0].path)}: ${parsed.error.issues[0].message}`);
            previous = parsed.data;
        }
        const next = verificationSchema.parse(recordVerified(previous, a.stack, images, a.passedAt ?? new Date().toISOString()));
        fs.mkdirSync(path.dirname(a.verification), { recursive: true });
        fs.writeFileSync(a.verification, JSON.stringify(next, null, 2) + "\n");
        console.log(`${a.stack}: ${images.length} images verified -> ${shown}`);
        return 0;
    },
};

if (require.main === module) main(verifiedCommand);
