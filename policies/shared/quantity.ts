// Kubernetes resource quantities (`250m`, `1.5`, `128Mi`, `2G`, `1e3`), shared by the config (requests
// against limits) and the capacity gate (pods against the namespace's ResourceQuota).
// The grammar is resource.Quantity's: a signed decimal number and one suffix, binary SI (Ki ... Ei),
// decimal SI (n, u, m, k, M, G, T, P, E) or a decimal exponent (e3, E-2).

const QUANTITY = /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(?:(Ki|Mi|Gi|Ti|Pi|Ei)|[eE]([+-]?[0-9]+)|(n|u|m|k|M|G|T|P|E))?$/;
const BINARY: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

/**
 * The value of a quantity (`250m` -> 0.25, `128Mi` -> 134217728), a plain number as it is, NaN for
 * anything else. Decimal suffixes move the decimal point, so `100m` is exactly `0.1`.
 */
export function quantityValue(q: unknown): number {
    if (typeof q === "number") return q;
    const m = typeof q === "string" ? QUANTITY.exec(q) : null;
    if (!m) return NaN;
    const [, num, binary, exponent, decimal] = m;
    if (binary) return Number(num) * 1024 ** BINARY[binary];
    return Number(`${num}e${exponent ?? (decimal ? DECIMAL[decimal] : 0)}`);
}
