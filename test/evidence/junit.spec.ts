import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { testEvidenceSchema } from "../../policies/evidence";
import { InputError } from "../../tools/cli/run";
import { countJUnit, recordArtifact, upsertEvidence } from "../../tools/evidence/junit";
import { runCommand } from "../support/commands";

const IMAGE = "ghcr.io/stefanprodan/podinfo@sha256:862ca45e61b32392f7941a1bdfdbe5ff8b6899070135f1bdca1c287d0057fc94";

// mocha-junit-reporter's shape: nested suites, a failure, a skipped case, CDATA output that mentions <failure>.
const MOCHA = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="Mocha Tests" time="1.2" tests="4" failures="1">
  <testsuite name="Root Suite" timestamp="2026-11-24T15:02:40" tests="0" failures="0" time="0"></testsuite>
  <testsuite name="api" timestamp="2026-11-24T15:02:40" tests="4" failures="1" time="1.2">
    <testcase name="api answers /version" time="0.1" classname="version"></testcase>
    <testcase name="api answers /healthz" time="0.1" classname="health"/>
    <testcase name="api rejects bad input" time="0.2" classname="input"><failure message="expected 400" type="AssertionError"><![CDATA[AssertionError: expected 400 <failure>]]></failure></testcase>
    <testcase name="api pages" time="0" classname="pages"><skipped/></testcase>
    <!-- <testcase name="commented out"/> -->
  </testsuite>
</testsuites>`;

// Maven Surefire's shape: a single suite, an error.
const SUREFIRE = `<testsuite tests="3" failures="0" errors="1" skipped="0" name="AppTest">
  <testcase name="a" classname="AppTest" time="0.01"/>
  <testcase name="b" classname="AppTest" time="0.01"><error type="java.lang.NullPointerException">boom</error></testcase>
  <testcase name="c" classname="AppTest" time="0.01"></testcase>
</testsuite>`;

describe("evidence: JUnit converter", () => {
    it("counts test cases: failure and error fail, skipped skips, anything else passes", () => {
        assert.deepEqual(countJUnit(MOCHA), { passed: 2, failed: 1, skipped: 1 });
        assert.deepEqual(countJUnit(SUREFIRE), { passed: 2, failed: 1, skipped: 0 });
    });

    it("falls back to suite totals when a report lists no test cases, and refuses what is not JUnit", () => {
        assert.deepEqual(
            countJUnit(`<testsuites><testsuite tests="10" failures="1" errors="1" skipped="3"/><testsuite tests="5"/></testsuites>`),
            {
                passed: 10,
                failed: 2,
                skipped: 3,
            },
        );
        assert.throws(() => countJUnit("<html></html>"), /not a JUnit report/);
    });

    // Finding 9 of issue 14: the regular expressions counted these 0/0/0 and exited 0.
    it("refuses a truncated report naming what was never closed, a malformed one with its line and column, an empty one", () => {
        assert.throws(
            () => countJUnit(`<testsuite><testcase name="a">`, "junit.xml"),
            (e: Error) =>
                e instanceof InputError &&
                e.message === "junit.xml: not well-formed XML: <testsuite>, <testcase> never closed (a truncated report?)",
        );
        assert.throws(
            () => countJUnit("", "empty.xml"),
            (e: Error) => e.message === "empty.xml: empty: not a JUnit report (did the test run write it?)",
        );
        assert.throws(
            () => countJUnit(`<testsuite tests="2"><testcase name="a"></testsuite>`, "r.xml"),
            /r\.xml:1:\d+: not well-formed XML/,
        );
        assert.throws(() => countJUnit(`<testsuite tests="x"/>`, "r.xml"), /r\.xml: tests="x" is not a count/);
    });

    it("reads single-quoted attributes, nested suites and every testcase child", () => {
        assert.deepEqual(countJUnit(`<testsuites><testsuite tests='5' failures='1' errors='1' skipped='1'/></testsuites>`), {
            passed: 2,
            failed: 2,
            skipped: 1,
        });
        const nested = `<testsuites>
  <testsuite name='outer'>
    <testcase name='a'/>
    <testsuite name='inner'>
      <testcase name='b'><error message='boom'/></testcase>
      <testcase name='c'><skipped message='later'/></testcase>
      <testcase name='d'><system-out>&lt;failure&gt; in the output is not a failure</system-out></testcase>
    </testsuite>
  </testsuite>
  <testsuite name='totals only' tests='3' failures='1' disabled='1'/>
