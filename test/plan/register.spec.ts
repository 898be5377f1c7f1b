// tools/register.js, the loader of the project's own tools and tests: the same JavaScript as ts-node
// gives `pulumi preview`, and stand-ins for modules loaded at import but never used (the SDK's
// function-serializer dependencies, zod's locales, the RE2 of the Prometheus Operator's models) that are sound.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PROJECT_DIR } from "../../tools/plan/stackConfig";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const register = require("../../tools/register.js") as {
    transpile(source: string, filename: string, sourceMaps?: boolean): string;
    codeCacheStats(): CodeCacheStats;
    standInModules(): { typescriptShim: string; arborist: string; normalizePackageData: string; zodLocales: string; re2: string };
    ARBORIST_EXPORTS: string[];
    NORMALIZE_EXPORTS: string[];
};

/** What a process did with the code cache: entries used, rejected by V8, missing, written at exit. */
interface CodeCacheStats {
    used: number;
    rejected: number;
    missing: number;
    written: number;
}

/** Files under `dir` whose names end with `ext`, dependencies (node_modules, vendor) and hidden folders left out. */
function filesUnder(dir: string, ext: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) return e.name === "node_modules" || e.name === "vendor" || e.name.startsWith(".") ? [] : filesUnder(p, ext);
        return e.name.endsWith(ext) && !e.name.endsWith(".d.ts") ? [p] : [];
    });
}

