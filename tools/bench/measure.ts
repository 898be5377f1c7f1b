// One measurement in a fresh process (so peak RSS is this run's own): prints one JSON line.
//   A: the offline plan of a synthetic stack, phase by phase.
//   B: the floor: the very same custom resources (from A's resources.json) registered directly through
//      the SDK under the same mocks and recorder, with no components and no validation, in as many batches
//      as the program builds the stack in (one per app, program.ts `settle`), the event loop turning between.
//   C: B plus A's components, each a bare ComponentResource (no inputs, empty outputs) parenting the same
//      children as in A, every resource with A's dependsOn, aliases and retainOnDelete: what the SDK alone
//      charges for every registration the program makes, with the options it makes it with.
//   D: B registered all at once, before the event loop turns: how programs usually register, and how
//      Launchpad's did before it was built app by app.
import * as fs from "node:fs";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import type * as Aws from "@pulumi/aws";
import type * as K8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PROJECT_DIR, planStack, writePlan } from "../plan/plan";
import { plainStackTraces, runProgram } from "../plan/recorder";

export interface Measurement {
    mode: "A" | "B" | "C" | "D";
    size: number;
    resources: number;
    /** Resources that are not Launchpad components: what B registers. */
    customResources: number;
    /** Options registered, over all resources: dependsOn entries, resources with aliases, with retainOnDelete. */
    options: { dependsOn: number; aliased: number; retained: number };
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

/** Launchpad's components (type tokens `launchpad:...`): what B leaves out and C registers bare. */
const isComponent = (r: { type: string }) => r.type.startsWith("launchpad:");

const cpuSince = (start: NodeJS.CpuUsage) => {
    const c = process.cpuUsage(start);
    return (c.user + c.system) / 1000;
};

async function measureA(size: number, dir: string, stack: string, out: string): Promise<Measurement> {
    // Load the program's modules (what the entry point imports: the program and its config loader), the
    // plan's check of the stack's config as the CLI does it and its release gates (both of which planStack
    // loads when it first runs them) first: B does not pay for imports either. The bench's "A process"
    // column shows what loading costs.
    for (const m of [
        path.join(PROJECT_DIR, "program"),
        path.join(PROJECT_DIR, "config", "load"),
        "../plan/stackChecks",
        "../plan/policies",
    ])
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        require(m);
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
        customResources: plan.run.resources.filter((r) => !isComponent(r)).length,
        options: optionsOf(plan.run.resources),
        phases,
        totalMs,
        cpuMs,
        maxRssMiB: process.resourceUsage().maxRSS / 1024,
    };
}

/** A custom resource of any type token: the SDK's registration path with nothing in front of it. */
class RawResource extends pulumi.CustomResource {
    constructor(type: string, name: string, inputs: Record<string, unknown>, opts?: pulumi.CustomResourceOptions) {
        super(type, name, inputs, opts);
    }
}

/** A component of any type token that does nothing but register, as every component at least does. */
class RawComponent extends pulumi.ComponentResource {
    constructor(type: string, name: string, opts?: pulumi.ComponentResourceOptions) {
        super(type, name, {}, opts);
        this.registerOutputs({});
    }
}

type Ctor = new (name: string, args: Record<string, unknown>, opts?: pulumi.CustomResourceOptions) => pulumi.CustomResource;
type Make = (name: string, inputs: Record<string, unknown>, opts?: pulumi.CustomResourceOptions) => pulumi.CustomResource;

/**
 * The providers' roots (every AWS service, every API group; each resource class's own module is loaded when
 * first read), for the floors only: A's process is a cold plan, which loads only what the program imports
 * (components/common/aws.ts, kubernetes.ts).
 */
function providerRoots(): { aws: typeof Aws; k8s: typeof K8s } {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return { aws: require("@pulumi/aws") as typeof Aws, k8s: require("@pulumi/kubernetes") as typeof K8s };
}

/**
 * The provider SDK class of a type token (`kubernetes:apps/v1:Deployment` -> k8s.apps.v1.Deployment,
 * `aws:s3/bucket:Bucket` -> aws.s3.Bucket), so that the floor pays what any program using those SDKs
 * pays per object. Custom resources go through k8s.apiextensions.CustomResource; anything else (dynamic
 * resources) through the bare SDK class.
 */
