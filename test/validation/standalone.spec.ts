// Code shipped as text (the smoke runner, the dynamic providers): compiled with SWC, self-contained, and
// loaded the way the engine's dynamic-provider host loads `__provider`.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { dynamicProviderText, standaloneModule } from "../../components/validation/standalone";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const requireFromString = require("require-from-string") as (code: string) => any;

describe("standalone modules (shipped as text)", () => {
    let dir: string;
    const write = (name: string, text: string) => {
        const file = path.join(dir, name);
        fs.writeFileSync(file, text);
        return file;
    };
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "launchpad-standalone-"));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("compiles TypeScript to CommonJS: types erased, packages and built-ins required by name", () => {
        const file = write(
            "ok.ts",
            [
                'import * as os from "node:os";',
                'import type { dynamic } from "@pulumi/pulumi";',
                "export interface Shape { n: number }",
                "export const provider: Partial<dynamic.ResourceProvider> = {",
                "    async create(inputs: Shape) { return { id: `n-${inputs.n}`, outs: { eol: os.EOL } }; },",
                "};",
            ].join("\n"),
        );
        const code = standaloneModule(file);
        assert.match(code, /require\("node:os"\)/);
        assert.doesNotMatch(code, /@pulumi\/pulumi|interface|: Shape/);
        assert.equal(standaloneModule(file), code);
    });

    it("gives a provider text that the dynamic-provider host's loader turns into the provider", async () => {
        const file = write(
            "provider.ts",
            "export const p = { async create(inputs: { n: number }) { return { id: `n-${inputs.n}`, outs: { twice: 2 * inputs.n } }; } };\n",
        );
        const provider = requireFromString(dynamicProviderText(file, "p")).handler();
        assert.deepEqual(await provider.create({ n: 21 }), { id: "n-21", outs: { twice: 42 } });
    });

    it("refuses a module that imports another file of the repository, naming both", () => {
        const file = write("leans.ts", 'import { x } from "../components/x";\nexport const y = x;\n');
        assert.throws(() => standaloneModule(file), {
            message: `programming error: ${file} must stay self-contained (it runs on its own) but requires ../components/x`,
        });
    });

    it("reports a module that does not compile, naming it", () => {
        const file = write("broken.ts", "export const = 1;\n");
        assert.throws(
            () => standaloneModule(file),
            (e: Error) => e.message.startsWith(`programming error: ${file} does not compile:`),
        );
    });

    it("the shipped modules require only Node built-ins and the project's runtime dependencies", () => {
        const dependencies = Object.keys(JSON.parse(fs.readFileSync(path.join(__dirname, "../../package.json"), "utf8")).dependencies);
        const required = (f: string) =>
            [...standaloneModule(path.join(__dirname, "../../components/validation", f)).matchAll(/\brequire\((["'])([^"']+)\1\)/g)].map(
                (m) => m[2],
            );
        // The provider host and the runner's container resolve packages where they run: a provider may
        // use a runtime dependency (installed wherever `pulumi up` runs), the runner nothing at all.
        assert.deepEqual(required("gate.ts"), []);
        assert.deepEqual(required("notice.ts"), ["@aws-sdk/client-sns"]);
        assert.ok(dependencies.includes("@aws-sdk/client-sns"));
        assert.ok(
            required("runner/runner.ts").every((r) => r.startsWith("node:")),
            required("runner/runner.ts").join(", "),
        );
    });
});
