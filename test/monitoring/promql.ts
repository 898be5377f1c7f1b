// PromQL syntax check with the parser of Prometheus's own UI (@prometheus-io/lezer-promql): runs
// everywhere, also where promtool is not installed.
import { parser } from "@prometheus-io/lezer-promql";

/** Undefined when `expr` parses; otherwise where the first syntax error is. */
export function promqlSyntaxError(expr: string): string | undefined {
    const tree = parser.parse(expr);
    let at: number | undefined;
    tree.iterate({
        enter: (n) => {
            if (at === undefined && n.type.isError) at = n.from;
            return at === undefined;
        },
    });
    return at === undefined ? undefined : `syntax error at ${at}: ...${expr.slice(Math.max(0, at - 20), at + 20)}...`;
}

/** The series an expression reads: the text of every vector selector (`metric{matchers}`), parsed by the same parser. */
export function vectorSelectors(expr: string): string[] {
    const found: string[] = [];
    parser.parse(expr).iterate({
        enter: (n) => {
            if (n.name !== "VectorSelector") return true;
            found.push(expr.slice(n.from, n.to));
            return false;
        },
    });
    return found;
}