export function sdkConstructor(type: string): Make {
    const { aws, k8s } = providerRoots();
    const [pkg, mod, cls] = type.split(":");
    const lookup = (root: unknown, keys: string[]) =>
        keys.reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], root) as Ctor | undefined;
    if (pkg === "kubernetes") {
        const [group, version] = mod.includes("/") ? mod.split("/") : ["core", mod];
        const ctor = lookup(k8s, [group.split(".")[0], version, cls]);
        if (ctor && !/\./.test(group.replace(/\.k8s\.io$/, ""))) return (n, i, o) => new ctor(n, i, o);
        return (n, i, o) => new k8s.apiextensions.CustomResource(n, i as K8s.apiextensions.CustomResourceArgs, o);
    }
    if (pkg === "aws") {
        const ctor = lookup(aws, [mod.split("/")[0], cls]);
        if (ctor) return (n, i, o) => new ctor(n, i, o);
    }
    return (n, i, o) => new RawResource(type, n, i, o);
}

interface Recorded {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
    urn: string;
    parent: string | null;
    dependsOn: string[];
    aliases?: string[];
    retainOnDelete?: true;
}

/** The options a run's records hold (`Measurement.options`). */
function optionsOf(resources: readonly { dependsOn: string[]; aliases?: string[]; retainOnDelete?: true }[]): Measurement["options"] {
    let dependsOn = 0;
    let aliased = 0;
    let retained = 0;
    for (const r of resources) {
        dependsOn += r.dependsOn.length;
        if (r.aliases) aliased++;
        if (r.retainOnDelete) retained++;
    }
    return { dependsOn, aliased, retained };
}

/** A turn of the event loop, as program.ts's `settle`: the registrations started so far run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * B and D register A's custom resources with no options; C registers A's components too, each parent and
 * each resource it depends on before it, with the same parent, dependsOn, aliases (as URNs, which the SDK
 * takes as they are) and retainOnDelete as in A. B and C do it in `size` batches (A's program builds a
 * stack app by app, letting each app's registrations run before the next), D in one.
 */
async function measureFloor(mode: "B" | "C" | "D", size: number, resourcesJson: string): Promise<Measurement> {
    const recorded = JSON.parse(fs.readFileSync(resourcesJson, "utf8")).resources as Recorded[];
    const chosen = mode === "C" ? recorded : recorded.filter((r) => !isComponent(r));
    const batch = mode === "D" ? chosen.length : Math.ceil(chosen.length / size);
    // The providers' roots are loaded before the clock, as A's imports are; each SDK class's own module (the
    // providers load them lazily) when first used, under the clock, as A's program loads them.
    providerRoots();
    const ctorOf = new Map<string, Make>();
    const ctor = (type: string): Make => {
        let make = ctorOf.get(type);
        if (!make) ctorOf.set(type, (make = sdkConstructor(type)));
        return make;
    };
    const byUrn = new Map(chosen.map((r, i) => [r.urn, i]));
    const at = (urn: string) => {
        const i = byUrn.get(urn);
        if (i === undefined) throw new Error(`measure: ${urn} is not in ${resourcesJson}`);
        return i;
    };
    const t = performance.now();
    const cpu = process.cpuUsage();
    const run = await runProgram({
        project: "launchpad",
        stack: `bench-${size}`,
        config: {},
        program: async () => {
            const made = new Map<number, pulumi.Resource>();
            const make = (i: number): pulumi.Resource => {
                const done = made.get(i);
                if (done) return done;
                const r = chosen[i];
                let opts: pulumi.CustomResourceOptions | undefined;
                if (mode === "C") {
                    opts = {};
                    if (r.parent) opts.parent = make(at(r.parent));
                    if (r.dependsOn.length > 0) opts.dependsOn = r.dependsOn.map((u) => make(at(u)));
                    if (r.aliases) opts.aliases = r.aliases;
                    if (r.retainOnDelete) opts.retainOnDelete = true;
                }
                const res = isComponent(r) ? new RawComponent(r.type, r.name, opts) : ctor(r.type)(r.name, r.inputs, opts);
                made.set(i, res);
                return res;
            };
            for (let i = 0; i < chosen.length; i++) {
                make(i);
                if ((i + 1) % batch === 0 && i + 1 < chosen.length) await settle();
            }
            return {};
        },
    });
    const evaluate = performance.now() - t;
    const cpuMs = cpuSince(cpu);
    return {
        mode,
        size,
        resources: run.resources.length,
        customResources: run.resources.filter((r) => r.custom).length,
        options: optionsOf(run.resources),
        phases: { register: evaluate },
        totalMs: evaluate,
        cpuMs,
        maxRssMiB: process.resourceUsage().maxRSS / 1024,
    };
}

async function cli() {
    plainStackTraces();
    const [mode, size, a, b, c] = process.argv.slice(2);
    if (mode !== "A" && mode !== "B" && mode !== "C" && mode !== "D") throw new Error(`measure: mode must be A, B, C or D, got ${mode}`);
    const m = mode === "A" ? await measureA(Number(size), a, b, c) : await measureFloor(mode, Number(size), path.resolve(a));
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
