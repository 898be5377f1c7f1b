import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { InputError, UsageError } from "../../tools/cli/run";
import { loadCrdValidators } from "../../tools/plan/crds";
import { ResourceRecord } from "../../tools/plan/recorder";
import { useCrdValidators, validateObjects } from "../../tools/plan/schemas";

/** A CRD of this spec's own: example.com/v1 <kind>, with `spec.size` (integer) and `spec.pattern`. */
const crd = (kind: string, pattern = "^[a-z]+$") => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: ${kind.toLowerCase()}s.example.com
spec:
  group: example.com
  names: {kind: ${kind}, plural: ${kind.toLowerCase()}s}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            apiVersion: {type: string}
            kind: {type: string}
            metadata: {type: object}
            spec:
              type: object
              properties:
                size: {type: integer, format: int32}
                name: {type: string, pattern: "${pattern}"}
`;

const object = (kind: string, spec: Record<string, unknown>) => ({
    apiVersion: "example.com/v1",
    kind,
    metadata: { name: "one", namespace: "test" },
    spec,
});

const record = (kind: string, spec: Record<string, unknown>): ResourceRecord => ({
    urn: `urn:pulumi:test::launchpad::kubernetes:example.com/v1:${kind}::one`,
    type: `kubernetes:example.com/v1:${kind}`,
    name: "one",
    custom: true,
    inputs: object(kind, spec),
    dependsOn: [],
});

describe("CRD validators (--crds)", () => {
    const dirs: string[] = [];
    const folder = (files: Record<string, string>) => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "launchpad-crds-"));
        dirs.push(dir);
        for (const [name, text] of Object.entries(files)) {
            fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
            fs.writeFileSync(path.join(dir, name), text);
        }
        return dir;
    };
    after(() => {
        useCrdValidators(new Map());
        for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    });

    it("reads every CRD of every YAML file below the folder, documents separated by ---", () => {
        const dir = folder({ "a.yaml": `${crd("Widget")}---\n${crd("Gadget")}`, "nested/b.yml": crd("Gizmo"), "notes.txt": "not read" });
        const v = loadCrdValidators(dir);
        assert.deepEqual([...v.keys()].sort(), ["example.com/v1/Gadget", "example.com/v1/Gizmo", "example.com/v1/Widget"]);
        const widget = v.get("example.com/v1/Widget")!;
        assert.equal(widget(object("Widget", { size: 3, name: "abc" })), undefined);
        const rel = path.relative(process.cwd(), path.join(dir, "a.yaml"));
        assert.equal(widget(object("Widget", { size: "3" })), `/spec/size must be integer (schema: ${rel})`);
        assert.equal(widget(object("Widget", { name: "ABC" })), `/spec/name must match pattern "^[a-z]+$" (schema: ${rel})`);
        assert.equal(widget(object("Widget", { colour: "red" })), `/spec must NOT have additional properties 'colour' (schema: ${rel})`);
    });

    it("a malformed file is refused when the folder is read, placed at its line and column as a stack file is", () => {
        const dir = folder({ "good.yaml": crd("Widget"), "bad.yaml": "kind: CustomResourceDefinition\nspec:\n  group: x\n   names: {}\n" });
        const rel = path.relative(process.cwd(), path.join(dir, "bad.yaml"));
        assert.throws(
            () => loadCrdValidators(dir),
            (e: Error) => {
                assert.ok(e instanceof InputError);
                assert.equal(
                    e.message,
                    `${rel}:3:10: not valid YAML: Nested mappings are not allowed in compact mappings\n  1 | kind: CustomResourceDefinition\n  2 | spec:\n  3 |   group: x\n    |          ^`,
                );
                return true;
            },
        );
    });

    it("a CustomResourceDefinition without group, kind or versions is refused, naming file and document", () => {
        const dir = folder({
            "x.yaml": `${crd("Widget")}---\nkind: CustomResourceDefinition\nspec: {group: example.com, names: {kind: Broken}}\n`,
        });
        const rel = path.relative(process.cwd(), path.join(dir, "x.yaml"));
        assert.throws(
            () => loadCrdValidators(dir),
            (e: Error) =>
                e instanceof InputError &&
                e.message === `${rel}: document 2: a CustomResourceDefinition needs spec.group, spec.names.kind and spec.versions (a list)`,
        );
    });

    it("a folder without any CRD is a usage error", () => {
        const dir = folder({ "cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n" });
        assert.throws(
            () => loadCrdValidators(dir),
            (e: Error) => e instanceof UsageError && /no CustomResourceDefinition/.test(e.message),
        );
    });

    it("a schema is compiled when its kind is first validated: one that cannot compile fails the plan then, naming its file", () => {
        // Go's RE2 accepts (?i); JavaScript's RegExp does not, so Ajv cannot compile this schema.
        const dir = folder({ "ok.yaml": crd("Widget"), "go.yaml": crd("Sprocket", "(?i)^[a-z]+$") });
        const v = loadCrdValidators(dir);
        useCrdValidators(v);
        const report = validateObjects([record("Widget", { size: 1 })]);
        assert.deepEqual(report, { problems: [], validated: 1, unchecked: [] });
        const rel = path.relative(process.cwd(), path.join(dir, "go.yaml"));
        assert.throws(
            () => validateObjects([record("Widget", { size: 1 }), record("Sprocket", { size: 1 })]),
            (e: Error) =>
                e instanceof InputError &&
                e.message.startsWith(`${rel}: the openAPIV3Schema of example.com/v1/Sprocket does not compile: `) &&
                /Invalid regular expression/.test(e.message),
        );
    });
});
