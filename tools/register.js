// @ts-check
// How Launchpad's own tools and tests load the project's TypeScript: `node -r ./tools/register.js <file.ts>`.
//
// 1. Each .ts file is transpiled by SWC with the options ts-node derives from tsconfig.json under
//    `"ts-node": {"swc": true}`, which is how `pulumi preview` and `pulumi up` load the same files (the
//    Pulumi Node.js host registers the project's ts-node): the same transpiled code, without ts-node's own
//    start-up, which loads the whole TypeScript compiler to read tsconfig.json. test/plan/register.spec.ts
//    transpiles every project file both ways and requires identical output.
// 2. @pulumi/pulumi loads, with its index, the dependencies of its function serializer (closure
//    serialization: the TypeScript compiler to parse functions, npm's Arborist to find the packages a
//    serialized function needs, normalize-package-data to read their package.json files), which Launchpad
//    never calls: its dynamic providers ship compiled (components/validation/standalone.ts). zod loads
//    every one of its 60-odd message locales for `z.locales`, which Launchpad never reads (zod loads the
//    English messages it uses on its own). The Prometheus Operator's schema models construct an RE2 (the
//    re2-wasm package, whose WebAssembly module compiles as it loads) for a pattern as they load, which
//    they test only when an object has the field (`partial_response_strategy`, which Launchpad never
//    sets). They are replaced here by stand-ins that load the real module the first time anything uses it,
//    so nothing is lost if a serializer runs, a locale is asked for or a pattern tested;
//    register.spec.ts checks that the stand-ins declare what the real modules export, answer as they do,
//    and that their importers use no more.
//
// 3. What SWC returns is kept in node_modules/.cache/launchpad-register, under a hash of everything it
//    depends on (SWC's version, the options, the file's text, and with source maps the file's path, which
//    the inline map names), so a process whose files are all cached reads them and loads SWC only to
//    compile something else (cachedTranspile; the program itself compiles its dynamic providers' code with
//    it, components/validation/standalone.ts).
//
// 4. Every CommonJS module of the checkout (its own files, transpiled, and node_modules) is compiled with
//    V8's code cache, kept in the same folder under `v8-`: the cache a process writes at exit for each
//    module it compiled afresh holds the bytecode of every function it ran, not only of the module's top
//    level (what Node 22's NODE_COMPILE_CACHE keeps, which made no difference to a plan): a later process
//    compiles none of them again (codeCache).
//
// LAUNCHPAD_SOURCE_MAPS=1 turns Node's source maps on, so stack traces show TypeScript positions.
// LAUNCHPAD_TRANSPILE_CACHE=off transpiles every file afresh and keeps no code cache; set to a folder, it
// keeps both caches there. LAUNCHPAD_CODE_CACHE=off compiles every module afresh (Node's own loader).
"use strict";
const crypto = require("node:crypto");
const vm = require("node:vm");
const fs = require("node:fs");
const path = require("node:path");
const Module = require("node:module");

/** @type {typeof import("@swc/core") | undefined} */
let swc;

/**
 * ts-node's SWC options (ts-node/dist/transpilers/swc.js createSwcOptions) for tsconfig.json's target ES2022,
 * module commonjs, esModuleInterop, strict and useDefineForClassFields false.
 * @type {import("@swc/core").Options}
 */
const OPTIONS = {
    module: { type: "commonjs", noInterop: false, strictMode: true, ignoreDynamic: false },
    swcrc: false,
    jsc: {
        parser: { syntax: "typescript", tsx: false, dynamicImport: true, importAssertions: true },
        target: "es2022",
        transform: { legacyDecorator: true, useDefineForClassFields: false },
        keepClassNames: true,
        experimental: { keepImportAttributes: true, emitAssertForImportAttributes: true },
    },
};

/**
 * The JavaScript a .ts file runs as; with an inline source map when Node's source maps are on.
 * @param {string} source
 * @param {string} filename
 * @param {boolean} [sourceMaps]
 * @returns {string}
 */