/** Runs `script` in a fresh Node process with the loader; its last line of output, parsed. */
function fresh(script: string): Record<string, unknown> {
    const r = spawnSync(process.execPath, ["-r", "./tools/register.js", "-e", script], { cwd: PROJECT_DIR, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

describe("tools/register.js", () => {
    it("transpiles every project file exactly as ts-node with SWC does for pulumi preview (tsconfig.json)", () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const tsNode = require("ts-node") as typeof import("ts-node");
        const service = tsNode.create({ transpileOnly: true, project: path.join(PROJECT_DIR, "tsconfig.json") });
        assert.equal(service.options.swc, true, "tsconfig.json's ts-node section asks for SWC");
        // The program, its tools and tests, and the policy pack.
        const files = filesUnder(PROJECT_DIR, ".ts");
        assert.ok(files.length > 200, `${files.length} files`);
        for (const file of files) {
            const source = fs.readFileSync(file, "utf8");
            // ts-node appends its own source map comment to what SWC returns.
            const theirs = service.compile(source, file).replace(/\n\/\/# sourceMappingURL=\S+\s*$/, "");
            const ours = register.transpile(source, file, false);
            assert.equal(ours, theirs, path.relative(PROJECT_DIR, file));
            // Without source maps the path changes nothing, so the transpile cache names entries by the text alone.
            assert.equal(register.transpile(source, path.join(os.tmpdir(), "elsewhere", `x${path.extname(file)}`), false), ours);
        }
    });

    it("adds an inline source map when Node's source maps are on (LAUNCHPAD_SOURCE_MAPS=1, the tests)", () => {
        const code = register.transpile("const x: number = 1;\n", "x.ts", true);
        assert.match(code, /\n\/\/# sourceMappingURL=data:application\/json;base64,/);
        assert.doesNotMatch(register.transpile("const x: number = 1;\n", "x.ts", false), /sourceMappingURL/);
    });

    it("keeps what SWC returns in its cache, under the file's text, and then loads no SWC", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "launchpad-register-"));
        try {
            const cache = path.join(dir, "cache");
            const file = path.join(dir, "answer.ts");
            // Loads `at` in a fresh process with the cache folder (or "off") and source maps as given.
            const load = ({
                at = file,
                cacheDir = cache,
                sourceMaps = false,
            }: { at?: string; cacheDir?: string; sourceMaps?: boolean } = {}) => {
                const r = spawnSync(
                    process.execPath,
                    [
                        "-r",
                        "./tools/register.js",
                        "-e",
                        `const v = require(${JSON.stringify(at)}); console.log(JSON.stringify({ v, swc: Object.keys(require.cache).some((f) => f.includes("/@swc/core/")) }))`,
                    ],
                    {
                        cwd: PROJECT_DIR,
                        encoding: "utf8",
                        // Source maps as asked, whatever this process runs with: without, the entry is compared with transpile(..., false).
                        env: {
                            ...process.env,
                            NODE_OPTIONS: "",
                            LAUNCHPAD_SOURCE_MAPS: sourceMaps ? "1" : "0",
                            LAUNCHPAD_TRANSPILE_CACHE: cacheDir,
                        },
                    },
                );
                assert.equal(r.status, 0, r.stderr);
                return JSON.parse(r.stdout.trim().split("\n").pop()!) as { v: unknown; swc: boolean };
            };
            // The transpile cache's entries (the code cache's, `v8-...`, are the next test's).
            const entries = () =>
                fs.existsSync(cache)
                    ? fs
                          .readdirSync(cache)
                          .filter((f) => f.endsWith(".js"))
                          .sort()
                    : [];
            const source = "const answer: number = 42;\nexport = answer;\n";
            fs.writeFileSync(file, source);
            assert.deepEqual(load(), { v: 42, swc: true });
            assert.equal(entries().length, 1);
            const [entry] = entries();
            assert.match(entry, /^[0-9a-f]{64}\.js$/);
            assert.equal(fs.readFileSync(path.join(cache, entry), "utf8"), register.transpile(source, file, false));
            // The next process reads the entry (changed here to tell), without SWC.
            fs.writeFileSync(path.join(cache, entry), 'module.exports = "from the cache";\n');
            assert.deepEqual(load(), { v: "from the cache", swc: false });
            // The same text at another path (a temporary checkout's copy) is the same entry.
            const copy = path.join(dir, "copy", "answer.ts");
            fs.mkdirSync(path.dirname(copy));
            fs.writeFileSync(copy, source);
            assert.equal(load({ at: copy }).v, "from the cache");
            assert.equal(entries().length, 1);
            // A changed file is a new entry; the old one stays for the old text.
            fs.writeFileSync(file, source.replace("42", "43"));
            assert.deepEqual(load(), { v: 43, swc: true });
            assert.equal(entries().length, 2);
            // Off: transpiled afresh, nothing kept.
            fs.writeFileSync(file, source.replace("42", "44"));
            assert.deepEqual(load({ cacheDir: "off" }), { v: 44, swc: true });
            assert.equal(entries().length, 2);
            // With source maps the inline map names the file: the same text at two paths is two entries.
            fs.writeFileSync(copy, source.replace("42", "44"));
            for (const at of [file, copy]) assert.equal(load({ at, sourceMaps: true }).v, 44);
            assert.equal(entries().length, 4);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("compiles the checkout's modules with V8's code cache, written at exit, named by the file's text and V8's flags, as Node's loader runs them", () => {
        // Only files in the checkout are cached: the module under test lives in its node_modules/.cache.
        const dir = fs.mkdtempSync(path.join(PROJECT_DIR, "node_modules", ".cache", "register-spec-"));
        const outside = fs.mkdtempSync(path.join(os.tmpdir(), "launchpad-register-"));
        try {
            const cache = path.join(dir, "cache");
            const file = path.join(dir, "mod.js");
            // What a module sees of its loader: its wrapper's arguments and `this`, `require` and its members,
            // positions in a stack trace (first line and later), a function it runs; and a module it requires that
            // imports dynamically.
            fs.writeFileSync(
                file,
                [
                    'const where = () => { try { null.x; } catch (e) { return e.stack.split("\\n")[1].trim(); } }; const sum = (a, b) => a + b;',
                    "module.exports = {",
                    "    sum: sum(1, 2), first: where(), file: __filename, dir: __dirname, self: this === module.exports, exportsArg: exports === module.exports,",
                    '    resolved: require.resolve("./esm.mjs"), paths: require.resolve.paths("x").length > 0, main: require.main === process.mainModule,',
                    "    cache: require.cache === require('module')._cache, extensions: Object.keys(require.extensions), path: require('node:path').sep,",
                    "    later: (() => { try { undefined.y; } catch (e) { return e.stack.split('\\n')[1].trim(); } })(),",
                    '    esm: require("./dynamic.js"),',
                    "};",
                    "",
                ].join("\n"),
            );
            fs.writeFileSync(path.join(dir, "esm.mjs"), "export const value = 'imported';\n");
            // A module that imports dynamically: compiled by Node (code read from a cache cannot import()), every time.
            fs.writeFileSync(path.join(dir, "dynamic.js"), 'module.exports = import("./esm.mjs").then((m) => m.value);\n');
            // An ES module in a .js file: Node's loader, not the cache, decides what requiring it does.
            fs.writeFileSync(path.join(dir, "syntax.js"), "export const x = 1;\n");
            const load = (
                at: string,
                env: Record<string, string> = {},
                flags: string[] = [],
                loader = path.join(PROJECT_DIR, "tools", "register.js"),
            ) => {
                const r = spawnSync(
                    process.execPath,
                    [
                        ...flags,
                        "-r",
                        loader,
                        "-e",
                        `let syntax; try { syntax = require(${JSON.stringify(path.join(dir, "syntax.js"))}).x; } catch (e) { syntax = e.code ?? e.name; }
                         const m = require(${JSON.stringify(at)});
                         const stats = () => require(${JSON.stringify(loader)}).codeCacheStats();
                         Promise.resolve(m.esm).then((esm) => console.log(JSON.stringify({ m: { ...m, esm }, syntax, stats: stats() })));
                         process.on("exit", () => console.log(JSON.stringify(stats())));`,
                    ],
                    {
                        cwd: PROJECT_DIR,
                        encoding: "utf8",
                        env: { ...process.env, NODE_OPTIONS: "", LAUNCHPAD_SOURCE_MAPS: "0", LAUNCHPAD_TRANSPILE_CACHE: cache, ...env },
                    },
                );
                assert.equal(r.status, 0, r.stderr);
                const [result, atExit] = r.stdout.trim().split("\n").slice(-2);
                return {
                    ...(JSON.parse(result) as { m: Record<string, unknown>; syntax: unknown; stats: CodeCacheStats }),
                    atExit: JSON.parse(atExit) as CodeCacheStats,
                };
            };
            const v8Entries = () => (fs.existsSync(cache) ? fs.readdirSync(cache).filter((f) => f.startsWith("v8-")) : []);
            // Node's own loader: what every run below must see.
            const node = load(file, { LAUNCHPAD_CODE_CACHE: "off" });
            assert.deepEqual(node.stats, { used: 0, rejected: 0, missing: 0, written: 0 });
            assert.equal(v8Entries().length, 0);
            assert.equal(node.m.sum, 3);
            assert.equal(node.m.esm, "imported");
            assert.match(String(node.m.first), /mod\.js:1:\d+\)$/);
            // First run: compiled afresh and the entry written at exit; the module sees what it sees under Node's loader.
            const first = load(file);
            assert.deepEqual(first.m, node.m);
            assert.equal(first.syntax, node.syntax);
            assert.deepEqual(first.stats, { used: 0, rejected: 0, missing: 1, written: 0 });
            assert.deepEqual(first.atExit, { used: 0, rejected: 0, missing: 1, written: 1 });
            assert.equal(v8Entries().length, 1);
            // Next: the entry is used, nothing written.
            const second = load(file);
            assert.deepEqual(second.m, node.m);
            assert.deepEqual(second.atExit, { used: 1, rejected: 0, missing: 0, written: 0 });
            // An edit of the same length (V8 itself checks only the length): a new entry, the new code runs.
            fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace("sum(1, 2)", "sum(3, 4)"));
            const edited = load(file);
            assert.equal(edited.m.sum, 7);
            assert.deepEqual(edited.atExit, { used: 0, rejected: 0, missing: 1, written: 1 });
            assert.equal(v8Entries().length, 2);
            // Other V8 flags (which V8 would reject the entry for): entries of their own, so neither set is rewritten.
            assert.deepEqual(load(file, {}, ["--stack-size=900"]).atExit, { used: 0, rejected: 0, missing: 1, written: 1 });
            assert.deepEqual(load(file, {}, ["--stack-size=900"]).atExit, { used: 1, rejected: 0, missing: 0, written: 0 });
            assert.deepEqual(load(file).atExit, { used: 1, rejected: 0, missing: 0, written: 0 });
            // An entry V8 rejects (damaged here): compiled afresh, correct, and rewritten.
            for (const e of v8Entries()) fs.writeFileSync(path.join(cache, e), "not a code cache");
            const damaged = load(file);
            assert.equal(damaged.m.sum, 7);
            assert.deepEqual(damaged.atExit, { used: 0, rejected: 1, missing: 0, written: 1 });
            assert.deepEqual(load(file).atExit, { used: 1, rejected: 0, missing: 0, written: 0 });
            // A command's module, whose `#!` line V8 takes only at the start of a script: cached as well, and
            // positions as Node gives them.
            const command = path.join(dir, "command.js");
            fs.writeFileSync(
                command,
                "#!/usr/bin/env node\nmodule.exports = { sum: 1, first: new Error().stack.split('\\n')[1].trim() };\n",
            );
            const commandByNode = load(command, { LAUNCHPAD_CODE_CACHE: "off" }).m;
            assert.match(String(commandByNode.first), /command\.js:2:\d+\)$/);
            assert.deepEqual(load(command).atExit, { used: 0, rejected: 0, missing: 1, written: 1 });
            const commandCached = load(command);
            assert.deepEqual(commandCached.m, commandByNode);
            assert.deepEqual(commandCached.atExit, { used: 1, rejected: 0, missing: 0, written: 0 });
            // Left to Node: source maps on (Node records them as it compiles), files outside the checkout.
            const before = v8Entries().length;
            assert.deepEqual(load(file, { LAUNCHPAD_SOURCE_MAPS: "1" }).atExit, { used: 0, rejected: 0, missing: 0, written: 0 });
            const copy = path.join(outside, "mod.js");
            fs.copyFileSync(file, copy);
            for (const f of ["esm.mjs", "dynamic.js"]) fs.copyFileSync(path.join(dir, f), path.join(outside, f));
            const elsewhere = load(copy);
            assert.equal(elsewhere.m.sum, 7);
            assert.deepEqual(elsewhere.atExit, { used: 0, rejected: 0, missing: 0, written: 0 });
            // Nor a temporary checkout linking this one's node_modules (plan --compare's worktrees): its files are
            // left to Node, the linked node_modules use this checkout's entries.
            fs.mkdirSync(path.join(outside, "tools"));
            fs.copyFileSync(path.join(PROJECT_DIR, "tools", "register.js"), path.join(outside, "tools", "register.js"));
            fs.symlinkSync(path.join(PROJECT_DIR, "node_modules"), path.join(outside, "node_modules"));
            const linked = load(copy, {}, [], path.join(outside, "tools", "register.js"));
            assert.equal(linked.m.sum, 7);
            assert.deepEqual(linked.atExit, { used: 0, rejected: 0, missing: 0, written: 0 });
            assert.deepEqual(load(file, {}, [], path.join(outside, "tools", "register.js")).atExit, {
                used: 1,
                rejected: 0,
                missing: 0,
                written: 0,
            });
            assert.equal(v8Entries().length, before);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
            fs.rmSync(outside, { recursive: true, force: true });
        }
    });

    it("@pulumi/pulumi loads without the TypeScript compiler and npm's Arborist; both load, for real, when the serializer runs", () => {
        const seen = fresh(`
            const M = require("module");
            const loaded = (part) => Object.keys(M._cache).some((f) => f.includes(part));
            const pulumi = require("@pulumi/pulumi");
            const before = { typescript: loaded("/node_modules/typescript/"), arborist: loaded("/@npmcli/arborist/lib/arborist/") };
            const { arborist: file } = require("./tools/register.js").standInModules();
            const tree = new (require(file).Arborist)({ path: __dirname });
            pulumi.runtime.serializeFunction(() => 42).then((f) => {
                console.log(JSON.stringify({
                    before,
                    after: { typescript: loaded("/node_modules/typescript/"), arborist: loaded("/@npmcli/arborist/lib/arborist/") },
                    arborist: tree.constructor.name + " " + typeof tree.loadActual,
                    serialized: f.text.includes("42"),
                }));
            });
        `);
        assert.deepEqual(seen, {
            before: { typescript: false, arborist: false },
            after: { typescript: true, arborist: true },
            arborist: "Arborist function",
            serialized: true,
        });
    });

    it("the TypeScript compiler's stand-in answers as the compiler does, once loaded", () => {
        const seen = fresh(`
            const { typescriptShim } = require("./tools/register.js").standInModules();
            const ts = require(typescriptShim);
            const real = require("typescript");
            console.log(JSON.stringify({
                keys: Object.keys(ts).length === Object.keys(real).length && Object.keys(real).length > 100,
                has: "createSourceFile" in ts,
                kind: ts.SyntaxKind.ClassDeclaration === real.SyntaxKind.ClassDeclaration,
                parsed: ts.createSourceFile("x.ts", "class A {}", ts.ScriptTarget.Latest).statements.length,
            }));
        `);
        assert.deepEqual(seen, { keys: true, has: true, kind: true, parsed: 1 });
    });

    it("Arborist's stand-in declares what the real module exports, and only codePaths.js requires it, to construct Arborist", () => {
        const deps = register.standInModules();
        // What `__importStar` copies from the real module (its own enumerable members), read without the loader.
        const r = spawnSync(
            process.execPath,
            [
                "-e",
                `const m = require(${JSON.stringify(deps.arborist)}); const k = []; for (const x in m) if (Object.hasOwnProperty.call(m, x)) k.push(x); console.log(JSON.stringify(k))`,
            ],
            { encoding: "utf8" },
        );
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(JSON.parse(r.stdout).sort(), [...register.ARBORIST_EXPORTS].sort());
        const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
        const requirers = (pattern: RegExp) =>
            filesUnder(pulumiDir, ".js")
                .filter((f) => pattern.test(fs.readFileSync(f, "utf8")))
                .map((f) => path.relative(pulumiDir, f))
                .sort();
        assert.deepEqual(requirers(/require\("@npmcli\/arborist"\)/), ["runtime/closure/codePaths.js"]);
        // codePaths.js constructs Arborist and uses nothing else of the module.
        const codePaths = fs.readFileSync(path.join(pulumiDir, "runtime", "closure", "codePaths.js"), "utf8");
        assert.deepEqual([...new Set([...codePaths.matchAll(/\barborist\.(\w+)/g)].map((m) => m[1]))], ["Arborist"]);
    });
    it("normalize-package-data's stand-in declares what the real module exports and normalizes as it does; only codePaths.js calls it", () => {
        const { normalizePackageData: file } = register.standInModules();
        const seen = fresh(`
            const M = require("module");
            const loaded = () => Object.keys(M._cache).some((f) => f.includes("/spdx-correct/"));
            require("@pulumi/pulumi");
            const before = loaded();
            const normalize = require(${JSON.stringify(file)});
            const data = { name: "x", version: "1.0.0", license: "apache 2.0", repository: "github:o/r" };
            normalize(data);
            console.log(JSON.stringify({ before, after: loaded(), members: Object.keys(normalize), data }));
        `);
        // The real module, in a process without the loader, on the same data.
        const r = spawnSync(
            process.execPath,
            [
                "-e",
                `const n = require(${JSON.stringify(file)}); const data = { name: "x", version: "1.0.0", license: "apache 2.0", repository: "github:o/r" }; n(data); console.log(JSON.stringify({ members: Object.keys(n), data }))`,
            ],
            { encoding: "utf8" },
        );
        assert.equal(r.status, 0, r.stderr);
        const real = JSON.parse(r.stdout) as { members: string[]; data: unknown };
        assert.deepEqual(real.members, register.NORMALIZE_EXPORTS);
        assert.deepEqual(seen, { before: false, after: true, members: register.NORMALIZE_EXPORTS, data: real.data });
        const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
        const requirers = filesUnder(pulumiDir, ".js").filter((f) =>
            /require\("normalize-package-data"\)/.test(fs.readFileSync(f, "utf8")),
        );
        assert.deepEqual(
            requirers.map((f) => path.relative(pulumiDir, f)),
            ["runtime/closure/codePaths.js"],
        );
        // codePaths.js takes it with `__importDefault` (which reads `__esModule`, absent from a function) and calls it.
        const codePaths = fs.readFileSync(requirers[0], "utf8");
        assert.deepEqual(
            [...new Set([...codePaths.matchAll(/\bnormalize_package_data_1\b(\.\w+)*/g)].map((m) => m[0]))],
            ["normalize_package_data_1", "normalize_package_data_1.default"],
        );
    });

    it("zod loads without its locales; reading `z.locales` loads them, and zod's messages are unchanged", () => {
        const script = (check: string) => `
            const M = require("module");
            const locales = () => Object.keys(M._cache).filter((f) => f.includes("/zod/v4/locales/")).length;
            const z = require("zod");
            const before = locales();
            const message = z.object({ a: z.string() }).safeParse({ a: 1 }).error.issues[0].message;
            ${check}
        `;
        const seen = fresh(
            script(`
            const names = Object.keys(z.locales);
            const fr = z.locales.fr === z.core.locales.fr;
            z.config(z.locales.fr());
            console.log(JSON.stringify({ before, message, names, after: locales() > 60, fr, french: z.string().safeParse(1).error.issues[0].message }));
        `),
        );
        const r = spawnSync(
            process.execPath,
            [
                "-e",
                script(`
            z.config(z.locales.fr());
            console.log(JSON.stringify({ message, names: Object.keys(z.locales), french: z.string().safeParse(1).error.issues[0].message }));
        `),
            ],
            { cwd: PROJECT_DIR, encoding: "utf8" },
        );
        assert.equal(r.status, 0, r.stderr);
        const real = JSON.parse(r.stdout) as { message: string; names: string[]; french: string };
        // Before: the index (standing in) and the English messages (locales/en), which zod loads on its own.
        assert.deepEqual(seen, { before: 2, message: real.message, names: real.names, after: true, fr: true, french: real.french });
        assert.ok(real.names.length > 60, `${real.names.length} locales`);
        // zod's own importers of the index take it with `__importStar`, which reads only `__esModule` of a marked module.
        const zodDir = path.dirname(require.resolve("zod/package.json"));
        const importers = filesUnder(zodDir, ".cjs").filter((f) =>
            /require\("\.\.\/locales\/index\.cjs"\)/.test(fs.readFileSync(f, "utf8")),
        );
        assert.ok(importers.length > 0);
        for (const f of importers) {
            const text = fs.readFileSync(f, "utf8");
            const uses = [...text.matchAll(/(.{0,40})require\("\.\.\/locales\/index\.cjs"\)/g)].map((m) => m[1].trim());
            assert.deepEqual(uses, ["exports.locales = __importStar("], path.relative(zodDir, f));
            assert.match(text, /var __importStar = [^\n]*\n\s*if \(mod && mod\.__esModule\) return mod;/, path.relative(zodDir, f));
        }
    });
    it("the Prometheus Operator's models load no RE2 until a pattern is tested, and validate as with the real one", () => {
        // Rules without `partial_response_strategy` (as Launchpad writes them), then with values its pattern
        // `^(?i)(abort|warn)?$` takes and refuses.
        const script = `
            const M = require("module");
            const re2 = () => Object.keys(M._cache).some((f) => f.includes("/re2-wasm/"));
            const { PrometheusRule } = require("@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule");
            const check = (group) => {
                try {
                    new PrometheusRule({ metadata: { name: "r" }, spec: { groups: [{ name: "g", rules: [{ alert: "A", expr: "up == 0" }], ...group }] } }).validate();
                    return "valid";
                } catch (e) {
                    return e.message;
                }
            };
            const plain = check({});
            const before = re2();
            const results = ["warn", "ABORT", "", "maybe", "warn\\n"].map((v) => check({ partial_response_strategy: v }));
            console.log(JSON.stringify({ plain, before, results, after: re2() }));
        `;
        const seen = fresh(script);
        const r = spawnSync(process.execPath, ["-e", script], { cwd: PROJECT_DIR, encoding: "utf8" });
        assert.equal(r.status, 0, r.stderr);
        const real = JSON.parse(r.stdout) as { plain: string; before: boolean; results: string[]; after: boolean };
        assert.deepEqual(real.results.slice(0, 3), ["valid", "valid", "valid"]);
        assert.match(real.results[3], /must match pattern/);
        assert.deepEqual(seen, { ...real, before: false });
        assert.equal(real.before, true, "the real models load RE2 as they load");
        // Every schema module that uses RE2 is the Prometheus Operator's, takes it as `__importDefault` does and
        // only calls `test` on what it constructs.
        const { re2 } = register.standInModules();
        const operatorDir = path.dirname(require.resolve("@kubernetes-models/prometheus-operator/package.json"));
        // Real paths, as require.resolve gives them (node_modules may be a link).
        const nodeModules = fs.realpathSync(path.join(PROJECT_DIR, "node_modules"));
        const users = filesUnder(path.join(nodeModules, "@kubernetes-models"), ".js")
            .concat(filesUnder(path.join(nodeModules, "kubernetes-models"), ".js"))
            .filter(
                (f) => !f.includes("/validate/dist/") && fs.readFileSync(f, "utf8").includes("@kubernetes-models/validate/runtime/re2"),
            );
        assert.ok(users.length > 0);
        for (const f of users) {
            assert.ok(f.startsWith(operatorDir + path.sep), f);
            assert.equal(require.resolve("@kubernetes-models/validate/runtime/re2", { paths: [path.dirname(f)] }), re2);
            const text = fs.readFileSync(f, "utf8");
            const names = [...text.matchAll(/\b(\w+)=new _re2\.default\(/g)].map((m) => m[1]);
            assert.ok(names.length > 0, f);
            const used = new Set(names.flatMap((n) => [...text.matchAll(new RegExp(`\\b${n}\\.(\\w+)`, "g"))].map((m) => m[1])));
            assert.deepEqual([...used], ["test"], path.relative(operatorDir, f));
            assert.match(text, /_re2=_interop_require_default\._\(require\("@kubernetes-models\/validate\/runtime\/re2"\)\)/);
        }
    });
});
