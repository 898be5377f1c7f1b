// YAML files the plan reads (project and stack files, CRD files), as the Pulumi CLI's and Kubernetes' Go
// parsers read untyped values: the YAML 1.2 core schema. Errors name the file, line and column.
import * as fs from "node:fs";
import * as jsYaml from "js-yaml";
import { CORE_SCHEMA, Type, YAMLException, load, loadAll } from "js-yaml";
import { YAMLParseError, parse, parseAllDocuments } from "yaml";
import { InputError } from "../cli/run";

/** The YAML 1.2 core schema, plus merge keys (`<<: *anchor`), which go-yaml v3 applies as the CLI reads a stack file. */
const SCHEMA = CORE_SCHEMA.extend({
    // js-yaml's own merge type (its typings leave `types` out).
    implicit: [(jsYaml as unknown as { types: { merge: Type } }).types.merge],
});

/**
 * `file:line:column: not valid YAML: <reason>` and the lines up to the error, numbered, with a caret
 * under the column: what an editor would show, so the user need not open the file to find it.
 */
function placedYamlError(file: string, text: string, reason: string, line: number, col: number): string {
    const lines = text.split("\n");
    const width = String(line).length;
    const excerpt: string[] = [];
    for (let n = Math.max(1, line - 2); n <= Math.min(line, lines.length); n++)
        excerpt.push(`  ${String(n).padStart(width)} | ${lines[n - 1]}`);
    excerpt.push(`  ${" ".repeat(width)} | ${" ".repeat(col - 1)}^`);
    return `${file}:${line}:${col}: not valid YAML: ${reason}\n${excerpt.join("\n")}`;
}

/** The `yaml` package's parse error, placed (placedYamlError). */
function yamlErrorMessage(file: string, text: string, e: YAMLParseError): string {
    const reason = e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
    const pos = e.linePos?.[0];
    return pos ? placedYamlError(file, text, reason, pos.line, pos.col) : `${file}: not valid YAML: ${reason}`;
}

/** The first error the `yaml` package finds in `text` (one document, or a stream of them), if any. */
function yamlPackageError(text: string, documents: "one" | "all"): YAMLParseError | undefined {
    if (documents === "all") return parseAllDocuments(text, { logLevel: "error" }).flatMap((d) => d.errors)[0];
    try {
        parse(text, { logLevel: "error" });
    } catch (e) {
        if (e instanceof YAMLParseError) return e;
        throw e;
    }
    return undefined;
}

/**
 * The file's one document (`documents: "one"`) or all of its documents, under the YAML 1.2 core schema as
 * the CLI's go-yaml v3 reads untyped values (0b binary integers included, which the `yaml` package leaves
 * as strings): parsed by js-yaml, several times faster than `yaml`. A file js-yaml refuses is an
 * InputError with `yaml`'s reason where `yaml` refuses it too (its messages are the clearer), else with
 * js-yaml's (an unknown tag, which `yaml` would drop with a warning); `shownAs` names the file in it. The
 * stack config spec checks that both parsers read every stack here alike.
 */
export function readYamlFile(file: string, documents: "one", shownAs?: string): unknown;
export function readYamlFile(file: string, documents: "all", shownAs?: string): unknown[];
export function readYamlFile(file: string, documents: "one" | "all", shownAs = file): unknown {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new InputError(
            `cannot read ${shownAs}${code === "EISDIR" ? ": it is a folder" : code === "EACCES" ? ": permission denied" : ""}`,
        );
    }
    return parseYamlText(text, documents as "one", shownAs);
}

/** readYamlFile for text already in memory (a file about to be written); `shownAs` names it in errors. */
export function parseYamlText(text: string, documents: "one", shownAs: string): unknown;
export function parseYamlText(text: string, documents: "all", shownAs: string): unknown[];
export function parseYamlText(text: string, documents: "one" | "all", shownAs: string): unknown {
    try {
        return documents === "one" ? load(text, { schema: SCHEMA }) : loadAll(text, undefined, { schema: SCHEMA });
    } catch (fast) {
        if (!(fast instanceof YAMLException)) throw fast;
        const slow = yamlPackageError(text, documents);
        if (slow) throw new InputError(yamlErrorMessage(shownAs, text, slow));
        throw new InputError(placedYamlError(shownAs, text, fast.reason, fast.mark.line + 1, fast.mark.column + 1));
    }
}
