export * from "./analysis";
export * from "./argoRollout";
export * from "./rollout";
