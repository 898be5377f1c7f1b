// npm run evidence:verified -- --outputs <stack-outputs.json> [--stack staging] [--passed-at <ISO 8601>]
//                              [--verification release/verified-staging.json]
// Run by CI after the pre-production stack's smoke tests passed: records every image that stack runs
// (its `images` output and the digests of the images it built, `builds.<app>.digest`, from
// `pulumi stack output --stack staging --json`) as verified at that time, in the file the
// `verified-in-preprod` policy reads. Images verified earlier keep their first verification time.
// Exit codes: 0 written, 2 usage or unusable input, 1 a bug.
import * as fs from "node:fs";
import * as path from "node:path";
import { Command, InputError, UsageError, existingFile, main, optional, outputFile, required } from "../cli/run";
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
                    (v === "(known after up)" ? " (a plan's outputs: use `pulumi stack output --json` after up)" : ""),
            );
    }
    if (found.length === 0) throw new InputError(`${file}: 'images' is empty: the stack runs no image to record`);
    return found.map(([, v]) => v as string);
}

/** `--passed-at` by the evidence schema's own rule for the field it fills. */
function checkPassedAt(value: string): string {
    const r = verificationSchema.shape.images.element.shape.smokeTestsPassedAt.safeParse(value);
    if (!r.success) throw new UsageError(`--passed-at: ${r.error.issues[0].message}, got ${value}`);
    return value;
}

interface VerifiedArgs {
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
  --stack <name>         the stack (default staging)
  --passed-at <time>     when its checks passed (ISO 8601; default now)
  --verification <file>  the evidence file (default release/verified-staging.json)
Exit codes: 0 written, 2 usage or unusable input.`,
    flags: {
        outputs: { type: "string" },
        stack: { type: "string" },
        "passed-at": { type: "string" },
        verification: { type: "string" },
    },
    check(args) {
        const outputsArg = required(args, "outputs");
        const stack = optional(args, "stack") ?? "staging";
        if (!/^[a-z0-9][a-z0-9-]*$/.test(stack)) throw new UsageError(`--stack: expected a stack name, got ${stack}`);
        const passedAt = optional(args, "passed-at");
        return {
            outputs: existingFile("--outputs", outputsArg),
            outputsArg,
            stack,
            ...(passedAt !== undefined ? { passedAt: checkPassedAt(passedAt) } : {}),
            verification: outputFile("--verification", optional(args, "verification") ?? "release/verified-staging.json"),
        };
    },
    run(a) {
        let outputs: unknown;
        try {
            outputs = JSON.parse(fs.readFileSync(a.outputs, "utf8"));
        } catch (e) {
            throw new InputError(`${a.outputsArg}: not valid JSON: ${(e as Error).message}`);
        }
        const images = imagesOf(outputs, a.outputsArg);
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
