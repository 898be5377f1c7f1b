// Release evidence files that CI writes and the policies read: test evidence per image digest and the
// pre-production verification. One zod schema each; a malformed file becomes a violation naming the
// file and the field, never an exception.
import * as fs from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import { DIGEST_REF } from "./digest";

/** The repository root: relative evidence paths in the pack config are resolved against it. */
export const REPO_ROOT = path.resolve(__dirname, "..");

/** `<repository>@sha256:<64 hex>`: the only image reference evidence can be about. */
export { DIGEST_REF };

const isoDateTime = z.iso.datetime({ offset: true, error: "expected an ISO 8601 date-time such as 2026-11-24T15:00:00Z" });
const digestRef = z.string().regex(DIGEST_REF, { error: "expected an image pinned by digest, <repository>@sha256:<64 hex digits>" });
const count = z.int({ error: "expected a whole number >= 0" }).min(0, { error: "expected a whole number >= 0" });

export const testEvidenceSchema = z.strictObject({
    artifacts: z.array(
        z.strictObject({
            image: digestRef,
            commit: z.string().regex(/^[0-9a-f]{7,40}$/, { error: "expected a git commit SHA (7-40 hex digits)" }),
            tests: z.strictObject({ passed: count, failed: count, skipped: count }),
            finishedAt: isoDateTime,
        }),
    ),
});
export type TestEvidence = z.infer<typeof testEvidenceSchema>;
export type ArtifactEvidence = TestEvidence["artifacts"][number];

export const verificationSchema = z.strictObject({
    /** The pre-production stack that verified the images. */
    stack: z.string().min(1),
    images: z.array(z.strictObject({ image: digestRef, smokeTestsPassedAt: isoDateTime })),
});
export type Verification = z.infer<typeof verificationSchema>;

export type Loaded<T> = { ok: true; value: T; file: string } | { ok: false; error: string; file: string };

/** `artifacts[0].tests.failed` from a zod path. */
export function fieldPath(p: readonly PropertyKey[]): string {
    return p.map((s, i) => (typeof s === "number" ? `[${s}]` : `${i === 0 ? "" : "."}${String(s)}`)).join("") || "(root)";
}

const cache = new Map<string, { mtimeMs: number; size: number; result: Loaded<unknown> }>();

/**
 * Reads and validates a JSON evidence file (relative to the repository root unless absolute). The
 * result is cached per file until its modification time or size changes, so a resource policy may ask
 * for every resource.
 */
export function loadJson<T>(file: string, schema: z.ZodType<T>): Loaded<T> {
    const abs = path.resolve(REPO_ROOT, file);
    // As the pack config names it: the same text wherever the pack runs.
    const shown = path.normalize(file);
    let stat: fs.Stats;
    try {
        stat = fs.statSync(abs);
    } catch {
        return { ok: false, file: shown, error: `${shown}: file not found` };
    }
    const key = `${abs}\n${shown}`; // messages name the file as given
    const hit = cache.get(key);
    if (hit && hit.mtimeMs === stat.mtimeMs && hit.size === stat.size) return hit.result as Loaded<T>;
    let result: Loaded<T>;
    try {
        result = validated(JSON.parse(fs.readFileSync(abs, "utf8")), schema, shown);
    } catch (e) {
        result = { ok: false, file: shown, error: `${shown}: not valid JSON: ${(e as Error).message}` };
    }
    cache.set(key, { mtimeMs: stat.mtimeMs, size: stat.size, result });
    return result;
}

/** Validates evidence data (read from a file or embedded in the pack config) against its schema. */
export function validated<T>(data: unknown, schema: z.ZodType<T>, shown: string): Loaded<T> {
    const parsed = schema.safeParse(data);
    if (parsed.success) return { ok: true, value: parsed.data, file: shown };
    const issue = parsed.error.issues[0];
    const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more)` : "";
    const got = issue.path.reduce<unknown>((o, k) => (o as Record<PropertyKey, unknown> | undefined)?.[k], data);
    const keys = issue.code === "unrecognized_keys" ? `unknown key ${issue.keys.map((k) => `'${k}'`).join(", ")}` : issue.message;
    const shownGot = got === undefined || issue.code === "unrecognized_keys" ? "" : `, got ${JSON.stringify(got)}`;
    return { ok: false, file: shown, error: `${shown}: ${fieldPath(issue.path)}: ${keys}${shownGot}${more}` };
}

/**
 * Evidence embedded in the pack config (`embedded`, what a published pack gets: it has no repository
 * around it) or, in place, read from `file`.
 */
export const loadTestEvidence = (file: string, embedded?: unknown) =>
    embedded !== undefined
        ? validated(embedded, testEvidenceSchema, "tested-artifact.evidence (pack config)")
        : loadJson(file, testEvidenceSchema);
export const loadVerification = (file: string, embedded?: unknown) =>
    embedded !== undefined
        ? validated(embedded, verificationSchema, "verified-in-preprod.verification (pack config)")
        : loadJson(file, verificationSchema);