function transpile(source, filename, sourceMaps = process.sourceMapsEnabled) {
    swc ??= require("@swc/core");
    return swc.transformSync(source, { ...OPTIONS, filename, sourceMaps: sourceMaps ? "inline" : false }).code;
}

const CACHE_DIR =
    process.env.LAUNCHPAD_TRANSPILE_CACHE === "off"
        ? undefined
        : path.resolve(process.env.LAUNCHPAD_TRANSPILE_CACHE || path.join(__dirname, "..", "node_modules", ".cache", "launchpad-register"));
/** @type {string | undefined} */
let cacheSalt;

/**
 * transpile, through the cache: reading ~130 cached files instead of loading SWC and transpiling them saves
 * about a twentieth of a cold `npm run plan` (measured: 1.57 s -> 1.49 s). Entries are named by what the
 * output depends on, so none is ever stale. Without source maps that is the text alone, not the path
 * (register.spec checks that a path changes nothing then): the same files in the temporary checkouts that
 * `plan --compare` and the tests create share the checkout's entries instead of adding new ones each run.
 * A new entry is written whole (renamed into place), so parallel processes (mocha's jobs) never read half
 * of one. Where the folder cannot be written, each file is transpiled afresh.
 * @param {string} source
 * @param {string} filename
 * @param {boolean} [sourceMaps]
 * @returns {string}
 */
function cachedTranspile(source, filename, sourceMaps = process.sourceMapsEnabled) {
    if (!CACHE_DIR) return transpile(source, filename, sourceMaps);
    cacheSalt ??= JSON.stringify([JSON.parse(fs.readFileSync(require.resolve("@swc/core/package.json"), "utf8")).version, OPTIONS]);
    const named = sourceMaps ? filename : path.extname(filename);
    const key = crypto.createHash("sha256").update(`${cacheSalt}\0${sourceMaps}\0${named}\0`).update(source).digest("hex");
    const file = path.join(CACHE_DIR, `${key}.js`);
    try {
        return fs.readFileSync(file, "utf8");
    } catch {
        // Not cached yet.
    }
    const code = transpile(source, filename, sourceMaps);
    const partial = `${file}.${process.pid}.partial`;
    try {
        fs.mkdirSync(CACHE_DIR, { recursive: true });
        fs.writeFileSync(partial, code);
        fs.renameSync(partial, file);
    } catch {
        fs.rmSync(partial, { force: true });
    }
    return code;
}

/**
 * The checkout whose node_modules this is: only its files (and its node_modules) are compiled through the
 * code cache. A temporary checkout that links this one's node_modules (`plan --compare`'s worktrees, a
 * scratch clone) is not: its files' entries, named by their paths, would never be read again.
 */
const ROOT = (() => {
    const checkout = path.join(__dirname, "..");
    try {
        return path.dirname(fs.realpathSync(path.join(checkout, "node_modules"))) + path.sep;
    } catch {
        return checkout + path.sep;
    }
})();

/**
 * V8's code cache for the checkout's CommonJS modules: `Module.prototype._compile` as Node's own (the module
 * wrapper called with the same arguments and `this`, a `require` made as Node makes it), with the compiled
 * code read from the cache when there is an entry for this file's text. At exit the process writes an entry
 * for each module it compiled without one, taken after it ran: V8 includes every function compiled by then,
 * so the next process neither parses nor compiles the code this one ran (measured on a 10-app plan: the
 * plan ~13% faster, its process ~12%; the floors of the benchmark gain about as much at 10 apps, A ~4% at
 * 100, the floors nothing measurable). An entry is named by everything V8 checks (its version and flags,
 * which Node takes from the command line and NODE_OPTIONS: runtimeFlags) and by the file's name and text: V8 itself
 * checks only the text's length, so an edited file never runs stale code. A cache V8 rejects anyway is
 * compiled afresh and rewritten. Left to Node's own loader: ES modules, a module it would load as one
 * (whose text does not compile as CommonJS), files outside the checkout (temporary checkouts and
 * projects, whose entries would never be read again), modules that may import dynamically (DYNAMIC_IMPORT),
 * and processes with source maps or the inspector on (Node records the source maps and pauses on the first
 * line in its own `_compile`).
 */
