// npm run evidence:junit -- --report <junit.xml> --image <repo>@sha256:<digest> --commit <sha>
//                            [--finished-at <ISO 8601>] [--evidence release/evidence.json]
// Turns a JUnit XML report (mocha-junit-reporter, jest-junit, pytest --junitxml, Maven Surefire, go-junit-report)
// into the test evidence the `tested-artifact` policy reads: it counts the test cases and records them for the
// image digest that was tested, replacing that image's previous entry. Exit codes: 0 written, 1 the report or
// the evidence file is unusable, 2 usage.
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { ArtifactEvidence, DIGEST_REF, TestEvidence, fieldPath, testEvidenceSchema } from "../../policies/evidence";
import { UsageError } from "../plan/stackConfig";
import { runCli } from "./run";

export interface TestCounts {
    passed: number;
    failed: number;
    skipped: number;
}

const attr = (tag: string, name: string): number | undefined => {
    const m = new RegExp(`\\s${name}\\s*=\\s*"(\\d+)"`).exec(tag);
    return m ? Number(m[1]) : undefined;
};

/**
 * Counts a JUnit report's test cases: a case with a <failure> or <error> failed, one with <skipped> was
 * skipped, any other passed. A report without <testcase> elements falls back to its <testsuite> totals
 * (tests, failures, errors, skipped).
 */
export function countJUnit(xml: string): TestCounts {
    const text = xml.replace(/<!--[\s\S]*?-->/g, "").replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, "");
    if (!/<testsuites?\b/.test(text)) throw new Error("not a JUnit report: no <testsuites> or <testsuite> element");
    const counts: TestCounts = { passed: 0, failed: 0, skipped: 0 };
    const cases = text.matchAll(/<testcase\b[^>]*?(?:\/>|>([\s\S]*?)<\/testcase>)/g);
    let n = 0;
    for (const c of cases) {
        n++;
        const body = c[1] ?? "";
        if (/<(failure|error)\b/.test(body)) counts.failed++;
        else if (/<skipped\b/.test(body)) counts.skipped++;
        else counts.passed++;
    }
    if (n > 0) return counts;
    for (const m of text.matchAll(/<testsuite\b[^>]*>/g)) {
        const tests = attr(m[0], "tests") ?? 0;
        const failed = (attr(m[0], "failures") ?? 0) + (attr(m[0], "errors") ?? 0);
        const skipped = attr(m[0], "skipped") ?? attr(m[0], "disabled") ?? 0;
        counts.failed += failed;
        counts.skipped += skipped;
        counts.passed += Math.max(0, tests - failed - skipped);
    }
    return counts;
}

/** The evidence with `artifact` recorded: it replaces any earlier entry for the same image; entries sorted by image. */
export function upsertEvidence(evidence: TestEvidence, artifact: ArtifactEvidence): TestEvidence {
    const others = evidence.artifacts.filter((a) => a.image !== artifact.image);
    return { artifacts: [...others, artifact].sort((a, b) => a.image.localeCompare(b.image)) };
}

function readEvidence(file: string): TestEvidence {
    if (!fs.existsSync(file)) return { artifacts: [] };
    const parsed = testEvidenceSchema.safeParse(JSON.parse(fs.readFileSync(file, "utf8")));
    if (!parsed.success) {
        const i = parsed.error.issues[0];
        throw new Error(`${file}: ${fieldPath(i.path)}: ${i.message}`);
    }
    return parsed.data;
}

export function cli(argv: string[]): number {
    const { values } = parseArgs({
        args: argv,
        options: {
            report: { type: "string" },
            image: { type: "string" },
            commit: { type: "string" },
            "finished-at": { type: "string" },
            evidence: { type: "string", default: "release/evidence.json" },
        },
        strict: true,
    });
    for (const k of ["report", "image", "commit"] as const) if (!values[k]) throw new UsageError(`missing --${k}`);
    if (!DIGEST_REF.test(values.image!)) throw new UsageError(`--image: expected <repository>@sha256:<64 hex digits>, got ${values.image}`);
    const counts = countJUnit(fs.readFileSync(values.report!, "utf8"));
    const file = path.resolve(values.evidence!);
    const artifact = {
        image: values.image!,
        commit: values.commit!,
        tests: counts,
        finishedAt: values["finished-at"] ?? new Date().toISOString(),
    };
    const next = upsertEvidence(readEvidence(file), artifact);
    const checked = testEvidenceSchema.safeParse(next);
    if (!checked.success) {
        const i = checked.error.issues[0];
        throw new UsageError(`${fieldPath(i.path)}: ${i.message}`);
    }
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(checked.data, null, 2) + "\n");
    console.log(
        `${values.image}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped -> ${path.relative(process.cwd(), file)}`,
    );
    return 0;
}

if (require.main === module)
    runCli(
        cli,
        "npm run evidence:junit -- --report <junit.xml> --image <repo>@sha256:<digest> --commit <sha> [--finished-at <ISO>] [--evidence <file>]",
    );
