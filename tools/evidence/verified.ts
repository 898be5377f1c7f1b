// npm run evidence:verified -- --outputs <stack-outputs.json> [--stack staging] [--passed-at <ISO 8601>]
//                              [--verification release/verified-staging.json]
// Run by CI after the pre-production stack's smoke tests passed: records every image that stack runs
// (its `images` output, from `pulumi stack output --stack staging --json`) as verified at that time, in
// the file the `verified-in-preprod` policy reads. Images verified earlier keep their first verification
// time. Exit codes: 0 written, 1 unusable input, 2 usage.
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { DIGEST_REF, Verification, fieldPath, verificationSchema } from "../../policies/evidence";
import { UsageError } from "../plan/stackConfig";
import { runCli } from "./run";

/** The verification with `images` recorded as verified by `stack` at `passedAt`; earlier entries of the same stack are kept. */
export function recordVerified(previous: Verification | undefined, stack: string, images: string[], passedAt: string): Verification {
    const kept = previous && previous.stack === stack ? previous.images : [];
    const seen = new Set(kept.map((i) => i.image));
    const added = images.filter((i) => !seen.has(i)).map((image) => ({ image, smokeTestsPassedAt: passedAt }));
    return { stack, images: [...kept, ...added].sort((a, b) => a.image.localeCompare(b.image)) };
}

export function cli(argv: string[]): number {
    const { values } = parseArgs({
        args: argv,
        options: {
            outputs: { type: "string" },
            stack: { type: "string", default: "staging" },
            "passed-at": { type: "string" },
            verification: { type: "string", default: "release/verified-staging.json" },
        },
        strict: true,
    });
    if (!values.outputs) throw new UsageError("missing --outputs");
    const outputs = JSON.parse(fs.readFileSync(values.outputs, "utf8")) as {
        images?: unknown;
        builds?: Record<string, { digest?: unknown }>;
    };
    // Configured images (`images`) and the digests of images the stack built itself (`builds.<app>.digest`).
    const built = Object.values(outputs.builds ?? {}).map((b) => b?.digest);
    const images = Array.isArray(outputs.images) ? [...outputs.images, ...built] : outputs.images;
    if (!Array.isArray(images) || images.length === 0 || images.some((i) => typeof i !== "string" || !DIGEST_REF.test(i)))
        throw new Error(`${values.outputs}: expected the stack output 'images', a list of <repository>@sha256:<digest>`);
    const file = path.resolve(values.verification!);
    let previous: Verification | undefined;
    if (fs.existsSync(file)) {
        const parsed = verificationSchema.safeParse(JSON.parse(fs.readFileSync(file, "utf8")));
        if (!parsed.success) throw new Error(`${file}: ${fieldPath(parsed.error.issues[0].path)}: ${parsed.error.issues[0].message}`);
        previous = parsed.data;
    }
    const next = verificationSchema.safeParse(
        recordVerified(previous, values.stack!, images as string[], values["passed-at"] ?? new Date().toISOString()),
    );
    if (!next.success) throw new UsageError(`${fieldPath(next.error.issues[0].path)}: ${next.error.issues[0].message}`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(next.data, null, 2) + "\n");
    console.log(`${values.stack}: ${images.length} images verified -> ${path.relative(process.cwd(), file)}`);
    return 0;
}

if (require.main === module)
    runCli(
        cli,
        "npm run evidence:verified -- --outputs <stack-outputs.json> [--stack staging] [--passed-at <ISO>] [--verification <file>]",
    );
