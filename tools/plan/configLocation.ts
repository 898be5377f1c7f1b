// Where a configuration problem is written: `Pulumi.<stack>.yaml:50` or `Pulumi.yaml:41`, so that the
// offline plan's errors point at the line to edit. The program itself cannot know it (under `pulumi up`
// the engine hands it the merged values); the plan, which reads the files, adds it.
import * as fs from "node:fs";
import * as path from "node:path";
import { isMap, isSeq, LineCounter, parseDocument } from "yaml";
import type { Node } from "yaml";
import type { ConfigProblem } from "../../config/errors";
import { fullKey, readProject } from "./stackConfig";

interface Source {
    file: string;
    lines: LineCounter;
    /** The node holding the values of a top-level key (`launchpad:apps`), by full key. */
    values: Map<string, Node>;
}

function source(file: string, project: string, valuesOf: (decl: Node) => Node | undefined): Source | undefined {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch {
        return undefined;
    }
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines });
    const config = doc.get("config", true);
    const values = new Map<string, Node>();
    if (isMap(config))
        for (const pair of config.items) {
            const key = (pair.key as { value?: unknown } | null)?.value;
            const node = pair.value as Node | null;
            if (typeof key !== "string" || !node) continue;
            const v = valuesOf(node);
            if (v) values.set(fullKey(key, project), v);
        }
    return { file, lines, values };
}

/** The deepest node along `rest` below `node` (the nearest existing parent of a missing key). */
function deepest(node: Node, rest: readonly PropertyKey[]): Node {
    let cur = node;
    for (const seg of rest) {
        const next =
            isMap(cur) || isSeq(cur) ? (cur.get(typeof seg === "number" ? seg : String(seg), true) as Node | undefined) : undefined;
        if (!next || typeof next !== "object") break;
        cur = next;
    }
    return cur;
}

/**
 * A locator for the problems of stack `stack` in `projectDir`: `file:line` of the value a problem is
 * about (of the object it belongs in, for a missing key), in the stack file when it sets the top-level
 * key, else in Pulumi.yaml's project value; undefined when neither file sets the top-level key.
 */
export function configLocator(projectDir: string, stack: string): (p: ConfigProblem) => string | undefined {
    const projectPath = path.join(projectDir, "Pulumi.yaml");
    // The plan read it already; a project without a name only loses the short keys' locations.
    let project = "";
    try {
        project = readProject(projectDir).name;
    } catch {
        // located by full keys only
    }
    const stackFile = source(path.join(projectDir, `Pulumi.${stack}.yaml`), project, (n) => n);
    // Pulumi.yaml: `key: value`, or a declaration whose `value` (or `default`) every stack gets.
    const projectFile = source(projectPath, project, (n) =>
        isMap(n) ? ((n.get("value", true) ?? n.get("default", true)) as Node | undefined) : n,
    );
    return (p) => {
        if (!p.at || p.at.length === 0) return undefined;
        const [top, ...rest] = p.at;
        const key = fullKey(String(top), project);
        for (const src of [stackFile, projectFile]) {
            const node = src?.values.get(key);
            if (!src || !node?.range) continue;
            const at = deepest(node, rest).range ?? node.range;
            return `${path.basename(src.file)}:${src.lines.linePos(at[0]).line}`;
        }
        return undefined;
    };
}

/** The ConfigError's text with each problem's `file:line` before its path, where it is known. */
export function locatedMessage(problems: readonly ConfigProblem[], locate: (p: ConfigProblem) => string | undefined): string {
    const n = problems.length;
    return (
        `invalid configuration (${n} problem${n === 1 ? "" : "s"}):\n` +
        problems
            .map((p) => {
                const where = locate(p);
                return `  ${where ? `${where}: ` : ""}${p.path}: ${p.message}`;
            })
            .join("\n")
    );
}
