// npm run bench -- [--sizes 10,100,500,1000] [--runs 3] [--out bench/results.json]
// Measures the offline plan (A) against the SDK's own floor (B) for synthetic stacks, alternating A and
// B so that machine drift cancels out, and reports medians as a Markdown table and bench/results.json.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Command, integer, main, optional, outputFile } from "../cli/run";
import { PROJECT_DIR } from "../plan/stackConfig";
import type { Measurement } from "./measure";

const MEASURE = path.join(__dirname, "measure.ts");

function once(args: string[]): Measurement {
    const r = spawnSync(process.execPath, ["--max-old-space-size=12288", "-r", "ts-node/register/transpile-only", MEASURE, ...args], {
        cwd: PROJECT_DIR,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
    });
    if (r.status !== 0) throw new Error(`measure ${args.join(" ")} failed:\n${r.stderr}`);
    return JSON.parse(r.stdout.trim().split("\n").pop()!) as Measurement;
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
    msPerResourceA: number;
    msPerResourceB: number;
    peakRssMiB: number;
    peakRssMiBB: number;
    /** Share of A's median time per phase. */
    phaseShare: Record<string, number>;
    samples: Measurement[];
}

function summarize(size: number, samples: Measurement[]): SizeResult {
    const as = samples.filter((m) => m.mode === "A");
    const bs = samples.filter((m) => m.mode === "B");
    const aMs = median(as.map((m) => m.totalMs));
    const bMs = median(bs.map((m) => m.totalMs));
    const phases = Object.keys(as[0].phases);
    const phaseShare: Record<string, number> = {};
    for (const p of phases) phaseShare[p] = median(as.map((m) => m.phases[p])) / aMs;
    return {
        size,
        resources: as[0].resources,
        runs: as.length,
        aMs,
        bMs,
        ratio: aMs / bMs,
        msPerResourceA: aMs / as[0].resources,
        msPerResourceB: bMs / bs[0].resources,
        peakRssMiB: Math.max(...as.map((m) => m.maxRssMiB)),
        peakRssMiBB: Math.max(...bs.map((m) => m.maxRssMiB)),
        phaseShare,
        samples,
    };
}

export function table(results: SizeResult[]): string {
    const phases = [...new Set(results.flatMap((r) => Object.keys(r.phaseShare)))];
    const head = `| apps | resources | A plan (median) | B floor (median) | A/B | ms/resource A | ms/resource B | peak RSS A | peak RSS B | ${phases.map((p) => `${p} share`).join(" | ")} |`;
    const sep = `|${" --- |".repeat(9 + phases.length)}`;
    const rows = results.map(
        (r) =>
            `| ${r.size} | ${r.resources} | ${(r.aMs / 1000).toFixed(2)} s | ${(r.bMs / 1000).toFixed(2)} s | ${r.ratio.toFixed(2)} | ${r.msPerResourceA.toFixed(2)} | ${r.msPerResourceB.toFixed(2)} | ${r.peakRssMiB.toFixed(0)} MiB | ${r.peakRssMiBB.toFixed(0)} MiB | ${phases
                .map((p) => `${((r.phaseShare[p] ?? 0) * 100).toFixed(1)}%`)
                .join(" | ")} |`,
    );
    return [head, sep, ...rows].join("\n");
}

interface BenchArgs {
    sizes: number[];
    runs: number;
    out: string;
}

export const benchCommand: Command<BenchArgs> = {
    usage: "usage: npm run bench -- [--sizes 10,100,500,1000] [--runs 3] [--out bench/results.json]",
    help: `Plans synthetic stacks of each size (A) and runs the SDK's own floor (B), alternating, and reports medians.
  --sizes <n,n,...>  apps per synthetic stack (default 10,100,500,1000)
  --runs <n>         A/B pairs per size (default 3)
  --out <file>       the results as JSON (default bench/results.json)`,
    flags: { sizes: { type: "string" }, runs: { type: "string" }, out: { type: "string" } },
    check(args) {
        const sizes = (optional(args, "sizes") ?? "10,100,500,1000").split(",").map((s) => integer("--sizes", s.trim(), 1, 100000));
        return {
            sizes,
            runs: integer("--runs", optional(args, "runs") ?? "3", 1, 1000),
            out: outputFile("--out", optional(args, "out") ?? path.join(PROJECT_DIR, "bench", "results.json")),
        };
    },
    run: bench,
};

async function bench({ sizes, runs, out: outFile }: BenchArgs): Promise<number> {
    // The synthetic stacks are built from the config schema (and the SDK): loaded after the argument check.
    const { writeSyntheticProject } = await import("./synthetic");
    const machine = `${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
    console.log(`machine: ${machine}`);
    const results: SizeResult[] = [];
    for (const size of sizes) {
        const { dir, stack } = writeSyntheticProject(size);
        const out = path.join(dir, "out");
        const samples: Measurement[] = [];
        for (let i = 0; i < runs; i++) {
            // A then B, alternating, so that drift affects both alike.
            const a = once(["A", String(size), dir, stack, out]);
            const b = once(["B", String(size), path.join(out, "resources.json")]);
            samples.push(a, b);
            console.log(
                `  size ${size} run ${i + 1}/${runs}: A ${(a.totalMs / 1000).toFixed(2)} s, B ${(b.totalMs / 1000).toFixed(2)} s, ${a.resources} resources`,
            );
        }
        results.push(summarize(size, samples));
        fs.rmSync(dir, { recursive: true, force: true });
    }
    const md = table(results);
    console.log(`\n${md}\n`);
    fs.mkdirSync(path.dirname(outFile), { recursive: true });
    fs.writeFileSync(outFile, JSON.stringify({ machine, date: new Date().toISOString(), results }, null, 2) + "\n");
    console.log(`wrote ${path.relative(process.cwd(), outFile)}`);
    return 0;
}

if (require.main === module) main(benchCommand);
