export * from "./environment";
export * from "./networkPolicies";
