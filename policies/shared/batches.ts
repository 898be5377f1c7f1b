// Ansible batches, shared by the VM config and the rollback-ready gate.

/** Hosts in the first batch of a rollout of `fleet` hosts (Ansible rounds percentages down, at least 1). */
export function firstBatch(serial: readonly (number | string)[], fleet: number): number {
    const first = serial[0];
    const n = typeof first === "number" ? first : Math.floor((fleet * Number(first.replace("%", ""))) / 100);
    return Math.min(fleet, Math.max(1, n));
}