const codeCache = {
    dir: process.env.LAUNCHPAD_CODE_CACHE === "off" || !CACHE_DIR ? undefined : CACHE_DIR,
    /** @type {string | undefined} */
    salt: undefined,
    /** Modules compiled without a usable entry: written at exit. @type {[string, import("node:vm").Script][]} */
    fresh: [],
    /** What this process did, for the tests: entries read and used, rejected by V8, missing, written. */
    stats: { used: 0, rejected: 0, missing: 0, written: 0 },
};

/** Node's options that load or run code (with their values), which V8's flags do not include. */
const NOT_FLAGS = new Set(["-r", "--require", "-e", "--eval", "-p", "--print", "--import", "--loader", "--experimental-loader"]);

/**
 * The options of a command line (or NODE_OPTIONS) that may set V8's flags: all but NOT_FLAGS, whose values
 * (a test's `-e` script, with its temporary paths, say) would otherwise name new entries at every run.
 * @param {string[]} args
 */
function runtimeFlags(args) {
    const flags = [];
    for (let i = 0; i < args.length; i++) {
        const [name] = args[i].split("=");
        if (!NOT_FLAGS.has(name)) flags.push(args[i]);
        else if (!args[i].includes("=")) i++;
    }
    return flags.filter((f) => f !== "");
}

/**
 * The file where `filename`'s compiled code for `content` is kept.
 * @param {string} filename
 * @param {string} content
 */
function codeCacheFile(filename, content) {
    codeCache.salt ??= JSON.stringify([
        process.version,
        process.arch,
        runtimeFlags(process.execArgv),
        runtimeFlags((process.env.NODE_OPTIONS ?? "").split(/\s+/)),
    ]);
    const key = crypto.createHash("sha256").update(`${codeCache.salt}\0${filename}\0`).update(content).digest("hex");
    return path.join(/** @type {string} */ (codeCache.dir), `v8-${key}`);
}

/**
 * `require` for `mod`, as Node's makeRequireFunction makes it.
 * @param {any} mod
 */
function makeRequire(mod) {
    /** @param {string} id */
    const require = (id) => mod.require(id);
    /** @param {string} request @param {{ paths?: string[] }} [options] */
    const resolve = (request, options) => Module._resolveFilename(request, mod, false, options);
    /** @param {string} request */
    resolve.paths = (request) => Module._resolveLookupPaths(request, mod);
    return Object.assign(require, { resolve, main: process.mainModule, extensions: Module._extensions, cache: Module._cache });
}

/**
 * Writes the entries of the modules this process compiled afresh (each written whole, renamed into
 * place, so parallel processes never read half of one; where the folder cannot be written, nothing is).
 */
function writeCodeCache() {
    try {
        fs.mkdirSync(/** @type {string} */ (codeCache.dir), { recursive: true });
    } catch {
        // Then nothing is written.
    }
    for (const [file, script] of codeCache.fresh) {
        const partial = `${file}.${process.pid}.partial`;
        try {
            fs.writeFileSync(partial, script.createCachedData());
            fs.renameSync(partial, file);
            codeCache.stats.written++;
        } catch {
            fs.rmSync(partial, { force: true });
        }
    }
    codeCache.fresh = [];
}

/**
 * `import(` (or `import` and a comment before the parenthesis): a module that may import dynamically. Code
 * V8 reads from a cache has lost the callback Node gives a script for `import()` (it fails with
 * ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING), so such modules are compiled by Node. A word `import` in a
 * comment or string costs that module its entry, nothing more.
 */
