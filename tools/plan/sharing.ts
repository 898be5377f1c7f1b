// Walking plan values without copying what a walk leaves as it is (the plan's inputs are large: a copy of
// every one costs time and memory at every phase that makes it).

/** `f` of every item: the same array when `f` returns every item as it is, else a copy with the new items. */
export function mapItems(items: unknown[], f: (item: unknown) => unknown): unknown[] {
    let out: unknown[] | undefined;
    for (let i = 0; i < items.length; i++) {
        const v = f(items[i]);
        if (v !== items[i]) (out ??= items.slice())[i] = v;
    }
    return out ?? items;
}
