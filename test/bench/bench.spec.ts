// A smoke test that keeps the benchmark working; its numbers are not asserted (speed is measured by
// `npm run bench`, not by tests).
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
    BenchReport,
    MARK_END,
    MARK_START,
    README,
    currentSection,
    ratioParts,
    readmeSection,
    table,
    writeReadme,
} from "../../tools/bench/bench";
import { runCommand } from "../support/commands";

// Size 6: every synthetic app twice, so that what two apps of a kind collide on (a manifest's file name, a
// resource name) fails here; at size 3 two apps' release Backups collided unseen until a 10-app run.
describe("benchmark (smoke, size 6) @e2e", function () {
    // Fresh processes for the plan and the two floors, each loading the SDKs: minutes on a loaded 2-core machine.
    this.timeout(300000);
    it("measures the plan (A), the SDK floor (B) over the same custom resources, the floor with the components (C) and the floor all at once (D), and writes results JSON", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "launchpad-bench-test-"));
        try {
            const out = path.join(dir, "results.json");
            const r = runCommand("tools/bench/bench.ts", ["--sizes", "6", "--runs", "1", "--out", out]);
            assert.equal(r.status, 0, r.stderr);
            assert.match(
                r.stdout,
                /\| apps \| resources \| A plan \(median\) \| B floor \(median\) \| A\/B \(rounds\) \| evaluate\/B \| checks\+write\/B \| C floor \(median\) \| A\/C \| B at once \(median\) \| A\/B CPU \|/,
            );
            const report = JSON.parse(fs.readFileSync(out, "utf8")) as BenchReport;
            const { results } = report;
            assert.equal(results.length, 1);
            const [a, b, c, d] = results[0].samples ?? [];
            assert.deepEqual([a.mode, b.mode, c.mode, d.mode], ["A", "B", "C", "D"]);
            // B registers every custom resource A planned (A also has the components), and nothing else;
            // C registers all of A's resources, the components as bare ones.
            assert.ok(a.customResources > 0 && a.resources > a.customResources);
            assert.equal(b.resources, a.customResources);
            assert.equal(c.resources, a.resources);
            assert.equal(c.customResources, a.customResources);
            assert.equal(d.resources, a.customResources);
            // C registers them with A's options too; B and D with none.
            assert.ok(a.options.dependsOn > 0 && a.options.retained > 0, JSON.stringify(a.options));
            assert.deepEqual(c.options, a.options);
            for (const m of [b, d]) assert.deepEqual(m.options, { dependsOn: 0, aliased: 0, retained: 0 });
            assert.equal(results[0].dMs, Number(d.totalMs.toPrecision(6)));
            // One round: its A/B is the only one, so the range is that ratio.
            assert.deepEqual(results[0].ratioRange, [results[0].ratio, results[0].ratio]);
            for (const phase of ["evaluate", "validate"]) assert.ok(phase in a.phases, `phase ${phase} timed`);
            for (const m of [a, b, c, d])
                assert.ok(m.cpuMs > 0 && m.processMs > m.totalMs, "CPU time and the whole process's time measured");
            // Without --readme the README is left alone.
            assert.doesNotMatch(r.stdout, /README/);
            assert.deepEqual(report.sizes, [6]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("benchmark: A's process", () => {
    it("loads neither provider's root, which only the floors (B, C, D) use: the A process column is a cold plan's", () => {
        const script = `
            require("./tools/bench/measure.ts");
            const roots = ["@pulumi/aws/index.js", "@pulumi/kubernetes/index.js"];
            console.log(JSON.stringify(roots.filter((r) => Object.keys(require.cache).some((f) => f.endsWith("/node_modules/" + r)))));
        `;
        const r = spawnSync(process.execPath, ["-r", "./tools/register.js", "-e", script], {
            cwd: path.join(__dirname, "..", ".."),
            encoding: "utf8",
        });
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(JSON.parse(r.stdout.trim().split("\n").pop()!), []);
    });
});

const sample: BenchReport = {
    machine: "2 × Test CPU, 4 GiB, Node v20.0.0",
    loadAverage: [1.5, 1, 0.5],
    date: "2026-01-02T03:04:05.000Z",
    sizes: [10],
    runs: 3,
    results: [
        {
            size: 10,
            resources: 282,
            runs: 3,
            aMs: 1620,
            bMs: 610,
            ratio: 2.656,
            ratioRange: [2.41, 2.9],
            cMs: 700,
            ratioC: 2.314,
            dMs: 1100,
            cpuAMs: 1700,
            cpuBMs: 700,
            cpuRatio: 2.429,
            msPerResourceA: 5.745,
            msPerResourceB: 2.7,
            processAMs: 3300,
            peakRssMiB: 258,
            peakRssMiBB: 228,
            phaseShare: { evaluate: 0.8, validate: 0.11, policies: 0.05, write: 0.04 },
        },
    ],
};

describe("benchmark table in the README", () => {
    it("is the benchmark's own rendering of the results kept next to it (re-run the command in its first line to change it)", () => {
        const current = currentSection(fs.readFileSync(README, "utf8"));
        assert.ok(current, `README.md has the ${MARK_START} ... ${MARK_END} markers`);
        assert.ok(current.report, "the section keeps the results it was rendered from");
        assert.equal(current.section, readmeSection(current.report));
        assert.match(current.section, /Generated by `npm run bench -- --sizes [\d,]+ --runs \d+ --readme` on \d{4}-\d{2}-\d{2} \(\d+ × /);
        assert.deepEqual(
            current.report.results.map((r) => r.size),
            current.report.sizes,
        );
    });

    it("renders one row per size with the machine, the date and the command, and replaces only what is between the markers", () => {
        const section = readmeSection(sample);
        assert.ok(section.includes(table(sample.results)));
        // A/B split at the end of the evaluation: 0.8 and 0.2 of A's 2.656.
        const parts = ratioParts(sample.results[0]);
        assert.ok(Math.abs(parts.evaluate - 2.1248) < 1e-9 && Math.abs(parts.after - 0.5312) < 1e-9, JSON.stringify(parts));
        assert.match(
            section,
            /\| 10 \| 282 \| 1\.62 s \| 0\.61 s \| 2\.66 \(2\.41–2\.90\) \| 2\.12 \| 0\.53 \| 0\.70 s \| 2\.31 \| 1\.10 s \| 2\.43 \| 5\.75 \| 2\.70 \| 3\.30 s \| 258 MiB \| 228 MiB \| 80\.0% \| 11\.0% \| 5\.0% \| 4\.0% \|/,
        );
        assert.match(
            section,
            /^Generated by `npm run bench -- --sizes 10 --runs 3 --readme` on 2026-01-02 \(2 × Test CPU, 4 GiB, Node v20\.0\.0; load average 1\.50, 1\.00, 0\.50 at the start\)/m,
        );
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "launchpad-bench-readme-"));
        try {
            const file = path.join(dir, "README.md");
            fs.writeFileSync(file, `# x\n\nbefore\n${MARK_START}\nold table\n${MARK_END}\nafter $& $1\n`);
            writeReadme(file, sample);
            assert.equal(fs.readFileSync(file, "utf8"), `# x\n\nbefore\n${section}\nafter $& $1\n`);
            assert.equal(currentSection(fs.readFileSync(file, "utf8"))?.report?.results[0].ratio, 2.656);
            fs.writeFileSync(file, "# no markers\n");
            assert.throws(() => writeReadme(file, sample), /no <!-- bench:start --> \.\.\. <!-- bench:end --> markers/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
