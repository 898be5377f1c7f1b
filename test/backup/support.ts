// Runs the program like the harness does, also recording the resource options only the engine acts on
// (retainOnDelete, protect), which plan records do not carry.
import * as pulumi from "@pulumi/pulumi";
import { PROJECT, parseConfig } from "../../config/load";
import { main } from "../../program";
import { ProgramRun, ResourceRecord, runProgram } from "../../tools/plan/recorder";
import type { OrderedResource, ResourceLike } from "../../components/backup/rules";

export interface RunWithOptions {
    run: ProgramRun;
    /** URN -> options of resources that set retainOnDelete or protect. */
    options: Map<string, { retainOnDelete?: boolean; protect?: boolean }>;
}

export async function runWithOptions(raw: Record<string, unknown>, stack: string): Promise<RunWithOptions> {
    const config = parseConfig(raw);
    const seen: { resource: pulumi.Resource; retainOnDelete?: boolean; protect?: boolean }[] = [];
    const run = await runProgram({
        project: PROJECT,
        stack,
        config: {},
        program: () => {
            pulumi.runtime.registerStackTransformation((t) => {
                if (t.opts.retainOnDelete || t.opts.protect)
                    seen.push({ resource: t.resource, retainOnDelete: t.opts.retainOnDelete, protect: t.opts.protect });
                return undefined;
            });
            return main(config);
        },
    });
    const options = new Map<string, { retainOnDelete?: boolean; protect?: boolean }>();
    for (const s of seen) {
        const urn = await new Promise<string>((resolve) => s.resource.urn.apply(resolve));
        options.set(urn, { retainOnDelete: s.retainOnDelete, protect: s.protect });
    }
    return { run, options };
}

/** Plan records in the shape the backup rules (and the stack policies) take. */
export function asRuleInput(r: ResourceRecord): OrderedResource & ResourceLike {
    return { type: r.type, name: r.name, urn: r.urn, props: r.inputs, dependsOn: r.dependsOn };
}
