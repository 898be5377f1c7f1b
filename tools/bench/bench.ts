// npm run bench -- [--sizes 10,100,500,1000] [--runs 3] [--out bench/results.json] [--readme]
// Measures the offline plan (A) against the SDK's own floor (B) for synthetic stacks, against that floor
// with the plan's components registered too (C) and against the floor registered all at once (D),
// alternating A, B, C and D so that machine drift cancels out, and reports medians as a Markdown table and
// bench/results.json.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { Command, integer, main, optional, outputFile } from "../cli/run";
import { PROJECT_DIR } from "../plan/stackConfig";
import { typescriptLoader } from "../loader";
import type { Measurement } from "./measure";

const MEASURE = path.join(__dirname, "measure.ts");
export const README = path.join(PROJECT_DIR, "README.md");
export const MARK_START = "<!-- bench:start -->";
export const MARK_END = "<!-- bench:end -->";
const DATA = /<!-- bench:data (.*) -->/;

/** One measurement and the wall time of its whole process (start-up, module loading, exit): a cold run. */
function once(args: string[]): Measurement & { processMs: number } {
    const t = performance.now();
    const r = spawnSync(process.execPath, ["--max-old-space-size=12288", ...typescriptLoader(), MEASURE, ...args], {
        cwd: PROJECT_DIR,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
    });
    const processMs = performance.now() - t;
    if (r.status !== 0) throw new Error(`measure ${args.join(" ")} failed:\n${r.stderr}`);
    return { ...(JSON.parse(r.stdout.trim().split("\n").pop()!) as Measurement), processMs };
}

const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export interface SizeResult {
    size: number;
    resources: number;
    runs: number;
    aMs: number;
    bMs: number;
    ratio: number;
    /**
     * The lowest and highest A/B of a single round (A and B measured one after the other): how far one
     * round's ratio strays on this machine. Absent in results kept before it was recorded.
     */
    ratioRange?: [number, number];
    /** The floor with the components (C) and A's ratio to it: what the plan adds to every SDK registration it makes. */
    cMs: number;
    ratioC: number;
    /**
     * The floor registered all at once, before the event loop turns (D), as programs usually do: what building
     * the stack app by app saves the SDK. Absent in results kept before it was measured.
     */
    dMs?: number;
    /** Medians of CPU time over the same phases, and their ratio: less sensitive to a shared machine. */
    cpuAMs: number;
    cpuBMs: number;
    cpuRatio: number;
    msPerResourceA: number;
    msPerResourceB: number;
    /** Median wall time of A's whole process (start-up, loading TypeScript and the SDKs, plan, exit). */
    processAMs: number;
    peakRssMiB: number;
    peakRssMiBB: number;
    /** Share of A's median time per phase. */
    phaseShare: Record<string, number>;
    samples?: (Measurement & { processMs: number })[];
}

const round = (x: number, digits = 4) => Number(x.toPrecision(digits));

