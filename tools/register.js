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
// LAUNCHPAD_SOURCE_MAPS=1 turns Node's source maps on, so stack traces show TypeScript positions.
// LAUNCHPAD_TRANSPILE_CACHE=off transpiles every file afresh; set to a folder, it keeps the cache there.
"use strict";
const crypto = require("node:crypto");
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

module.exports = { transpile, standInModules, ARBORIST_EXPORTS, NORMALIZE_EXPORTS };