</testsuites>`;
        assert.deepEqual(countJUnit(nested), { passed: 3, failed: 2, skipped: 2 });
    });

    it("edits the evidence file in place: other entries keep their text, an unchanged record is not written", () => {
        const other = IMAGE.replace("862ca45e", "00000000");
        const text = `{
  "artifacts": [
    { "image": "${other}", "commit": "1111111", "tests": { "passed": 1, "failed": 0, "skipped": 0 }, "finishedAt": "2026-11-01T00:00:00Z" }
  ]
}
`;
        const a = { image: IMAGE, commit: "9c1f4e7", tests: { passed: 2, failed: 0, skipped: 0 }, finishedAt: "2026-11-24T15:00:00Z" };
        const added = recordArtifact(text, "evidence.json", a)!;
        assert.ok(added.includes(text.split("\n")[2]), "the other entry's line is kept as written");
        assert.deepEqual(testEvidenceSchema.parse(JSON.parse(added)).artifacts, [JSON.parse(text).artifacts[0], a]);
        assert.equal(recordArtifact(added, "evidence.json", a), undefined, "nothing changed: nothing to write");
        const replaced = recordArtifact(added, "evidence.json", { ...a, commit: "abcdef0" })!;
        assert.ok(replaced.includes(text.split("\n")[2]));
        assert.equal(testEvidenceSchema.parse(JSON.parse(replaced)).artifacts[1].commit, "abcdef0");
        assert.throws(() => recordArtifact(`{"artifacts": [{"image": 1}]}`, "evidence.json", a), /evidence\.json: artifacts\[0\]\.image: /);
    });

    it("replaces the image's earlier entry and keeps the others", () => {
        const a = { image: IMAGE, commit: "9c1f4e7", tests: { passed: 1, failed: 1, skipped: 0 }, finishedAt: "2026-11-24T15:00:00Z" };
        const other = { ...a, image: IMAGE.replace("862ca45e", "00000000") };
        const next = upsertEvidence({ artifacts: [a, other] }, { ...a, tests: { passed: 2, failed: 0, skipped: 0 } });
        assert.deepEqual(
            next.artifacts.map((x) => [x.image.split("@")[1].slice(0, 14), x.tests.passed]),
            [
                ["sha256:0000000", 1],
                ["sha256:862ca45", 2],
            ],
        );
    });

    it("npm run evidence:junit writes evidence the policies accept; bad input exits 2 @e2e", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "launchpad-junit-"));
        try {
            fs.writeFileSync(path.join(dir, "junit.xml"), MOCHA);
            const evidence = path.join(dir, "release", "evidence.json");
            const run = (args: string[]) => runCommand("tools/evidence/junit.ts", args);
            const record = [
                "--report",
                path.join(dir, "junit.xml"),
                "--image",
                IMAGE,
                "--commit",
                "9c1f4e7d2b8a",
                "--finished-at",
                "2026-11-24T15:02:41Z",
                "--evidence",
                evidence,
            ];
            const r = run(record);
            assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
            assert.match(r.stdout, /: 2 passed, 1 failed, 1 skipped -> .*release\/evidence\.json\n$/);
            const written = testEvidenceSchema.parse(JSON.parse(fs.readFileSync(evidence, "utf8")));
            assert.deepEqual(written.artifacts, [
                { image: IMAGE, commit: "9c1f4e7d2b8a", tests: { passed: 2, failed: 1, skipped: 1 }, finishedAt: "2026-11-24T15:02:41Z" },
            ]);
            const bad = run(["--report", path.join(dir, "junit.xml"), "--image", "podinfo:latest", "--commit", "9c1f4e7"]);
            assert.equal(bad.status, 2);
            assert.match(bad.stderr, /--image: expected <repository>@sha256:<64 hex digits>, got podinfo:latest/);
            // The same report again: the file is not rewritten.
            const mtime = fs.statSync(evidence).mtimeMs;
            const again = run(record);
            assert.equal(again.status, 0, again.stderr);
            assert.match(again.stdout, /already recorded in .*evidence\.json, unchanged/);
            assert.equal(fs.statSync(evidence).mtimeMs, mtime);
            // Errors name the flag and the file typed, not internal paths or ENOENT.
            const common = ["--image", IMAGE, "--evidence", evidence];
            const cases: [string[], RegExp][] = [
                [
                    ["--report", path.join(dir, "junit.xml"), "--commit", "not-a-sha", ...common],
                    /^error: --commit: expected a git commit SHA \(7-40 hex digits\), got not-a-sha$/m,
                ],
                [
                    ["--report", path.join(dir, "nope.xml"), "--commit", "9c1f4e7", ...common],
                    /^error: --report: no such file: .*nope\.xml$/m,
                ],
                [
                    ["--report", path.join(dir, "truncated.xml"), "--commit", "9c1f4e7", ...common],
                    /^error: .*truncated\.xml: not well-formed XML: <testsuite>, <testcase> never closed \(a truncated report\?\)$/m,
                ],
            ];
            fs.writeFileSync(path.join(dir, "truncated.xml"), `<testsuite><testcase name="a">`);
            for (const [args, message] of cases) {
                const r = run(args);
                assert.equal(r.status, 2, r.stderr);
                assert.match(r.stderr, message);
                assert.doesNotMatch(r.stderr, /ENOENT|artifacts\[|\n\s+at /);
            }
            assert.equal(fs.statSync(evidence).mtimeMs, mtime, "refused runs write nothing");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
