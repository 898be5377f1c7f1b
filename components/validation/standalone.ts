// Code that runs outside this program, shipped as text: the smoke runner (in the smoke-test Job's
// container) and the dynamic providers (in the engine's dynamic-provider host, from the `__provider`
// input). Each is one self-contained TypeScript module, compiled here to CommonJS for Node 20 with SWC,
// the transpiler the program itself runs with (ts-node's `"swc": true` in tsconfig.json, tools/register.js):
// milliseconds a module, where TypeScript's own emitter first has to be loaded and warmed up.
// The text is a function of the source file and the pinned @swc/core only, so it is the same on every
// machine and changes exactly when its source does.
import * as fs from "node:fs";
import * as path from "node:path";
import { transformSync } from "@swc/core";
import * as pulumi from "@pulumi/pulumi";

const compiled = new Map<string, string>();
/** One string per provider, shared by all its resources (a stack has a gate per app). */
const providers = new Map<string, string>();

/**
 * The module at `file` (a `.ts` file) as CommonJS JavaScript. It may import Node built-ins and packages
 * (resolved where the text runs), never another file of this repository: a relative import is a
 * programming error, reported here rather than where the text runs.
 */
export function standaloneModule(file: string): string {
    const cached = compiled.get(file);
    if (cached !== undefined) return cached;
    const name = path.basename(file);
    let code: string;
    try {
        code = transformSync(fs.readFileSync(file, "utf8"), {
            filename: name,
            swcrc: false,
            configFile: false,
            sourceMaps: false,
            jsc: { target: "es2022", parser: { syntax: "typescript" } },
            module: { type: "commonjs" },
        }).code;
    } catch (e) {
        throw new Error(`programming error: ${file} does not compile: ${(e as Error).message}`);
    }
    const relative = /\brequire\((["'])(\.{1,2}\/[^"']*)\1\)/.exec(code);
    if (relative) {
        throw new Error(`programming error: ${file} must stay self-contained (it runs on its own) but requires ${relative[2]}`);
    }
    compiled.set(file, code);
    return code;
}

/**
 * A dynamic provider's `__provider` input: the engine's dynamic-provider host loads it as a module and
 * calls its `handler()` for the provider (`requireFromString(text).handler()`), as it does with the
 * text Pulumi's closure serializer writes for `pulumi.dynamic.Resource`. `file` exports the provider
 * object as `exportName`.
 */
export function dynamicProviderText(file: string, exportName: string): string {
    const key = `${file}#${exportName}`;
    let text = providers.get(key);
    if (text === undefined) {
        text = `${standaloneModule(file)}\nexports.handler = () => exports.${exportName};\n`;
        providers.set(key, text);
    }
    return text;
}

/** A dynamic provider: the standalone module that holds it and the name it is exported under. */
export interface ProviderModule {
    readonly file: string;
    readonly exportName: string;
}

/**
 * A Pulumi dynamic resource whose provider is a standalone module. It registers what
 * `pulumi.dynamic.Resource` registers, with the same arguments: the type token
 * `pulumi-nodejs:dynamic/<module>:<type>` and the provider's code as the `__provider` input, which the
 * engine's dynamic-provider host loads and runs in `pulumi up`. The code is the module's compiled text
 * rather than the text of Pulumi's closure serializer: that serializer inspects every function it captures
 * through the V8 inspector (turning its debugger on, which replays every loaded script), the largest single
 * cost of planning or previewing a small stack. Names and URNs are those of a `pulumi.dynamic.Resource`.
 */
export class ModuleProviderResource extends pulumi.CustomResource {
    constructor(
        provider: ProviderModule,
        name: string,
        props: pulumi.Inputs,
        opts: pulumi.CustomResourceOptions | undefined,
        module: string,
        type: string,
    ) {
        const __provider = dynamicProviderText(provider.file, provider.exportName);
        super(`pulumi-nodejs:dynamic/${module}:${type}`, name, { ...props, __provider }, opts);
    }
}
