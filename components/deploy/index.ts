export * from "./blueGreen";
export * from "./canary";
export * from "./direct";
export * from "./podTemplate";
export * from "./traffic";
export * from "./workload";
export * from "./secretEnv";
export * from "./argo";