const DYNAMIC_IMPORT = /\bimport\s*(?:\(|\/[*/])/;

function registerCodeCache() {
    if (!codeCache.dir) return;
    const nodeCompile = Module.prototype._compile;
    const [head] = Module.wrapper;
    /**
     * @this {any}
     * @param {string} content
     * @param {string} filename
     * @param {string} [format]
     */
    Module.prototype._compile = function (content, filename, format) {
        if (
            format === "module" ||
            !filename.startsWith(ROOT) ||
            DYNAMIC_IMPORT.test(content) ||
            process.sourceMapsEnabled ||
            require("node:inspector").url()
        )
            return nodeCompile.call(this, content, filename, format);
        const file = codeCacheFile(filename, content);
        /** @type {Buffer | undefined} */
        let cachedData;
        try {
            cachedData = fs.readFileSync(file);
        } catch {
            // Not cached yet.
        }
        /** @type {import("node:vm").Script} */
        let script;
        try {
            // The wrapper's head moved back so that positions on the first line are the file's own; a `#!` line
            // (which V8 takes only at the very start of a script) made a comment of the same length, as Node does.
            const source = content.startsWith("#!") ? `//${content.slice(2)}` : content;
            script = new vm.Script(Module.wrap(source), { filename, columnOffset: -head.length, cachedData });
        } catch {
            // Not CommonJS (Node loads it as an ES module) or not JavaScript: Node's loader says which.
            return nodeCompile.call(this, content, filename, format);
        }
        if (cachedData && !script.cachedDataRejected) codeCache.stats.used++;
        else {
            codeCache.stats[cachedData ? "rejected" : "missing"]++;
            if (codeCache.fresh.length === 0) process.once("exit", writeCodeCache);
            codeCache.fresh.push([file, script]);
        }
        const wrapper = script.runInThisContext({ displayErrors: true });
        return Reflect.apply(wrapper, this.exports, [this.exports, makeRequire(this), this, filename, path.dirname(filename)]);
    };
}

/**
 * Puts `exports` in the module cache as `file`'s module; `load` (given to `make`) drops it and
 * requires the real module, once.
 * @param {string} file
 * @param {(load: () => any) => unknown} make
 */
function standIn(file, make) {
    const m = new Module(file);
    m.filename = file;
    m.loaded = true;
    /** @type {any} */
    let real;
    const load = () => {
        if (real === undefined) {
            if (Module._cache[file] === m) delete Module._cache[file];
            real = require(file);
        }
        return real;
    };
    m.exports = make(load);
    Module._cache[file] = m;
}

/** What npm's Arborist module (@npmcli/arborist) exports: the Arborist class, with these classes as its members. */
const ARBORIST_EXPORTS = ["Arborist", "Node", "Link", "Edge", "Shrinkwrap"];

/**
 * A class the real module defines, standing in until it is constructed, called or read.
 * @param {() => any} load
 * @param {string} name
 */
function lazyClass(load, name) {
    return new Proxy(function () {}, {
        construct: (_, args) => Reflect.construct(load()[name], args),
        apply: (_, self, args) => Reflect.apply(load()[name], self, args),
        get: (_, key) => Reflect.get(load()[name], key),
    });
}

/**
 * An object the real module is, standing in until anything reads, lists or looks for one of its members;
 * reading one of `known`'s (which the real module has, with the same values) loads nothing.
 * @param {() => any} load
 * @param {Record<string, unknown>} [known]
 */
function lazyObject(load, known = {}) {
    return new Proxy(
        {},
        {
            get: (_, key) => (typeof key === "string" && Object.hasOwn(known, key) ? known[key] : Reflect.get(load(), key)),
            has: (_, key) => Reflect.has(load(), key),
            ownKeys: () => Reflect.ownKeys(load()),
            // Reported configurable: the (empty) target cannot hold a non-configurable member.
            getOwnPropertyDescriptor: (_, key) => {
                const d = Reflect.getOwnPropertyDescriptor(load(), key);
                return d && { ...d, configurable: true };
            },
        },
    );
}

/** What normalize-package-data exports: its `normalize` function, with these members. */
const NORMALIZE_EXPORTS = ["fixer"];

/**
 * A module that is a function (`module.exports = fn`), standing in until it is called or one of its
 * `members` is read.
 * @param {() => any} load
 * @param {string[]} members
 */
function lazyFunction(load, members) {
    /** @this {unknown} @param {unknown[]} args */
    const fn = function (...args) {
        return Reflect.apply(load(), this, args);
    };
    for (const name of members) Object.defineProperty(fn, name, { enumerable: true, get: () => load()[name] });
    return fn;
}

/**
 * A module compiled from ES exports, standing in until anything reads, lists or looks for one of its
 * members, except its `__esModule` mark: that is all an importer's `__importStar` reads of it (a marked
 * module is used as it is, not copied).
 * @param {() => any} load
 */
function lazyEsModule(load) {
    return lazyObject(load, { __esModule: true });
}

/**
 * RE2 as @kubernetes-models' schema modules use it (`runtime/re2`, an ES module whose default export is
 * re2-wasm's RE2): they construct one per pattern as they load and only ever call its `test`. The stand-in
 * compiles the real one the first time it is tested.
 * @param {() => any} load
 */
function lazyRe2(load) {
    class RE2 {
        /** @type {[string, string | undefined]} */ #args;
        /** @type {{ test(s: string): boolean } | undefined} */ #re;
        /** @param {string} source @param {string} [flags] */
        constructor(source, flags) {
            this.#args = [source, flags];
        }
        /** @param {string} s */
        test(s) {
            this.#re ??= new (load().default)(...this.#args);
            return /** @type {{ test(s: string): boolean }} */ (this.#re).test(s);
        }
    }
    return { __esModule: true, default: RE2 };
}

/**
 * Where the modules that stand in are, as `require` resolves them from their importers: @pulumi/pulumi's
 * function serializer's dependencies, zod's locales, and the RE2 of the Prometheus Operator's models.
 */
function standInModules() {
    const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
    const closure = { paths: [path.join(pulumiDir, "runtime", "closure")] };
    return {
        typescriptShim: path.join(pulumiDir, "typescript-shim.js"),
        arborist: require.resolve("@npmcli/arborist", closure),
        normalizePackageData: require.resolve("normalize-package-data", closure),
        zodLocales: require.resolve("zod/v4/locales"),
        re2: require.resolve("@kubernetes-models/validate/runtime/re2", {
            paths: [path.dirname(require.resolve("@kubernetes-models/prometheus-operator/package.json"))],
        }),
    };
}

function register() {
    if (process.env.LAUNCHPAD_SOURCE_MAPS === "1") process.setSourceMapsEnabled(true);
    registerCodeCache();
    Module._extensions[".ts"] = function (module, filename) {
        /** @type {any} */ (module)._compile(cachedTranspile(fs.readFileSync(filename, "utf8"), filename), filename);
    };
    const deps = standInModules();
    // The serializer's modules read `ts.<member>` only while they parse a function; any use loads the compiler.
    standIn(deps.typescriptShim, (load) => lazyObject(load));
    // codePaths.js copies the module's members at import (`__importStar`) and only constructs `Arborist`.
    standIn(deps.arborist, (load) => Object.fromEntries(ARBORIST_EXPORTS.map((name) => [name, lazyClass(load, name)])));
    // codePaths.js calls it (`__importDefault(...).default(data)`) for each package a serialized function needs.
    standIn(deps.normalizePackageData, (load) => lazyFunction(load, NORMALIZE_EXPORTS));
    // zod's indexes export it as `locales` (`__importStar`); its own English messages come from locales/en.
    standIn(deps.zodLocales, (load) => lazyEsModule(load));
    // Each of the models' schema modules (`_interop_require_default(...)`, which keeps a module marked
    // `__esModule` as it is) constructs `new re2.default(pattern, "u")` as it loads and calls `test`.
    standIn(deps.re2, (load) => lazyRe2(load));
}

register();

module.exports = { transpile, standInModules, codeCacheStats: () => ({ ...codeCache.stats }), ARBORIST_EXPORTS, NORMALIZE_EXPORTS };
