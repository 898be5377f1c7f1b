// One measurement in a fresh process (so peak RSS is this run's own): prints one JSON line.
//   A: the offline plan of a synthetic stack, phase by phase.
//   B: the floor: the very same custom resources (from A's resources.json) registered directly through
//      the SDK under the same mocks and recorder, with no components and no validation.
import * as fs from "node:fs";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PROJECT_DIR, planStack, writePlan } from "../plan/plan";
import { plainStackTraces, runProgram } from "../plan/recorder";

export interface Measurement {
    mode: "A" | "B";
    size: number;
    resources: number;
    /** Resources that are not Launchpad components: what B registers. */
    customResources: number;
    /** Milliseconds per phase. */
    phases: Record<string, number>;
    totalMs: number;
    /**
     * CPU time (user + system, all threads) over the same phases. The machine may be shared: wall time
     * then includes waiting for a core, CPU time much less so.
     */
    cpuMs: number;
    maxRssMiB: number;
}

const cpuSince = (start: NodeJS.CpuUsage) => {
    const c = process.cpuUsage(start);
    return (c.user + c.system) / 1000;
};

async function measureA(size: number, dir: string, stack: string, out: string): Promise<Measurement> {
    // Load the program's modules and the plan's release gates (which planStack loads when it runs them)
    // first: B does not pay for imports either. The bench's "A process" column shows what loading costs.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(path.join(PROJECT_DIR, "program"));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require("../plan/policies");
    const cpu = process.cpuUsage();
    const plan = await planStack({ stack, projectDir: dir });
    const phases: Record<string, number> = { ...plan.timings };
    const t = performance.now();
    writePlan(plan, out);
    phases.write = performance.now() - t;
    const totalMs = Object.values(phases).reduce((a, b) => a + b, 0);
    const cpuMs = cpuSince(cpu);
    return {
        mode: "A",
        size,
        resources: plan.run.resources.length,
        customResources: plan.run.resources.filter((r) => !r.type.startsWith("launchpad:")).length,
        phases,
        totalMs,
        cpuMs,
        maxRssMiB: process.resourceUsage().maxRSS / 1024,
    };
}

/** A custom resource of any type token: the SDK's registration path with nothing in front of it. */
class RawResource extends pulumi.CustomResource {
    constructor(type: string, name: string, inputs: Record<string, unknown>) {
        super(type, name, inputs);
    }
}

type Ctor = new (name: string, args: Record<string, unknown>) => pulumi.CustomResource;

/**
 * The provider SDK class of a type token (`kubernetes:apps/v1:Deployment` -> k8s.apps.v1.Deployment,
 * `aws:s3/bucket:Bucket` -> aws.s3.Bucket), so that the floor pays what any program using those SDKs
 * pays per object. Custom resources go through k8s.apiextensions.CustomResource; anything else (dynamic
 * resources) through the bare SDK class.
 */
export function sdkConstructor(type: string): (name: string, inputs: Record<string, unknown>) => pulumi.CustomResource {
    const [pkg, mod, cls] = type.split(":");
    const lookup = (root: unknown, keys: string[]) =>
        keys.reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], root) as Ctor | undefined;
    if (pkg === "kubernetes") {
        const [group, version] = mod.includes("/") ? mod.split("/") : ["core", mod];
        const ctor = lookup(k8s, [group.split(".")[0], version, cls]);
        if (ctor && !/\./.test(group.replace(/\.k8s\.io$/, ""))) return (n, i) => new ctor(n, i);
        return (n, i) => new k8s.apiextensions.CustomResource(n, i as k8s.apiextensions.CustomResourceArgs);
    }
    if (pkg === "aws") {
        const ctor = lookup(aws, [mod.split("/")[0], cls]);
        if (ctor) return (n, i) => new ctor(n, i);
    }
    return (n, i) => new RawResource(type, n, i);
}

async function measureB(size: number, resourcesJson: string): Promise<Measurement> {
    const recorded = JSON.parse(fs.readFileSync(resourcesJson, "utf8")).resources as {
        type: string;
        name: string;
        inputs: Record<string, unknown>;
        urn: string;
    }[];
    const custom = recorded.filter((r) => !r.type.startsWith("launchpad:"));
    const ctors = custom.map((r) => sdkConstructor(r.type));
    const t = performance.now();
    const cpu = process.cpuUsage();
    const run = await runProgram({
        project: "launchpad",
        stack: `bench-${size}`,
        config: {},
        program: () => {
            custom.forEach((r, i) => ctors[i](r.name, r.inputs));
            return {};
        },
    });
    const evaluate = performance.now() - t;
    const cpuMs = cpuSince(cpu);
    return {
        mode: "B",
        size,
        resources: run.resources.length,
        customResources: run.resources.length,
        phases: { register: evaluate },
        totalMs: evaluate,
        cpuMs,
        maxRssMiB: process.resourceUsage().maxRSS / 1024,
    };
}

async function cli() {
    plainStackTraces();
    const [mode, size, a, b, c] = process.argv.slice(2);
    const m = mode === "A" ? await measureA(Number(size), a, b, c) : await measureB(Number(size), path.resolve(a));
    process.stdout.write(JSON.stringify(m) + "\n");
}

if (require.main === module) {
    cli().then(
        () => process.exit(0),
        (e) => {
            console.error(e);
            process.exit(1);
        },
    );
}
