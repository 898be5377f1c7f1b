export * from "./facts";
export * from "./releaseRecord";
