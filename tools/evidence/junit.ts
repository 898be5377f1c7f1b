// npm run evidence:junit -- --report <junit.xml> --image <repo>@sha256:<digest> --commit <sha>
//                            [--finished-at <ISO 8601>] [--evidence release/evidence.json]
// Turns a JUnit XML report (mocha-junit-reporter, jest-junit, pytest --junitxml, Maven Surefire, go-junit-report)
// into the test evidence the `tested-artifact` policy reads: it counts the test cases and records them for the
// image digest that was tested, replacing that image's previous entry. The evidence file is edited in place:
// other entries keep their text, and an unchanged result writes nothing. Exit codes: 0 written (or
// unchanged), 2 usage or an unusable report / evidence file, 1 a bug.
import * as fs from "node:fs";
import * as path from "node:path";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import * as jsonc from "jsonc-parser";
import { Command, InputError, UsageError, existingFile, main, optional, outputFile, required } from "../cli/run";
import { ArtifactEvidence, DIGEST_REF, TestEvidence, fieldPath, testEvidenceSchema } from "../../policies/evidence";

export interface TestCounts {
    passed: number;
    failed: number;
    skipped: number;
}

type XmlNode = Record<string, unknown>;
const ELEMENTS = ["testsuites", "testsuite", "testcase", "failure", "error", "skipped"];

/** The element's children named `name` (the parser gives "" for an empty element without attributes). */
const children = (node: XmlNode, name: string): XmlNode[] =>
    ((node[name] as unknown[] | undefined) ?? []).map((c) => (c && typeof c === "object" ? (c as XmlNode) : {}));

/**
 * Counts a JUnit report's test cases with a real XML parser (fast-xml-parser): a report that is not
 * well-formed (truncated, unclosed) is refused with its line and column. A case with a <failure> or
 * <error> failed, one with <skipped> was skipped, any other passed. A suite that lists no test cases
 * (and no nested suites) counts by its totals (tests, failures, errors, skipped or disabled).
 */
export function countJUnit(xml: string, file = "the report"): TestCounts {
    if (xml.trim() === "") throw new InputError(`${file}: empty: not a JUnit report (did the test run write it?)`);
    const valid = XMLValidator.validate(xml);
    if (valid !== true) {
        const { line, col, msg } = valid.err;
        // fast-xml-parser reports elements left open at the end as a JSON list of their names, placed at 1:1.
        const open = /^Invalid '(\[.*\])' found\.$/s.exec(msg);
        let names: unknown;
        try {
            names = open ? JSON.parse(open[1]) : undefined;
        } catch {
            names = undefined;
        }
        if (Array.isArray(names) && names.length > 0)
            throw new InputError(
                `${file}: not well-formed XML: ${names.map((n) => `<${String(n)}>`).join(", ")} never closed (a truncated report?)`,
            );
        throw new InputError(`${file}:${line}${col !== undefined ? `:${col}` : ""}: not well-formed XML: ${msg}`);
    }
    const doc = new XMLParser({
        ignoreAttributes: false,
        attributeNamePrefix: "@",
        parseAttributeValue: false,
        parseTagValue: false,
        isArray: (name) => ELEMENTS.includes(name),
    }).parse(xml) as XmlNode;
    const roots = [...children(doc, "testsuites"), ...children(doc, "testsuite").map((s) => ({ testsuite: [s] }))];
    if (roots.length === 0) throw new InputError(`${file}: not a JUnit report: no <testsuites> or <testsuite> element`);
    const total = (node: XmlNode, attr: string): number => {
        const v = node[`@${attr}`];
        if (v === undefined) return 0;
        if (typeof v !== "string" || !/^\s*\d+\s*$/.test(v)) throw new InputError(`${file}: ${attr}="${String(v)}" is not a count`);
        return Number(v);
    };
    const counts: TestCounts = { passed: 0, failed: 0, skipped: 0 };
    const suite = (s: XmlNode) => {
        const cases = children(s, "testcase");
        const nested = children(s, "testsuite");
        for (const c of cases) {
            if (children(c, "failure").length > 0 || children(c, "error").length > 0) counts.failed++;
            else if (children(c, "skipped").length > 0) counts.skipped++;
            else counts.passed++;
        }
        nested.forEach(suite);
        if (cases.length > 0 || nested.length > 0) return;
        const failed = total(s, "failures") + total(s, "errors");
        const skipped = s["@skipped"] !== undefined ? total(s, "skipped") : total(s, "disabled");
        counts.failed += failed;
        counts.skipped += skipped;
        counts.passed += Math.max(0, total(s, "tests") - failed - skipped);
    };
    for (const root of roots) suite(root);
    return counts;
}

/** The evidence with `artifact` recorded: it replaces any earlier entry for the same image; entries sorted by image. */
export function upsertEvidence(evidence: TestEvidence, artifact: ArtifactEvidence): TestEvidence {
    const others = evidence.artifacts.filter((a) => a.image !== artifact.image);
    return { artifacts: [...others, artifact].sort((a, b) => a.image.localeCompare(b.image)) };
}

/**
 * The evidence file's new text with `artifact` recorded, or undefined when it is already recorded
 * exactly so. The file is edited, not re-serialized: jsonc-parser locates the entries, the other
 * entries keep their text byte for byte, a changed entry is replaced where it stands and a new one is
 * inserted in image order, both written as JSON with the indentation of the entries around them.
 */
