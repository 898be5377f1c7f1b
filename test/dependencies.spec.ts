import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";

const root = path.join(__dirname, "..");
const readJson = (file: string) => JSON.parse(fs.readFileSync(path.join(root, file), "utf8"));

/** The rows of docs/dependencies.md's table: package and pinned version. */
function documentedPins(): { name: string; version: string }[] {
    const doc = fs.readFileSync(path.join(root, "docs/dependencies.md"), "utf8");
    return [...doc.matchAll(/^\| `([^`]+)` \| `([^`]+)` \|/gm)].map((m) => ({ name: m[1], version: m[2] }));
}

describe("docs/dependencies.md", () => {
    const manifests = ["package.json", "policies/package.json"].map((f) => ({ file: f, pkg: readJson(f) }));
    const pins = documentedPins();

    it("lists every package of the kubernetes-models family, the Pulumi SDK and the Node types", () => {
        const names = pins.map((p) => p.name);
        const { pkg } = manifests[0];
        const family = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter(
            (n) => n === "kubernetes-models" || n.startsWith("@kubernetes-models/"),
        );
        assert.ok(family.length > 0);
        for (const n of [...family, "@pulumi/pulumi", "@types/node"]) assert.ok(names.includes(n), `${n} is not in the table`);
    });

    for (const { name, version } of pins) {
        it(`${name} is pinned at ${version} wherever it is a dependency, and installed at it`, () => {
            const declared = manifests.flatMap(({ file, pkg }) => {
                const spec = pkg.dependencies?.[name] ?? pkg.devDependencies?.[name];
                return spec === undefined ? [] : [{ file, spec }];
            });
            assert.ok(declared.length > 0, `${name} is not a dependency of package.json or policies/package.json`);
            for (const d of declared) assert.equal(d.spec, version, `${d.file} pins ${name} at ${d.spec}, the doc says ${version}`);
            assert.equal(readJson(`node_modules/${name}/package.json`).version, version);
        });
    }

    it("names the Node release that package.json declares", () => {
        const doc = fs.readFileSync(path.join(root, "docs/dependencies.md"), "utf8");
        assert.equal(/`engines\.node` `([^`]+)`/.exec(doc)?.[1], readJson("package.json").engines.node);
    });
});