function summarize(size: number, samples: (Measurement & { processMs: number })[]): SizeResult {
    const as = samples.filter((m) => m.mode === "A");
    const bs = samples.filter((m) => m.mode === "B");
    const cs = samples.filter((m) => m.mode === "C");
    const ds = samples.filter((m) => m.mode === "D");
    const aMs = median(as.map((m) => m.totalMs));
    const bMs = median(bs.map((m) => m.totalMs));
    const cMs = median(cs.map((m) => m.totalMs));
    const cpuAMs = median(as.map((m) => m.cpuMs));
    const cpuBMs = median(bs.map((m) => m.cpuMs));
    // Rounds ran A, B, C in turn: the i-th A and the i-th B are one round.
    const roundRatios = as.map((a, i) => a.totalMs / bs[i].totalMs);
    const phases = Object.keys(as[0].phases);
    const phaseShare: Record<string, number> = {};
    for (const p of phases) phaseShare[p] = round(median(as.map((m) => m.phases[p])) / aMs);
    return {
        size,
        resources: as[0].resources,
        runs: as.length,
        aMs: round(aMs, 6),
        bMs: round(bMs, 6),
        ratio: round(aMs / bMs),
        ratioRange: [round(Math.min(...roundRatios)), round(Math.max(...roundRatios))],
        cMs: round(cMs, 6),
        ratioC: round(aMs / cMs),
        ...(ds.length > 0 ? { dMs: round(median(ds.map((m) => m.totalMs)), 6) } : {}),
        cpuAMs: round(cpuAMs, 6),
        cpuBMs: round(cpuBMs, 6),
        cpuRatio: round(cpuAMs / cpuBMs),
        msPerResourceA: round(aMs / as[0].resources),
        msPerResourceB: round(bMs / bs[0].resources),
        processAMs: round(median(as.map((m) => m.processMs)), 6),
        peakRssMiB: round(Math.max(...as.map((m) => m.maxRssMiB))),
        peakRssMiBB: round(Math.max(...bs.map((m) => m.maxRssMiB))),
        phaseShare,
        samples,
    };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/**
 * A/B split in two: A's evaluation against the floor (it registers everything B registers, so about 1 at
 * best), and the phases after it (validation, policies, writing), which B does not have. Each is the median of
 * its phases' time over B's median, so the two add up to A/B give or take the spread of the medians.
 */
export function ratioParts(r: Pick<SizeResult, "ratio" | "phaseShare">): { evaluate: number; after: number } {
    const evaluate = (r.phaseShare.evaluate ?? 0) * r.ratio;
    const after = Object.entries(r.phaseShare).reduce((sum, [p, share]) => (p === "evaluate" ? sum : sum + share * r.ratio), 0);
    return { evaluate, after };
}

export function table(results: SizeResult[]): string {
    const phases = [...new Set(results.flatMap((r) => Object.keys(r.phaseShare)))];
    const columns = [
        "apps",
        "resources",
        "A plan (median)",
        "B floor (median)",
        "A/B (rounds)",
        "evaluate/B",
        "checks+write/B",
        "C floor (median)",
        "A/C",
        "B at once (median)",
        "A/B CPU",
        "ms/resource A",
        "ms/resource B",
        "A process",
        "peak RSS A",
        "peak RSS B",
        ...phases.map((p) => `${p} share`),
    ];
    const rows = results.map((r) => {
        const parts = ratioParts(r);
        return [
            r.size,
            r.resources,
            seconds(r.aMs),
            seconds(r.bMs),
            r.ratioRange && r.runs > 1 ? `${r.ratio.toFixed(2)} (${r.ratioRange.map((x) => x.toFixed(2)).join("–")})` : r.ratio.toFixed(2),
            parts.evaluate.toFixed(2),
            parts.after.toFixed(2),
            seconds(r.cMs),
            r.ratioC.toFixed(2),
            r.dMs === undefined ? "–" : seconds(r.dMs),
            r.cpuRatio.toFixed(2),
            r.msPerResourceA.toFixed(2),
            r.msPerResourceB.toFixed(2),
            seconds(r.processAMs),
            `${r.peakRssMiB.toFixed(0)} MiB`,
            `${r.peakRssMiBB.toFixed(0)} MiB`,
            ...phases.map((p) => `${((r.phaseShare[p] ?? 0) * 100).toFixed(1)}%`),
        ].join(" | ");
    });
    return [`| ${columns.join(" | ")} |`, `|${" --- |".repeat(columns.length)}`, ...rows.map((r) => `| ${r} |`)].join("\n");
}

/** What a README section is rendered from: the results without their samples, the machine and the command. */
export interface BenchReport {
    machine: string;
    /** The 1-, 5- and 15-minute load averages when the run started: other work on the machine. */
    loadAverage: number[];
    date: string;
    sizes: number[];
    runs: number;
    results: SizeResult[];
}

export const benchCommandLine = (r: Pick<BenchReport, "sizes" | "runs">) =>
    `npm run bench -- --sizes ${r.sizes.join(",")} --runs ${r.runs} --readme`;

/**
 * The README's Performance table, between the markers, rendered from `report` only. The report itself is
 * kept in the section (a comment) so that a test can render it again and compare: the table is what the
 * benchmark wrote, not a hand edit.
 */
export function readmeSection(report: BenchReport): string {
    const data = { ...report, results: report.results.map(({ samples: _samples, ...r }) => r) };
    return [
        MARK_START,
        `Generated by \`${benchCommandLine(report)}\` on ${report.date.slice(0, 10)} (${report.machine}; load average ${report.loadAverage.map((l) => l.toFixed(2)).join(", ")} at the start), medians of ${report.runs} runs:`,
        "",
        table(report.results),
        "",
        `<!-- bench:data ${JSON.stringify(data)} -->`,
        MARK_END,
    ].join("\n");
}

/** The section between the markers of a README text, or undefined when the markers are missing. */
export function currentSection(readme: string): { section: string; report?: BenchReport } | undefined {
    const a = readme.indexOf(MARK_START);
    const b = readme.indexOf(MARK_END);
    if (a < 0 || b < a) return undefined;
    const section = readme.slice(a, b + MARK_END.length);
    const m = DATA.exec(section);
    return { section, ...(m ? { report: JSON.parse(m[1]) as BenchReport } : {}) };
}

/** Replaces the section between the markers; refuses a README without them. */
export function writeReadme(file: string, report: BenchReport): void {
    const text = fs.readFileSync(file, "utf8");
    const current = currentSection(text);
    if (!current) throw new Error(`${file}: no ${MARK_START} ... ${MARK_END} markers to write the table between`);
    fs.writeFileSync(
        file,
        text.replace(current.section, () => readmeSection(report)),
    );
}

interface BenchArgs {
    sizes: number[];
    runs: number;
    out: string;
    readme: boolean;
}

export const benchCommand: Command<BenchArgs> = {
    usage: "usage: npm run bench -- [--sizes 10,100,500,1000] [--runs 3] [--out bench/results.json] [--readme]",
    help: `Plans synthetic stacks of each size (A), runs the SDK's own floor (B), the floor with the plan's
components (C) and the floor registered all at once (D), alternating, and reports medians.
  --sizes <n,n,...>  apps per synthetic stack (default 10,100,500,1000)
  --runs <n>         A, B, C, D rounds per size (default 3)
  --out <file>       the results as JSON (default bench/results.json)
  --readme           also write the table into README.md between its bench markers`,
    flags: { sizes: { type: "string" }, runs: { type: "string" }, out: { type: "string" }, readme: { type: "boolean" } },
    check(args) {
        const sizes = (optional(args, "sizes") ?? "10,100,500,1000").split(",").map((s) => integer("--sizes", s.trim(), 1, 100000));
        return {
            sizes,
            runs: integer("--runs", optional(args, "runs") ?? "3", 1, 1000),
            out: outputFile("--out", optional(args, "out") ?? path.join(PROJECT_DIR, "bench", "results.json")),
            readme: args.flags.readme === true,
        };
    },
    run: bench,
};

async function bench({ sizes, runs, out, readme }: BenchArgs): Promise<number> {
    // The synthetic stacks are built from the config schema (and the SDK): loaded after the argument check.
    const { writeSyntheticProject } = await import("./synthetic");
    const cpus = os.cpus();
    const machine = `${cpus.length} × ${cpus[0]?.model.trim()}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
    const loadAverage = os.loadavg();
    const date = new Date().toISOString();
    console.log(`machine: ${machine}; load average ${loadAverage.map((l) => l.toFixed(2)).join(", ")}`);
    const results: SizeResult[] = [];
    for (const size of sizes) {
        const { dir, stack } = writeSyntheticProject(size);
        const out = path.join(dir, "out");
        const samples: (Measurement & { processMs: number })[] = [];
        for (let i = 0; i < runs; i++) {
            // A, B, C, D in turn, so that drift affects them alike.
            const a = once(["A", String(size), dir, stack, out]);
            const b = once(["B", String(size), path.join(out, "resources.json")]);
            const c = once(["C", String(size), path.join(out, "resources.json")]);
            const d = once(["D", String(size), path.join(out, "resources.json")]);
            samples.push(a, b, c, d);
            console.log(
                `  size ${size} run ${i + 1}/${runs}: A ${seconds(a.totalMs)} (CPU ${seconds(a.cpuMs)}), B ${seconds(b.totalMs)} (CPU ${seconds(b.cpuMs)}), C ${seconds(c.totalMs)}, D ${seconds(d.totalMs)}, ${a.resources} resources`,
            );
        }
        results.push(summarize(size, samples));
        fs.rmSync(dir, { recursive: true, force: true });
    }
    const report: BenchReport = { machine, loadAverage: loadAverage.map((l) => round(l, 3)), date, sizes, runs, results };
    console.log(`\n${table(results)}\n`);
    const outFile = path.resolve(out);
    fs.mkdirSync(path.dirname(outFile), { recursive: true });
    fs.writeFileSync(outFile, JSON.stringify(report, null, 2) + "\n");
    console.log(`wrote ${path.relative(process.cwd(), outFile)}`);
    if (readme) {
        writeReadme(README, report);
        console.log(`wrote the table into ${path.relative(process.cwd(), README)}`);
    }
    return 0;
}

if (require.main === module) main(benchCommand);