export function recordArtifact(text: string | undefined, file: string, artifact: ArtifactEvidence): string | undefined {
    const fresh = () => JSON.stringify(upsertEvidence({ artifacts: [] }, artifact), null, 2) + "\n";
    if (text === undefined) return fresh();
    const errors: jsonc.ParseError[] = [];
    const tree = jsonc.parseTree(text, errors, { allowTrailingComma: false, disallowComments: true });
    if (errors.length > 0 || !tree) {
        const line = text.slice(0, errors[0]?.offset ?? 0).split("\n").length;
        throw new InputError(`${file}:${line}: not valid JSON (${errors[0] ? jsonc.printParseErrorCode(errors[0].error) : "empty"})`);
    }
    const parsed = testEvidenceSchema.safeParse(jsonc.getNodeValue(tree));
    if (!parsed.success) {
        const i = parsed.error.issues[0];
        throw new InputError(`${file}: ${fieldPath(i.path)}: ${i.message}`);
    }
    const entries = parsed.data.artifacts;
    const nodes = jsonc.findNodeAtLocation(tree, ["artifacts"])?.children ?? [];
    if (nodes.length === 0) return fresh();
    const at = entries.findIndex((a) => a.image === artifact.image);
    if (at >= 0 && JSON.stringify(entries[at]) === JSON.stringify(artifact)) return undefined;
    // The entries' indentation: what precedes the first one on its line.
    const first = nodes[0].offset;
    const lead = text.slice(text.lastIndexOf("\n", first - 1) + 1, first);
    const indent = /^\s*$/.test(lead) ? lead : "    ";
    const entry = JSON.stringify(artifact, null, 2).replace(/\n/g, `\n${indent}`);
    const splice = (from: number, to: number, insert: string) => text.slice(0, from) + insert + text.slice(to);
    if (at >= 0) return splice(nodes[at].offset, nodes[at].offset + nodes[at].length, entry);
    const next = entries.findIndex((a) => a.image.localeCompare(artifact.image) > 0);
    if (next >= 0) return splice(nodes[next].offset, nodes[next].offset, `${entry},\n${indent}`);
    const last = nodes[nodes.length - 1];
    return splice(last.offset + last.length, last.offset + last.length, `,\n${indent}${entry}`);
}

const artifactShape = testEvidenceSchema.shape.artifacts.element.shape;

/** A flag's value checked by the evidence schema's own rule for that field, reported against the flag. */
function field(flag: string, value: string, schema: (typeof artifactShape)["commit" | "finishedAt"]): string {
    const r = schema.safeParse(value);
    if (!r.success) throw new UsageError(`${flag}: ${r.error.issues[0].message}, got ${value}`);
    return value;
}

interface JUnitArgs {
    report: string;
    reportArg: string;
    image: string;
    commit: string;
    finishedAt?: string;
    evidence: string;
}

export const junitCommand: Command<JUnitArgs> = {
    usage: "usage: npm run evidence:junit -- --report <junit.xml> --image <repo>@sha256:<digest> --commit <sha> [--finished-at <ISO>] [--evidence <file>]",
    help: `Records a JUnit XML report's counts as the test evidence of an image (the tested-artifact policy reads it).
  --report <file>       the JUnit XML report
  --image <ref>         the image that was tested, pinned by digest
  --commit <sha>        the commit it was built from (7-40 hex digits)
  --finished-at <time>  when the tests finished (ISO 8601; default now)
  --evidence <file>     the evidence file (default release/evidence.json); edited in place, written only when it changes
Exit codes: 0 written or unchanged, 2 usage or an unusable report / evidence file.`,
    flags: {
        report: { type: "string" },
        image: { type: "string" },
        commit: { type: "string" },
        "finished-at": { type: "string" },
        evidence: { type: "string" },
    },
    check(args) {
        const reportArg = required(args, "report");
        const image = required(args, "image");
        if (!DIGEST_REF.test(image)) throw new UsageError(`--image: expected <repository>@sha256:<64 hex digits>, got ${image}`);
        const finishedAt = optional(args, "finished-at");
        return {
            report: existingFile("--report", reportArg),
            reportArg,
            image,
            commit: field("--commit", required(args, "commit"), artifactShape.commit),
            ...(finishedAt !== undefined ? { finishedAt: field("--finished-at", finishedAt, artifactShape.finishedAt) } : {}),
            evidence: outputFile("--evidence", optional(args, "evidence") ?? "release/evidence.json"),
        };
    },
    run(a) {
        const counts = countJUnit(fs.readFileSync(a.report, "utf8"), a.reportArg);
        const artifact = { image: a.image, commit: a.commit, tests: counts, finishedAt: a.finishedAt ?? new Date().toISOString() };
        const shown = path.relative(process.cwd(), a.evidence);
        const before = fs.existsSync(a.evidence) ? fs.readFileSync(a.evidence, "utf8") : undefined;
        const text = recordArtifact(before, shown, artifact);
        const summary = `${a.image}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`;
        if (text === undefined) {
            console.log(`${summary}: already recorded in ${shown}, unchanged`);
            return 0;
        }
        fs.mkdirSync(path.dirname(a.evidence), { recursive: true });
        fs.writeFileSync(a.evidence, text);
        console.log(`${summary} -> ${shown}`);
        return 0;
    },
};

if (require.main === module) main(junitCommand);
