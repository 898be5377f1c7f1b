// Shared with the policy pack, which must not import from outside policies/ (it is published on its own).
export * from "../../policies/shared/tags";
