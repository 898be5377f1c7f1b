// Runs the program like the harness does, also recording the resource options only the engine acts on
// (retainOnDelete, protect), which plan records do not carry.
import * as pulumi from "@pulumi/pulumi";
import { PROJECT, parseConfig } from "../../config/load";
import { main } from "../../program";
import { ProgramRun, ResourceRecord, echoMocks, runProgram } from "../../tools/plan/recorder";
import type { OrderedResource, ResourceLike } from "../../components/backup/rules";

export interface RunWithOptions {
    run: ProgramRun;
    /** URN -> options of resources that set retainOnDelete or protect. */
    options: Map<string, { retainOnDelete?: boolean; protect?: boolean }>;
}

/** The suffix `up` draws for every release backup (`random.RandomId`'s `hex`) in `runWithOptions`' runs. */
export const DRAWN = "0a1b2c3d";

/** Echo mocks, except that a RandomId has its `hex`, as after `up`: release backups then have their full names. */
const drawnMocks: pulumi.runtime.Mocks = {
    ...echoMocks,
    newResource: (args) => ({
        id: `${args.name}-id`,
        state: args.type === "random:index/randomId:RandomId" ? { ...args.inputs, hex: DRAWN } : args.inputs,
    }),
};

/**
 * Runs the program as `runConfig` does, with the RandomIds of the release backups drawn (`DRAWN`), and
 * records the resource options (retainOnDelete, protect) that only the engine acts on.
 */
export async function runWithOptions(raw: Record<string, unknown>, stack: string): Promise<RunWithOptions> {
    const config = parseConfig(raw);
    const seen: { resource: pulumi.Resource; retainOnDelete?: boolean; protect?: boolean }[] = [];
    const run = await runProgram({
        project: PROJECT,
        stack,
        config: {},
        mocks: drawnMocks,
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
